package auth

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// lowCost lets SetPassword hash at bcrypt's lowest cost for the test: the
// tests check what is written, not bcrypt's strength.
func lowCost(t *testing.T) {
	costFloor = bcrypt.MinCost
	t.Cleanup(func() { costFloor = MinCost })
}

func TestSetPassword(t *testing.T) {
	lowCost(t)
	md5 := "carol:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0"
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		user    string
		// want is the file with every hash replaced by HASH.
		want      string
		wantAdded bool
	}{
		{"creates the file", nil, "ann", "ann:HASH\n", true},
		{"adds a user, keeping comments and others",
			func(t *testing.T, path string) {
				write(t, path, "# the team\nbob:"+testHash(t, "b")+"\n\n"+md5+"\n", 0o600)
			}, "ann", "# the team\nbob:HASH\n\n" + md5 + "\nann:HASH\n", true},
		{"replaces a user's line in place",
			func(t *testing.T, path string) {
				write(t, path, "bob:"+testHash(t, "b")+"\nann:"+testHash(t, "a")+"\n# end", 0o600)
			}, "ann", "bob:HASH\nann:HASH\n# end\n", false},
		{"re-hashes an MD5 user",
			func(t *testing.T, path string) { write(t, path, md5+"\n", 0o600) }, "carol", "carol:HASH\n", false},
		{"keeps CRLF and drops a duplicate",
			func(t *testing.T, path string) { write(t, path, "ann:x\r\n#ann:y\r\nann:z\r\n", 0o600) },
			"ann", "ann:HASH\r\n#ann:y\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "htpasswd")
			if tt.prepare != nil {
				tt.prepare(t, path)
			}
			added, err := SetPassword(path, tt.user, []byte("s3cret pass"), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			if added != tt.wantAdded {
				t.Errorf("added = %v, want %v", added, tt.wantAdded)
			}
			data := read(t, path)
			var hash string
			for _, l := range strings.Split(data, "\n") {
				if name, h, _ := strings.Cut(strings.TrimSuffix(l, "\r"), ":"); name == tt.user {
					hash = h
				}
			}
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("s3cret pass")); err != nil {
				t.Errorf("%s's line does not hold the password: %v\n%s", tt.user, err, data)
			}
			if cost, _ := bcrypt.Cost([]byte(hash)); cost != bcrypt.MinCost {
				t.Errorf("cost %d, want %d", cost, bcrypt.MinCost)
			}
			masked := bcryptHash.ReplaceAllString(data, ":HASH")
			if masked != tt.want {
				t.Errorf("file:\n%q\nwant\n%q", masked, tt.want)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("the directory holds %d files: a temporary file was left", len(entries))
			}
		})
	}
}

func TestSetPasswordKeepsModeButNotForOthers(t *testing.T) {
	lowCost(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "htpasswd")
	write(t, path, "", 0o644)
	os.Chmod(path, 0o644)
	link := filepath.Join(dir, "link")
	if err := os.Symlink("htpasswd", link); err != nil {
		t.Fatal(err)
	}
	if _, err := SetPassword(link, "ann", []byte("x"), bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced by a file")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 (0644 without the others' read)", fi.Mode().Perm())
	}
}

func TestSetPasswordRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "htpasswd")
	for _, tt := range []struct {
		user, password string
		cost           int
		want           string
	}{
		{"", "x", 0, "empty user name"},
		{"a:b", "x", 0, "contains ':'"},
		{"a\nb", "x", 0, "control character"},
		{"a\tb", "x", 0, "control character"},
		{"#ann", "x", 0, "starts with '#'"},
		{" ann", "x", 0, "space"},
		{"\xff", "x", 0, "not valid UTF-8"},
		{"ann", "", 0, "empty password"},
		{"ann", strings.Repeat("x", 73), 0, "longer than 72 bytes"},
		{"ann", "x", 9, "bcrypt cost 9: use 10 to 31"},
	} {
		_, err := SetPassword(path, tt.user, []byte(tt.password), tt.cost)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SetPassword(%q, %q, %d): %v, want an error containing %q", tt.user, tt.password, tt.cost, err, tt.want)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused call wrote the file (%v)", err)
	}
	// An unwritable directory: the old file stays as it was.
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o755)
	write(t, filepath.Join(ro, "htpasswd"), "ann:x\n", 0o600)
	os.Chmod(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	if os.Geteuid() == 0 {
		t.Log("running as root: the read-only directory does not stop root, skipping that case")
		return
	}
	if _, err := SetPassword(filepath.Join(ro, "htpasswd"), "ann", []byte("y"), MinCost); err == nil {
		t.Error("writing into a read-only directory succeeded")
	}
	if got := read(t, filepath.Join(ro, "htpasswd")); got != "ann:x\n" {
		t.Errorf("the file changed after a failure: %q", got)
	}
}

// bcryptHash matches a bcrypt hash after its user's ':'.
var bcryptHash = regexp.MustCompile(`:\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}`)

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSetPasswordConcurrent: users added at the same moment to one file all
// land; none overwrites another's change.
func TestSetPasswordConcurrent(t *testing.T) {
	lowCost(t)
	path := filepath.Join(t.TempDir(), "htpasswd")
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := SetPassword(path, fmt.Sprintf("user%02d", i), []byte("secret"), bcrypt.MinCost)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if !strings.Contains(string(data), fmt.Sprintf("user%02d:$2", i)) {
			t.Errorf("user%02d is missing: a concurrent SetPassword overwrote its change; file:\n%s", i, data)
		}
	}
}
