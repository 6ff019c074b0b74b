package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testDate = time.Date(2026, 11, 27, 7, 51, 3, 0, time.FixedZone("CET", 3600))

func testFiles() []archiveFile {
	return []archiveFile{
		{name: "dashbox", mode: 0o755, data: bytes.Repeat([]byte("\x7fELF binary "), 1000)},
		{name: "README.md", mode: 0o644, data: []byte("# dashbox\n")},
		{name: "LICENSE", mode: 0o644, data: []byte("Apache License\n")},
		{name: "THIRD_PARTY_NOTICES.txt", mode: 0o644, data: []byte("notices\n")},
	}
}

// TestArchivesAreReproducible: the same files give the same bytes, whatever
// the order they come in; only the date given is stamped.
func TestArchivesAreReproducible(t *testing.T) {
	writers := map[string]func(io.Writer, string, time.Time, []archiveFile) error{
		"tar.gz": writeTarGz, "zip": writeZip,
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			var a, b, c bytes.Buffer
			files := testFiles()
			if err := write(&a, "dashbox_v1_linux_amd64", testDate, files); err != nil {
				t.Fatal(err)
			}
			reversed := []archiveFile{files[3], files[2], files[1], files[0]}
			if err := write(&b, "dashbox_v1_linux_amd64", testDate, reversed); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the order of the input changes the archive")
			}
			if err := write(&c, "dashbox_v1_linux_amd64", testDate.Add(time.Second), files); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Error("the date is not in the archive")
			}
		})
	}
}

// TestTarGzEntries: one folder, sorted entries, root-owned, the commit's
// time, executable binary, nothing in the gzip header.
func TestTarGzEntries(t *testing.T) {
	var buf bytes.Buffer
	if err := writeTarGz(&buf, "dashbox_v1_linux_amd64", testDate, testFiles()); err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name+" "+os.FileMode(h.Mode).String())
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(testDate) {
			t.Errorf("%s: time %v, want %v", h.Name, h.ModTime, testDate)
		}
	}
	want := []string{
		"dashbox_v1_linux_amd64/ -rwxr-xr-x",
		"dashbox_v1_linux_amd64/LICENSE -rw-r--r--",
		"dashbox_v1_linux_amd64/README.md -rw-r--r--",
		"dashbox_v1_linux_amd64/THIRD_PARTY_NOTICES.txt -rw-r--r--",
		"dashbox_v1_linux_amd64/dashbox -rwxr-xr-x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// GNU tar, as a user runs it, unpacks it with the binary executable.
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.tar.gz")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xzf", archive, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(dir, "dashbox_v1_linux_amd64", "dashbox"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 == 0 || !fi.ModTime().Equal(testDate) {
		t.Errorf("unpacked binary: mode %v, time %v", fi.Mode(), fi.ModTime())
	}
}

func TestZipEntries(t *testing.T) {
	var buf bytes.Buffer
	if err := writeZip(&buf, "dashbox_v1_windows_amd64", testDate, testFiles()); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name+" "+f.Mode().String())
		if !f.Modified.Equal(testDate) {
			t.Errorf("%s: time %v, want %v", f.Name, f.Modified, testDate)
		}
		if f.Name == "dashbox_v1_windows_amd64/README.md" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != "# dashbox\n" {
				t.Errorf("README.md holds %q", b)
			}
		}
	}
	want := []string{
		"dashbox_v1_windows_amd64/ drwxr-xr-x",
		"dashbox_v1_windows_amd64/LICENSE -rw-r--r--",
		"dashbox_v1_windows_amd64/README.md -rw-r--r--",
		"dashbox_v1_windows_amd64/THIRD_PARTY_NOTICES.txt -rw-r--r--",
		"dashbox_v1_windows_amd64/dashbox -rwxr-xr-x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSHA256SumsVerify: coreutils' sha256sum -c accepts the file, and
// catches an archive changed after it was written.
func TestSHA256SumsVerify(t *testing.T) {
	dir := t.TempDir()
	archives := map[string][]byte{"b.zip": []byte("zip"), "a.tar.gz": []byte("tar")}
	for n, b := range archives {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sums := sha256Sums(archives)
	if !strings.HasSuffix(strings.Split(string(sums), "\n")[0], "  a.tar.gz") {
		t.Errorf("not sorted by name:\n%s", sums)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums, 0o644); err != nil {
		t.Fatal(err)
	}
	check := func() ([]byte, error) {
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	if out, err := check(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.zip"), []byte("zap"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := check(); err == nil || !strings.Contains(string(out), "b.zip: FAILED") {
		t.Fatalf("a changed archive passed: %v\n%s", err, out)
	}
}

func TestParsePlatforms(t *testing.T) {
	ps, err := parsePlatforms([]string{"linux/amd64", "windows/amd64", "linux/amd64"})
	if err != nil || len(ps) != 2 || ps[1].exe() != "dashbox.exe" || ps[0].exe() != "dashbox" {
		t.Fatalf("got %v, %v", ps, err)
	}
	for _, bad := range [][]string{nil, {"linux"}, {"linux/"}, {"linux/amd64/v3"}} {
		if _, err := parsePlatforms(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-version", "v1", "-date", "unknown", "linux/amd64"}, "RFC 3339"},
		{[]string{"-version", "v1", "-date", "2026-11-27T07:51:03+01:00"}, "no platform"},
		{[]string{"-version", "v 1", "-date", "2026-11-27T07:51:03+01:00", "linux/amd64"}, "cannot name an archive"},
		{[]string{"-root", "/nonexistent", "-version", "v1", "-date", "2026-11-27T07:51:03+01:00", "linux/amd64"}, "no such file"},
	}
	for _, tt := range tests {
		err := run(t.Context(), append(tt.args, []string{}...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}
