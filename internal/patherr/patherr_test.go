package patherr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestCause(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, openErr := os.Open(missing)
	wrapped := fmt.Errorf("keeping the file's owner: %w", openErr)
	plain := errors.New("disk full")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"path error", openErr, "no such file or directory"},
		{"wrapped path error keeps its context", wrapped, wrapped.Error()},
		{"other error", plain, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Cause(tt.err)
			if got.Error() != tt.want {
				t.Errorf("Cause(%q) = %q, want %q", tt.err, got, tt.want)
			}
			if !errors.Is(got, fs.ErrNotExist) && errors.Is(tt.err, fs.ErrNotExist) {
				t.Errorf("Cause(%q) lost fs.ErrNotExist", tt.err)
			}
		})
	}
	if Cause(nil) != nil {
		t.Error("Cause(nil) is not nil")
	}
}
