package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogFileReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := OpenLogFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write([]byte("one\n"))
	if err := os.Rename(path, path+".1"); err != nil { // what logrotate does
		t.Fatal(err)
	}
	l.Write([]byte("two\n")) // still goes to the renamed file
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("three\n"))

	assertFile(t, path+".1", "one\ntwo\n")
	assertFile(t, path, "three\n")
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
}

func TestOpenLogFileSpecs(t *testing.T) {
	if l, err := OpenLogFile("off", nil); l != nil || err != nil {
		t.Errorf("off: got %v, %v", l, err)
	}
	_, err := OpenLogFile(filepath.Join(t.TempDir(), "missing", "access.log"), nil)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: err = %v", err)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s = %q, want %q", path, b, want)
	}
}
