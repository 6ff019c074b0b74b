package assetname

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	// SHA-256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e...
	if got, want := Fingerprint([]byte("hello")), "2cf24dba5fb0"; got != want {
		t.Errorf("Fingerprint(hello) = %q, want %q", got, want)
	}
	for s, want := range map[string]bool{
		"2cf24dba5fb0": true, "2CF24DBA5FB0": false, "2cf24dba5fb": false,
		"2cf24dba5fb0a": false, "2cf24dba5fbg": false, "": false,
	} {
		if got := IsFingerprint(s); got != want {
			t.Errorf("IsFingerprint(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseSiblingName(t *testing.T) {
	tests := []struct {
		name, asset, fp, coding string
		ok                      bool
	}{
		{"css/a.css.0123456789ab.br", "css/a.css", "0123456789ab", "br", true},
		{"vendor/echarts.min.js.0123456789ab.gz", "vendor/echarts.min.js", "0123456789ab", "gzip", true},
		{"downloads/data.tar.gz", "", "", "", false},        // a real archive
		{"img/logo.png.0123456789ab.br", "", "", "", false}, // png is never compressed
		{"css/a.css.0123456789AB.br", "", "", "", false},    // upper-case hex
		{"css/a.css.br", "", "", "", false},                 // no fingerprint
		{"css/a.css.0123456789ab", "", "", "", false},       // no coding
		{"0123456789ab.br", "", "", "", false},              // no asset
		{"css/a.css.0123456789ab.br.gz", "", "", "", false}, // sibling of a sibling
		{"css/a.css.0123456789ab.zst", "", "", "", false},   // unknown coding
	}
	for _, tt := range tests {
		asset, fp, c, ok := ParseSiblingName(tt.name)
		if ok != tt.ok || asset != tt.asset || fp != tt.fp || c.Name != tt.coding {
			t.Errorf("ParseSiblingName(%q) = %q, %q, %q, %v; want %q, %q, %q, %v",
				tt.name, asset, fp, c.Name, ok, tt.asset, tt.fp, tt.coding, tt.ok)
		}
		if ok {
			if back := SiblingName(asset, fp, c); back != tt.name {
				t.Errorf("SiblingName round trip: %q, want %q", back, tt.name)
			}
		}
	}
}

func TestFingerprintReader(t *testing.T) {
	for _, s := range []string{"", "hello", strings.Repeat("0123456789", 10000)} {
		got, err := FingerprintReader(strings.NewReader(s))
		if err != nil || got != Fingerprint([]byte(s)) {
			t.Errorf("FingerprintReader(%d bytes) = %q, %v; want %q", len(s), got, err, Fingerprint([]byte(s)))
		}
	}
}
