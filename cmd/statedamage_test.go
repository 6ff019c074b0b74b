package cmd

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// emptyFile truncates path to 0 bytes, as a full disk or a power cut
// leaves a file that was being written.
func emptyFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
}

// firstStart runs dashbox once on a new state directory, so that it holds
// a CA and certificates, and returns the directory.
func firstStart(t *testing.T) string {
	t.Helper()
	state := t.TempDir()
	if err := mustStart(t, "--state-dir", state).stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	return state
}

// jsonLogLines parses dashbox's --log-format json output.
func jsonLogLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range scanLines(logs) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			continue // not a log record (e.g. a banner)
		}
		out = append(out, m)
	}
	return out
}

// An emptied local-CA leaf does not stop 'dashbox serve' (under systemd it
// would restart five times and give up): the file is set aside, the local
// CA issues a new certificate and browsers trusting the root are served.
func TestServeHealsEmptiedLocalhostCertificate(t *testing.T) {
	state := firstStart(t)
	leaves, _ := filepath.Glob(filepath.Join(state, "certificates", "local-*", "localhost", "localhost.crt"))
	if len(leaves) != 1 {
		t.Fatalf("localhost certificate files: %v", leaves)
	}
	leaf := leaves[0]
	emptyFile(t, leaf)

	d := mustStart(t, "--state-dir", state)
	resp, body := getURL(t, d.client, d.localhostURL("/healthz"))
	if resp.StatusCode != 200 || len(resp.TLS.VerifiedChains) == 0 {
		t.Fatalf("https://localhost/healthz after the damage: %d %q", resp.StatusCode, body)
	}

	asides, _ := filepath.Glob(leaf + ".damaged-*")
	if len(asides) != 1 {
		t.Fatalf("set-aside copies of %s: %v", leaf, asides)
	}
	if fi, err := os.Stat(asides[0]); err != nil || fi.Size() != 0 {
		t.Errorf("set-aside file %s: %v, %v; want the emptied file", asides[0], fi, err)
	}
	if fi, err := os.Stat(leaf); err != nil || fi.Size() == 0 {
		t.Errorf("new certificate %s: %v, %v", leaf, fi, err)
	}
	var warned bool
	for _, l := range jsonLogLines(t, d.logs.String()) {
		if l["msg"] == "damaged local CA certificate set aside; the local CA issues a new one" {
			warned = l["level"] == "WARN" && l["file"] == leaf && l["problem"] == "is empty"
		}
	}
	if !warned {
		t.Errorf("no warning naming %s; logs:\n%s", leaf, d.logs)
	}
}

// An emptied root stops start-up with an error naming the file: a new root
// would have to be trusted again by every browser, so it is not made
// silently.
func TestServeStopsOnEmptiedRoot(t *testing.T) {
	state := firstStart(t)
	root := filepath.Join(state, "ca", "root.crt")
	emptyFile(t, root)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logs := newLineBuffer()
	err := run(ctx, []string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--log-format", "json", "--state-dir", state}, noEnv, newLineBuffer(), logs)
	if err == nil {
		t.Fatal("dashbox served with an emptied root")
	}
	if msg := err.Error(); !strings.Contains(msg, "local CA file "+root+" is corrupt") || !strings.Contains(msg, "restore") {
		t.Errorf("error %q does not name %s", msg, root)
	}
	if strings.Contains(logs.String(), `"msg":"serving"`) {
		t.Error("dashbox logged serving with an emptied root")
	}
	if asides, _ := filepath.Glob(root + ".damaged-*"); len(asides) > 0 {
		t.Errorf("root set aside: %v", asides)
	}
}

// Without ACME, handshakes asking for acme-tls/1 fail, and repeating
// them does not fill the log: certmagic never sees them.
func TestServeRefusesACMETLSWithoutACME(t *testing.T) {
	d := mustStart(t)
	for range 20 {
		for _, protos := range [][]string{{"acme-tls/1"}, {"acme-tls/1", "h2"}} {
			c, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{ServerName: "localhost", NextProtos: protos, RootCAs: d.roots})
			if err == nil {
				c.Close()
				t.Fatalf("ALPN %q: handshake succeeded", protos)
			}
		}
	}
	// A browser still gets in.
	if resp, _ := getURL(t, d.client, d.localhostURL("/healthz")); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	loud := 0
	for _, l := range jsonLogLines(t, d.logs.String()) {
		if l["level"] != "WARN" && l["level"] != "ERROR" {
			continue
		}
		if name, _ := l["logger"].(string); strings.HasPrefix(name, "certmagic") {
			t.Errorf("certmagic logged a hostile handshake: %v", l)
		}
		loud++
	}
	// net/http may report a client's handshake failures once a minute.
	if loud > 1 {
		t.Errorf("%d warnings or errors for 40 refused handshakes from one client; logs:\n%s", loud, d.logs)
	}
}
