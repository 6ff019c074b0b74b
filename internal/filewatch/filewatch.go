// Package filewatch reloads files an operator replaces while dashbox
// serves (an htpasswd file, certificate files): it polls them with stat
// calls and calls a reload function when one changed. Polling, not inotify,
// because it sees every way a file is replaced (written in place, renamed
// over, a symlink moved to a new target as certbot does), works on every
// file system, and costs one stat a file a check.
package filewatch

import (
	"context"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Watcher notices when any of a set of files changed since it last looked:
// a new modification time or size, a file at the path that is not the one
// seen before (a rename into place; stat follows symlinks, so a moved link
// counts), or a file that appeared or disappeared. It then calls its reload
// function. Reloads never run at once: the function may swap state without
// a lock of its own.
type Watcher struct {
	paths  []string
	reload func() error

	mu   sync.Mutex // serializes reloads
	seen []fs.FileInfo
}

// New returns a Watcher of the files at paths that calls reload when they
// change. It records how the files look now, so call it before the first
// load: a change made during that load is then caught by the next check.
func New(reload func() error, paths ...string) *Watcher {
	w := &Watcher{paths: paths, reload: reload}
	w.seen = w.stat()
	return w
}

// ReloadIfChanged calls the reload function if a file changed since the
// last check, and returns its error. What was seen is remembered even when
// the reload fails, so a broken file is reported once, then again only
// when it changes again.
func (w *Watcher) ReloadIfChanged() error { return w.check(false) }

// Reload calls the reload function now, even if the files look unchanged
// (on SIGHUP, or after a replacement with the same size and time), and
// returns its error.
func (w *Watcher) Reload() error { return w.check(true) }

func (w *Watcher) check(force bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := w.stat()
	if !force && !w.changed(cur) {
		return nil
	}
	w.seen = cur
	return w.reload()
}

// Poll calls ReloadIfChanged every interval until ctx is done. The reload
// function reports its own errors (it knows what to log).
func (w *Watcher) Poll(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			w.ReloadIfChanged()
		}
	}
}

// stat returns each path's FileInfo, nil for one that cannot be stat'ed.
func (w *Watcher) stat() []fs.FileInfo {
	st := make([]fs.FileInfo, len(w.paths))
	for i, p := range w.paths {
		if fi, err := os.Stat(p); err == nil {
			st[i] = fi
		}
	}
	return st
}

func (w *Watcher) changed(cur []fs.FileInfo) bool {
	for i := range cur {
		if changed(w.seen[i], cur[i]) {
			return true
		}
	}
	return false
}

// changed reports whether a file differs from when it was last seen.
func changed(old, cur fs.FileInfo) bool {
	if old == nil || cur == nil {
		return old != cur
	}
	return !os.SameFile(old, cur) || !old.ModTime().Equal(cur.ModTime()) || old.Size() != cur.Size()
}
