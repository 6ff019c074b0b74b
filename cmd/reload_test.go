//go:build linux

package cmd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReloadNotifiesSystemd: under systemd (NOTIFY_SOCKET), serve says it
// is ready, and SIGHUP (systemctl reload) is reported as RELOADING=1 with
// MONOTONIC_USEC, then READY=1 with STATUS=reloaded, or STATUS=reload failed
// naming the cause when a file cannot be loaded: what systemctl status shows.
func TestReloadNotifiesSystemd(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	htpasswd := writeHtpasswd(t, filepath.Join(dir, "htpasswd"), "ann", "secret")
	cmd := exec.Command(mustBinary(t), "serve", "--https-addr=127.0.0.1:0", "--http-addr=", "--state-dir="+filepath.Join(dir, "state"),
		"--access-log=off", "--auth-file="+htpasswd)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "NOTIFY_SOCKET=" + sock}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	next := func() string {
		t.Helper()
		buf := make([]byte, 4096)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no sd_notify message: %v", err)
		}
		return string(buf[:n])
	}
	if msg := next(); msg != "READY=1" {
		t.Fatalf("first message %q, want READY=1", msg)
	}

	cmd.Process.Signal(syscall.SIGHUP)
	if msg := next(); !strings.HasPrefix(msg, "RELOADING=1\nMONOTONIC_USEC=") {
		t.Errorf("on SIGHUP %q, want RELOADING=1 and MONOTONIC_USEC=", msg)
	}
	if msg := next(); msg != "READY=1\nSTATUS=reloaded" {
		t.Errorf("after the reload %q, want READY=1 and STATUS=reloaded", msg)
	}

	if err := os.WriteFile(htpasswd, []byte("not an htpasswd line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	next() // RELOADING=1
	if msg := next(); !strings.HasPrefix(msg, "READY=1\nSTATUS=reload failed: ") || !strings.Contains(msg, "htpasswd") || strings.Count(msg, "\n") != 1 {
		t.Errorf("after a failed reload %q, want READY=1 and a one-line STATUS=reload failed naming the file", msg)
	}
}
