package storage

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/pgtest"
)

// TestClientCert logs in to a real PostgreSQL 15 with TLS by client
// certificate alone (pg_hba.conf "hostssl ... cert", no password
// anywhere): the store works end to end. A certificate from another CA,
// one issued to another user, and the files or URL that cannot work each
// give their one-line error, at once rather than after a minute of
// retries.
func TestClientCert(t *testing.T) {
	srv := pgtest.NewTLS(t)
	url := srv.NewCertDatabase(t, "certs")
	certFile, keyFile := srv.CA.ClientCert(t, pgtest.CertUser)
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))

	t.Run("round trip", func(t *testing.T) {
		p, err := Open(t.Context(), Config{URL: url, ClientCertFile: certFile, ClientKeyFile: keyFile, StartTimeout: -1})
		if err != nil {
			t.Fatalf("Open with a client certificate: %v\n%s", err, srv.Log())
		}
		defer p.Close()
		if err := p.Store(t.Context(), "certificates/a/b.crt", []byte("value")); err != nil {
			t.Fatalf("Store: %v", err)
		}
		if v, err := p.Load(t.Context(), "certificates/a/b.crt"); err != nil || string(v) != "value" {
			t.Fatalf("Load = %q, %v", v, err)
		}
		var user string
		var ssl bool
		if err := p.pool.QueryRow(t.Context(), `SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&user, &ssl); err != nil || user != pgtest.CertUser || !ssl {
			t.Errorf("connected as %q, TLS %v (%v); want %s over TLS", user, ssl, err, pgtest.CertUser)
		}
		in, err := Inspect(t.Context(), Config{URL: url, ClientCertFile: certFile, ClientKeyFile: keyFile}, "check")
		if err != nil || in.SchemaVersion != schemaVersion || in.LockErr != nil {
			t.Errorf("Inspect with a client certificate: %+v, %v", in, err)
		}
	})

	t.Run("no certificate", func(t *testing.T) {
		_, err := Open(t.Context(), Config{URL: url, StartTimeout: -1})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("Open without a client certificate: %v", err)
		}
	})

	// refused opens with cfg and wants an error holding each of words, on
	// one line, well before the default start timeout would have passed.
	refused := func(t *testing.T, cfg Config, kind error, words ...string) {
		t.Helper()
		start := time.Now()
		_, err := Open(t.Context(), cfg)
		if err == nil {
			t.Fatal("Open succeeded")
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Open took %v to fail: it retried an error that does not go away", d)
		}
		msg := err.Error()
		t.Logf("error: %s", msg)
		if strings.Contains(msg, "\n") {
			t.Errorf("error on more than one line: %q", msg)
		}
		for _, w := range words {
			if !strings.Contains(msg, w) {
				t.Errorf("error lacks %q: %s", w, msg)
			}
		}
		if kind != nil && !errors.Is(err, kind) {
			t.Errorf("error is not %v: %s", kind, msg)
		}
		if flagName.MatchString(msg) {
			t.Errorf("the storage package names a flag: %s", msg)
		}
	}

	t.Run("another CA", func(t *testing.T) {
		other := pgtest.NewCA(t, "another CA")
		c, k := other.ClientCert(t, pgtest.CertUser)
		// crypto/tls sends no certificate the server's CA list does not
		// accept; the server then refuses the login.
		refused(t, Config{URL: url, ClientCertFile: c, ClientKeyFile: k}, nil, "requires a valid client certificate", "issued by a CA in the server's ssl_ca_file")
		_, err := Inspect(t.Context(), Config{URL: url, ClientCertFile: c, ClientKeyFile: k}, "check")
		if !errors.Is(err, ErrLoginRefused) {
			t.Errorf("Inspect with a certificate from another CA: %v; want ErrLoginRefused", err)
		}
	})

	t.Run("another user", func(t *testing.T) {
		c, k := srv.CA.ClientCert(t, "postgres")
		refused(t, Config{URL: url, ClientCertFile: c, ClientKeyFile: k}, nil, "certificate authentication failed", "to the database user")
		_, err := Inspect(t.Context(), Config{URL: url, ClientCertFile: c, ClientKeyFile: k}, "check")
		if !errors.Is(err, ErrLoginRefused) {
			t.Errorf("Inspect with another user's certificate: %v; want ErrLoginRefused", err)
		}
	})

	t.Run("missing key", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "client.key")
		refused(t, Config{URL: url, ClientCertFile: certFile, ClientKeyFile: missing}, ErrClientKey, "storage client key", missing, "no such file")
	})

	t.Run("mismatched key", func(t *testing.T) {
		_, otherKey := srv.CA.ClientCert(t, pgtest.CertUser)
		refused(t, Config{URL: url, ClientCertFile: certFile, ClientKeyFile: otherKey}, ErrClientKey, otherKey, "does not match the certificate "+certFile)
	})

	t.Run("not PEM", func(t *testing.T) {
		junk := filepath.Join(t.TempDir(), "junk")
		if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, Config{URL: url, ClientCertFile: junk, ClientKeyFile: keyFile}, ErrClientCert, junk, "holds no PEM certificate")
		refused(t, Config{URL: url, ClientCertFile: certFile, ClientKeyFile: junk}, ErrClientKey, junk, "holds no PEM private key")
		refused(t, Config{URL: url, ClientCertFile: keyFile, ClientKeyFile: keyFile}, ErrClientCert, keyFile, "holds no PEM certificate")
	})

	t.Run("TLS off", func(t *testing.T) {
		plain := strings.Replace(srv.URL("certs"), "postgres@", pgtest.CertUser+"@", 1)
		refused(t, Config{URL: plain, ClientCertFile: certFile, ClientKeyFile: keyFile}, ErrClientCertURL, "a client certificate needs TLS", "sslmode=disable", "sslmode=verify-full")
		if err := CheckClientCert(Config{URL: plain, ClientCertFile: certFile, ClientKeyFile: keyFile}); !errors.Is(err, ErrClientCertURL) {
			t.Errorf("CheckClientCert with sslmode=disable: %v", err)
		}
	})

	t.Run("certificate in the URL too", func(t *testing.T) {
		both := url + "&sslcert=" + certFile + "&sslkey=" + keyFile
		refused(t, Config{URL: both, ClientCertFile: certFile, ClientKeyFile: keyFile}, ErrClientCertURL, "sslcert=", "not both")
		// The URL's own certificate alone still works: pgx reads it.
		p, err := Open(t.Context(), Config{URL: both, StartTimeout: -1})
		if err != nil {
			t.Fatalf("Open with sslcert and sslkey in the URL: %v", err)
		}
		p.Close()
	})

	t.Run("one file", func(t *testing.T) {
		refused(t, Config{URL: url, ClientCertFile: certFile}, ErrClientCertURL, "needs both files")
		refused(t, Config{URL: url, ClientKeyFile: keyFile}, ErrClientCertURL, "needs both files")
	})

	t.Run("check without connecting", func(t *testing.T) {
		if err := CheckClientCert(Config{URL: url, ClientCertFile: certFile, ClientKeyFile: keyFile}); err != nil {
			t.Errorf("CheckClientCert: %v", err)
		}
		if err := CheckClientCert(Config{URL: url}); err != nil {
			t.Errorf("CheckClientCert without a certificate: %v", err)
		}
	})
}

// flagName is a command-line flag in a message: only cmd names those.
var flagName = regexp.MustCompile(`(^|\s)--[a-z]`)

// TestLoadClientCertExpired: an expired client certificate is refused
// before the database does, with its date.
func TestLoadClientCertExpired(t *testing.T) {
	ca := pgtest.NewCA(t, "test")
	c, k := ca.ClientCert(t, "someone")
	if _, err := loadClientCert(c, k, time.Now()); err != nil {
		t.Fatalf("loadClientCert: %v", err)
	}
	_, err := loadClientCert(c, k, time.Now().Add(48*time.Hour))
	if !errors.Is(err, ErrClientCert) || !strings.Contains(err.Error(), "expired on") {
		t.Errorf("loadClientCert two days after: %v", err)
	}
}
