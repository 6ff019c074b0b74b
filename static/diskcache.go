package static

import (
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Limits of the --static-dir content cache. Files up to maxCachedFile are
// kept, until the cache holds maxCacheBytes; what does not fit is served
// from disk as before. Small files are where the cache pays: for them the
// system calls of open, fstat, read and close cost more than sending the
// bytes, while a large file's time goes to encrypting and sending it.
const (
	maxCachedFile = 128 << 10
	maxCacheBytes = 8 << 20
	settleTime    = 2 * time.Second
)

// fileCache keeps the content of small --static-dir files in memory, so a
// request for one costs a single lstat instead of opening, reading and
// closing the file. Every request checks the entry against an lstat of
// the name (see fileVersion): a file that was rewritten, replaced,
// renamed over, chmod'ed or deleted fails the check and is served from
// disk as before, so changes are still seen at once, with the same
// permission answers. The check is as strong as the file's ETag, which
// comes from the same modification time and size, with one more guard:
// file times have a granularity (a few milliseconds, up to seconds on some
// file systems), so a file rewritten twice within one tick could keep its
// times. Files changed within the last settleTime are therefore not
// cached: any later change gets times of its own.
type fileCache struct {
	mu      sync.RWMutex
	root    *openRoot // the folder the entries were read from
	entries map[string]*cachedFile
	bytes   int
}

// cachedFile is one cached file: its content and everything its response
// headers need, computed once.
type cachedFile struct {
	version     fileVersion
	data        []byte
	modTime     time.Time
	etag        []string
	contentType []string
}

// get returns name's entry if it is cached and the file on disk is still
// the one that was read.
func (c *fileCache) get(root *openRoot, name string) *cachedFile {
	c.mu.RLock()
	e := c.entries[name]
	ok := e != nil && c.root == root
	c.mu.RUnlock()
	if !ok {
		return nil
	}
	if v, ok := lstatVersion(root.dir, name); ok && v == e.version {
		return e
	}
	c.mu.Lock()
	if c.entries[name] == e {
		delete(c.entries, name)
		c.bytes -= len(e.data)
	}
	c.mu.Unlock()
	return nil
}

// add reads f (opened as name from root, fi its fstat) into the cache when
// it is small enough, fits, has not changed within settleTime of now, and
// name is the file itself rather than a symbolic link to it (whose lstat
// would never match). It returns the new entry, or nil when the file is to
// be served from disk.
func (c *fileCache) add(root *openRoot, name string, f *os.File, fi fs.FileInfo, now time.Time) *cachedFile {
	size := fi.Size()
	if size > maxCachedFile {
		return nil
	}
	v, ok := versionOf(fi)
	if !ok || now.Sub(v.changed()) < settleTime {
		return nil
	}
	c.mu.RLock()
	full := c.root == root && c.bytes+int(size) > maxCacheBytes
	c.mu.RUnlock()
	if full {
		return nil
	}
	if lv, ok := lstatVersion(root.dir, name); !ok || lv != v {
		return nil // a symbolic link, or the name changed meanwhile
	}
	data := make([]byte, size)
	if n, err := f.ReadAt(data, 0); n != len(data) || (err != nil && err != io.EOF) {
		return nil // shrunk meanwhile: leave it to the disk path
	}
	e := &cachedFile{version: v, data: data, modTime: fi.ModTime(), etag: []string{diskETag(fi)}, contentType: contentType(name)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.root != root {
		// First entry, or the folder was replaced: start afresh.
		c.root, c.entries, c.bytes = root, map[string]*cachedFile{}, 0
	}
	if old := c.entries[name]; old != nil {
		c.bytes -= len(old.data)
	}
	if c.bytes+len(data) > maxCacheBytes {
		delete(c.entries, name)
		return nil
	}
	c.entries[name] = e
	c.bytes += len(data)
	return e
}
