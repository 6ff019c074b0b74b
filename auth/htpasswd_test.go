package auth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// cost12Hash is a bcrypt hash of cost 12, made once: making one costs a
// quarter of a second, several under the race detector.
const cost12Hash = "$2a$12$amJyY1OAQuawzKJ3hTwy5OmNbFCYZ53s7CQjtIPb5o41R5Y2VRixy" // password "twelve"

// testHash hashes password at the lowest cost: the tests check behaviour,
// not bcrypt's strength, and run under the race detector.
func testHash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestParseHtpasswd(t *testing.T) {
	ann, bob := testHash(t, "ann's secret"), testHash(t, "bob's secret")
	tests := []struct {
		name string
		file string
		// users maps name to password for every user that must log in.
		users map[string]string
		// wantErr is a part of the error; "" means it must parse.
		wantErr string
	}{
		{"one user", "ann:" + ann + "\n", map[string]string{"ann": "ann's secret"}, ""},
		{"comments, blank lines, CRLF, no final newline",
			"# team\r\n\r\nann:" + ann + "\r\n  \n# bob left\nbob:" + bob,
			map[string]string{"ann": "ann's secret", "bob": "bob's secret"}, ""},
		{"comment field after the hash", "ann:" + ann + ":Ann Smith\n", map[string]string{"ann": "ann's secret"}, ""},
		{"$2a$ and $2b$ prefixes", "ann:" + strings.Replace(ann, "$2a$", "$2b$", 1) + "\nbob:" + bob + "\n",
			map[string]string{"ann": "ann's secret", "bob": "bob's secret"}, ""},
		{"empty file", "", nil, ""},
		{"MD5", "ann:" + ann + "\nmd5user:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0\n", nil,
			`line 2: user "md5user" has an MD5 hash ($apr1$, htpasswd's default without -B), which dashbox refuses: re-hash it with bcrypt: dashbox passwd F md5user (or htpasswd -B F md5user)`},
		{"SHA-1", "shauser:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n", nil, "a SHA-1 hash ({SHA}, htpasswd -s)"},
		{"SHA-512 crypt", "u:$6$salt$abcdef\n", nil, "a SHA-crypt hash ($6$"},
		{"DES crypt", "u:rqXexS6ZhobKA\n", nil, "a DES crypt hash"},
		{"plain text", "u:hunter2\n", nil, "plain-text password"},
		{"damaged bcrypt", "ann:" + ann[:40] + "\n", nil, `the bcrypt hash of user "ann" is damaged`},
		{"no colon", "ann\n", nil, "line 1: not a user:hash line"},
		{"empty name", ":" + ann + "\n", nil, "line 1: not a user:hash line"},
		{"duplicate user", "ann:" + ann + "\nbob:" + bob + "\nann:" + bob + "\n", nil, `user "ann" is on line 1 and again on line 3: remove one`},
		{"name needing quotes in the hint", "o'neil:{SHA}x\n", nil, `dashbox passwd F 'o'\''neil'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := parseHtpasswd("F", []byte(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "$apr1$lHq7") || strings.Contains(err.Error(), "GpHWL3") {
					t.Errorf("the error repeats the hash: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(u.hashes) != len(tt.users) {
				t.Errorf("%d users, want %d", len(u.hashes), len(tt.users))
			}
			for name, password := range tt.users {
				if !u.authenticate(name, password) {
					t.Errorf("%s cannot log in with the right password", name)
				}
				if u.authenticate(name, password+"x") || u.authenticate(name, "") {
					t.Errorf("%s logs in with a wrong password", name)
				}
			}
			if u.authenticate("nobody", "ann's secret") || u.authenticate("", "") {
				t.Error("an unknown user logs in")
			}
		})
	}
}

// TestUnknownUserCostsTheSame checks what makes an unknown name take as
// long as a known one: it is checked against a hash of the file's highest
// cost, that no password matches. BenchmarkAuthenticate measures the time.
func TestUnknownUserCostsTheSame(t *testing.T) {
	for _, tt := range []struct {
		file     string
		wantCost int
	}{
		{"", bcrypt.MinCost}, // no name to hide
		{"ann:" + testHash(t, "x") + "\n", bcrypt.MinCost},
		{"ann:$2y$05$CCJIWBnfJRWhAhMCpXGBlOlVnI.LcTGYIk0wmcXhUASONcZanBrau\nbob:" + testHash(t, "y") + "\n", 5},
		{"ann:" + cost12Hash + "\nbob:" + testHash(t, "y") + "\n", 12},
	} {
		u, err := parseHtpasswd("F", []byte(tt.file))
		if err != nil {
			t.Fatal(err)
		}
		cost, err := bcrypt.Cost(u.dummy)
		if err != nil || cost != tt.wantCost {
			t.Errorf("dummy hash cost %d (%v), want %d", cost, err, tt.wantCost)
		}
	}
	// It matches no password (at cost 4, for speed: the cost is only a
	// number in the hash).
	a, b := dummyHash(bcrypt.MinCost), dummyHash(bcrypt.MinCost)
	if string(a) == string(b) {
		t.Error("two dummy hashes are the same")
	}
	for _, pw := range []string{"", "x", "y", "password"} {
		if err := bcrypt.CompareHashAndPassword(a, []byte(pw)); err != bcrypt.ErrMismatchedHashAndPassword {
			t.Errorf("the dummy hash against %q: %v, want a mismatch (after a full bcrypt run)", pw, err)
		}
	}
}

func TestParseHtpasswdWarnings(t *testing.T) {
	cheap := "ann:$2y$05$CCJIWBnfJRWhAhMCpXGBlOlVnI.LcTGYIk0wmcXhUASONcZanBrau\n"
	u, err := parseHtpasswd("F", []byte(cheap))
	if err != nil {
		t.Fatal(err)
	}
	if len(u.warnings) != 1 || !strings.Contains(u.warnings[0], "bcrypt cost 5 for ann") {
		t.Errorf("warnings %q, want one about cost 5", u.warnings)
	}
	u, err = parseHtpasswd("F", []byte(cheap+"bob:"+cost12Hash+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(u.warnings) != 2 || !strings.Contains(strings.Join(u.warnings, "|"), "costs differ") {
		t.Errorf("warnings %q, want one about cost 5 and one about differing costs", u.warnings)
	}
	u, _ = parseHtpasswd("F", nil)
	if len(u.warnings) != 1 || !strings.Contains(u.warnings[0], "no users") {
		t.Errorf("warnings for an empty file: %q", u.warnings)
	}
}

func TestCheckHtpasswdFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "htpasswd")
	if _, err := CheckHtpasswd(path); err == nil || !strings.Contains(err.Error(), "create it with dashbox passwd "+path+" USER") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("ann:"+testHash(t, "x")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	warnings, err := CheckHtpasswd(path)
	if err != nil || len(warnings) != 2 || !strings.Contains(strings.Join(warnings, "|"), "readable by every user (mode 0644): chmod o-rwx") {
		t.Errorf("world-readable file: %q, %v", warnings, err)
	}
}

// TestApacheHtpasswd reads files written by Apache's htpasswd -B, which
// operators already have for nginx.
func TestApacheHtpasswd(t *testing.T) {
	htpasswd, err := exec.LookPath("htpasswd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("htpasswd is not installed: make test-deps installs it (apt-get install apache2-utils)")
		}
		t.Skip("htpasswd is not installed: apt-get install apache2-utils, or make test-deps")
	}
	path := filepath.Join(t.TempDir(), "htpasswd")
	for _, args := range [][]string{
		{"-B", "-b", "-c", path, "ann", "Ann's pass: wörd"},
		{"-B", "-b", path, "bob", "bob"},
	} {
		if out, err := exec.Command(htpasswd, args...).CombinedOutput(); err != nil {
			t.Fatalf("htpasswd %v: %v\n%s", args, err, out)
		}
	}
	h, err := OpenHtpasswd(path, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if !h.Authenticate("ann", "Ann's pass: wörd") || !h.Authenticate("bob", "bob") {
		t.Error("the users htpasswd -B wrote cannot log in")
	}
	if h.Authenticate("ann", "bob") || h.Authenticate("carol", "bob") {
		t.Error("a wrong password logs in")
	}

	// Its default, MD5, is refused.
	if out, err := exec.Command(htpasswd, "-b", path, "carol", "x").CombinedOutput(); err != nil {
		t.Fatalf("htpasswd: %v\n%s", err, out)
	}
	if _, err := CheckHtpasswd(path); err == nil || !strings.Contains(err.Error(), `user "carol" has an MD5 hash`) {
		t.Errorf("MD5 from htpasswd: %v", err)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), MinCost)
	u, err := parseHtpasswd("F", []byte("ann:"+string(hash)+"\n"))
	if err != nil {
		b.Fatal(err)
	}
	// The three should take the same time: an unknown name must not be
	// told apart from a known one by timing.
	b.Run("known-user-wrong-password", func(b *testing.B) {
		for b.Loop() {
			u.authenticate("ann", "wrong")
		}
	})
	b.Run("unknown-user", func(b *testing.B) {
		for b.Loop() {
			u.authenticate("bob", "wrong")
		}
	})
	b.Run("known-user-right-password", func(b *testing.B) {
		for b.Loop() {
			u.authenticate("ann", "right")
		}
	})
}
