package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testPKI is a throwaway root and intermediate CA, standing in for the
// company PKI that hands an administrator certificate files.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

func newTestPKI(tb testing.TB) *testPKI {
	tb.Helper()
	p := &testPKI{}
	p.rootKey = mustKey(tb)
	p.root = mustCert(tb, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Root"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, nil, &p.rootKey.PublicKey, p.rootKey)
	p.interKey = mustKey(tb)
	p.inter = mustCert(tb, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Intermediate"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, p.root, &p.interKey.PublicKey, p.rootKey)
	return p
}

// pool trusts only the test root.
func (p *testPKI) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// leafSpec describes a leaf the test PKI issues.
type leafSpec struct {
	names               []string // DNS names or IP addresses
	notBefore, notAfter time.Time
	noIntermediate      bool // signed by the root; the chain is the leaf alone
}

// issue returns a leaf chain (PEM, leaf first) and its key (PEM).
func (p *testPKI) issue(tb testing.TB, spec leafSpec) (chainPEM, keyPEM []byte, leaf *x509.Certificate) {
	tb.Helper()
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Now().Add(-time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Now().Add(12 * time.Hour)
	}
	key := mustKey(tb)
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: spec.names[0]},
		NotBefore:   spec.notBefore,
		NotAfter:    spec.notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range spec.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, parentKey := p.inter, p.interKey
	if spec.noIntermediate {
		parent, parentKey = p.root, p.rootKey
	}
	leaf = mustCert(tb, tmpl, parent, &key.PublicKey, parentKey)
	chainPEM = pemCert(leaf)
	if !spec.noIntermediate {
		chainPEM = append(chainPEM, pemCert(p.inter)...)
	}
	return chainPEM, pemKey(tb, key), leaf
}

// writePair issues a leaf and writes it to cert.pem and key.pem in dir.
func (p *testPKI) writePair(tb testing.TB, dir string, spec leafSpec) (certFile, keyFile string, leaf *x509.Certificate) {
	tb.Helper()
	chain, key, leaf := p.issue(tb, spec)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replaceFile(tb, certFile, chain)
	replaceFile(tb, keyFile, key)
	return certFile, keyFile, leaf
}

func mustKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustCert(tb testing.TB, tmpl, parent *x509.Certificate, pub any, signer any) *x509.Certificate {
	tb.Helper()
	serial, err := randomSerial()
	if err != nil {
		tb.Fatal(err)
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func pemKey(tb testing.TB, k *ecdsa.PrivateKey) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// replaceFile replaces name atomically (write, then rename), as an
// administrator's deploy script or certbot does.
func replaceFile(tb testing.TB, name string, data []byte) {
	tb.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		tb.Fatal(err)
	}
}
