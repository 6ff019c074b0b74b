package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testpki"
	"github.com/jackc/pgx/v5"
)

// CertUser is the role a TLS server (NewTLS) lets in by client
// certificate alone: pg_hba.conf's "hostssl all certuser 127.0.0.1/32
// cert", which needs a certificate from the server's CA whose common name
// is the user.
const CertUser = "certuser"

// CA is a certificate authority made for a test, with the files a
// PostgreSQL client needs.
type CA struct {
	*testpki.CA
	// PEM is the CA's certificate in PEM (sslrootcert=, ssl_ca_file).
	PEM []byte
}

// NewCA makes a CA called name (its common name).
func NewCA(tb testing.TB, name string) *CA {
	tb.Helper()
	ca := testpki.NewRoot(tb, name)
	return &CA{CA: ca, PEM: testpki.CertPEM(ca.Cert)}
}

// ClientCert issues a client certificate for the database user (its
// common name) and writes it and its key to files in a temporary folder
// of the test: cert.pem and key.pem (mode 0600).
func (ca *CA) ClientCert(tb testing.TB, user string) (certFile, keyFile string) {
	tb.Helper()
	certFile, keyFile, _ = ca.WritePair(tb, tb.TempDir(), testpki.Leaf{Names: []string{user}, Client: true})
	return certFile, keyFile
}

// NewTLS is New with TLS: the server (ssl=on) has a certificate for
// 127.0.0.1 from a CA made for the test (s.CA, its PEM in s.RootFile),
// trusts that CA's client certificates (ssl_ca_file), and lets CertUser in
// by client certificate alone from 127.0.0.1 (hostssl ... cert). The
// postgres user keeps its trust login, with or without TLS.
func NewTLS(tb testing.TB) *Server {
	tb.Helper()
	ca := NewCA(tb, "dashbox pgtest CA")
	certPEM, keyPEM, _ := ca.Issue(tb, testpki.Leaf{Names: []string{"127.0.0.1", "localhost"}})
	s, err := launch(&serverTLS{ca: ca, certPEM: certPEM, keyPEM: keyPEM})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// serverTLS is what a TLS server (NewTLS) is given: its CA, and its
// certificate and key in PEM.
type serverTLS struct {
	ca              *CA
	certPEM, keyPEM []byte
}

// setUpTLS writes the server's certificate, key and CA into its folder and
// puts the certificate login first in pg_hba.conf (the first line that
// matches decides). It runs between initdb and the first start.
func (s *Server) setUpTLS(t *serverTLS) error {
	ca, certPEM, keyPEM := t.ca, t.certPEM, t.keyPEM
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
