// Package testpki makes throwaway certificate authorities and server
// certificates for tests: the company PKI that hands an administrator
// certificate files, or the CA behind Pebble's own HTTPS API. Only tests
// import it; every helper fails the test on an error.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throwaway certificate authority: a self-signed root, or an
// intermediate another CA signed. Its keys are ECDSA P-256.
type CA struct {
	// Cert is the CA's certificate, valid from an hour ago for a day.
	Cert *x509.Certificate
	// Key is the CA's private key.
	Key *ecdsa.PrivateKey
	// chain is what a server sends after a leaf this CA signs: Cert and the
	// intermediates above it, without the root (clients have that).
	chain []*x509.Certificate
}

// NewRoot makes a self-signed root CA named name.
func NewRoot(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	return &CA{Cert: sign(tb, caTemplate(name), nil, &key.PublicKey, key), Key: key}
}

// NewIntermediate makes a CA named name that ca signs; the leaves it issues
// come with its certificate in their chain.
func (ca *CA) NewIntermediate(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	cert := sign(tb, caTemplate(name), ca.Cert, &key.PublicKey, ca.Key)
	return &CA{Cert: cert, Key: key, chain: append([]*x509.Certificate{cert}, ca.chain...)}
}

func caTemplate(name string) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
}

// Pool returns a pool that trusts ca alone: a root's pool verifies the
// chains of its intermediates' leaves too.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Leaf describes a certificate a CA issues: a server's, or a client's.
type Leaf struct {
	// Names are the certificate's DNS names and IP addresses; the first is
	// also its subject's common name. There must be at least one.
	Names []string
	// NotBefore and NotAfter bound its validity; zero means an hour ago
	// and in 12 hours.
	NotBefore, NotAfter time.Time
	// Client makes it a client certificate (extended key usage
	// clientAuth), which servers such as PostgreSQL take as a login for
	// the user in its common name.
	Client bool
}

// Issue signs a certificate as spec says. It returns the chain a
// server sends (PEM: the leaf, then the intermediates, without the root),
// the leaf's private key (PKCS #8 PEM) and the leaf.
func (ca *CA) Issue(tb testing.TB, spec Leaf) (chainPEM, keyPEM []byte, leaf *x509.Certificate) {
	tb.Helper()
	if spec.NotBefore.IsZero() {
		spec.NotBefore = time.Now().Add(-time.Hour)
	}
	if spec.NotAfter.IsZero() {
		spec.NotAfter = time.Now().Add(12 * time.Hour)
	}
	key := newKey(tb)
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: spec.Names[0]},
		NotBefore:   spec.NotBefore,
		NotAfter:    spec.NotAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if spec.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, n := range spec.Names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	leaf = sign(tb, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	chainPEM = CertPEM(leaf)
	for _, c := range ca.chain {
		chainPEM = append(chainPEM, CertPEM(c)...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return chainPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), leaf
}

// WritePair issues a certificate as spec says and writes its chain to
// cert.pem and its key to key.pem in dir, each through ReplaceFile.
func (ca *CA) WritePair(tb testing.TB, dir string, spec Leaf) (certFile, keyFile string, leaf *x509.Certificate) {
	tb.Helper()
	chain, key, leaf := ca.Issue(tb, spec)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ReplaceFile(tb, certFile, chain)
	ReplaceFile(tb, keyFile, key)
	return certFile, keyFile, leaf
}

// CertPEM encodes c as a PEM "CERTIFICATE" block.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// ReplaceFile replaces name with data (mode 0600) the way an
// administrator's deploy script or certbot does: written beside it as
// name.tmp, then renamed over it, so a server watching name never reads
// half a file.
func ReplaceFile(tb testing.TB, name string, data []byte) {
	tb.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		tb.Fatal(err)
	}
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// sign makes the certificate tmpl describes, with a random serial, signed
// by parent's signer (by itself when parent is nil).
func sign(tb testing.TB, tmpl, parent *x509.Certificate, pub, signer any) *x509.Certificate {
	tb.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
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
