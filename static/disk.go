package static

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dashbox/dashbox/internal/byteranges"
	"github.com/dashbox/dashbox/internal/osuser"
	"github.com/dashbox/dashbox/internal/patherr"
)

// DirError is an operator's static dir that cannot be served (missing, not
// a directory, not readable); the message says why and what to do.
type DirError struct {
	// Dir is the folder as given.
	Dir string
	msg string
}

func (e *DirError) Error() string { return e.msg }

func dirError(dir, format string, args ...any) error {
	return &DirError{Dir: dir, msg: fmt.Sprintf(format, args...)}
}

// ValidateDir checks that dir can serve as the operator's static dir: it
// exists, is a directory, and can be opened. The error is a *DirError, one
// line saying what to do, ready to show the operator.
func ValidateDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dirError(dir, "static dir %s does not exist: create it, or serve without a static dir", dir)
	case errors.Is(err, fs.ErrPermission):
		return dirError(dir, "static dir %s cannot be reached by user %s (permission denied): let that user enter its parent folders (chmod a+x), or serve without a static dir", dir, currentUser())
	case err != nil:
		return dirError(dir, "static dir %s cannot be used (%v): fix it, or serve without a static dir", dir, pathErrText(err))
	case !fi.IsDir():
		return dirError(dir, "static dir %s is not a directory: give a folder", dir)
	}
	// Opening it is exactly what New does; it fails without read
	// permission.
	root, err := os.OpenRoot(dir)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return dirError(dir, "static dir %s is not readable by user %s (permission denied): give that user read access (chmod a+rx), or serve without a static dir", dir, currentUser())
	case err != nil:
		return dirError(dir, "static dir %s cannot be opened (%v): fix it, or serve without a static dir", dir, pathErrText(err))
	}
	root.Close()
	return nil
}

// currentUser names the user dashbox runs as, the one permissions must
// allow (often a service user, not the operator reading the message).
var currentUser = osuser.Describe

// pathErrText drops the path from a *fs.PathError, which the messages above
// already name.
func pathErrText(err error) string { return patherr.Cause(err).Error() }

// diskDir serves files from the operator's folder through an os.Root, so no
// name, symlink or race can reach a file outside it: the kernel resolves
// each path component relative to the opened folder, and os.Root refuses
// symlinks that lead out.
type diskDir struct {
	path   string // absolute, so a later chdir cannot move it
	logger *slog.Logger
	root   atomic.Pointer[openRoot]
	// checked is the Unix second of the last check whether path still
	// names the opened folder.
	checked atomic.Int64
	// cache holds small files' content (see fileCache).
	cache fileCache
}

// openRoot is an opened folder and its identity when opened.
type openRoot struct {
	root *os.Root
	info fs.FileInfo
	// dir is the folder opened once more, for the cache's per-request
	// check (lstatVersion), which os.Root.Lstat would make several times
	// dearer: it walks the name component by component, allocating.
	dir *os.File
}

func openDiskDir(dir string, logger *slog.Logger) (*diskDir, error) {
	if err := ValidateDir(dir); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, dirError(dir, "static dir %s: %v", dir, err)
	}
	d := &diskDir{path: abs, logger: logger}
	r, err := openRootAt(abs)
	if err != nil {
		return nil, dirError(dir, "static dir %s cannot be opened (%v): fix it, or serve without a static dir", dir, pathErrText(err))
	}
	d.root.Store(r)
	return d, nil
}

func openRootAt(path string) (*openRoot, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	info, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	dir, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	return &openRoot{root: root, info: info, dir: dir}, nil
}

