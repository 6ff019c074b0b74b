package main

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path"
	"sort"
	"time"
)

// archiveFile is one file to pack, by its name inside the archive's folder.
type archiveFile struct {
	name string
	mode fs.FileMode
	data []byte
}

// sorted returns files ordered by name, as tar --sort=name would pack them.
func sorted(files []archiveFile) []archiveFile {
	s := append([]archiveFile(nil), files...)
	sort.Slice(s, func(i, j int) bool { return s[i].name < s[j].name })
	return s
}

// writeTarGz packs files into dir/ in a gzip-compressed tar, the same way
// `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@<date>
// --format=ustar | gzip -n -9` would: only the name, the mode, the size and
// the given time vary between entries, and the gzip header holds no name or
// time.
func writeTarGz(w io.Writer, dir string, date time.Time, files []archiveFile) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	mtime := date.UTC().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatUSTAR,
	}); err != nil {
		return err
	}
	for _, f := range sorted(files) {
		if err := tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeReg, Name: path.Join(dir, f.name), Mode: int64(f.mode.Perm()),
			Size: int64(len(f.data)), ModTime: mtime, Format: tar.FormatUSTAR,
		}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip packs files into dir/ in a zip for Windows, where tar.gz is not
// opened by a double click. Every entry carries the given time (in UTC) and
// Unix permissions, deflated at the best level.
func writeZip(w io.Writer, dir string, date time.Time, files []archiveFile) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	mtime := date.UTC().Truncate(time.Second)
	dh := &zip.FileHeader{Name: dir + "/", Modified: mtime}
	dh.SetMode(fs.ModeDir | 0o755)
	if _, err := zw.CreateHeader(dh); err != nil {
		return err
	}
	for _, f := range sorted(files) {
		h := &zip.FileHeader{Name: path.Join(dir, f.name), Method: zip.Deflate, Modified: mtime}
		h.SetMode(f.mode.Perm())
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// sha256Sums is the content of a SHA256SUMS file for the named archives, in
// the format `sha256sum -c SHA256SUMS` verifies, sorted by name.
func sha256Sums(archives map[string][]byte) []byte {
	names := make([]string, 0, len(archives))
	for n := range archives {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []byte
	for _, n := range names {
		sum := sha256.Sum256(archives[n])
		out = append(out, hex.EncodeToString(sum[:])+"  "+n+"\n"...)
	}
	return out
}
