package server

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// LogFile is the access log's destination: a file that can be reopened after
// logrotate moved it (on SIGHUP, as nginx does), or a plain writer such as
// stdout. Writes are serialised so lines never interleave.
type LogFile struct {
	mu   sync.Mutex
	path string
	w    io.Writer
	f    *os.File
}

// OpenLogFile opens the access log named by spec: "-" is stdout, "off" or ""
// returns nil (no access log), anything else is a file path, created with mode
// 0640 and appended to.
func OpenLogFile(spec string, stdout io.Writer) (*LogFile, error) {
	switch spec {
	case "", "off":
		return nil, nil
	case "-":
		return &LogFile{w: stdout}, nil
	}
	l := &LogFile{path: spec}
	if err := l.Reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

// Reopen closes and reopens the file by name, so that after logrotate renamed
// it, new lines go to a fresh file. For stdout it does nothing.
func (l *LogFile) Reopen() error {
	if l == nil || l.path == "" {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("cannot open access log %s: directory %s does not exist; create it or log elsewhere", l.path, filepath.Dir(l.path))
		}
		if os.IsPermission(err) {
			return fmt.Errorf("cannot open access log %s: permission denied; fix the permissions or log elsewhere", l.path)
		}
		return fmt.Errorf("cannot open access log %s: %v", l.path, err)
	}
	l.mu.Lock()
	old := l.f
	l.f, l.w = f, f
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// Write writes one complete log line.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close closes the file (not stdout).
func (l *LogFile) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
