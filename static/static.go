// Package static serves dashbox's static files under /static/: the assets
// embedded in the binary (the site's stylesheet, favicon and the npm files
// such as echarts.min.js) and, optionally, an operator's folder on disk
// (--static-dir), with the caching nginx's `expires 30d` gives and more:
//
//   - Every embedded asset has a strong ETag from its content hash (embed.FS
//     files have no modification time), so revalidation answers 304.
//   - URL returns a fingerprinted URL ("/static/css/dashbox.<hash>.css")
//     that is cached for a year as immutable; the plain name keeps working
//     with the 30-day policy. A fingerprint from another build (a browser
//     holding an old page) gets the current content with the 30-day
//     policy rather than a 404 that would leave the page unstyled.
//   - Text assets are sent brotli- or gzip-compressed, precompressed at build
//     time (see internal/precompress), never compressed per request; the
//     module's internal/contentcoding reads Accept-Encoding, for pages too.
//   - Range requests, HEAD, and If-None-Match lists and "*" work through
//     http.ServeContent; a Range of more than 16 ranges gets the whole file,
//     and a zero-length suffix range ("-0") is unsatisfiable (the module's
//     internal/byteranges, which pages use too).
//
// Nothing outside the embedded assets and the --static-dir folder can be
// reached: no directory listings, no "..", no hidden files, no symlinks out
// of the folder.
package static

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dashbox/dashbox/internal/byteranges"
	"github.com/dashbox/dashbox/internal/contentcoding"
)

// Prefix is the URL path the handler is mounted at; every URL it serves and
// returns starts with it. Mount the handler for Prefix+"*" in chi (or Prefix
// in a ServeMux) without stripping the prefix.
const Prefix = "/static/"

// Options configures New.
type Options struct {
	// Dir is an operator's folder (--static-dir) served under /static/ in
	// addition to the embedded assets, like nginx's
	// `location /static/ { alias DIR/; }`. "" serves the embedded assets
	// only.
	//
	// When a name exists both embedded and in Dir, the embedded asset wins,
	// and so do names shaped like a fingerprinted embedded asset
	// ("css/dashbox.<12 hex digits>.css"): the release's pages reference
	// its own stylesheet and scripts by fingerprint, and a same-named file
	// on disk must not break them. So Dir adds files; it cannot replace
	// dashbox's own. Its files are sent as they are, never compressed
	// (there is no per-request compression), with Last-Modified, an ETag
	// from modification time and size, the 30-day cache policy and Range
	// support. Files up to 128 KiB that have not changed for two seconds
	// are kept in memory (8 MiB in all), each request checking with one
	// lstat that the file is still the same (see fileCache). Hidden names
	// (starting with ".") are never served. Dir must exist when New
	// runs. Replacing the whole folder later (a symlink switched to a new
	// release, or rm -rf and copy) is noticed within a second; changing
	// files in it is seen at once.
	Dir string

	// Logger receives start-up warnings (assets built without their
	// compressed variants) and problems serving Dir (permission denied,
	// symlinks leading out of it). Nil discards them.
	Logger *slog.Logger
}

// Handler serves /static/. It is safe for concurrent use. Everything it
// computes for an embedded asset (hash, URLs, header values) is computed
// once, on the asset's first use.
type Handler struct {
	logger  *slog.Logger
	assets  map[string]*asset // by plain name
	disk    *diskDir          // nil without Options.Dir
	now     func() time.Time
	expires expiresCache
}

// New indexes the embedded assets and, when opts.Dir is set, checks and
// opens that folder (see ValidateDir for the errors). It reads only the
// embedded directory: each asset is hashed on its first use (a URL call or a
// request; about a millisecond per megabyte), and served from where it lies
// in the binary, never copied into memory. Compressed variants come from the
// build (`go generate ./static`, which make runs). Assets built without them
// are served uncompressed and logged once at warning level, at start; so are
// variants left from an earlier version of an asset, on its first use.
// Compressing here instead was measured and rejected: brotli's best setting
// takes seconds for echarts.min.js, and even the quickest brotli and gzip
// settings take about 20 ms of CPU for it, two thirds of dashbox's 30 ms
// start-up budget, for files 40% bigger than the build's. A build without
// `go generate` is a developer's build; make always generates.
func New(opts Options) (*Handler, error) {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return newHandler(sub, opts)
}

