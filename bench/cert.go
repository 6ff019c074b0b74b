package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certFiles names one certificate every server presents, and the root that
// verifies it.
type certFiles struct {
	// Source says where the certificate came from, for the report.
	Source string `json:"source"`
	// CA is the root certificate (PEM) clients verify the chain with.
	CA string `json:"ca"`
	// Cert is the chain the servers send (PEM); Key its private key.
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// makeCert writes a throwaway CA and a leaf for 127.0.0.1, ::1 and
// localhost, both ECDSA P-256, into dir. The leaf is signed by the root
// directly, the shape dashbox's local CA gives too, so every server sends
// a chain of one certificate of the same size.
func makeCert(dir string) (certFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return certFiles{}, err
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dashbox bench throwaway root"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return certFiles{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return certFiles{}, err
	}
	f := certFiles{
		Source: "throwaway CA and ECDSA P-256 leaf made for this run",
		CA:     filepath.Join(dir, "ca.pem"),
		Cert:   filepath.Join(dir, "cert.pem"),
		Key:    filepath.Join(dir, "key.pem"),
	}
	for _, w := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{
		{f.CA, "CERTIFICATE", caDER, 0o644},
		{f.Cert, "CERTIFICATE", leafDER, 0o644},
		// Readable by nginx's unprivileged worker is not needed (the
		// master reads it as root), so keep it private.
		{f.Key, "PRIVATE KEY", keyDER, 0o600},
	} {
		data := pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der})
		if err := os.WriteFile(w.path, data, w.mode); err != nil {
			return certFiles{}, fmt.Errorf("writing %s: %w", w.path, err)
		}
	}
	return f, nil
}

// localCACert finds the certificate dashbox's local CA issued for
// 127.0.0.1 in stateDir, for runs where dashbox cannot load certificate
// files yet: the other servers are then given dashbox's own.
func localCACert(stateDir string) (certFiles, error) {
	matches, _ := filepath.Glob(filepath.Join(stateDir, "certificates", "*", "127.0.0.1", "127.0.0.1.crt"))
	if len(matches) != 1 {
		return certFiles{}, fmt.Errorf("dashbox's certificate for 127.0.0.1 not found in %s (found %d)", stateDir, len(matches))
	}
	crt := matches[0]
	return certFiles{
		Source: "dashbox's local CA leaf (ECDSA P-256), exported to the other servers",
		CA:     filepath.Join(stateDir, "ca", "root.crt"),
		Cert:   crt,
		Key:    crt[:len(crt)-len(".crt")] + ".key",
	}, nil
}
