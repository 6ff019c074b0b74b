package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStrictTransportSecurity(t *testing.T) {
	trusted := func(r *http.Request) bool { return r.TLS.ServerName == "dash.example.com" }
	tests := []struct {
		name       string
		serverName string // SNI of the request's connection
		plainHTTP  bool
		want       string
	}{
		{name: "publicly trusted name", serverName: "dash.example.com", want: HSTSValue},
		{name: "local-CA name", serverName: "localhost", want: ""},
		{name: "no SNI", serverName: "", want: ""},
		{name: "plain HTTP", plainHTTP: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if !tt.plainHTTP {
				r.TLS = &tls.ConnectionState{ServerName: tt.serverName}
			}
			w := httptest.NewRecorder()
			StrictTransportSecurity(trusted)(http.NotFoundHandler()).ServeHTTP(w, r)
			if got := w.Header().Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("Strict-Transport-Security = %q, want %q", got, tt.want)
			}
		})
	}
}

// HSTS of at least a year: what browsers' preload lists require.
func TestHSTSValueIsAtLeastAYear(t *testing.T) {
	if HSTSValue != "max-age=31536000" {
		t.Errorf("HSTSValue = %q", HSTSValue)
	}
}
