package tls

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// mustOpenLocalCA opens the CA in dir (a fresh one if dir is "").
func mustOpenLocalCA(tb testing.TB, dir string) *LocalCA {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	ca, err := OpenLocalCA(context.Background(), dir, testLogger(tb))
	if err != nil {
		tb.Fatalf("OpenLocalCA: %v", err)
	}
	return ca
}

func TestOpenLocalCACreatesRoot(t *testing.T) {
	state := t.TempDir()
	before := time.Now()
	ca := mustOpenLocalCA(t, state)

	wantPath := filepath.Join(state, "ca", "root.crt")
	if ca.RootPath() != wantPath || !filepath.IsAbs(ca.RootPath()) {
		t.Errorf("RootPath = %q, want %q", ca.RootPath(), wantPath)
	}
	onDisk, err := os.ReadFile(ca.RootPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, ca.RootPEM()) {
		t.Error("RootPEM differs from the file at RootPath")
	}

	block, _ := pem.Decode(ca.RootPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("RootPEM is not a PEM certificate: %q", ca.RootPEM())
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		t.Errorf("root is not self-signed: %v", err)
	}
	if !root.IsCA || !root.BasicConstraintsValid || root.MaxPathLen != 0 || !root.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA=%v valid=%v MaxPathLen=%d zero=%v; want CA with path length 0",
			root.IsCA, root.BasicConstraintsValid, root.MaxPathLen, root.MaxPathLenZero)
	}
	if root.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("KeyUsage = %v, want CertSign|CRLSign", root.KeyUsage)
	}
	pub, ok := root.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("root key is %T, want ECDSA P-256", root.PublicKey)
	}
	wantCN := fmt.Sprintf("dashbox Local CA - %d ECC Root", before.Year())
	if root.Subject.CommonName != wantCN {
		t.Errorf("CommonName = %q, want %q", root.Subject.CommonName, wantCN)
	}
	if life := root.NotAfter.Sub(before); life < 9*365*24*time.Hour || life > 11*365*24*time.Hour {
		t.Errorf("root valid for %v after creation, want about 10 years", life)
	}
	if root.NotBefore.After(before) {
		t.Errorf("root NotBefore %v is after its creation %v: clients with late clocks would reject it", root.NotBefore, before)
	}

	for path, want := range map[string]fs.FileMode{
		filepath.Join(state, "ca"):             0o700,
		filepath.Join(state, "ca", "root.crt"): 0o600,
		filepath.Join(state, "ca", "root.key"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(state, caTempPrefix+"*")); len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}

	// Fingerprint: SHA-256 of the DER, upper-case hex pairs and colons.
	sum := sha256.Sum256(root.Raw)
	if want := strings.ToUpper(fmt.Sprintf("%x", sum[:])); strings.ReplaceAll(ca.Fingerprint(), ":", "") != want {
		t.Errorf("Fingerprint = %s, want the SHA-256 %s", ca.Fingerprint(), want)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(ca.Fingerprint()) {
		t.Errorf("Fingerprint %q is not colon-separated upper-case hex pairs", ca.Fingerprint())
	}
}

// The fingerprint users compare must be the one openssl shows.
func TestFingerprintMatchesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ca := mustOpenLocalCA(t, "")
	out, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", ca.RootPath()).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	// "sha256 Fingerprint=AB:CD:..." (the prefix's case varies by version)
	_, got, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
	if !ok || got != ca.Fingerprint() {
		t.Errorf("openssl says %q, Fingerprint() = %q", out, ca.Fingerprint())
	}
}

func TestOpenLocalCAReusesRoot(t *testing.T) {
	state := t.TempDir()
	first := mustOpenLocalCA(t, state)
	second := mustOpenLocalCA(t, state)
	if first.Fingerprint() != second.Fingerprint() {
		t.Errorf("second open made a new CA: %s, then %s", first.Fingerprint(), second.Fingerprint())
	}
	if first.IssuerKey() != second.IssuerKey() {
		t.Errorf("IssuerKey changed between opens: %s, %s", first.IssuerKey(), second.IssuerKey())
	}
}

