package pprofserve

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		wantErr string // "" = accepted
	}{
		{addr: "127.0.0.1:6060"},
		{addr: "127.0.0.2:0"},
		{addr: "[::1]:6060"},
		{addr: "0.0.0.0:6060", wantErr: "not a loopback address"},
		{addr: ":6060", wantErr: "not a loopback address"},
		{addr: "[::]:6060", wantErr: "not a loopback address"},
		{addr: "192.0.2.1:6060", wantErr: "not a loopback address"},
		{addr: "localhost:6060", wantErr: "not a loopback address"},
		{addr: "127.0.0.1", wantErr: "not host:port"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			err := CheckAddr(tc.addr)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckAddr(%q) = %v, want it accepted", tc.addr, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("CheckAddr(%q) = %v, want an error containing %q", tc.addr, err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "127.0.0.1:6060") {
				t.Errorf("error %q should be one line saying what to use", err)
			}
		})
	}
}

// TestMux fetches what dashbox-bench fetches: a CPU profile (gzipped
// protobuf) and the index with the named profiles.
func TestMux(t *testing.T) {
	srv := httptest.NewServer(Mux())
	defer srv.Close()
	get := func(path string) []byte {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
		}
		return b
	}
	if b := get("/debug/pprof/profile?seconds=1"); !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("CPU profile is not gzipped protobuf: % x", b[:min(len(b), 8)])
	}
	if b := get("/debug/pprof/"); !bytes.Contains(b, []byte("heap")) {
		t.Errorf("index lists no heap profile:\n%s", b)
	}
	if b := get("/debug/pprof/heap?debug=1"); !bytes.Contains(b, []byte("heap profile")) {
		t.Errorf("heap profile missing:\n%.200s", b)
	}
}
