package pgtest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// CertUser is the role a TLS server (NewTLS) lets in by client
// certificate alone: pg_hba.conf's "hostssl all certuser 127.0.0.1/32
// cert", which needs a certificate from the server's CA whose common name
// is the user.
const CertUser = "certuser"

// CA is a certificate authority made for a test.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// PEM is Cert in PEM.
	PEM []byte
}

// NewCA makes a CA called name (its common name).
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// issue signs a leaf for commonName with the usage and addresses given,
// and returns it and its key in PEM.
func (ca *CA) issue(commonName string, usage x509.ExtKeyUsage, ips []net.IP, names []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// ClientCert issues a client certificate for the database user (its
// common name) and writes it and its key to files in a temporary folder
// of the test: client.crt and client.key (mode 0600).
func (ca *CA) ClientCert(tb testing.TB, user string) (certFile, keyFile string) {
	tb.Helper()
	certPEM, keyPEM, err := ca.issue(user, x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n
}

// NewTLS is New with TLS: the server (ssl=on) has a certificate for
// 127.0.0.1 from a CA made for the test (s.CA, its PEM in s.RootFile),
// trusts that CA's client certificates (ssl_ca_file), and lets CertUser in
// by client certificate alone from 127.0.0.1 (hostssl ... cert). The
// postgres user keeps its trust login, with or without TLS.
func NewTLS(tb testing.TB) *Server {
	tb.Helper()
	s, err := launch(true)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// setUpTLS writes the server's certificate, key and CA into its folder and
// puts the certificate login first in pg_hba.conf (the first line that
// matches decides). It runs between initdb and the first start.
func (s *Server) setUpTLS() error {
	ca, err := NewCA("dashbox pgtest CA")
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.issue("127.0.0.1", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
	if err != nil {
		return err
	}
	s.CA, s.RootFile = ca, filepath.Join(s.Dir, "root.crt")
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{s.RootFile, ca.PEM, 0o644},
		{s.serverCertFile(), certPEM, 0o644},
		{s.serverKeyFile(), keyPEM, 0o600}, // PostgreSQL refuses a key others can read
	}
	for _, f := range files {
		if err := os.WriteFile(f.name, f.data, f.mode); err != nil {
			return err
		}
		if s.cred != nil {
			if err := os.Chown(f.name, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return err
			}
		}
	}
	hba := filepath.Join(s.dataDir(), "pg_hba.conf")
	old, err := os.ReadFile(hba)
	if err != nil {
		return err
	}
	line := "hostssl all " + CertUser + " 127.0.0.1/32 cert\n"
	return os.WriteFile(hba, append([]byte(line), old...), 0o600)
}

func (s *Server) serverCertFile() string { return filepath.Join(s.Dir, "server.crt") }
func (s *Server) serverKeyFile() string  { return filepath.Join(s.Dir, "server.key") }

// tlsOptions are the server's TLS settings for pg_ctl -o, empty without
// TLS.
func (s *Server) tlsOptions() string {
	if s.CA == nil {
		return ""
	}
	return fmt.Sprintf(" -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s -c ssl_ca_file=%s", s.serverCertFile(), s.serverKeyFile(), s.RootFile)
}

// createCertUser creates CertUser, who logs in but owns nothing yet.
func (s *Server) createCertUser() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{CertUser}.Sanitize()+" LOGIN")
	return err
}

// NewCertDatabase creates an empty database on a TLS server (NewTLS) that
// CertUser owns, and returns its URL for CertUser with TLS
// (sslmode=verify-full, sslrootcert=s.RootFile) and no password: the
// client certificate is still to be given.
func (s *Server) NewCertDatabase(tb testing.TB, name string) string {
	tb.Helper()
	if s.CA == nil {
		tb.Fatal("pgtest: NewCertDatabase needs a server started with NewTLS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		tb.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+pgx.Identifier{CertUser}.Sanitize()); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	return s.CertURL(name)
}

// CertURL returns the URL of database name on a TLS server for CertUser:
// sslmode=verify-full with the server's CA as sslrootcert, no password.
func (s *Server) CertURL(name string) string {
	q := url.Values{"sslmode": {"verify-full"}, "sslrootcert": {s.RootFile}}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?%s", CertUser, s.Port, name, strings.ReplaceAll(q.Encode(), "%2F", "/"))
}
