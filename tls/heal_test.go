package tls

import (
	"bytes"
	"context"
	cryptotls "crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// jsonLogger returns a debug-level JSON logger writing to a buffer the test
// reads; the buffer is shown if the test fails.
func jsonLogger(tb testing.TB) (*testenv.SyncBuffer, *slog.Logger) {
	tb.Helper()
	buf := &testenv.SyncBuffer{}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("log:\n%s", buf.String())
		}
	})
	return buf, slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// warnLines returns the JSON log lines at WARN or ERROR level.
func warnLines(tb testing.TB, log string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, l := range jsonLines(tb, log) {
		if l["level"] == "WARN" || l["level"] == "ERROR" {
			out = append(out, l)
		}
	}
	return out
}

// garble overwrites the middle third of the file with bytes that are
// neither PEM, base64 nor JSON (NUL is not allowed even inside a JSON
// string), keeping its length: a torn write, as disks leave them.
func garble(tb testing.TB, path string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for i := len(data) / 3; i < 2*len(data)/3; i++ {
		data[i] = 0
	}
	writeFile(tb, path, data)
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

var setAsideName = regexp.MustCompile(`\.damaged-\d{8}T\d{6}Z$`)

// A damaged local-CA leaf in the state directory, as a full disk, a power
// cut or a careless copy leaves it, does not stop start-up: it is logged,
// set aside with its key and metadata, and the local CA issues a new one
// that a client verifying against the local root accepts.
func TestManagerHealsDamagedLeaf(t *testing.T) {
	file := func(f leafFiles, which string) string {
		return map[string]string{"crt": f.cert, "key": f.key, "json": f.meta}[which]
	}
	type leafCase struct {
		name    string
		damage  func(t *testing.T, own, other leafFiles)
		bad     string // which file the warning names: crt, key or json
		problem string
	}
	tests := []leafCase{
		{"certificate swapped for another name's", func(t *testing.T, own, other leafFiles) {
			writeFile(t, own.cert, readFile(t, other.cert))
			writeFile(t, own.key, readFile(t, other.key))
		}, "crt", "is not for localhost"},
		{"key not matching the certificate", func(t *testing.T, own, other leafFiles) {
			writeFile(t, own.key, readFile(t, other.key))
		}, "key", "does not match the certificate"},
		{"key missing", func(t *testing.T, own, other leafFiles) { remove(t, own.key) }, "key", "is missing"},
		{"certificate of another CA", func(t *testing.T, own, other leafFiles) {
			foreign := mustNewManager(t, Config{}, managerOptions{hostname: noHostname})
			f := foreign.localLeafFiles("localhost")
			writeFile(t, own.cert, readFile(t, f.cert))
			writeFile(t, own.key, readFile(t, f.key))
		}, "crt", "was not signed by the local CA root"},
	}
	for _, which := range []string{"crt", "key", "json"} {
		tests = append(tests,
			leafCase{which + " emptied", func(t *testing.T, own, _ leafFiles) { writeFile(t, file(own, which), nil) }, which, "is empty"},
			leafCase{which + " truncated to half", func(t *testing.T, own, _ leafFiles) { truncate(t, file(own, which)) }, which, "is corrupt"},
			leafCase{which + " garbled", func(t *testing.T, own, _ leafFiles) { garble(t, file(own, which)) }, which, "is corrupt"},
		)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			first := mustNewManager(t, Config{StateDir: state}, managerOptions{hostname: noHostname})
			first.Close()
			own, other := first.localLeafFiles("localhost"), first.localLeafFiles("127.0.0.1")
			tt.damage(t, own, other)
			damaged := map[string][]byte{}
			for _, p := range []string{own.cert, own.key, own.meta} {
				if data, err := os.ReadFile(p); err == nil {
					damaged[p] = data
				}
			}

			logs, logger := jsonLogger(t)
			m, err := newManager(context.Background(), Config{StateDir: state, Logger: logger}, managerOptions{hostname: noHostname})
			if err != nil {
				t.Fatalf("New with a damaged leaf: %v", err)
			}
			t.Cleanup(m.Close)

			// A real client, verifying against the local root only.
			srv := startTLSServer(t, "tcp4", m.TLSConfig())
			state1, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())})
			if err != nil {
				t.Fatalf("handshake for localhost: %v (server: %v)", err, hello.err)
			}
			if err := state1.PeerCertificates[0].VerifyHostname("localhost"); err != nil {
				t.Error(err)
			}

			// Every file that was there is set aside, byte for byte.
			for p, data := range damaged {
				matches, _ := filepath.Glob(p + ".damaged-*")
				if len(matches) != 1 || !setAsideName.MatchString(matches[0]) {
					t.Errorf("%s set aside as %v, want one %s.damaged-<UTC time>", p, matches, filepath.Base(p))
					continue
				}
				if got := readFile(t, matches[0]); !bytes.Equal(got, data) {
					t.Errorf("%s was changed when set aside", matches[0])
				}
			}
			// The new certificate is complete and loads on the next start.
			if d := checkLocalLeaf(own, "localhost", m.CA().root); d != nil {
				t.Errorf("new certificate: %s %s", d.file, d.problem)
			}

			warns := warnLines(t, logs.String())
			if len(warns) != 1 {
				t.Fatalf("%d warnings, want 1: %v", len(warns), warns)
			}
			w := warns[0]
			if w["msg"] != "damaged local CA certificate set aside; the local CA issues a new one" ||
				w["file"] != file(own, tt.bad) || !strings.Contains(w["problem"].(string), tt.problem) || w["name"] != "localhost" {
				t.Errorf("warning = %v, want file %s and problem %q", w, file(own, tt.bad), tt.problem)
			}
			if asides, _ := w["set_aside"].([]any); len(asides) != len(damaged) {
				t.Errorf("warning lists %v set aside, want %d files", w["set_aside"], len(damaged))
			}
		})
	}
}

