package service

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// testArgKinds are the serve flags the tests use that are not Plain, as the
// CLI describes them.
var testArgKinds = map[string]Arg{
	"state-dir":    {Kind: StateDir},
	"access-log":   {Kind: LogFile},
	"static-dir":   {Kind: ReadDir},
	"auth-file":    {Kind: Secret, Credential: "htpasswd"},
	"tls-cert":     {Kind: Secret, Credential: "tls-cert"},
	"tls-key":      {Kind: Secret, Credential: "tls-key"},
	"acme-ca-root": {Kind: Secret, Credential: "acme-ca-root"},
}

// serveOf describes serve run with args (--name=value or --name value), the
// way the CLI does after parsing them: the tests' stand-in for package cmd.
// The shutdown timeout defaults to serve's 10s.
func serveOf(args ...string) Serve {
	s := Serve{ShutdownTimeout: 10 * time.Second}
	for i := 0; i < len(args); i++ {
		name, value, ok := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !ok {
			i++
			value = args[i]
		}
		a := testArgKinds[name]
		a.Flag, a.Value = name, value
		s.Args = append(s.Args, a)
		switch name {
		case "domain":
			s.Domains = append(s.Domains, value)
		case "https-addr":
			s.HTTPSAddr = value
		case "shutdown-timeout":
			d, err := time.ParseDuration(value)
			if err != nil {
				panic(err)
			}
			s.ShutdownTimeout = d
		}
	}
	return s
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
			if got := strings.Join(serveOf(tt.args...).URLs(tt.hostname), " "); got != tt.want {
				t.Errorf("urls = %s, want %s", got, tt.want)
			}
		})
	}
}
