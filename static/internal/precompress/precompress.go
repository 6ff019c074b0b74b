// Package precompress writes the gzip and brotli siblings of dashbox's text
// assets. The generator (static/internal/cmd/precompress, run by
// `go generate ./static`) runs it at build time, so the server never spends
// start-up time or request time on brotli level 11. The siblings' names
// follow static/internal/assetname, which the server uses to find them in
// its embedded file system; only the generator links this package and its
// brotli encoder.
package precompress

import (
	"bytes"
	"compress/gzip"

	"github.com/andybalholm/brotli"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

// Compress encodes data with c's best (slowest) setting. The output depends
// only on data, so repeated builds produce identical files. It panics on a
// coding other than assetname.Brotli and assetname.Gzip.
func Compress(c assetname.Coding, data []byte) []byte {
	switch c {
	case assetname.Brotli:
		return compressBrotli(data)
	case assetname.Gzip:
		return compressGzip(data)
	}
	panic("precompress: unknown coding " + c.Name)
}

func compressBrotli(data []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression})
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(data)
	_ = w.Close()
	return buf.Bytes()
}

func compressGzip(data []byte) []byte {
	var buf bytes.Buffer
	// The header carries no name and a zero ModTime, so the output depends
	// only on data.
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = w.Write(data)
	_ = w.Close()
	return buf.Bytes()
}
