package server

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

func TestClientErrorAddr(t *testing.T) {
	for msg, want := range map[string]string{
		"http: TLS handshake error from 192.0.2.7:51234: EOF":                                    "192.0.2.7",
		"http: TLS handshake error from [2001:db8::1]:443: remote error: tls: bad certificate":   "2001:db8::1",
		"http2: server: error reading preface from client 192.0.2.7:1: bogus greeting \"GET /\"": "192.0.2.7",
		"http: TLS handshake error from garbage":                                                 "",
		"http: panic serving 192.0.2.7:1: boom":                                                  "",
	} {
		got, ok := clientErrorAddr(msg)
		if got != want || ok != (want != "") {
			t.Errorf("clientErrorAddr(%q) = %q, %v; want %q", msg, got, ok, want)
		}
	}
}

// TestErrorLogOncePerClientPerMinute: a client failing handshakes over and
// over gets one line a minute at debug level, other clients their own line,
// and the count of what was left out comes with the next minute.
func TestErrorLogOncePerClientPerMinute(t *testing.T) {
	var buf testenv.SyncBuffer
	w := newErrorLogWriter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	w.now = clock.now
	handshake := func(addr string) {
		fmt.Fprintf(w, "http: TLS handshake error from %s: EOF\n", addr)
	}
	for i := range 100 {
		handshake(fmt.Sprintf("192.0.2.7:%d", 1000+i))
	}
	handshake("[2001:db8::1]:443")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 100 handshake errors from one client and 1 from another, want 2:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=DEBUG") {
			t.Errorf("not at debug level: %s", l)
		}
	}
	clock.add(59 * time.Second)
	handshake("192.0.2.7:5")
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("a repeat within the minute was logged:\n%s", buf.String())
	}
	clock.add(2 * time.Second)
	handshake("192.0.2.7:6")
	out := buf.String()
	if !strings.Contains(out, "errors=100 repeating_clients=1") {
		t.Errorf("no count of the 100 errors left out:\n%s", out)
	}
	if !strings.Contains(out, "192.0.2.7:6: EOF") {
		t.Errorf("the first error of the next minute was not logged:\n%s", out)
	}
	// Other net/http errors are not deduplicated.
	fmt.Fprintln(w, "http: Accept error: too many open files; retrying in 5ms")
	fmt.Fprintln(w, "http: Accept error: too many open files; retrying in 5ms")
	if n := strings.Count(buf.String(), "Accept error"); n != 2 {
		t.Errorf("%d Accept error lines, want 2", n)
	}
}

// TestErrorLogTableBounded: a minute with errors from more addresses than
// the table holds logs the first ones and counts the rest.
func TestErrorLogTableBounded(t *testing.T) {
	var buf testenv.SyncBuffer
	w := newErrorLogWriter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	w.now = clock.now
	for i := range maxClientErrorAddrs + 500 {
		fmt.Fprintf(w, "http: TLS handshake error from 10.%d.%d.1:1: EOF\n", i/256, i%256)
	}
	if n := strings.Count(buf.String(), "\n"); n != maxClientErrorAddrs {
		t.Fatalf("%d lines, want %d", n, maxClientErrorAddrs)
	}
	clock.add(time.Minute)
	fmt.Fprintln(w, "http: TLS handshake error from 10.0.0.1:1: EOF")
	if !strings.Contains(buf.String(), "errors=500 ") {
		t.Errorf("no count of the 500 errors left out")
	}
}
