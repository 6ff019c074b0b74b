package precompress

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/dashbox/dashbox/internal/atomicfile"
	"github.com/dashbox/dashbox/static/internal/assetname"
)

// tempPrefix starts the names of files being written. The leading dot keeps
// them out of `//go:embed assets` even if a run is killed half-way.
const tempPrefix = ".precompress-"

// Report says what Dir did.
type Report struct {
	// Assets is the number of compressible assets found.
	Assets int
	// Written lists the siblings written in this run (slash-separated,
	// relative to the directory), zero-length markers included.
	Written []string
	// Kept is the number of siblings that were already up to date.
	Kept int
	// Removed lists stale siblings deleted because their asset changed or
	// disappeared.
	Removed []string
	// IdentityBytes, BrotliBytes and GzipBytes add up the sizes of the
	// assets and of what each coding serves for them (the identity size
	// where compressing did not help).
	IdentityBytes, BrotliBytes, GzipBytes int64
}

// Dir brings the siblings of every compressible asset under dir up to date:
// it writes the missing ones, leaves current ones alone (so a second run is
// quick) and deletes stale ones. Files and folders whose names start with "."
// or "_" are skipped, as `//go:embed` skips them. Each sibling is written to a
// temporary file and renamed into place, so an interrupted run never leaves a
// truncated sibling that the server would embed and send.
func Dir(dir string) (Report, error) {
	var rep Report
	var assets []string
	siblings := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if strings.HasPrefix(name, tempPrefix) && d.Type().IsRegular() {
				// Left over by an interrupted run.
				return os.Remove(p)
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if _, _, _, ok := assetname.ParseSiblingName(rel); ok {
			siblings[rel] = true
		} else if assetname.Compressible(rel) {
			assets = append(assets, rel)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("precompress: walking %s: %w", dir, err)
	}
	sort.Strings(assets)
	rep.Assets = len(assets)

	type job struct {
		asset, sibling string
		data           []byte
		coding         assetname.Coding
	}
	var jobs []job
	want := map[string]bool{}
	for _, a := range assets {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a)))
		if err != nil {
			return rep, fmt.Errorf("precompress: %w", err)
		}
		rep.IdentityBytes += int64(len(data))
		fp := assetname.Fingerprint(data)
		for _, c := range assetname.Codings {
			s := assetname.SiblingName(a, fp, c)
			want[s] = true
			if siblings[s] {
				rep.Kept++
				size := int64(len(data))
				if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s))); err == nil && fi.Size() > 0 {
					size = fi.Size()
				}
				rep.addCoded(c, size)
				continue
			}
			jobs = append(jobs, job{asset: a, sibling: s, data: data, coding: c})
		}
	}

	// Brotli at quality 11 is slow (seconds for a 1 MB script): use every
	// core.
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out := Compress(j.coding, j.data)
			size := int64(len(out))
			if len(out) >= len(j.data) {
				out, size = nil, int64(len(j.data)) // marker: not worth it
			}
			err := atomicfile.Options{TempPrefix: tempPrefix}.WriteFile(filepath.Join(dir, filepath.FromSlash(j.sibling)), out, 0o644)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			rep.Written = append(rep.Written, j.sibling)
			rep.addCoded(j.coding, size)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return rep, fmt.Errorf("precompress: %w", errors.Join(errs...))
	}
	sort.Strings(rep.Written)

	for s := range siblings {
		if want[s] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(s))); err != nil {
			return rep, fmt.Errorf("precompress: removing stale sibling: %w", err)
		}
		rep.Removed = append(rep.Removed, s)
	}
	sort.Strings(rep.Removed)
	return rep, nil
}

func (r *Report) addCoded(c assetname.Coding, size int64) {
	switch c.Name {
	case assetname.Brotli.Name:
		r.BrotliBytes += size
	case assetname.Gzip.Name:
		r.GzipBytes += size
	}
}

// String summarises the report in one line for the generator's output.
func (r Report) String() string {
	return fmt.Sprintf("%d text assets, %d siblings written, %d up to date, %d stale removed; %s identity -> %s br, %s gzip",
		r.Assets, len(r.Written), r.Kept, len(r.Removed),
		humanBytes(r.IdentityBytes), humanBytes(r.BrotliBytes), humanBytes(r.GzipBytes))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