// current returns the opened folder, first re-opening it (at most once a
// second) if its path now names a different folder. nginx resolves the
// path on every request; holding an open folder is faster, and this check
// keeps deployments that swap the folder (a symlink flipped to a new
// release, rm -rf and copy) working without a restart. The replaced Root is
// not closed here because requests may still be using it; os.Root and
// os.File close themselves once unreachable.
func (d *diskDir) current(now time.Time) *openRoot {
	r := d.root.Load()
	sec := now.Unix()
	last := d.checked.Load()
	if last == sec || !d.checked.CompareAndSwap(last, sec) {
		return r
	}
	fi, err := os.Stat(d.path)
	if err != nil || !fi.IsDir() || os.SameFile(fi, r.info) {
		// Gone or unchanged: keep what we have; a vanished folder
		// answers 404 either way.
		return r
	}
	nr, err := openRootAt(d.path)
	if err != nil {
		d.logger.Warn("static: the static dir was replaced but cannot be opened; still serving the old folder",
			"dir", d.path, "err", err)
		return r
	}
	d.logger.Info("static: the static dir was replaced; serving the new folder", "dir", d.path)
	d.root.Store(nr)
	return nr
}

// serve sends the file name from the folder, or a 404. name has passed
// requestName.
func (d *diskDir) serve(w http.ResponseWriter, r *http.Request, name string, now time.Time, expires []string) {
	if _, isRange := r.Header["Range"]; isRange {
		r = byteranges.Fix(r)
	}
	root := d.current(now)
	if e := d.cache.get(root, name); e != nil {
		setDiskHeaders(w.Header(), e.contentType, expires, e.etag)
		http.ServeContent(w, r, "", e.modTime, bytes.NewReader(e.data))
		return
	}
	// openFlags adds O_NONBLOCK on Unix: opening a FIFO someone left in the
	// folder would otherwise block the request forever. It makes no
	// difference to regular files.
	f, err := root.root.OpenFile(name, openFlags, 0)
	if err != nil {
		d.failOpen(w, name, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		d.logger.Warn("static: cannot stat a file of the static dir", "name", name, "err", err)
		fail(w, http.StatusInternalServerError)
		return
	}
	if !fi.Mode().IsRegular() {
		// Directories (no listings, ever), FIFOs, devices, sockets.
		fail(w, http.StatusNotFound)
		return
	}
	if e := d.cache.add(root, name, f, fi, now); e != nil {
		setDiskHeaders(w.Header(), e.contentType, expires, e.etag)
		http.ServeContent(w, r, "", e.modTime, bytes.NewReader(e.data))
		return
	}
	setDiskHeaders(w.Header(), contentType(name), expires, []string{diskETag(fi)})
	// A SectionReader of the size fstat gave: ServeContent would otherwise
	// find the size by seeking to the end and back, two more system calls
	// per request, and reads become pread(2). (sendfile(2), which only an
	// *os.File would allow, never applies: files go out over TLS.)
	http.ServeContent(w, r, "", fi.ModTime(), io.NewSectionReader(f, 0, fi.Size()))
}

// setDiskHeaders sets the headers of a --static-dir file's response.
func setDiskHeaders(hdr http.Header, contentType, expires, etag []string) {
	hdr["Cache-Control"] = cacheControl[policyMonth]
	hdr["Expires"] = expires
	hdr["Content-Type"] = contentType
	hdr["Etag"] = etag
}

// failOpen answers a request whose file could not be opened. Errors any
// client can cause by asking for a missing name are quiet 404s; the others
// point at the folder's set-up, so the operator is told.
func (d *diskDir) failOpen(w http.ResponseWriter, name string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ENAMETOOLONG):
		fail(w, http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		d.logger.Warn("static: a file of the static dir is not readable by the user dashbox runs as; answering 403",
			"name", name, "user", currentUser(), "err", err)
		fail(w, http.StatusForbidden)
	default:
		// Among others: a symlink leading out of the folder, which
		// os.Root refuses.
		d.logger.Warn("static: cannot serve a file of the static dir; answering 404", "name", name, "err", err)
		fail(w, http.StatusNotFound)
	}
}

// diskETag is a strong validator from modification time (nanoseconds) and
// size, the nginx recipe with finer time: cheap, and it changes whenever a
// deploy rewrites the file.
func diskETag(fi fs.FileInfo) string {
	var b [48]byte
	s := append(b[:0], '"')
	s = strconv.AppendInt(s, fi.ModTime().UnixNano(), 16)
	s = append(s, '-')
	s = strconv.AppendInt(s, fi.Size(), 16)
	s = append(s, '"')
	return string(s)
}
