package service

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallBinaryCopiesRunningBinaryOnce(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "usr/local/bin/dashbox")
	var out bytes.Buffer
	changed, err := installBinary(dst, &out)
	if err != nil || !changed {
		t.Fatalf("first install: changed=%v, %v", changed, err)
	}
	self, _ := os.Executable()
	want, _ := os.ReadFile(self)
	got, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("installed binary differs from the running one (%v)", err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o755 {
		t.Errorf("installed binary mode %v, want 0755", fi.Mode().Perm())
	}
	if !strings.Contains(out.String(), "installed "+dst) {
		t.Errorf("output %q does not say what it installed", out.String())
	}

	out.Reset()
	changed, err = installBinary(dst, &out)
	if err != nil || changed {
		t.Fatalf("second install of the same binary: changed=%v, %v", changed, err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("output %q does not say the binary is up to date", out.String())
	}

	// A different (older) binary in place is replaced.
	if err := os.WriteFile(dst, []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if changed, err = installBinary(dst, &out); err != nil || !changed {
		t.Fatalf("upgrade: changed=%v, %v", changed, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestCheckReadableByAnyone(t *testing.T) {
	tests := []struct {
		name string
		// prepare returns the directory to check.
		prepare func(t *testing.T, root string) string
		want    string // part of the error, "" for none
	}{
		{"empty", func(t *testing.T, root string) string { return "" }, ""},
		{"readable", func(t *testing.T, root string) string {
			return mkdirMode(t, filepath.Join(root, "static"), 0o755)
		}, ""},
		{"missing", func(t *testing.T, root string) string { return filepath.Join(root, "nope") }, "no such file"},
		{"unreadable", func(t *testing.T, root string) string {
			return mkdirMode(t, filepath.Join(root, "static"), 0o750)
		}, "chmod o+rx"},
		{"parent not searchable", func(t *testing.T, root string) string {
			p := mkdirMode(t, filepath.Join(root, "private"), 0o700)
			mkdirMode(t, filepath.Join(p, "static"), 0o755)
			return filepath.Join(p, "static")
		}, "chmod o+x " + "ROOT/private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// t.TempDir and its parent are private (0700): open them up
			// like /srv would be.
			root := t.TempDir()
			for _, d := range []string{filepath.Dir(root), root} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := checkReadableByAnyone("static-dir", tt.prepare(t, root))
			want := strings.ReplaceAll(tt.want, "ROOT", root)
			switch {
			case want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("error %v, want one containing %q", err, want)
			}
		})
	}
}

// mkdirMode makes the directory dir with exactly mode perm.
func mkdirMode(t *testing.T, dir string, perm os.FileMode) string {
	t.Helper()
	if err := os.Mkdir(dir, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	return dir
}
