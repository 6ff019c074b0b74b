package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nobody is the owner given to files a root test must see kept.
const nobody = 65534

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		perm os.FileMode
		// prepare sets up the directory holding path before the write; it
		// may skip the case when the test's user cannot run it.
		prepare func(t *testing.T, path string)
		wantErr string // part of the error, "" for none
		// want is path's content after the call: the new data, or on an
		// error the old content ("" for no file).
		want     string
		wantMode os.FileMode
		wantUID  int // -1 for any
	}{
		{
			name:     "new file",
			perm:     0o644,
			prepare:  func(t *testing.T, path string) {},
			want:     "new",
			wantMode: 0o644,
			wantUID:  -1,
		},
		{
			name:     "replaces a file with the mode asked for",
			perm:     0o755,
			prepare:  func(t *testing.T, path string) { write(t, path, "old", 0o600) },
			want:     "new",
			wantMode: 0o755,
			wantUID:  -1,
		},
		{
			name:     "mode exactly as asked, whatever the umask",
			perm:     0o666,
			prepare:  func(t *testing.T, path string) {},
			want:     "new",
			wantMode: 0o666,
			wantUID:  -1,
		},
		{
			name:     "a temporary name of the caller's",
			opts:     Options{TempPrefix: ".mytool-"},
			perm:     0o600,
			prepare:  func(t *testing.T, path string) { write(t, path, "old", 0o600) },
			want:     "new",
			wantMode: 0o600,
			wantUID:  -1,
		},
		{
			name:     "the caller's temporary name is used: a separator in it is refused",
			opts:     Options{TempPrefix: "sub/.mytool-"},
			perm:     0o600,
			prepare:  func(t *testing.T, path string) { write(t, path, "old", 0o600) },
			wantErr:  "path separator",
			want:     "old",
			wantMode: 0o600,
			wantUID:  -1,
		},
		{
			name: "read-only directory: the old file stays",
			perm: 0o644,
			prepare: func(t *testing.T, path string) {
				if os.Geteuid() == 0 {
					t.Skip("running as root: permission checks do not apply")
				}
				write(t, path, "old", 0o644)
				dir := filepath.Dir(path)
				if err := os.Chmod(dir, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(dir, 0o755) })
			},
			wantErr:  "permission denied",
			want:     "old",
			wantMode: 0o644,
			wantUID:  -1,
		},
		{
			name: "a directory in the way: it stays, no temporary file left",
			perm: 0o644,
			prepare: func(t *testing.T, path string) {
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(path, "inside"), "x", 0o644)
			},
			wantErr: "file exists",
			wantUID: -1,
		},
		{
			name: "without KeepOwner the writer owns the new file",
			perm: 0o640,
			prepare: func(t *testing.T, path string) {
				write(t, path, "old", 0o640)
				chownOrSkip(t, path, nobody, nobody)
			},
			want:     "new",
			wantMode: 0o640,
			wantUID:  os.Geteuid(),
		},
		{
			name: "KeepOwner keeps the old file's owner",
			opts: Options{KeepOwner: true},
			perm: 0o640,
			prepare: func(t *testing.T, path string) {
				write(t, path, "old", 0o640)
				chownOrSkip(t, path, nobody, nobody)
			},
			want:     "new",
			wantMode: 0o640,
			wantUID:  nobody,
		},
		{
			name:     "KeepOwner with no old file: the writer owns it",
			opts:     Options{KeepOwner: true},
			perm:     0o600,
			prepare:  func(t *testing.T, path string) {},
			want:     "new",
			wantMode: 0o600,
			wantUID:  os.Geteuid(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "target")
			tt.prepare(t, path)

			err := tt.opts.WriteFile(path, []byte("new"), tt.perm)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("WriteFile: %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.want != "" {
				if b, err := os.ReadFile(path); err != nil || string(b) != tt.want {
					t.Errorf("content %q (%v), want %q", b, err, tt.want)
				}
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.wantMode {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.wantMode)
				}
				if uid, _ := fileOwner(fi); tt.wantUID >= 0 && uid >= 0 && uid != tt.wantUID {
					t.Errorf("owner %d, want %d", uid, tt.wantUID)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != "target" {
					t.Errorf("%s left in the directory", e.Name())
				}
			}
		})
	}
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

// chownOrSkip gives path to uid and gid, or skips the test when the test's
// user may not.
func chownOrSkip(t *testing.T, path string, uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot give a file to another user")
	}
	if err := os.Chown(path, uid, gid); err != nil {
		t.Skipf("cannot give a file to another user here: %v", err)
	}
}
