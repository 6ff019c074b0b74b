package static

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dashbox/dashbox/internal/contentcoding"
	"github.com/dashbox/dashbox/static/internal/assetname"
)

// asset is one embedded file. What the directory says about it (its name,
// type, which compressed siblings exist) is known from New on; its content is
// read only on first use (ready), to hash it, and then served straight from
// the embedded file system. So an asset nobody asks for costs no heap and
// none of the binary's pages in memory: idle RSS stays low even with
// ECharts and its compressed copies (1.6 MiB) embedded.
type asset struct {
	fsys         fs.FS
	name         string
	contentType  []string // header values, shared (see cacheControl)
	compressible bool
	// siblings are the names of the compressed siblings the build left for
	// this asset, by coding, whatever fingerprint they carry: ready keeps
	// the one matching the content, if any.
	siblings [contentcoding.Count][]string

	once sync.Once
	err  error
	// Set by ready.
	body        content
	fingerprint string
	url         string // Prefix + fingerprinted name
	etag        []string
	// compressible assets vary by Accept-Encoding even when no variant was
	// kept, so their responses always carry Vary.
	have     [contentcoding.Count]bool
	variants [contentcoding.Count]variant
}

// content is a file's bytes, read where they lie.
type content struct {
	r    io.ReaderAt
	size int64
}

// reader returns a fresh ReadSeeker over c for one response.
func (c content) reader() io.ReadSeeker { return io.NewSectionReader(c.r, 0, c.size) }

// variant is a compressed representation of an asset.
type variant struct {
	body     content
	encoding []string
	length   []string
	etag     []string
}

// codingOf maps the server's coding indexes to the naming rules' codings.
var codingOf = [contentcoding.Count]assetname.Coding{
	contentcoding.Brotli: assetname.Brotli,
	contentcoding.Gzip:   assetname.Gzip,
}

// etagSuffix tells the representations of one asset apart: a strong ETag
// must differ between byte-different bodies.
var etagSuffix = [contentcoding.Count]string{contentcoding.Brotli: "-br", contentcoding.Gzip: "-gz"}

// assetIndex is what indexAssets returns.
type assetIndex struct {
	byName map[string]*asset
	// missingVariants names the compressible assets for which the build
	// wrote no sibling at all (not even a "not worth it" marker) for some
	// coding.
	missingVariants []string
}

// indexAssets lists the files of fsys (rooted at the assets folder) and
// pairs each with its compressed siblings by name. It reads directories
// only, never a file's content: that is ready's job, on first use.
func indexAssets(fsys fs.FS) (assetIndex, error) {
	idx := assetIndex{byName: map[string]*asset{}}
	type sibling struct {
		name, asset string
		c           contentcoding.Coding
	}
	var siblings []sibling
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
		if asset, _, c, ok := assetname.ParseSiblingName(p); ok {
			siblings = append(siblings, sibling{p, asset, codingIndex(c)})
			return nil
		}
		idx.byName[p] = &asset{
			fsys:         fsys,
			name:         p,
			contentType:  contentType(p),
			compressible: assetname.Compressible(p),
		}
		return nil
	})
	if err != nil {
		return idx, fmt.Errorf("static: reading embedded assets: %w", err)
	}
	for _, s := range siblings {
		if a, ok := idx.byName[s.asset]; ok {
			a.siblings[s.c] = append(a.siblings[s.c], s.name)
		}
	}
	for name, a := range idx.byName {
		if a.compressible && slices.ContainsFunc(a.siblings[:], func(s []string) bool { return len(s) == 0 }) {
			idx.missingVariants = append(idx.missingVariants, name)
		}
	}
	sort.Strings(idx.missingVariants)
	return idx, nil
}

// codingIndex is the server's index of a naming-rules coding.
func codingIndex(c assetname.Coding) contentcoding.Coding {
	for i, cc := range codingOf {
		if cc == c {
			return contentcoding.Coding(i)
		}
	}
	panic("static: unknown coding " + c.Name) // ParseSiblingName only returns codingOf's
}

// ready reads and hashes a once, and attaches its current compressed
// siblings. Siblings whose fingerprint does not match the content are stale
// leftovers of an earlier build (the asset was edited after `go generate`):
// they are ignored, so an edited file is never sent with an old compressed
// body, and logged once, here, since only now is the content hashed.
func (a *asset) ready(logger *slog.Logger) error {
	a.once.Do(func() {
		stale, err := a.load()
		if err != nil {
			a.err = fmt.Errorf("static: reading embedded asset: %w", err)
			return
		}
		if stale {
			logger.Warn("static: a text asset's precompressed variants are from an earlier version of it and are "+
				"not used; run `go generate ./static` before go build (make does)", "asset", a.name)
		}
	})
	return a.err
}

func (a *asset) load() (stale bool, err error) {
	body, err := openContent(a.fsys, a.name)
	if err != nil {
		return false, err
	}
	fp, err := assetname.FingerprintReader(body.reader())
	if err != nil {
		return false, err
	}
	a.body, a.fingerprint = body, fp
	a.url = Prefix + fingerprintedName(a.name, fp)
	a.etag = quoteETag(fp)
	for c := range contentcoding.Count {
		current := assetname.SiblingName(a.name, fp, codingOf[c])
		if !slices.Contains(a.siblings[c], current) {
			stale = stale || len(a.siblings[c]) > 0
			continue
		}
		z, err := openContent(a.fsys, current)
		if err != nil {
			return false, err
		}
		// Empty is the generator's "compression did not help" marker; a
		// variant that is not smaller is never worth the Vary split
		// either.
		if z.size == 0 || z.size >= body.size {
			continue
		}
		a.have[c] = true
		a.variants[c] = variant{
			body:     z,
			encoding: []string{codingOf[c].Name},
			length:   []string{strconv.FormatInt(z.size, 10)},
			etag:     quoteETag(fp + etagSuffix[c]),
		}
	}
	return stale, nil
}

// openContent opens name for reading in place. embed.FS files (and
// fstest.MapFS ones, in tests) are io.ReaderAt without state or descriptor,
// so one open file serves every request at once and is never closed; it
// copies nothing until a response reads it. Other file systems get their
// file read into memory once.
func openContent(fsys fs.FS, name string) (content, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return content{}, err
	}
	if ra, ok := f.(io.ReaderAt); ok {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return content{}, err
		}
		return content{ra, fi.Size()}, nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return content{}, err
	}
	return content{bytes.NewReader(data), int64(len(data))}, nil
}
