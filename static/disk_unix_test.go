//go:build unix

package static

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestFIFO: a named pipe left in the folder answers 404 at once instead of
// blocking the request until someone writes to it.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, testAssets(t), Options{Dir: dir})
	if w := get(h, "GET", "/static/pipe"); w.Code != 404 {
		t.Errorf("GET a FIFO = %d, want 404", w.Code)
	}
}
