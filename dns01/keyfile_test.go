package dns01

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParseKey(t *testing.T) {
	const secret = "QM0DVy79zgcM/96QPybm+pOPCyR0QIbDZW6XleEOIAtxmlkeVRok0M0KYxPEfM0zDny0l/frfVNCRR9CyPh29A=="
	good := []struct {
		name, text string
		want       Key
	}{
		{"tsig-keygen", "key \"k1\" {\n\talgorithm hmac-sha512;\n\tsecret \"" + secret + "\";\n};\n",
			Key{Name: "k1.", Algorithm: dns.HmacSHA512, Secret: secret}},
		{"one line, comments, upper case", "# made by hand\n/* two\nlines */ key Dashbox.Example. { // name\n secret \"" + secret + "\"; algorithm HMAC-SHA256; };",
			Key{Name: "dashbox.example.", Algorithm: dns.HmacSHA256, Secret: secret}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKey(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if k != tc.want {
				t.Fatalf("got %+v, want %+v", k, tc.want)
			}
		})
	}

	bad := []struct{ name, text, want string }{
		{"empty", "", "holds no key"},
		{"md5", `key "k" { algorithm hmac-md5; secret "` + secret + `"; };`, "algorithm hmac-md5 is not supported: use hmac-sha256 or hmac-sha512"},
		{"no secret", `key "k" { algorithm hmac-sha256; };`, `key "k" has no secret`},
		{"no algorithm", `key "k" { secret "` + secret + `"; };`, `key "k" has no algorithm`},
		{"not base64", `key "k" { algorithm hmac-sha256; secret "not base64!"; };`, "the secret is not base64"},
		{"short secret", `key "k" { algorithm hmac-sha256; secret "c2hvcnQ="; };`, "the secret is only 5 bytes"},
		{"two keys", `key "a" { algorithm hmac-sha256; secret "` + secret + `"; }; key "b" { algorithm hmac-sha256; secret "` + secret + `"; };`, "holds 2 keys"},
		{"missing semicolon", `key "k" { algorithm hmac-sha256 secret "` + secret + `"; };`, `expected ";", found "secret"`},
		{"unclosed", `key "k" { algorithm hmac-sha256; secret "` + secret + `";`, "ends early"},
		{"unclosed quote", `key "k { };`, "quoted string is not closed"},
		{"unclosed comment", `/* key`, "comment /* is not closed"},
		{"unknown statement", `key "k" { algorithm hmac-sha256; secret "` + secret + `"; owner x; };`, `unknown statement "owner"`},
		{"bad name", `key "a..b" { algorithm hmac-sha256; secret "` + secret + `"; };`, "is not a domain name"},
		{"rndc options", `options { default-key "k"; };`, `expected "key", found "options"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKey(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzParseKey: any file content gives a key or an error, never a panic.
func FuzzParseKey(f *testing.F) {
	f.Add("key \"k1\" {\n\talgorithm hmac-sha512;\n\tsecret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n")
	f.Add("/* x */ key k { secret \"\"; };")
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParseKey(text)
		if err == nil && (k.Name == "" || k.Algorithm == "" || k.Secret == "") {
			t.Fatalf("incomplete key without error: %+v", k)
		}
	})
}
