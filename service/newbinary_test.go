package service

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// thisBinary is a Linux executable for this machine: the test binary.
func thisBinary(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// releaseArchive packs content as dashbox_v9_linux_ARCH/dashbox, as the
// release command does.
func releaseArchive(t *testing.T, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		body []byte
	}{{"dashbox_v9/README.md", []byte("# dashbox\n")}, {"dashbox_v9/dashbox", content}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStageBinary: a binary or a release archive for this machine is staged
// whole; every refusal leaves nothing behind and says why.
func TestStageBinary(t *testing.T) {
	if _, ok := elfMachines[runtimeArch()]; !ok || !isELF(thisBinary(t)) {
		t.Skip("the test binary is not a Linux ELF executable here")
	}
	bin := thisBinary(t)
	in, stage := t.TempDir(), t.TempDir()
	other := append([]byte{}, bin...)
	machine := binary.LittleEndian.Uint16(other[18:])
	binary.LittleEndian.PutUint16(other[18:], map[bool]uint16{true: 183, false: 62}[machine == 62]) // EM_AARCH64 or EM_X86_64
	archive := releaseArchive(t, bin)
	corrupt := append([]byte{}, archive[:len(archive)/2]...)

	for _, tt := range []struct {
		name, file string
		want       string // "" means accepted
	}{
		{"binary", writeTemp(t, in, "dashbox", bin), ""},
		{"archive", writeTemp(t, in, "dashbox_v9_linux.tar.gz", archive), ""},
		{"other architecture", writeTemp(t, in, "dashbox-other", other), "is built for"},
		{"archive of another architecture", writeTemp(t, in, "other.tar.gz", releaseArchive(t, other)), "is built for"},
		{"corrupt archive", writeTemp(t, in, "corrupt.tar.gz", corrupt), "damaged"},
		{"windows", writeTemp(t, in, "dashbox.exe", append([]byte("MZ"), make([]byte, 100)...)), "Windows"},
		{"script", writeTemp(t, in, "dashbox.sh", []byte("#!/bin/sh\necho dashbox v9\n")), "not a Linux program"},
		{"archive without dashbox", writeTemp(t, in, "empty.tar.gz", func() []byte {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			tar.NewWriter(zw).Close()
			zw.Close()
			return buf.Bytes()
		}()), "no file named dashbox"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			staged, err := stageBinary(tt.file, stage)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, _ := os.ReadFile(staged)
				fi, _ := os.Stat(staged)
				if !bytes.Equal(got, bin) || fi.Mode().Perm() != 0o755 {
					t.Errorf("staged %d bytes mode %v, want the %d bytes of the binary, mode 0755", len(got), fi.Mode().Perm(), len(bin))
				}
				os.Remove(staged)
				return
			}
			if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want a refusal saying %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(stage); len(entries) != 0 {
				t.Errorf("a refusal left %d files behind", len(entries))
			}
		})
	}
}

// TestVerifySHA256Sums: the file's line in SHA256SUMS must match.
func TestVerifySHA256Sums(t *testing.T) {
	dir := t.TempDir()
	file := writeTemp(t, dir, "dashbox_v9_linux_amd64.tar.gz", []byte("release"))
	sum := sha256.Sum256([]byte("release"))
	good := hex.EncodeToString(sum[:])
	sums := writeTemp(t, dir, "SHA256SUMS", []byte(strings.Repeat("0", 64)+"  dashbox_v9_windows_amd64.zip\n"+good+"  dashbox_v9_linux_amd64.tar.gz\n"))
	if err := verifySHA256Sums(file, sums); err != nil {
		t.Errorf("matching checksum: %v", err)
	}
	bad := writeTemp(t, dir, "BAD", []byte(strings.Repeat("1", 64)+"  dashbox_v9_linux_amd64.tar.gz\n"))
	if err := verifySHA256Sums(file, bad); err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("mismatch: %v", err)
	}
	other := writeTemp(t, dir, "OTHER", []byte(good+"  something-else.tar.gz\n"))
	if err := verifySHA256Sums(file, other); err == nil || !strings.Contains(err.Error(), "lists no file named") {
		t.Errorf("not listed: %v", err)
	}
}
