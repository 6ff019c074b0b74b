package keyfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoad: a missing file gets a new key (0600) that the next load
// returns; a truncated file is replaced and says so; an unreadable path
// is an error naming the key and the file.
func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.key")
	first, replaced, err := Load(path, 32, "session key")
	if err != nil || replaced || len(first) != 32 {
		t.Fatalf("first Load: %d bytes, replaced %v, %v", len(first), replaced, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	again, replaced, err := Load(path, 32, "session key")
	if err != nil || replaced || !bytes.Equal(again, first) {
		t.Fatalf("second Load: replaced %v, same %v, %v", replaced, bytes.Equal(again, first), err)
	}
	if err := os.WriteFile(path, first[:5], 0o600); err != nil {
		t.Fatal(err)
	}
	fresh, replaced, err := Load(path, 32, "session key")
	if err != nil || !replaced || len(fresh) != 32 || bytes.Equal(fresh, first) {
		t.Fatalf("Load of a truncated file: replaced %v, %d bytes, %v", replaced, len(fresh), err)
	}
	_, _, err = Load(filepath.Join(path, "below-a-file"), 32, "session key")
	if err == nil || !strings.HasPrefix(err.Error(), "reading the session key ") || strings.Contains(err.Error(), "open ") {
		t.Errorf("Load under a file: %v, want an error naming the key once", err)
	}
}
