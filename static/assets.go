package static

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

// asset is one embedded file with everything a response needs, computed
// once by loadAssets.
type asset struct {
	name        string
	data        []byte
	fingerprint string
	url         string   // Prefix + fingerprinted name
	contentType []string // header values, shared (see cacheControl)
	etag        []string
	// compressible assets vary by Accept-Encoding even when no variant was
	// kept, so their responses always carry Vary.
	compressible bool
	have         [numCodings]bool
	variants     [numCodings]variant
}

// variant is a compressed representation of an asset.
type variant struct {
	data     []byte
	encoding []string
	length   []string
	etag     []string
}

// codingOf maps the server's coding indexes to the generator's codings.
var codingOf = [numCodings]assetname.Coding{
	codingBrotli: assetname.Brotli,
	codingGzip:   assetname.Gzip,
}

// etagSuffix tells the representations of one asset apart: a strong ETag
// must differ between byte-different bodies.
var etagSuffix = [numCodings]string{codingBrotli: "-br", codingGzip: "-gz"}

// assetIndex is what loadAssets returns.
type assetIndex struct {
	byName, byURL map[string]*asset
	// missingVariants names the compressible assets for which the build
	// wrote no sibling (not even a "not worth it" marker).
	missingVariants []string
}

// loadAssets reads every file of fsys (rooted at the assets folder), hashes
// it and attaches the current compressed siblings. Siblings whose
// fingerprint does not match their asset are stale leftovers and are
// ignored, so an edited file is never sent with an old compressed body.
func loadAssets(fsys fs.FS) (assetIndex, error) {
	idx := assetIndex{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	var names []string
	siblings := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			// go:embed leaves these out already; other file systems
			// (tests) get the same rule, and requestName refuses
			// hidden names anyway.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if _, _, _, ok := assetname.ParseSiblingName(p); ok {
			siblings[p] = true
			return nil
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return idx, fmt.Errorf("static: reading embedded assets: %w", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return idx, fmt.Errorf("static: reading embedded asset: %w", err)
		}
		fp := assetname.Fingerprint(data)
		fpName := fingerprintedName(name, fp)
		a := &asset{
			name:         name,
			data:         data,
			fingerprint:  fp,
			url:          Prefix + fpName,
			contentType:  contentType(name),
			etag:         quoteETag(fp),
			compressible: assetname.Compressible(name),
		}
		if a.compressible {
			missing := false
			for c := range numCodings {
				s := assetname.SiblingName(name, fp, codingOf[c])
				if !siblings[s] {
					missing = true
					continue
				}
				z, err := fs.ReadFile(fsys, s)
				if err != nil {
					return idx, fmt.Errorf("static: reading embedded asset: %w", err)
				}
				// Empty is the generator's "compression did not help"
				// marker; a variant that is not smaller is never worth
				// the Vary split either.
				if len(z) == 0 || len(z) >= len(data) {
					continue
				}
				a.have[c] = true
				a.variants[c] = variant{
					data:     z,
					encoding: []string{codingOf[c].Name},
					length:   []string{strconv.Itoa(len(z))},
					etag:     quoteETag(fp + etagSuffix[c]),
				}
			}
			if missing {
				idx.missingVariants = append(idx.missingVariants, name)
			}
		}
		idx.byName[name] = a
		idx.byURL[fpName] = a
	}
	sort.Strings(idx.missingVariants)
	return idx, nil
}