// Two dashbox processes starting at once on a fresh state directory must
// end with one CA, not one each (the loser's root would be in browsers'
// trust stores for nothing).
func TestOpenLocalCAConcurrentFirstStart(t *testing.T) {
	state := t.TempDir()
	const n = 4
	var wg sync.WaitGroup
	fingerprints := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			ca, err := OpenLocalCA(context.Background(), state, testLogger(t))
			errs[i] = err
			if err == nil {
				fingerprints[i] = ca.Fingerprint()
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("opener %d: %v", i, errs[i])
		}
		if fingerprints[i] != fingerprints[0] {
			t.Errorf("opener %d got CA %s, opener 0 got %s", i, fingerprints[i], fingerprints[0])
		}
	}
	if final := mustOpenLocalCA(t, state); final.Fingerprint() != fingerprints[0] {
		t.Errorf("CA on disk %s is not the one the openers got (%s)", final.Fingerprint(), fingerprints[0])
	}
	if leftovers, _ := filepath.Glob(filepath.Join(state, caTempPrefix+"*")); len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}
}

func TestOpenLocalCADamaged(t *testing.T) {
	// otherKey is a valid key of another CA: a "mismatched" restore.
	otherState := t.TempDir()
	mustOpenLocalCA(t, otherState)
	otherKey, err := os.ReadFile(filepath.Join(otherState, "ca", "root.key"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		damage  func(t *testing.T, certPath, keyPath string)
		badFile string // "cert" or "key": the file the error must name
		wantErr string
	}{
		{
			name:    "garbage certificate",
			damage:  func(t *testing.T, c, k string) { writeFile(t, c, []byte("this is not a certificate\n")) },
			badFile: "cert", wantErr: "is corrupt",
		},
		{
			name:    "truncated certificate",
			damage:  func(t *testing.T, c, k string) { truncate(t, c) },
			badFile: "cert", wantErr: "is corrupt",
		},
		{
			name: "certificate PEM with broken DER",
			damage: func(t *testing.T, c, k string) {
				writeFile(t, c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")}))
			},
			badFile: "cert", wantErr: "is corrupt",
		},
		{
			name:    "empty certificate",
			damage:  func(t *testing.T, c, k string) { writeFile(t, c, nil) },
			badFile: "cert", wantErr: "is corrupt",
		},
		{
			name:    "garbage key",
			damage:  func(t *testing.T, c, k string) { writeFile(t, k, []byte("garbage")) },
			badFile: "key", wantErr: "is corrupt",
		},
		{
			name:    "truncated key",
			damage:  func(t *testing.T, c, k string) { truncate(t, k) },
			badFile: "key", wantErr: "is corrupt",
		},
		{
			name:    "key of another CA",
			damage:  func(t *testing.T, c, k string) { writeFile(t, k, otherKey) },
			badFile: "key", wantErr: "does not match the certificate",
		},
		{
			name:    "missing key",
			damage:  func(t *testing.T, c, k string) { remove(t, k) },
			badFile: "key", wantErr: "is missing but its certificate",
		},
		{
			name:    "missing certificate",
			damage:  func(t *testing.T, c, k string) { remove(t, c) },
			badFile: "cert", wantErr: "is missing but its key",
		},
		{
			name: "leaf instead of root",
			damage: func(t *testing.T, c, k string) {
				writeFile(t, c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER(t)}))
			},
			badFile: "cert", wantErr: "is not a CA certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			mustOpenLocalCA(t, state)
			certPath := filepath.Join(state, "ca", "root.crt")
			keyPath := filepath.Join(state, "ca", "root.key")
			tt.damage(t, certPath, keyPath)
			before := snapshot(t, certPath, keyPath)

			_, err := OpenLocalCA(context.Background(), state, testLogger(t))
			if err == nil {
				t.Fatal("OpenLocalCA accepted a damaged CA")
			}
			msg := err.Error()
			bad := map[string]string{"cert": certPath, "key": keyPath}[tt.badFile]
			for _, want := range []string{bad, tt.wantErr, "restore", "from a backup", "delete both", "browsers must then trust the new root"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if after := snapshot(t, certPath, keyPath); after != before {
				t.Errorf("CA files changed by the failed open:\nbefore %s\nafter  %s", before, after)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(state, caTempPrefix+"*")); len(leftovers) > 0 {
				t.Errorf("a replacement CA was started: %v", leftovers)
			}
		})
	}
}

