package static

import (
	"mime"
	"path"
	"strings"
)

// contentTypes maps extensions to the Content-Type dashbox sends. It is
// explicit rather than left to mime.TypeByExtension, whose answers depend on
// the host's /etc/mime.types: a browser refuses a script or stylesheet sent
// with the wrong type once X-Content-Type-Options: nosniff is set, so these
// must not vary between servers. Values are shared header slices (see
// serveAsset).
var contentTypes = map[string][]string{
	".css":         {"text/css; charset=utf-8"},
	".js":          {"text/javascript; charset=utf-8"},
	".mjs":         {"text/javascript; charset=utf-8"},
	".json":        {"application/json"},
	".map":         {"application/json"},
	".webmanifest": {"application/manifest+json"},
	".html":        {"text/html; charset=utf-8"},
	".htm":         {"text/html; charset=utf-8"},
	".txt":         {"text/plain; charset=utf-8"},
	".csv":         {"text/csv; charset=utf-8"},
	".xml":         {"application/xml"},
	".svg":         {"image/svg+xml"},
	".png":         {"image/png"},
	".jpg":         {"image/jpeg"},
	".jpeg":        {"image/jpeg"},
	".gif":         {"image/gif"},
	".webp":        {"image/webp"},
	".avif":        {"image/avif"},
	".ico":         {"image/x-icon"},
	".woff2":       {"font/woff2"},
	".woff":        {"font/woff"},
	".ttf":         {"font/ttf"},
	".otf":         {"font/otf"},
	".wasm":        {"application/wasm"},
	".pdf":         {"application/pdf"},
	".zip":         {"application/zip"},
	".gz":          {"application/gzip"},
	".mp4":         {"video/mp4"},
	".webm":        {"video/webm"},
}

// octetStream is sent for names with no known type, as nginx's default_type
// does: the browser downloads the file instead of guessing what it is.
var octetStream = []string{"application/octet-stream"}

// contentType returns the Content-Type header value for a file name. Types
// outside the table (only reachable for --static-dir files) fall back to the
// system's MIME table, then to application/octet-stream.
func contentType(name string) []string {
	ext := path.Ext(name)
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct, ok := contentTypes[strings.ToLower(ext)]; ok {
		return ct
	}
	if ext != "" {
		if ct := mime.TypeByExtension(ext); ct != "" {
			return []string{ct}
		}
	}
	return octetStream
}
