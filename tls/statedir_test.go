//go:build linux

package tls

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/internal/testenv"
)

func TestCheckStateDir(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(t *testing.T, base string) string // returns the dir to check
		wantErr  string
		wantMode os.FileMode // of the checked dir afterwards, if no error
	}{
		{
			name:     "missing nested dir is created 0700",
			prepare:  func(t *testing.T, base string) string { return filepath.Join(base, "a", "b", "state") },
			wantMode: 0o700,
		},
		{
			name: "existing 0700 dir",
			prepare: func(t *testing.T, base string) string {
				return mkdir(t, filepath.Join(base, "state"), 0o700)
			},
			wantMode: 0o700,
		},
		{
			name: "own dir with loose mode is tightened",
			prepare: func(t *testing.T, base string) string {
				return mkdir(t, filepath.Join(base, "state"), 0o755)
			},
			wantMode: 0o700,
		},
		{
			name: "a file",
			prepare: func(t *testing.T, base string) string {
				p := filepath.Join(base, "state")
				writeFile(t, p, []byte("x"))
				return p
			},
			wantErr: "is a file, not a directory: move the file away or use another directory",
		},
		{
			name:    "empty",
			prepare: func(t *testing.T, base string) string { return "" },
			wantErr: "no state directory given",
		},
		{
			name: "someone else's dir writable by others",
			prepare: func(t *testing.T, base string) string {
				p := mkdir(t, filepath.Join(base, "state"), 0o777)
				other := os.Geteuid() + 1
				if err := os.Chown(p, other, -1); err != nil {
					t.Skipf("cannot give the dir to another user (needs root): %v", err)
				}
				if err := os.Chmod(p, 0o777); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantErr: "is writable by other users than its owner (mode 0777): chmod 0700 it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.prepare(t, t.TempDir())
			err := CheckStateDir(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CheckStateDir = %v, want error containing %q", err, tt.wantErr)
				}
				// The caller tells the user which setting to change.
				if sde := (*StateDirError)(nil); !errors.As(err, &sde) || sde.Dir != dir {
					t.Errorf("CheckStateDir = %#v, want a *StateDirError for %q", err, dir)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckStateDir: %v", err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode %04o, want %04o", fi.Mode().Perm(), tt.wantMode)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 0 {
				t.Errorf("check left files behind: %v", entries)
			}
		})
	}
}

// The unwritable cases: a dir of another user, and a missing dir under a
// parent of another user. As root they run in a child process as nobody.
func TestCheckStateDirNotWritable(t *testing.T) {
	cases := []struct {
		name    string
		sub     string // checked path, relative to a root-owned 0755 dir
		wantErr string
	}{
		{name: "existing dir", sub: "state", wantErr: "is not writable by user %s: fix its ownership or use another directory"},
		{name: "missing dir", sub: "missing/state", wantErr: "cannot create state directory %s as user %s: permission denied: create it with owner"},
	}

	if os.Geteuid() != 0 {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				base := t.TempDir()
				mkdir(t, filepath.Join(base, "state"), 0o500)
				if err := os.Chmod(base, 0o500); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(base, 0o700); os.Chmod(filepath.Join(base, "state"), 0o700) })
				dir := filepath.Join(base, c.sub)
				err := CheckStateDir(dir)
				want := formatWant(c.wantErr, dir, currentUser())
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("CheckStateDir = %v, want error containing %q", err, want)
				}
			})
		}
		return
	}

	// As root: copy the test binary where nobody can run it, and run it as
	// nobody against root-owned directories.
	world := testenv.WorldDir(t)
	bin := testenv.CopyTestBinary(t, world)
	mkdir(t, filepath.Join(world, "state"), 0o755)
	mkdir(t, filepath.Join(world, "missing"), 0o755)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(world, c.sub)
			cmd := exec.Command(bin, "-test.run=^TestCheckStateDirHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "DASHBOX_CHECK_STATE_DIR="+dir)
			cmd.SysProcAttr = testenv.AsNobody()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper as uid %d: %v\n%s", testenv.NobodyUID, err, out)
			}
			want := formatWant(c.wantErr, dir, fmt.Sprintf("%s (uid %d)", testenv.UserName(testenv.NobodyUID), testenv.NobodyUID))
			if !strings.Contains(string(out), "CheckStateDir error: ") || !strings.Contains(string(out), want) {
				t.Errorf("helper output does not contain %q:\n%s", want, out)
			}
			if _, err := os.Stat(filepath.Join(world, "missing", "state")); err == nil {
				t.Error("nobody created a directory in a root-owned one")
			}
		})
	}
}

// TestCheckStateDirHelperProcess is the child of TestCheckStateDirNotWritable.
func TestCheckStateDirHelperProcess(t *testing.T) {
	dir := os.Getenv("DASHBOX_CHECK_STATE_DIR")
	if dir == "" {
		t.Skip("helper process for TestCheckStateDirNotWritable")
	}
	fmt.Printf("CheckStateDir error: %v\n", CheckStateDir(dir))
}

func formatWant(format, dir, user string) string {
	if strings.Count(format, "%s") == 2 {
		return fmt.Sprintf(format, dir, user)
	}
	return fmt.Sprintf(format, user)
}

func mkdir(tb testing.TB, path string, mode os.FileMode) string {
	tb.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		tb.Fatal(err)
	}
	return path
}
