package service

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseServeFlags(t *testing.T) {
	f, err := parseServeFlags([]string{
		"-domain=a.example", "--domain", "b.example", "--log-level", "debug",
		"--https-addr", ":8443", "-state-dir=/var/lib/dashbox", "--access-log=off",
		"--static-dir", "/srv/s", "--shutdown-timeout=30s", "--", "--domain=ignored.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.domains, ","); got != "a.example,b.example" {
		t.Errorf("domains %s, want a.example,b.example (nothing after --)", got)
	}
	if f.httpsAddr != ":8443" || f.stateDir != "/var/lib/dashbox" || f.accessLog != "off" ||
		f.staticDir != "/srv/s" || f.shutdownTimeout != 30*time.Second {
		t.Errorf("parsed %+v", f)
	}

	f, err = parseServeFlags(nil)
	if err != nil || f.httpsAddr != ":443" || f.shutdownTimeout != defaultShutdownTimeout {
		t.Errorf("defaults: %+v, %v", f, err)
	}
}

func TestServeURLs(t *testing.T) {
	hostname := func() (string, error) { return "box.lan", nil }
	tests := []struct {
		name     string
		args     []string
		hostname func() (string, error)
		want     string
	}{
		{"host name", nil, hostname, "https://box.lan/"},
		{"no host name", nil, func() (string, error) { return "", errors.New("no") }, "https://localhost/"},
		{"domains", []string{"--domain=a.example", "--domain=b.example"}, hostname, "https://a.example/ https://b.example/"},
		{"port", []string{"--domain=a.example", "--https-addr=:8443"}, hostname, "https://a.example:8443/"},
		{"address with default port", []string{"--https-addr=10.0.0.1:443"}, hostname, "https://box.lan/"},
		{"IPv6 domain", []string{"--domain=::1", "--https-addr=[::1]:8443"}, hostname, "https://[::1]:8443/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseServeFlags(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.urls(tt.hostname), " "); got != tt.want {
				t.Errorf("urls = %s, want %s", got, tt.want)
			}
		})
	}
}