// A damaged root is never replaced: New fails with the message
// OpenLocalCA gives, naming the file, and changes nothing on disk.
func TestManagerRefusesDamagedRoot(t *testing.T) {
	otherState := t.TempDir()
	mustOpenLocalCA(t, otherState)
	otherKey := readFile(t, filepath.Join(otherState, "ca", rootKeyName))
	tests := []struct {
		name   string
		file   string
		damage func(tb testing.TB, path string)
		want   string
	}{
		{"root certificate emptied", rootCertName, func(tb testing.TB, p string) { writeFile(tb, p, nil) }, "is corrupt"},
		{"root certificate garbled", rootCertName, garble, "is corrupt"},
		{"root key emptied", rootKeyName, func(tb testing.TB, p string) { writeFile(tb, p, nil) }, "is corrupt"},
		{"root key garbled", rootKeyName, garble, "is corrupt"},
		{"root key of another CA", rootKeyName, func(tb testing.TB, p string) { writeFile(tb, p, otherKey) }, "does not match the certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			mustNewManager(t, Config{StateDir: state}, managerOptions{hostname: noHostname}).Close()
			path := filepath.Join(state, caDirName, tt.file)
			tt.damage(t, path)
			dir := filepath.Join(state, caDirName)
			before := snapshot(t, filepath.Join(dir, rootCertName), filepath.Join(dir, rootKeyName))

			_, err := newManager(context.Background(), Config{StateDir: state, Logger: testLogger(t)}, managerOptions{hostname: noHostname})
			if err == nil {
				t.Fatal("New started with a damaged root")
			}
			if msg := err.Error(); !strings.Contains(msg, "local CA file "+path+" "+tt.want) || !strings.Contains(msg, "restore") {
				t.Errorf("error %q does not name %s with %q", msg, path, tt.want)
			}
			if after := snapshot(t, filepath.Join(dir, rootCertName), filepath.Join(dir, rootKeyName)); after != before {
				t.Error("the damaged root was changed")
			}
			if asides, _ := filepath.Glob(filepath.Join(dir, "*.damaged-*")); len(asides) > 0 {
				t.Errorf("root files set aside: %v", asides)
			}
		})
	}
}

func TestSetAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "localhost.crt")
	now := time.Date(2026, 12, 7, 3, 45, 0, 0, time.UTC)
	for i, want := range []string{".damaged-20261207T034500Z", ".damaged-20261207T034500Z-2", ".damaged-20261207T034500Z-3"} {
		writeFile(t, p, []byte{byte(i)})
		moved, err := setAside(now, p, filepath.Join(dir, "missing.key"))
		if err != nil {
			t.Fatal(err)
		}
		if len(moved) != 1 || moved[0] != p+want {
			t.Fatalf("set aside as %v, want %s", moved, p+want)
		}
		if got := readFile(t, moved[0]); !bytes.Equal(got, []byte{byte(i)}) {
			t.Errorf("%s holds %v", moved[0], got)
		}
	}
}

func noHostname() (string, error) { return "", nil }

// Damage found while running, when certmagic is about to renew the
// certificate (and so reads the files again), is healed the same way:
// damaged metadata would otherwise fail every renewal until the
// certificate in memory expired.
func TestManagerHealsDamagedLeafWhileRunning(t *testing.T) {
	var mu sync.Mutex
	issued := false
	logs, logger := jsonLogger(t)
	m := mustNewManager(t, Config{Logger: logger}, managerOptions{
		hostname: noHostname,
		// Maintenance runs when the test calls it, not on a timer.
		renewCheckInterval: time.Hour,
		prepareCA: func(ca *LocalCA) {
			// The first localhost certificate is already due for
			// renewal; the others are not, so no other renewal runs
			// in the background.
			ca.validity = func(now time.Time, names []string) (time.Time, time.Time) {
				mu.Lock()
				defer mu.Unlock()
				if names[0] == "localhost" && !issued {
					issued = true
					return dueValidity(now, names)
				}
				return defaultValidity(now, names)
			}
		},
	})
	files := m.localLeafFiles("localhost")
	garble(t, files.meta)
	damaged := readFile(t, files.meta)

	if err := m.cache.RenewManagedCertificates(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Renewal runs in certmagic's background jobs; poll the cache.
	deadline := time.Now().Add(30 * time.Second)
	for {
		certs := m.cache.AllMatchingCertificates("localhost")
		if len(certs) == 1 && time.Until(certs[0].Leaf.NotAfter) > 24*time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("localhost not renewed within 30s")
		}
		time.Sleep(5 * time.Millisecond) // polling certmagic's cache
	}
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	if _, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())}); err != nil {
		t.Fatalf("handshake after the renewal: %v (server: %v)", err, hello.err)
	}
	asides, _ := filepath.Glob(files.meta + ".damaged-*")
	if len(asides) != 1 || !bytes.Equal(readFile(t, asides[0]), damaged) {
		t.Errorf("damaged metadata set aside as %v", asides)
	}
	if d := checkLocalLeaf(files, "localhost", m.CA().root); d != nil {
		t.Errorf("new certificate: %s %s", d.file, d.problem)
	}
	if !strings.Contains(logs.String(), `"msg":"damaged local CA certificate set aside; the local CA issues a new one"`) {
		t.Error("no warning")
	}
}
