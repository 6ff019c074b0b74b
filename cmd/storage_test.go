package cmd

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/pgtest"
	"github.com/dashbox/dashbox/internal/testpki"
	dashstorage "github.com/dashbox/dashbox/storage"
	dashtls "github.com/dashbox/dashbox/tls"
)

// runCmd runs dashbox with args and an empty environment.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	err = run(ctx, append([]string{"dashbox"}, args...), func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// serialsIn returns the serial numbers of the leaf certificates in a state
// directory, by name.
func serialsIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	serials := map[string]string{}
	matches, _ := filepath.Glob(filepath.Join(dir, "certificates", "*", "*", "*.crt"))
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(data)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		serials[filepath.Base(filepath.Dir(m))] = strings.ToUpper(cert.SerialNumber.Text(16))
	}
	return serials
}

// TestStorageMigrate: a state directory that served with the local CA is
// copied into PostgreSQL; the storage then holds the same root (same
// fingerprint) and the same certificates (same serials), 'certs --storage'
// shows them, a second run copies nothing, and a storage holding another
// root is refused without a write.
func TestStorageMigrate(t *testing.T) {
	dir, fingerprint := localCAStateDir(t)
	serials := serialsIn(t, dir)
	if len(serials) == 0 || serials["localhost"] == "" {
		t.Fatalf("the state directory holds no local certificates: %v", serials)
	}

	// An ACME account as certmagic keeps it, and what is the machine's own.
	account := filepath.Join(dir, "acme", "acme-v02.api.letsencrypt.org-directory", "users", "ops@example.test", "ops.json")
	for name, content := range map[string]string{
		account:                                 `{"status":"valid"}`,
		filepath.Join(dir, "locks", "x.lock"):   `{}`,
		filepath.Join(dir, "acme", ".tmp-1234"): "half-written",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	srv := pgtest.New(t)
	url := srv.NewDatabase(t, "migrate")
	out, _, err := runCmd(t, "storage", "migrate", "--from", dir, "--to", url)
	if err != nil {
		t.Fatalf("storage migrate: %v", err)
	}
	if !strings.Contains(out, "local CA root SHA-256 fingerprint: "+fingerprint) {
		t.Errorf("migrate did not print the root's fingerprint %s:\n%s", fingerprint, out)
	}

	// The storage holds the same root...
	st, err := dashstorage.Open(t.Context(), dashstorage.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rootPEM, err := st.Load(t.Context(), "ca/root.crt")
	if err != nil {
		t.Fatalf("the storage has no local CA root: %v", err)
	}
	block, _ := pem.Decode(rootPEM)
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := fingerprintOf(root); got != fingerprint {
		t.Errorf("root fingerprint in the storage %s, in the state directory %s", got, fingerprint)
	}
	// ...the ACME account, and nothing of the machine's own.
	if v, err := st.Load(t.Context(), "acme/acme-v02.api.letsencrypt.org-directory/users/ops@example.test/ops.json"); err != nil || string(v) != `{"status":"valid"}` {
		t.Errorf("the ACME account in the storage: %q, %v", v, err)
	}
	for _, key := range []string{"locks", "certificates-status.json", "acme/.tmp-1234"} {
		if st.Exists(t.Context(), key) {
			t.Errorf("migrate copied %s, which belongs to the machine", key)
		}
	}
	// ...and the same certificates, which certs --storage lists.
	out, _, err = runCmd(t, "certs", "--storage", url, "--json")
	if err != nil {
		t.Fatalf("certs --storage: %v", err)
	}
	var listed struct{ Certificates []StoredCert }
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("certs --storage --json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, c := range listed.Certificates {
		got[c.Name] = c.Serial
	}
	for name, serial := range serials {
		if got[name] != serial {
			t.Errorf("%s: serial %q in the storage, %q in the state directory", name, got[name], serial)
		}
	}
	if out, _, _ := runCmd(t, "certs", "--storage", url); !strings.Contains(out, serials["localhost"]) {
		t.Errorf("certs --storage does not show localhost's serial %s:\n%s", serials["localhost"], out)
	}

	// ca --storage prints the same root.
	out, _, err = runCmd(t, "ca", "--storage", url)
	if err != nil || out != string(rootPEM) {
		t.Errorf("ca --storage = %v:\n%s", err, out)
	}

	// Again: nothing new to copy.
	out, _, err = runCmd(t, "storage", "migrate", "--from", dir, "--to", url)
	if err != nil || !strings.Contains(out, "copied 0 keys") {
		t.Fatalf("second migrate = %v:\n%s", err, out)
	}

	// Another state directory (another root) into the same storage: refused,
	// and its certificates are not copied either.
	other := t.TempDir()
	m2, err := dashtls.New(t.Context(), dashtls.Config{StateDir: other, Domains: []string{"other.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	m2.Close()
	_, _, err = runCmd(t, "storage", "migrate", "--from", other, "--to", url)
	if err == nil || !strings.Contains(err.Error(), "ca/root.crt") || !strings.Contains(err.Error(), "neither was anything else") {
		t.Fatalf("migrate of another root into the storage: %v", err)
	}
	if st.Exists(t.Context(), "certificates/"+m2.CA().IssuerKey()) {
		t.Error("a refused migrate copied certificates")
	}
}

// TestStorageURLWithPassword: a storage URL with a password is refused
// before anything connects, with exit code 2 and what to do instead.
func TestStorageURLWithPassword(t *testing.T) {
	for _, args := range [][]string{
		{"certs", "--storage", "postgres://dashbox:s3cret@127.0.0.1:1/dashbox"},
		{"storage", "migrate", "--from", t.TempDir(), "--to", "postgres://dashbox@127.0.0.1:1/dashbox?password=s3cret"},
		{"ca", "--storage", "postgres://dashbox:s3cret@127.0.0.1:1/dashbox"},
	} {
		_, _, err := runCmd(t, args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "contains a password") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("dashbox %s: %v (exit %d)", strings.Join(args, " "), err, exitCode(err))
		}
	}
}

// TestServiceUnitStorage: service install carries --storage into ExecStart=
// (its query string intact) and loads the password file with
// LoadCredential=, so the password is in neither the unit nor the command
// line, and the file can stay root's alone; a client certificate and its
// key are loaded the same way, each a credential of its own.
func TestServiceUnitStorage(t *testing.T) {
	url := "postgres://dashbox@db.example.net:5433/dashbox?sslmode=verify-full&application_name=dash%20box"
	out, errOut, err := runCmd(t, "service", "unit", "--storage", url, "--storage-password-file", "/etc/dashbox/storage-password")
	if err != nil {
		t.Fatalf("service unit: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		`"--storage=postgres://dashbox@db.example.net:5433/dashbox?sslmode=verify-full&application_name=dash%%20box"`,
		"--storage-password-file=%d/storage-password",
		"\nLoadCredential=storage-password:/etc/dashbox/storage-password\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the unit lacks %s:\n%s", want, out)
		}
	}

	// A client certificate instead of the password: each file is a
	// credential of its own, and ExecStart= names the copies systemd
	// makes in the credentials directory. service unit reads the files
	// (as serve --check does), so they exist here, in $HOME: the service
	// refuses files under /tmp, where any user may put files. Their paths
	// in the unit are absolute even when given relative.
	dir := homeTempDir(t)
	ca := pgtest.NewCA(t, "unit test CA")
	cert, key, _ := ca.WritePair(t, dir, testpki.Leaf{Names: []string{"dashbox"}, Client: true})
	out, errOut, err = runCmd(t, "service", "unit", "--storage", url, "--storage-client-cert", cert, "--storage-client-key", filepath.Base(key))
	if err != nil {
		t.Fatalf("service unit with a client certificate: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"--storage-client-cert=%d/storage-client-cert",
		"--storage-client-key=%d/storage-client-key",
		"\nLoadCredential=storage-client-cert:" + cert + "\n",
		"\nLoadCredential=storage-client-key:" + key + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the unit lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "storage-password") {
		t.Errorf("the unit loads a password it was not given:\n%s", out)
	}
	_, _, err = runCmd(t, "service", "unit", "--storage", url, "--storage-client-cert", cert)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "go together") {
		t.Errorf("service unit with a certificate and no key: %v", err)
	}

	_, _, err = runCmd(t, "service", "unit", "--storage", "postgres://dashbox:s3cret@db.example.net/dashbox")
	if err == nil || !strings.Contains(err.Error(), "contains a password") {
		t.Errorf("service unit with a password in --storage: %v", err)
	}
	_, _, err = runCmd(t, "service", "unit", "--storage-password-file", "/etc/dashbox/storage-password")
	if err == nil || !strings.Contains(err.Error(), "without --storage") {
		t.Errorf("service unit with a password file and no --storage: %v", err)
	}
}

// homeTempDir makes a folder in $HOME, removed when the test ends, and
// makes it the working directory: the service refuses files under /tmp,
// where any user may put files.
func homeTempDir(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no home directory for a folder outside /tmp: %v", err)
	}
	dir, err := os.MkdirTemp(home, ".dashbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Chdir(dir)
	return dir
}

// localCAStateDir makes a state directory in which the local CA issued a
// certificate for dash.example.test, and returns it and the root's
// fingerprint.
func localCAStateDir(t *testing.T) (dir, fingerprint string) {
	t.Helper()
	dir = t.TempDir()
	m, err := dashtls.New(t.Context(), dashtls.Config{StateDir: dir, Domains: []string{"dash.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return dir, m.CA().Fingerprint()
}
