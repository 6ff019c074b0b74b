package service

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestNotifyWithoutSocketDoesNothing(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify("READY=1"); err != nil {
		t.Fatalf("Notify without NOTIFY_SOCKET: %v, want nil", err)
	}
}

func TestNotifySendsState(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sd_notify is systemd's protocol; abstract sockets are Linux only")
	}
	tests := []struct {
		name string
		// addr returns the socket address to listen on and the value for
		// NOTIFY_SOCKET.
		addr func(t *testing.T) string
	}{
		{"path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "notify.sock") }},
		{"abstract", func(t *testing.T) string {
			return fmt.Sprintf("@dashbox-notify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(t)
			conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			t.Setenv("NOTIFY_SOCKET", addr)

			for _, state := range []string{"READY=1", "STOPPING=1\nSTATUS=draining"} {
				if err := Notify(state); err != nil {
					t.Fatalf("Notify(%q): %v", state, err)
				}
				// The datagram is queued before Notify returns; the deadline
				// only guards against a hung test.
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				n, err := conn.Read(buf)
				if err != nil {
					t.Fatalf("reading the notification: %v", err)
				}
				if got := string(buf[:n]); got != state {
					t.Errorf("socket got %q, want %q", got, state)
				}
			}
		})
	}
}

func TestNotifyReportsMissingListener(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sd_notify is systemd's protocol")
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody-listens.sock"))
	if err := Notify("READY=1"); err == nil {
		t.Fatal("Notify to a socket nobody listens on: nil error, want one")
	}
}

func TestNotifyRefusesBadSocketAddress(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "relative/notify.sock")
	if err := Notify("READY=1"); err == nil {
		t.Fatal("Notify with a relative NOTIFY_SOCKET: nil error, want one")
	}
}
