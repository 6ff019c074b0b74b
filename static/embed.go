package static

import "embed"

// The generator writes the .br and .gz siblings of the text assets next to
// them (gitignored). make runs it after copying the npm assets into
// assets/vendor and before go build; a plain go build without it still works
// and serves those assets uncompressed (New logs a warning).
//go:generate go run ./internal/cmd/precompress -dir assets

// embedded holds everything under assets/: the committed stylesheet and
// favicon, the npm files make copies into assets/vendor (absent in a fresh
// clone, which is fine: the pattern only needs the folder to hold one file)
// and the generated siblings. Names starting with "." or "_" are left out by
// go:embed itself.
//
//go:embed assets
var embedded embed.FS
