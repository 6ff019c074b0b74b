package auth

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// FuzzParseHtpasswd: parseHtpasswd never panics on any file; an error is
// one line; a file it accepts holds only well-formed bcrypt hashes, and
// writing its users back as "name:hash" lines gives a file that parses to
// the same users. No password is checked: a fuzzed cost may be 31.
func FuzzParseHtpasswd(f *testing.F) {
	const hash = "$2a$04$0123456789012345678901uVhD0qnOHBkO5B0Q5kVoaVn/Xc4UBvK" // cost 4, well-formed
	for _, seed := range []string{
		"",
		"ann:" + hash + "\n",
		"# team\r\n\r\nann:" + hash + "\r\n  \n# bob left\nbob:" + strings.Replace(hash, "$2a$", "$2y$", 1),
		"ann:" + hash + ":Ann Smith\n",
		"ann:" + cost12Hash + "\nbob:" + hash + "\n",
		"ann:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0\n",
		"u:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n",
		"u:$6$salt$abcdef\n",
		"u:rqXexS6ZhobKA\n",
		"u:hunter2\n",
		"ann:" + hash[:40] + "\n",
		"ann\n",
		":" + hash + "\n",
		"ann:" + hash + "\nann:" + hash + "\n",
		"o'neil:{SHA}x\n",
		"ann:$2a$99$0123456789012345678901uVhD0qnOHBkO5B0Q5kVoaVn/Xc4UBvK\n",
		"ann:$2b$31$0123456789012345678901uVhD0qnOHBkO5B0Q5kVoaVn/Xc4UBvK\n",
		" w\röb :\t" + hash + " \n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := parseHtpasswd("F", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if _, err := bcrypt.Cost(u.dummy); err != nil {
			t.Fatalf("the dummy hash %q is not bcrypt: %v", u.dummy, err)
		}
		var again strings.Builder
		for _, name := range slices.Sorted(maps.Keys(u.hashes)) {
			h := u.hashes[name]
			if _, err := bcrypt.Cost(h); err != nil || weakScheme(string(h)) != "" {
				t.Fatalf("user %q kept with hash %q (%v)", name, h, err)
			}
			if name == "" || strings.ContainsAny(name, ":\n") || strings.HasPrefix(name, "#") {
				t.Fatalf("user name %q kept", name)
			}
			again.WriteString(name + ":" + string(h) + "\n")
		}
		u2, err := parseHtpasswd("F", []byte(again.String()))
		if err != nil {
			t.Fatalf("the users written back do not parse: %v\n%q", err, again.String())
		}
		if !maps.EqualFunc(u.hashes, u2.hashes, slices.Equal) {
			t.Fatalf("the users written back parse to others:\n%q\n%q", u.hashes, u2.hashes)
		}
	})
}
