package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckLogFile checks that OpenLogFile(spec) would succeed, without creating
// or writing the file: an existing file must open for appending, a missing
// one needs a directory it can be created in. Its errors are OpenLogFile's
// sentences. For `dashbox serve --check`.
func CheckLogFile(spec string) error {
	switch spec {
	case "", "off", "-":
		return nil
	}
	f, err := os.OpenFile(spec, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return logOpenError(spec, err)
	}
	dir := filepath.Dir(spec)
	fi, err := os.Stat(dir)
	if err != nil {
		return logOpenError(spec, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cannot open access log %s: %s is not a directory; log elsewhere", spec, dir)
	}
	// The file is created at start: prove the directory takes a new file,
	// and leave nothing behind.
	probe, err := os.CreateTemp(dir, ".dashbox-check-*")
	if err != nil {
		return logOpenError(spec, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// logOpenError is the one-line error of opening the access log at path.
func logOpenError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot open access log %s: directory %s does not exist; create it or log elsewhere", path, filepath.Dir(path))
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot open access log %s: permission denied; fix the permissions or log elsewhere", path)
	}
	return fmt.Errorf("cannot open access log %s: %v", path, err)
}
