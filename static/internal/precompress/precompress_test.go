package precompress

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/dashbox/dashbox/static/internal/assetname"
)

func decode(t *testing.T, c assetname.Coding, z []byte) []byte {
	t.Helper()
	var r io.Reader
	switch c.Name {
	case "br":
		r = brotli.NewReader(bytes.NewReader(z))
	case "gzip":
		gr, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		r = gr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", c.Name, err)
	}
	return out
}

func TestCompressRoundTripAndDeterminism(t *testing.T) {
	data := []byte(strings.Repeat("body { color: #123456; margin: 0 auto; }\n", 200))
	for _, c := range assetname.Codings {
		z := Compress(c, data)
		if len(z) >= len(data) {
			t.Errorf("%s: %d bytes from %d, want smaller", c.Name, len(z), len(data))
		}
		if got := decode(t, c, z); !bytes.Equal(got, data) {
			t.Errorf("%s: round trip changed the data", c.Name)
		}
		if again := Compress(c, data); !bytes.Equal(again, z) {
			t.Errorf("%s: two runs gave different bytes; builds would not be reproducible", c.Name)
		}
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
	return err == nil
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	css := strings.Repeat(".a { color: red; }\n", 100)
	write(t, dir, "css/site.css", css)
	write(t, dir, "tiny.txt", "x")                           // compression cannot help
	write(t, dir, "img/logo.png", "\x89PNG not text")        // not compressible
	write(t, dir, "downloads/data.tar.gz", "real archive")   // must be left alone
	write(t, dir, ".hidden.css", css)                        // go:embed skips it
	write(t, dir, "_draft/x.css", css)                       // go:embed skips it
	write(t, dir, "css/.precompress-123", "left by a crash") // removed
	fp := assetname.Fingerprint([]byte(css))

	rep, err := Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Assets != 2 {
		t.Errorf("Assets = %d, want 2 (site.css, tiny.txt)", rep.Assets)
	}
	wantWritten := []string{
		"css/site.css." + fp + ".br", "css/site.css." + fp + ".gz",
		"tiny.txt." + assetname.Fingerprint([]byte("x")) + ".br", "tiny.txt." + assetname.Fingerprint([]byte("x")) + ".gz",
	}
	slices.Sort(wantWritten)
	if !slices.Equal(rep.Written, wantWritten) {
		t.Errorf("Written = %q, want %q", rep.Written, wantWritten)
	}
	for _, c := range assetname.Codings {
		z, err := os.ReadFile(filepath.Join(dir, "css", "site.css."+fp+c.Suffix))
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, c, z); string(got) != css {
			t.Errorf("%s sibling does not decode to the asset", c.Name)
		}
		marker, err := os.ReadFile(filepath.Join(dir, "tiny.txt."+assetname.Fingerprint([]byte("x"))+c.Suffix))
		if err != nil || len(marker) != 0 {
			t.Errorf("tiny.txt %s: want a zero-length marker, got %d bytes, err %v", c.Name, len(marker), err)
		}
	}
	for _, name := range []string{"css/.precompress-123", "_draft/x.css." + fp + ".br", ".hidden.css." + fp + ".br"} {
		if exists(dir, name) {
			t.Errorf("%s exists, want it gone or never written", name)
		}
	}
	if !exists(dir, "downloads/data.tar.gz") {
		t.Error("a real .gz file was deleted")
	}
	if !strings.Contains(rep.String(), "2 text assets, 4 siblings written") {
		t.Errorf("report line %q", rep)
	}

	// A second run has nothing to do.
	rep, err = Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 0 || rep.Kept != 4 || len(rep.Removed) != 0 {
		t.Errorf("second run: written %q, kept %d, removed %q; want nothing to do", rep.Written, rep.Kept, rep.Removed)
	}

	// Editing an asset replaces its siblings; deleting one removes them.
	css2 := css + ".b { color: blue; }\n"
	write(t, dir, "css/site.css", css2)
	if err := os.Remove(filepath.Join(dir, "tiny.txt")); err != nil {
		t.Fatal(err)
	}
	rep, err = Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fp2 := assetname.Fingerprint([]byte(css2))
	if len(rep.Written) != 2 || len(rep.Removed) != 4 {
		t.Errorf("after edit: written %q, removed %q; want 2 new, 4 stale removed", rep.Written, rep.Removed)
	}
	if !exists(dir, "css/site.css."+fp2+".br") || exists(dir, "css/site.css."+fp+".br") {
		t.Error("after edit: want the new fingerprint's sibling and not the old one")
	}
}
