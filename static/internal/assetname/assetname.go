// Package assetname holds the naming rules shared by the static handler and
// the build-time generator (static/internal/precompress): content
// fingerprints, the codings, and the names of an asset's compressed siblings.
// It has no compressor in it, so the server binary links no brotli encoder.
//
// A sibling is named after its asset, the asset's content fingerprint and the
// coding:
//
//	css/dashbox.css -> css/dashbox.css.<fingerprint>.br
//	                   css/dashbox.css.<fingerprint>.gz
//
// Putting the fingerprint in the name makes a stale sibling (the asset was
// edited after the last `go generate`) harmless: it no longer matches and is
// ignored, so an out-of-date compressed body can never be served for new
// content. A zero-length sibling is a marker meaning "compressing this asset
// did not make it smaller": the server serves identity for that coding and
// does not count the asset as missing its variants.
package assetname

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path"
	"strings"
)

// FingerprintLen is the number of hex digits of the SHA-256 of an asset's
// content used in fingerprinted URLs, ETags and sibling names: 48 bits, far
// more than enough to tell two versions of one file apart.
const FingerprintLen = 12

// Fingerprint returns the first FingerprintLen lowercase hex digits of the
// SHA-256 of data.
func Fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:FingerprintLen/2])
}

// FingerprintReader is Fingerprint of everything r holds, read in pieces:
// the server hashes embedded assets without copying them into memory.
func FingerprintReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:FingerprintLen/2]), nil
}

// IsFingerprint reports whether s has the form Fingerprint returns.
func IsFingerprint(s string) bool {
	if len(s) != FingerprintLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Coding is one content coding a sibling can hold.
type Coding struct {
	// Name is the HTTP content-coding token sent in Content-Encoding.
	Name string
	// Suffix is the sibling file's extension, with its dot.
	Suffix string
}

// Brotli and Gzip are the codings dashbox precompresses, in the server's order
// of preference: brotli is 15-25% smaller than gzip on CSS and JavaScript and
// every current browser accepts it over HTTPS.
var (
	Brotli = Coding{Name: "br", Suffix: ".br"}
	Gzip   = Coding{Name: "gzip", Suffix: ".gz"}
)

// Codings lists Brotli and Gzip.
var Codings = []Coding{Brotli, Gzip}

// compressibleExts are the extensions of text formats worth compressing.
// Images, fonts (woff2 is already brotli inside) and archives are not.
var compressibleExts = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".svg": true, ".json": true,
	".html": true, ".htm": true, ".txt": true, ".map": true, ".xml": true,
	".csv": true, ".webmanifest": true,
}

// Compressible reports whether the asset name has a text extension that is
// served compressed.
func Compressible(name string) bool {
	return compressibleExts[strings.ToLower(path.Ext(name))]
}

// SiblingName returns the name of asset's sibling for coding c, given the
// asset's content fingerprint.
func SiblingName(asset, fingerprint string, c Coding) string {
	return asset + "." + fingerprint + c.Suffix
}

// ParseSiblingName splits a sibling name into its asset name, fingerprint and
// coding. ok is false when name is not shaped like a sibling of a compressible
// asset, so real files such as downloads ending in .gz are never mistaken for
// one.
func ParseSiblingName(name string) (asset, fingerprint string, c Coding, ok bool) {
	for _, c := range Codings {
		rest, found := strings.CutSuffix(name, c.Suffix)
		if !found {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 || !IsFingerprint(rest[i+1:]) || !Compressible(rest[:i]) {
			return "", "", Coding{}, false
		}
		return rest[:i], rest[i+1:], c, true
	}
	return "", "", Coding{}, false
}
