package service

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// maxBinarySize bounds the binary taken out of a file given to Upgrade: a
// dashbox binary is about 20 MiB; an archive that unpacks to more is not a
// release.
const maxBinarySize = 512 << 20

// ErrRefused is wrapped by Upgrade's error when the new binary was refused
// before anything on the system changed.
var ErrRefused = errors.New("refused before anything changed")

// refuse is an error of Upgrade's checks.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// verifySHA256Sums checks file against the line for its name in a release's
// SHA256SUMS (`sha256sum -c` format).
func verifySHA256Sums(file, sums string) error {
	b, err := os.ReadFile(sums)
	if err != nil {
		return refuse("reading the checksums: %v", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return refuse("%v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return refuse("reading %s: %v", file, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	name := filepath.Base(file)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.TrimPrefix(fields[1], "*") != name {
			continue
		}
		if !strings.EqualFold(fields[0], got) {
			return refuse("checksum mismatch: %s has SHA-256 %s, %s says %s: the file is damaged or not the release's; copy it again", name, got, sums, fields[0])
		}
		return nil
	}
	return refuse("%s lists no file named %s: give the archive under its release name, or the SHA256SUMS of its release", sums, name)
}

// stageBinary writes the dashbox binary held in file (the binary itself, or
// a release's .tar.gz with one file named dashbox) into a new file in dir,
// mode 0755, and returns its path. The caller removes it unless it is
// renamed into place.
func stageBinary(file, dir string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", refuse("%v", err)
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return "", refuse("%s is neither a dashbox binary nor a release archive (too short)", file)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", refuse("%v", err)
	}
	var src io.Reader = f
	if head[0] == 0x1f && head[1] == 0x8b { // gzip: a release archive
		src, err = binaryFromArchive(f, file)
		if err != nil {
			return "", err
		}
	}
	tmp, err := os.CreateTemp(dir, ".dashbox-upgrade-*")
	if err != nil {
		return "", fmt.Errorf("staging the new binary: %w", err)
	}
	n, err := io.Copy(tmp, io.LimitReader(src, maxBinarySize+1))
	if err == nil && n > maxBinarySize {
		err = refuse("%s holds a binary larger than %d MiB: not a dashbox release", file, maxBinarySize>>20)
	}
	if err == nil {
		err = tmp.Chmod(0o755)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		if errors.Is(err, ErrRefused) {
			return "", err
		}
		return "", refuse("%s is damaged: %v", file, err)
	}
	if err := checkELF(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// binaryFromArchive finds the file named dashbox in a .tar.gz and returns a
// reader of its content.
func binaryFromArchive(r io.Reader, file string) (io.Reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, refuse("%s is a damaged archive: %v", file, err)
	}
	tr := tar.NewReader(zr)
	for i := 0; i < 10000; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, refuse("%s holds no file named dashbox: is it a dashbox release archive?", file)
		}
		if err != nil {
			return nil, refuse("%s is a damaged archive: %v", file, err)
		}
		if h.Typeflag == tar.TypeReg && path.Base(h.Name) == "dashbox" {
			return tr, nil
		}
	}
	return nil, refuse("%s holds too many files: not a dashbox release archive", file)
}

// elfMachines are the ELF machines of the architectures Go builds for Linux.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "ppc64": elf.EM_PPC64, "s390x": elf.EM_S390,
	"loong64": elf.EM_LOONGARCH, "mips64le": elf.EM_MIPS, "mipsle": elf.EM_MIPS,
}

// checkELF refuses a binary that is not a Linux ELF executable for this
// machine's architecture (runtime.GOARCH of the running dashbox), reading
// its header only: such a file would not even start.
func checkELF(staged, file string) error {
	f, err := elf.Open(staged)
	if err != nil {
		b := make([]byte, 4)
		if g, oerr := os.Open(staged); oerr == nil {
			io.ReadFull(g, b)
			g.Close()
		}
		switch {
		case b[0] == 'M' && b[1] == 'Z':
			return refuse("%s is a Windows program, not one for this Linux machine (%s/%s)", file, runtime.GOOS, runtime.GOARCH)
		case bytes.Equal(b, []byte{0xcf, 0xfa, 0xed, 0xfe}) || bytes.Equal(b, []byte{0xca, 0xfe, 0xba, 0xbe}):
			return refuse("%s is a macOS program, not one for this Linux machine (%s/%s)", file, runtime.GOOS, runtime.GOARCH)
		}
		return refuse("%s is not a Linux program (ELF): %v", file, err)
	}
	defer f.Close()
	want, known := elfMachines[runtime.GOARCH]
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return refuse("%s is an ELF %s, not an executable", file, f.Type)
	}
	if known && f.Machine != want {
		return refuse("%s is built for %s, and this machine is %s/%s: take the release archive for %s", file, machineName(f.Machine), runtime.GOOS, runtime.GOARCH, runtime.GOARCH)
	}
	if f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		return refuse("%s is built for %s, not Linux", file, f.OSABI)
	}
	return nil
}

// machineName names an ELF machine as Go names architectures, where it can.
func machineName(m elf.Machine) string {
	for arch, mm := range elfMachines {
		if mm == m && (arch == "amd64" || arch == "arm64" || arch == "386" || arch == "arm" || arch == "riscv64" || arch == "s390x") {
			return "linux/" + arch
		}
	}
	return m.String()
}

// runtimeArch is runtime.GOARCH, for tests.
func runtimeArch() string { return runtime.GOARCH }

// isELF reports whether b starts with the ELF magic.
func isELF(b []byte) bool { return len(b) > 4 && string(b[:4]) == "\x7fELF" }
