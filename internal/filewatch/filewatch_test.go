package filewatch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// setTime gives path a fixed modification time, so a test can change a
// file without changing its time.
func setTime(t *testing.T, path string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// counter is a reload function that counts its calls and returns err.
type counter struct {
	calls int
	err   error
}

func (c *counter) reload() error { c.calls++; return c.err }

// TestReloadIfChanged: every way a file is replaced in practice triggers
// one reload, and a file that did not change triggers none.
func TestReloadIfChanged(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
		want   int // reloads
	}{
		{"unchanged", func(*testing.T, string) {}, 0},
		{"touched to the same time", func(t *testing.T, path string) { setTime(t, path, mtime) }, 0},
		{"written in place, same size and time", func(t *testing.T, path string) {
			write(t, path, "two")
			setTime(t, path, mtime)
		}, 0}, // what Reload (SIGHUP) is for
		{"written in place, new size", func(t *testing.T, path string) {
			write(t, path, "three")
			setTime(t, path, mtime)
		}, 1},
		{"new modification time", func(t *testing.T, path string) { setTime(t, path, mtime.Add(time.Second)) }, 1},
		{"another file renamed over it, same size and time", func(t *testing.T, path string) {
			write(t, path+".new", "two")
			setTime(t, path+".new", mtime)
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"symlink moved to another file", func(t *testing.T, path string) {
			other := filepath.Join(filepath.Dir(path), "other")
			write(t, other, "one")
			setTime(t, other, mtime)
			link := path + ".link"
			if err := os.Symlink(other, link); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(link, path); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"deleted", func(t *testing.T, path string) { os.Remove(path) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "file")
			write(t, path, "one")
			setTime(t, path, mtime)
			var c counter
			w := New(c.reload, path)
			tt.change(t, path)
			if err := w.ReloadIfChanged(); err != nil {
				t.Fatal(err)
			}
			if c.calls != tt.want {
				t.Errorf("reloads = %d, want %d", c.calls, tt.want)
			}
			// Seen now: a second check reloads nothing.
			w.ReloadIfChanged()
			if c.calls != tt.want {
				t.Errorf("a second check reloaded again: %d reloads", c.calls)
			}
		})
	}
}

// TestMissingFileAppears: a file missing at the start counts as changed
// when it appears, and any of several files counts.
func TestMissingFileAppears(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "cert"), filepath.Join(dir, "key")
	write(t, first, "cert")
	var c counter
	w := New(c.reload, first, second)
	w.ReloadIfChanged()
	if c.calls != 0 {
		t.Fatalf("reloads with nothing changed = %d", c.calls)
	}
	write(t, second, "key")
	w.ReloadIfChanged()
	if c.calls != 1 {
		t.Errorf("reloads after the second file appeared = %d, want 1", c.calls)
	}
}

// TestBrokenReplacementReportedOnce: a reload's error is returned once,
// then the same broken file is not loaded again until it changes; Reload
// loads it regardless.
func TestBrokenReplacementReportedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	write(t, path, "good")
	c := counter{err: errors.New("broken")}
	w := New(c.reload, path)
	write(t, path, "broken!")
	if err := w.ReloadIfChanged(); err == nil {
		t.Fatal("the reload's error was not returned")
	}
	if err := w.ReloadIfChanged(); err != nil || c.calls != 1 {
		t.Errorf("second check: %v after %d reloads, want no error after 1", err, c.calls)
	}
	if err := w.Reload(); err == nil || c.calls != 2 {
		t.Errorf("Reload: %v after %d reloads, want the error after 2", err, c.calls)
	}
	c.err = nil
	if err := w.Reload(); err != nil || c.calls != 3 {
		t.Errorf("Reload of an unchanged file: %v after %d reloads, want no error after 3", err, c.calls)
	}
}

// TestReloadsDoNotOverlap: concurrent reloads run one at a time, so the
// reload function needs no lock (the race detector checks calls).
func TestReloadsDoNotOverlap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	write(t, path, "x")
	var c counter
	w := New(c.reload, path)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				w.Reload()
				w.ReloadIfChanged()
			}
		}()
	}
	wg.Wait()
	if c.calls != 8*50 {
		t.Errorf("reloads = %d, want %d", c.calls, 8*50)
	}
}

// TestPoll: a change is reloaded without a call, and Poll returns when its
// context ends.
func TestPoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	write(t, path, "one")
	reloaded := make(chan struct{}, 1)
	w := New(func() error {
		select {
		case reloaded <- struct{}{}:
		default:
		}
		return nil
	}, path)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Poll(ctx, time.Millisecond)
	}()
	write(t, path, "changed")
	select {
	case <-reloaded:
	case <-time.After(20 * time.Second):
		t.Fatal("a changed file was not reloaded within 20s")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Poll did not return within 20s of its context ending")
	}
}