// Deleting both files, as the error message says, gives a new CA.
func TestOpenLocalCAAfterDeletingBothFiles(t *testing.T) {
	state := t.TempDir()
	old := mustOpenLocalCA(t, state)
	remove(t, filepath.Join(state, "ca", "root.crt"))
	remove(t, filepath.Join(state, "ca", "root.key"))
	renewed := mustOpenLocalCA(t, state)
	if renewed.Fingerprint() == old.Fingerprint() {
		t.Error("deleting the CA files did not give a new CA")
	}
	if renewed.IssuerKey() == old.IssuerKey() {
		t.Error("new CA has the old IssuerKey: the old CA's leaves would be served")
	}
}

// A ca/ directory with other files but no CA is not clobbered.
func TestOpenLocalCAKeepsForeignFiles(t *testing.T) {
	state := t.TempDir()
	foreign := filepath.Join(state, "ca", "root.crt.bak")
	if err := os.MkdirAll(filepath.Dir(foreign), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, foreign, []byte("backup"))
	_, err := OpenLocalCA(context.Background(), state, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "holds other files") {
		t.Fatalf("err = %v, want one about other files in the CA directory", err)
	}
	if got, _ := os.ReadFile(foreign); string(got) != "backup" {
		t.Errorf("foreign file changed: %q", got)
	}
}

