package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/pgtest"
)

// TestStorageClientCert: on a real PostgreSQL 15 that lets the user in by
// client certificate alone (pg_hba.conf hostssl ... cert),
// --storage-client-cert and --storage-client-key work wherever --storage
// does: serve --check checks the files, doctor's storage check connects,
// storage migrate --to copies a state directory, certs --storage and
// ca --storage read it, and the environment can give the files too. A
// certificate for another user fails doctor's check with a fix about the
// certificate; files or URLs that cannot work fail serve --check with
// their flag named.
func TestStorageClientCert(t *testing.T) {
	pg := pgtest.NewTLS(t)
	url := pg.NewCertDatabase(t, "certlogin")
	cert, key := pg.CA.ClientCert(t, pgtest.CertUser)
	certFlags := []string{"--storage-client-cert", cert, "--storage-client-key", key}
	port := strconv.Itoa(freePort(t))
	serveArgs := func(url string, extra ...string) []string {
		return append([]string{"--acme=false", "--https-addr", "127.0.0.1:" + port, "--http-addr", "",
			"--state-dir", filepath.Join(t.TempDir(), "state"), "--storage", url}, extra...)
	}

	t.Run("serve --check", func(t *testing.T) {
		out, errOut, err := runCmd(t, append([]string{"serve", "--check"}, serveArgs(url, certFlags...)...)...)
		if err != nil || !strings.Contains(out, "configuration OK") {
			t.Fatalf("serve --check with a client certificate: %v\n%s%s", err, out, errOut)
		}
	})

	t.Run("doctor", func(t *testing.T) {
		out, err := runDoctorCLI(t, serveArgs(url, certFlags...)...)
		if err != nil {
			t.Fatalf("doctor: %v", err)
		}
		for _, check := range []string{"storage " + url, "file of --storage-client-cert", "file of --storage-client-key"} {
			if line := doctorLine(t, out, check); !strings.HasPrefix(line, "OK ") {
				t.Errorf("want OK: %s", line)
			}
		}
	})

	t.Run("doctor, another user's certificate", func(t *testing.T) {
		c, k := pg.CA.ClientCert(t, "postgres")
		out, err := runDoctorCLI(t, serveArgs(url, "--storage-client-cert", c, "--storage-client-key", k)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		line := doctorLine(t, out, "storage "+url)
		for _, w := range []string{"FAIL ", "certificate authentication failed", "fix: check the user in --storage, that --storage-client-cert is issued to it"} {
			if !strings.Contains(line, w) {
				t.Errorf("lacks %q: %s", w, line)
			}
		}
	})

	t.Run("migrate, certs, ca", func(t *testing.T) {
		dir, fingerprint := localCAStateDir(t)
		out, errOut, err := runCmd(t, append([]string{"storage", "migrate", "--from", dir, "--to", url}, certFlags...)...)
		if err != nil || !strings.Contains(out, fingerprint) {
			t.Fatalf("storage migrate with a client certificate: %v\n%s%s", err, out, errOut)
		}
		out, errOut, err = runCmd(t, append([]string{"certs", "--storage", url}, certFlags...)...)
		if err != nil || !strings.Contains(out, "localhost") {
			t.Errorf("certs --storage with a client certificate: %v\n%s%s", err, out, errOut)
		}
		out, errOut, err = runCmd(t, append([]string{"ca", "--storage", url}, certFlags...)...)
		if err != nil || !strings.Contains(out, "BEGIN CERTIFICATE") {
			t.Errorf("ca --storage with a client certificate: %v\n%s%s", err, out, errOut)
		}
		// The environment gives the files as well.
		env := map[string]string{"DASHBOX_STORAGE_CLIENT_CERT": cert, "DASHBOX_STORAGE_CLIENT_KEY": key}
		var stdout, stderr bytes.Buffer
		err = run(context.Background(), []string{"dashbox", "ca", "--storage", url}, func(k string) string { return env[k] }, &stdout, &stderr)
		if err != nil || !strings.Contains(stdout.String(), "BEGIN CERTIFICATE") {
			t.Errorf("ca --storage with DASHBOX_STORAGE_CLIENT_CERT and _KEY: %v\n%s", err, stderr.String())
		}
	})

	_, otherKey := pg.CA.ClientCert(t, pgtest.CertUser)
	plain := strings.Replace(pg.URL("certlogin"), "postgres@", pgtest.CertUser+"@", 1)
	for _, tc := range []struct {
		name  string
		args  []string
		exit  int
		words []string
	}{
		{"cert without key", serveArgs(url, "--storage-client-cert", cert), 2, []string{"--storage-client-cert and --storage-client-key go together"}},
		{"key without cert", serveArgs(url, "--storage-client-key", key), 2, []string{"--storage-client-cert and --storage-client-key go together"}},
		{"no --storage", []string{"--acme=false", "--https-addr", "127.0.0.1:" + port, "--state-dir", t.TempDir(), "--storage-client-cert", cert, "--storage-client-key", key}, 2, []string{"--storage-client-cert without --storage"}},
		{"mismatched key", serveArgs(url, "--storage-client-cert", cert, "--storage-client-key", otherKey), 1, []string{"--storage-client-key: storage client key " + otherKey + " does not match the certificate " + cert}},
		{"missing cert", serveArgs(url, "--storage-client-cert", cert+".missing", "--storage-client-key", key), 1, []string{"--storage-client-cert: storage client certificate: open " + cert + ".missing: no such file"}},
		{"TLS off", serveArgs(plain, certFlags...), 2, []string{"--storage-client-cert: a client certificate needs TLS", "sslmode=disable", "sslmode=verify-full"}},
		{"sslrootcert missing", serveArgs(strings.Replace(url, pg.RootFile, pg.RootFile+".missing", 1), certFlags...), 1, []string{"--storage: storage URL", "unable to read CA file"}},
		{"sslcert in the URL too", serveArgs(url+"&sslcert="+cert+"&sslkey="+key, certFlags...), 2, []string{"--storage-client-cert: the storage URL names a client certificate of its own"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, append([]string{"serve", "--check"}, tc.args...)...)
			if exitCode(err) != tc.exit {
				t.Errorf("serve --check: %v (exit %d), want exit %d", err, exitCode(err), tc.exit)
			}
			if err == nil {
				return
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error on more than one line: %q", err)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}
