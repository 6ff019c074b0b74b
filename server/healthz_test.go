package server

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestHealthz(t *testing.T) {
	details := func() map[string]any {
		return map[string]any{"certificates": []map[string]string{{"name": "dash.example.com", "issuer": "Let's Encrypt"}}}
	}
	tests := []struct {
		name        string
		details     func() map[string]any
		target      string
		remote      string
		wantDetails bool
	}{
		{name: "plain", details: details, target: "/healthz", remote: "127.0.0.1:4000"},
		{name: "details from IPv4 loopback", details: details, target: "/healthz?details=1", remote: "127.0.0.1:4000", wantDetails: true},
		{name: "details from IPv6 loopback", details: details, target: "/healthz?details=1", remote: "[::1]:4000", wantDetails: true},
		{name: "details from another machine", details: details, target: "/healthz?details=1", remote: "192.0.2.7:4000"},
		{name: "no details configured", target: "/healthz?details=1", remote: "127.0.0.1:4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			r.RemoteAddr = tt.remote
			w := httptest.NewRecorder()
			handleHealthz(tt.details)(w, r)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("got %d %v", w.Code, w.Header())
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if got["status"] != "ok" {
				t.Errorf("status = %v", got["status"])
			}
			if _, has := got["certificates"]; has != tt.wantDetails {
				t.Errorf("details shown = %v, want %v: %s", has, tt.wantDetails, w.Body)
			}
		})
	}
}

func BenchmarkHealthz(b *testing.B) {
	h := handleHealthz(func() map[string]any { return nil })
	r := httptest.NewRequest("GET", "/healthz", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		h(w, r)
	}
}
