package auth

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// eventually polls cond until it holds, failing after a generous while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling an outcome, not waiting for one
	}
}

// replaceFile renames a new file over path, as dashbox passwd and editors
// do.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestHtpasswdReloads: a replaced file applies without a restart (the new
// user gets in, the removed one no longer does); a broken replacement is
// logged and the previous users stay; Reload applies at once.
func TestHtpasswdReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(path, []byte("ann:"+testHash(t, "a")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs testenv.SyncBuffer
	h, err := OpenHtpasswd(path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if !h.Authenticate("ann", "a") || h.Authenticate("bob", "b") {
		t.Fatal("the first file does not apply")
	}

	replaceFile(t, path, "bob:"+testHash(t, "b")+"\n")
	eventually(t, "the new user logs in", func() bool { return h.Authenticate("bob", "b") })
	if h.Authenticate("ann", "a") {
		t.Error("the removed user still logs in (remembered login not forgotten)")
	}

	replaceFile(t, path, "bob:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n")
	eventually(t, "the broken file is logged", func() bool {
		return strings.Contains(logs.String(), "cannot be used; the previous users can still log in")
	})
	if !h.Authenticate("bob", "b") {
		t.Error("after a broken replacement the previous users are locked out")
	}
	if err := h.Reload(); err == nil {
		t.Error("Reload of a broken file: no error")
	}

	// Deleted: the previous users stay too.
	os.Remove(path)
	if err := h.Reload(); err == nil || !h.Authenticate("bob", "b") {
		t.Errorf("Reload of a deleted file: %v; bob logs in: %v", err, h.Authenticate("bob", "b"))
	}

	// Reload reads a file that looks unchanged (same size and time).
	fixed := "bob:" + testHash(t, "c") + "\n"
	if err := os.WriteFile(path, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if !h.Authenticate("bob", "c") || h.Authenticate("bob", "b") {
		t.Error("after Reload the new password does not apply, or the old one still does")
	}
	if got := h.Users(); got != 1 {
		t.Errorf("Users() = %d", got)
	}
}

// TestHtpasswdRemembersVerified: a verified login is remembered, but only
// against the hash it was verified with.
func TestHtpasswdRemembersVerified(t *testing.T) {
	path := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(path, []byte("ann:"+testHash(t, "old")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := OpenHtpasswd(path, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Verified("ann", "old") {
		t.Error("Verified before any check")
	}
	if !h.Authenticate("ann", "old") {
		t.Fatal("ann cannot log in")
	}
	if !h.Verified("ann", "old") || h.Verified("ann", "ol") || h.Verified("an", "nold") {
		t.Error("Verified does not tell the verified login alone")
	}
	if len(h.verified) != 1 {
		t.Fatalf("%d logins remembered, want 1", len(h.verified))
	}
	for _, wrong := range [][2]string{{"ann", "ol"}, {"ann", "oldx"}, {"an", "nold"}, {"annold", ""}} {
		if h.Authenticate(wrong[0], wrong[1]) {
			t.Errorf("%q logs in", wrong)
		}
	}
	if len(h.verified) != 1 {
		t.Errorf("failed logins were remembered: %d entries", len(h.verified))
	}
	// The password changes: the remembered login no longer counts.
	if err := os.WriteFile(path, []byte("ann:"+testHash(t, "new")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if h.Verified("ann", "old") {
		t.Error("Verified after the password changed")
	}
	if h.Authenticate("ann", "old") || !h.Authenticate("ann", "new") {
		t.Error("the old password still logs in after a change, or the new one does not")
	}
}

func TestOpenHtpasswdRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "htpasswd")
	os.WriteFile(path, []byte("ann:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0\n"), 0o600)
	if _, err := OpenHtpasswd(path, Options{}); err == nil || !strings.Contains(err.Error(), "re-hash it with bcrypt") {
		t.Errorf("OpenHtpasswd of an MD5 file: %v", err)
	}
}

func BenchmarkHtpasswdRemembered(b *testing.B) {
	path := filepath.Join(b.TempDir(), "htpasswd")
	os.WriteFile(path, []byte("ann:"+testHash(b, "right")+"\n"), 0o600)
	h, err := OpenHtpasswd(path, Options{PollInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	h.Authenticate("ann", "right")
	b.ReportAllocs()
	for b.Loop() {
		if !h.Authenticate("ann", "right") {
			b.Fatal("refused")
		}
	}
}