func TestLocalCAIssue(t *testing.T) {
	ca := mustOpenLocalCA(t, "")
	csr := newCSR(t, []string{"dash.example.com", "localhost"}, []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")})
	before := time.Now()
	issued, err := ca.Issue(context.Background(), csr)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parsePEMCert(t, issued.Certificate)

	if got := strings.Join(leaf.DNSNames, ","); got != "dash.example.com,localhost" {
		t.Errorf("DNS SANs = %s", got)
	}
	if len(leaf.IPAddresses) != 2 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || !leaf.IPAddresses[1].Equal(net.ParseIP("::1")) {
		t.Errorf("IP SANs = %v", leaf.IPAddresses)
	}
	if leaf.IsCA {
		t.Error("leaf is a CA")
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("ExtKeyUsage = %v, want ServerAuth only", leaf.ExtKeyUsage)
	}
	if want := before.Add(DefaultLeafLifetime); leaf.NotAfter.Before(want.Add(-time.Minute)) || leaf.NotAfter.After(want.Add(time.Minute)) {
		t.Errorf("NotAfter = %v, want about %v", leaf.NotAfter, want)
	}
	if !leaf.NotBefore.Before(before) {
		t.Errorf("NotBefore %v is not backdated", leaf.NotBefore)
	}

	roots := rootPool(t, ca)
	for _, name := range []string{"dash.example.com", "localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("leaf does not verify for %s against the root: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("leaf verifies for client auth; want server auth only")
	}
	if ca.issued.Load() != 1 {
		t.Errorf("issued = %d, want 1", ca.issued.Load())
	}
}

func TestLocalCAIssueClampsToRoot(t *testing.T) {
	ca := mustOpenLocalCA(t, "")
	ca.validity = func(now time.Time, _ []string) (time.Time, time.Time) {
		return now.Add(-time.Hour), now.Add(20 * 365 * 24 * time.Hour)
	}
	issued, err := ca.Issue(context.Background(), newCSR(t, []string{"localhost"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if leaf := parsePEMCert(t, issued.Certificate); !leaf.NotAfter.Equal(ca.root.NotAfter) {
		t.Errorf("leaf NotAfter %v, want the root's %v", leaf.NotAfter, ca.root.NotAfter)
	}
}

func TestLocalCAIssueRefuses(t *testing.T) {
	ca := mustOpenLocalCA(t, "")
	tests := []struct {
		name    string
		csr     func(t *testing.T) *x509.CertificateRequest
		ctx     func() context.Context
		wantErr string
	}{
		{
			name:    "no names",
			csr:     func(t *testing.T) *x509.CertificateRequest { return newCSR(t, nil, nil) },
			wantErr: "without DNS names or IP addresses",
		},
		{
			name: "forged signature",
			csr: func(t *testing.T) *x509.CertificateRequest {
				csr := newCSR(t, []string{"localhost"}, nil)
				csr.DNSNames = []string{"bank.example"} // not what was signed
				csr.Signature[len(csr.Signature)-1] ^= 0xff
				return csr
			},
			wantErr: "bad signature",
		},
		{
			name: "cancelled",
			csr:  func(t *testing.T) *x509.CertificateRequest { return newCSR(t, []string{"localhost"}, nil) },
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			wantErr: "canceled",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			_, err := ca.Issue(ctx, tt.csr(t))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Issue err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if n := ca.issued.Load(); n != 0 {
		t.Errorf("issued %d certificates, want 0", n)
	}
}

func newCSR(tb testing.TB, dns []string, ips []net.IP) *x509.CertificateRequest {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: dns, IPAddresses: ips}, key)
	if err != nil {
		tb.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		tb.Fatal(err)
	}
	return csr
}

func parsePEMCert(tb testing.TB, data []byte) *x509.Certificate {
	tb.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		tb.Fatalf("no PEM block in %q", data)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// leafDER is a leaf certificate from a throwaway CA.
func leafDER(tb testing.TB) []byte {
	tb.Helper()
	issued, err := mustOpenLocalCA(tb, "").Issue(context.Background(), newCSR(tb, []string{"localhost"}, nil))
	if err != nil {
		tb.Fatal(err)
	}
	return parsePEMCert(tb, issued.Certificate).Raw
}

func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

func truncate(tb testing.TB, path string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, path, data[:len(data)/2])
}

func remove(tb testing.TB, path string) {
	tb.Helper()
	if err := os.Remove(path); err != nil {
		tb.Fatal(err)
	}
}

// snapshot describes the content of files ("missing" for absent ones), to
// prove a failed open changed nothing.
func snapshot(tb testing.TB, paths ...string) string {
	tb.Helper()
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "%s: missing; ", filepath.Base(p))
		case err != nil:
			tb.Fatal(err)
		default:
			fmt.Fprintf(&b, "%s: %x; ", filepath.Base(p), sha256.Sum256(data))
		}
	}
	return b.String()
}

// A process killed while creating the CA leaves a lock file and a
// half-written temporary directory; the next start takes over the stale
// lock, clears the leftovers and creates the CA.
func TestOpenLocalCAAfterCrashDuringCreation(t *testing.T) {
	state := t.TempDir()
	mkdir(t, filepath.Join(state, "locks"), 0o700)
	writeFile(t, filepath.Join(state, "locks", caLockName+".lock"),
		[]byte(`{"created":"2020-01-01T00:00:00Z","updated":"2020-01-01T00:00:00Z"}`))
	leftover := mkdir(t, filepath.Join(state, caTempPrefix+"123"), 0o700)
	writeFile(t, filepath.Join(leftover, rootKeyName), []byte("-----BEGIN PRIVATE KEY-----\nhalf"))

	ca := mustOpenLocalCA(t, state)
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("leftover %s not removed: %v", leftover, err)
	}
	if _, err := os.Stat(filepath.Join(state, "locks", caLockName+".lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file not released: %v", err)
	}
	if again := mustOpenLocalCA(t, state); again.Fingerprint() != ca.Fingerprint() {
		t.Error("CA created after the crash is not the one kept")
	}
}
