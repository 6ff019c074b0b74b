package static

import (
	"net/http"
	"path"
	"strings"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

// requestName returns the asset name a request asks for ("css/dashbox.css"
// for "/static/css/dashbox.css"), or the status to refuse it with. It is the
// one gate between a URL and a file name, for embedded and disk files alike:
//
//   - 400 for what no honest client sends: encoded slashes or backslashes
//     (%2f, %5c), raw backslashes, NUL and other control bytes;
//   - 404 for names that are not plain files: empty, a trailing slash (no
//     directory listings, ever), empty, "." or ".." segments (including
//     %2e%2e, which arrives decoded), and hidden names starting with ".".
//
// Clients never see which rule fired: a 404 for a traversal attempt looks
// like any other missing file.
func requestName(r *http.Request) (string, int) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		return "", http.StatusNotFound
	}
	if raw := r.URL.RawPath; raw != "" && hasEncodedSeparator(raw) {
		return "", http.StatusBadRequest
	}
	return name, checkName(name)
}

// hasEncodedSeparator reports whether an escaped path holds %2f or %5c, which
// would let a decoded name hide a separator from a proxy or log reader.
func hasEncodedSeparator(raw string) bool {
	for i := 0; i+2 < len(raw); i++ {
		if raw[i] != '%' {
			continue
		}
		a, b := raw[i+1], raw[i+2]|0x20 // lower-case the hex letter
		if (a == '2' && b == 'f') || (a == '5' && b == 'c') {
			return true
		}
	}
	return false
}

// checkName applies requestName's rules to a decoded name; 0 means fine.
func checkName(name string) int {
	if name == "" {
		return http.StatusNotFound
	}
	segStart := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c < 0x20 || c == 0x7f || c == '\\':
			return http.StatusBadRequest
		case c == '/':
			if segStart { // "//" or a leading "/"
				return http.StatusNotFound
			}
			segStart = true
			continue
		case segStart && c == '.': // ".", ".." and hidden names
			return http.StatusNotFound
		}
		segStart = false
	}
	if segStart { // trailing slash
		return http.StatusNotFound
	}
	return 0
}

// fingerprintedName inserts a fingerprint before name's extension:
// "css/dashbox.css" -> "css/dashbox.<fp>.css", "LICENSE" -> "LICENSE.<fp>".
func fingerprintedName(name, fp string) string {
	ext := path.Ext(name)
	return name[:len(name)-len(ext)] + "." + fp + ext
}

// splitFingerprint undoes fingerprintedName: for "css/dashbox.<fp>.css" it
// returns "css/dashbox.css" and fp. ok is false when name has no
// fingerprint-shaped part where fingerprintedName puts one.
func splitFingerprint(name string) (base, fp string, ok bool) {
	ext := path.Ext(name)
	stem := name[:len(name)-len(ext)]
	// "dir/name.<fp>.ext": the fingerprint is the stem's last extension.
	if i := strings.LastIndexByte(stem, '.'); i > strings.LastIndexByte(stem, '/') && ext != "" {
		if fp := stem[i+1:]; assetname.IsFingerprint(fp) {
			return stem[:i] + ext, fp, true
		}
	}
	// "dir/LICENSE.<fp>": a name without extension got the fingerprint as
	// one.
	if fp := strings.TrimPrefix(ext, "."); assetname.IsFingerprint(fp) && path.Ext(stem) == "" {
		return stem, fp, true
	}
	return "", "", false
}
