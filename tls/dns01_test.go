package tls

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateDomainDNS01(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{in: "*.Dash.Example.com", want: "*.dash.example.com"},
		{in: "dash.example.com", want: "dash.example.com"},
		{in: "*.com", wantErr: "at least two labels after *."},
		{in: "*.*.example.com", wantErr: "one * as the whole first label"},
		{in: "a*.example.com", wantErr: "wildcards need DNS validation"},
		{in: "*.10.0.0.1", wantErr: "not IP addresses"},
		{in: "*.exa mple.com", wantErr: `invalid domain "*.exa mple.com": contains spaces`},
	} {
		got, err := normalizeDomain(tc.in, true)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.wantErr)
			}
			if err2 := ValidateDomainDNS01(tc.in); err2 == nil {
				t.Errorf("ValidateDomainDNS01(%q) accepted it", tc.in)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Without DNS-01, wildcards are refused, saying what would make them work.
	if err := ValidateDomain("*.dash.example.com"); err == nil || !strings.Contains(err.Error(), "DNS-01") {
		t.Errorf("ValidateDomain accepted a wildcard or did not say why: %v", err)
	}
}

func TestWildcardOf(t *testing.T) {
	for in, want := range map[string]string{"a.example.com": "*.example.com", "localhost": "", "example.com": "*.com"} {
		if got := wildcardOf(in); got != want {
			t.Errorf("wildcardOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadEABKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const key = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
	for _, tc := range []struct{ name, text, want, wantErr string }{
		{name: "as shown", text: key + "\n", want: key},
		{name: "padded std base64", text: "+/+/+/+/+/+/+/+/+/+/+w==", want: "-_-_-_-_-_-_-_-_-_-_-w"},
		{name: "empty", text: " \n", wantErr: "is empty"},
		{name: "not base64", text: "not a key!", wantErr: "does not hold a base64url key"},
		{name: "short", text: "c2hvcnQ", wantErr: "key of 5 bytes"},
		{name: "big", text: strings.Repeat("A", 5000), wantErr: "larger than 4 KiB"},
	} {
		got, err := LoadEABKey(write(tc.name, tc.text))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	_, err := LoadEABKey(filepath.Join(dir, "missing"))
	if err == nil || !strings.Contains(err.Error(), "cannot read EAB HMAC key file") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}
