package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckLogFile: the check agrees with OpenLogFile and writes nothing.
func TestCheckLogFile(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"", "off", "-", filepath.Join(dir, "access.log")} {
		if err := CheckLogFile(spec); err != nil {
			t.Errorf("CheckLogFile(%q): %v", spec, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("CheckLogFile left %d files behind", len(entries))
	}
	missing := filepath.Join(dir, "no-such-dir", "access.log")
	err := CheckLogFile(missing)
	_, openErr := OpenLogFile(missing, nil)
	if err == nil || openErr == nil || err.Error() != openErr.Error() {
		t.Errorf("missing directory: check %v, open %v; want the same error", err, openErr)
	}
	if err := CheckLogFile(filepath.Join(dir, "x", "y")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: %v", err)
	}
}
