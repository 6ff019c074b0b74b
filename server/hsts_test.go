package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// HSTS of at least a year: what browsers' preload lists require. The
// header's directives are parsed (RFC 6797 section 6.1), so a longer max-age
// or added directives such as includeSubDomains still pass.
func TestHSTSValueIsAtLeastAYear(t *testing.T) {
	const year = 365 * 24 * 60 * 60 // 31536000 seconds
	maxAge := -1
	for _, directive := range strings.Split(HSTSValue, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		if !strings.EqualFold(name, "max-age") {
			continue
		}
		if maxAge != -1 {
			t.Fatalf("HSTSValue %q has max-age twice", HSTSValue)
		}
		n, err := strconv.Atoi(strings.Trim(value, `"`))
		if err != nil || n < 0 {
			t.Fatalf("HSTSValue %q: max-age %q is not a number of seconds", HSTSValue, value)
		}
		maxAge = n
	}
	if maxAge == -1 {
		t.Fatalf("HSTSValue %q has no max-age", HSTSValue)
	}
	if maxAge < year {
		t.Errorf("HSTSValue %q: max-age %d is less than a year (%d)", HSTSValue, maxAge, year)
	}
}