// newHandler is New over any asset file system, so tests can supply assets
// (and compressed siblings) of their own.
func newHandler(assets fs.FS, opts Options) (*Handler, error) {
	h := &Handler{logger: opts.Logger, now: time.Now}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	idx, err := indexAssets(assets)
	if err != nil {
		return nil, err
	}
	h.assets = idx.byName
	if len(idx.missingVariants) > 0 {
		h.logger.Warn("static: text assets have no precompressed variants and are served uncompressed; "+
			"run `go generate ./static` before go build (make does)", "assets", idx.missingVariants)
	}
	if opts.Dir != "" {
		if h.disk, err = openDiskDir(opts.Dir, h.logger); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// URL returns the fingerprinted URL of the embedded asset name, a path
// relative to static/assets such as "css/dashbox.css" or
// "vendor/echarts/echarts.min.js". The URL changes whenever the content
// does, so it is served with a year-long immutable cache policy. Names that
// are not embedded (including files only in Options.Dir, which may change
// under a running server) are an error, so templates fail at start-up
// rather than in a visitor's browser.
func (h *Handler) URL(name string) (string, error) {
	if a, ok := h.assets[name]; ok {
		if err := a.ready(h.logger); err != nil {
			return "", err
		}
		return a.url, nil
	}
	return "", fmt.Errorf("static: no embedded asset %q (names are relative to static/assets, like \"css/dashbox.css\")", name)
}

// Header values shared by all responses. Handlers store these slices in the
// response header map instead of calling Header().Set, which would allocate
// a new one-element slice per header per request. That is safe because
// net/http and middleware only ever replace or append to header slices,
// never write into them.
var (
	allowValue   = []string{"GET, HEAD"}
	varyValue    = []string{"Accept-Encoding"}
	cacheControl = [...][]string{
		policyMonth: {"public, max-age=2592000"},
		policyYear:  {"public, max-age=31536000, immutable"},
	}
)

// ServeHTTP serves GET and HEAD requests for Prefix + name, where name is an
// embedded asset (plain or fingerprinted) or a file in Options.Dir. It sees
// the full request path: mount it without http.StripPrefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = allowValue
		fail(w, http.StatusMethodNotAllowed)
		return
	}
	name, status := requestName(r)
	if status != 0 {
		fail(w, status)
		return
	}
	now := h.now()
	// A fingerprinted name: the current fingerprint is cached for a year;
	// one from another build (a browser holding an old page asks for the
	// old version) gets the current content, which beats a broken page, but
	// with the 30-day policy, since this URL does not name this content.
	var old *asset
	if base, fp, ok := splitFingerprint(name); ok {
		if a, ok := h.assets[base]; ok {
			if !h.ready(w, a) {
				return
			}
			if fp == a.fingerprint {
				h.serveAsset(w, r, a, policyYear, now)
				return
			}
			old = a
		}
	}
	if a, ok := h.assets[name]; ok {
		if h.ready(w, a) {
			h.serveAsset(w, r, a, policyMonth, now)
		}
		return
	}
	if old != nil {
		h.serveAsset(w, r, old, policyMonth, now)
		return
	}
	if h.disk != nil {
		h.disk.serve(w, r, name, now, h.expires.get(now, policyMonth))
		return
	}
	fail(w, http.StatusNotFound)
}

// ready makes a ready to serve, and answers 500 when it cannot be read
// (which an embedded file always can).
func (h *Handler) ready(w http.ResponseWriter, a *asset) bool {
	if err := a.ready(h.logger); err != nil {
		h.logger.Error("serving an embedded asset", "err", err)
		fail(w, http.StatusInternalServerError)
		return false
	}
	return true
}

// serveAsset sends an embedded asset, choosing a compressed variant when
// the client accepts one.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, a *asset, p cachePolicy, now time.Time) {
	hdr := w.Header()
	hdr["Cache-Control"] = cacheControl[p]
	hdr["Expires"] = h.expires.get(now, p)
	hdr["Content-Type"] = a.contentType
	body, etag := a.body, a.etag
	_, isRange := r.Header["Range"]
	if isRange {
		r = byteranges.Fix(r)
		_, isRange = r.Header["Range"]
	}
	if a.compressible {
		// Every response for this URL may differ by Accept-Encoding,
		// including identity ones, or a shared cache could hand brotli to
		// a client that cannot read it.
		if len(hdr["Vary"]) == 0 {
			hdr["Vary"] = varyValue
		} else {
			hdr.Add("Vary", "Accept-Encoding")
		}
		// Ranges are served from identity only: offsets into a compressed
		// body would be offsets into a representation the client cannot
		// resume from another coding, and clients that send Range
		// (download managers, media players) rarely ask for compression.
		if !isRange {
			if c := contentcoding.Parse(r.Header["Accept-Encoding"]).Choose(&a.have); c != contentcoding.Identity {
				v := &a.variants[c]
				hdr["Content-Encoding"] = v.encoding
				// ServeContent leaves Content-Length unset when
				// Content-Encoding is, so set it here.
				hdr["Content-Length"] = v.length
				body, etag = v.body, v.etag
			}
		}
	}
	// ServeContent answers If-None-Match (lists and "*" included), If-Match
	// and If-Range from this ETag, so it must be set first.
	hdr["Etag"] = etag
	http.ServeContent(w, r, "", time.Time{}, body.reader())
}

// fail sends a short plain-text error; the server wraps nicer pages around
// non-static routes only.
func fail(w http.ResponseWriter, status int) {
	http.Error(w, http.StatusText(status), status)
}

// quoteETag builds a strong ETag header value.
func quoteETag(s string) []string { return []string{strconv.Quote(s)} }
