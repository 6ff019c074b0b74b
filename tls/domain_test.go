package tls

import (
	"fmt"
	"strings"
	"testing"
)

func TestValidateDomain(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	tests := []struct {
		name    string
		in      string
		want    string // normalized form when valid
		wantErr string // substring of the error when invalid
	}{
		{name: "dns name", in: "dash.example.com", want: "dash.example.com"},
		{name: "upper case is lowered", in: "Dash.Example.COM", want: "dash.example.com"},
		{name: "single label host", in: "dashbox", want: "dashbox"},
		{name: "digits and hyphens", in: "app-1.x9.example", want: "app-1.x9.example"},
		{name: "unicode becomes punycode", in: "bücher.example", want: "xn--bcher-kva.example"},
		{name: "punycode kept", in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{name: "ipv4", in: "192.168.1.10", want: "192.168.1.10"},
		{name: "ipv6", in: "2001:DB8::1", want: "2001:db8::1"},
		{name: "ipv4-mapped ipv6", in: "::ffff:10.0.0.1", want: "10.0.0.1"},
		{name: "label of 63", in: long63 + ".example", want: long63 + ".example"},

		{name: "empty", in: "", wantErr: "give a host name like dash.example.com"},
		{name: "blank", in: "  ", wantErr: "give a host name like dash.example.com"},
		{name: "space inside", in: "dash example.com", wantErr: "contains spaces"},
		{name: "scheme", in: "https://dash.example.com", wantErr: "without scheme"},
		{name: "port", in: "dash.example.com:443", wantErr: "without port"},
		{name: "path", in: "dash.example.com/apps", wantErr: "without path"},
		{name: "wildcard", in: "*.example.com", wantErr: "wildcards need DNS validation"},
		{name: "email", in: "admin@example.com", wantErr: "not an e-mail"},
		{name: "bracketed ipv6", in: "[::1]", wantErr: "without brackets: ::1"},
		{name: "bracketed ipv6 with port", in: "[::1]:443", wantErr: "without brackets or port"},
		{name: "ipv6 zone", in: "fe80::1%eth0", wantErr: "zones"},
		{name: "trailing dot", in: "dash.example.com.", wantErr: "remove the trailing dot: dash.example.com"},
		{name: "leading dot", in: ".example.com", wantErr: "empty label"},
		{name: "double dot", in: "dash..example.com", wantErr: "empty label"},
		{name: "leading hyphen", in: "-dash.example.com", wantErr: `label "-dash" starts or ends with a hyphen`},
		{name: "trailing hyphen", in: "dash-.example.com", wantErr: `label "dash-" starts or ends with a hyphen`},
		{name: "underscore", in: "my_host.example.com", wantErr: "only letters, digits and hyphens"},
		{name: "label of 64", in: long63 + "a.example", wantErr: "DNS labels are at most 63"},
		{name: "name of 254", in: strings.Repeat(long63+".", 3) + strings.Repeat("a", 62), wantErr: "DNS names are at most 253"},
		{name: "bad ipv4", in: "10.0.0.256", wantErr: "looks like an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateDomain(tt.in)
			got, nerr := normalizeName(tt.in)
			if (err == nil) != (nerr == nil) {
				t.Fatalf("ValidateDomain and normalizeName disagree: %v vs %v", err, nerr)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateDomain(%q) = %v, want nil", tt.in, err)
				}
				if got != tt.want {
					t.Errorf("normalizeName(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateDomain(%q) = nil, want error containing %q", tt.in, tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q does not contain %q", msg, tt.wantErr)
			}
			if want := fmt.Sprintf("invalid domain %q: ", tt.in); !strings.HasPrefix(msg, want) {
				t.Errorf("error %q does not start with %q", msg, want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}
