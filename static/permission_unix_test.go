//go:build unix

package static

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/testenv"
)

// permissionCase is one thing the operator can get wrong with permissions.
type permissionCase struct {
	name string
	// prepare lays out files under base (owned by whoever runs the test)
	// and returns the --static-dir and the request target to try.
	prepare func(t *testing.T, base string) (dir, target string)
	// wantValidate is in ValidateDir's error ("" = no error); wantStatus
	// is the answer to target when ValidateDir passes.
	wantValidate string
	wantStatus   int
}

var permissionCases = []permissionCase{
	{
		name: "unreadable folder",
		prepare: func(t *testing.T, base string) (string, string) {
			dir := filepath.Join(base, "locked")
			mkdirMode(t, dir, 0o311) // enter, but not list
			return dir, ""
		},
		wantValidate: "is not readable by user %s (permission denied): give that user read access (chmod a+rx), or serve without a static dir",
	},
	{
		name: "unreachable folder",
		prepare: func(t *testing.T, base string) (string, string) {
			private := filepath.Join(base, "private")
			mkdirMode(t, private, 0o755)
			dir := filepath.Join(private, "static")
			mkdirMode(t, dir, 0o755)
			if err := os.Chmod(private, 0o600); err != nil { // list, but not enter
				t.Fatal(err)
			}
			return dir, ""
		},
		wantValidate: "cannot be reached by user %s (permission denied): let that user enter its parent folders (chmod a+x), or serve without a static dir",
	},
	{
		name: "unreadable file",
		prepare: func(t *testing.T, base string) (string, string) {
			dir := filepath.Join(base, "static")
			mkdirMode(t, dir, 0o755)
			p := writeFile(t, dir, "secret.txt", "TOP-SECRET")
			if err := os.Chmod(p, 0); err != nil {
				t.Fatal(err)
			}
			return dir, "/static/secret.txt"
		},
		wantStatus: 403,
	},
}

// tryPermissionCase runs a case as the current user and describes the
// outcome in one line.
func tryPermissionCase(t *testing.T, dir, target string) string {
	if err := ValidateDir(dir); err != nil {
		return "validate: " + err.Error()
	}
	if target == "" {
		return "valid"
	}
	logger, logs := logBuffer()
	h, err := newHandler(testAssets(t), Options{Dir: dir, Logger: logger})
	if err != nil {
		return "new: " + err.Error()
	}
	w := get(h, "GET", target)
	return fmt.Sprintf("status %d body %q log %q", w.Code, w.Body.String(), logs.String())
}

func TestPermissionDenied(t *testing.T) {
	asRoot := os.Geteuid() == 0
	var bin string
	if asRoot {
		// Copy the test binary where nobody can run it.
		bin = testenv.CopyTestBinary(t, testenv.WorldDir(t))
	}
	for _, c := range permissionCases {
		t.Run(c.name, func(t *testing.T) {
			base := t.TempDir()
			user := currentUser()
			if asRoot {
				base = testenv.WorldDir(t)
				user = fmt.Sprintf("%s (uid %d)", testenv.UserName(testenv.NobodyUID), testenv.NobodyUID)
			}
			dir, target := c.prepare(t, base)
			var got string
			if asRoot {
				cmd := exec.Command(bin, "-test.run=^TestPermissionHelperProcess$", "-test.count=1")
				cmd.Env = append(os.Environ(), "DASHBOX_STATIC_PERMISSION_DIR="+dir, "DASHBOX_STATIC_PERMISSION_TARGET="+target)
				cmd.SysProcAttr = testenv.AsNobody()
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("helper as uid %d: %v\n%s", testenv.NobodyUID, err, out)
				}
				_, got, _ = strings.Cut(string(out), "RESULT: ")
				got, _, _ = strings.Cut(got, "\n")
			} else {
				got = tryPermissionCase(t, dir, target)
			}
			if c.wantValidate != "" {
				want := "validate: static dir " + dir + " " + fmt.Sprintf(c.wantValidate, user)
				if got != want {
					t.Errorf("got  %s\nwant %s", got, want)
				}
				return
			}
			if !strings.HasPrefix(got, fmt.Sprintf("status %d ", c.wantStatus)) || strings.Contains(got, "TOP-SECRET") ||
				!strings.Contains(got, "not readable by the user dashbox runs as") {
				t.Errorf("got %s; want status %d, no content, and a warning for the operator", got, c.wantStatus)
			}
		})
	}
}

// TestPermissionHelperProcess is TestPermissionDenied's child, run as nobody.
func TestPermissionHelperProcess(t *testing.T) {
	dir := os.Getenv("DASHBOX_STATIC_PERMISSION_DIR")
	if dir == "" {
		t.Skip("helper process for TestPermissionDenied")
	}
	fmt.Printf("RESULT: %s\n", tryPermissionCase(t, dir, os.Getenv("DASHBOX_STATIC_PERMISSION_TARGET")))
}

func mkdirMode(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	// Let t.TempDir's cleanup remove what it holds.
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}
