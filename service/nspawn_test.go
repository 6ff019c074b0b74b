//go:build linux

package service

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests in this file boot a real systemd (Debian, with systemd-nspawn)
// and run TestGuest inside it: this test binary is copied into the container
// and a unit baked into the root file system runs it once the container is up,
// then powers the container off. The tests need root, systemd-nspawn
// (systemd-container) and, the first time, debootstrap and the network to
// the machine's Debian mirror.
//
// The root file system is built once, by testdata/mkrootfs.sh, into
// ${XDG_CACHE_HOME:-$HOME/.cache}/dashbox-test/rootfs, outside the clone, and
// is never written to: each test boots an overlay of it, which also lets a test
// boot the same system twice, as after a reboot.

// bootTimeout bounds one boot, from systemd-nspawn's start to its exit.
const bootTimeout = 5 * time.Minute

// rootfsDir is the cached root file system.
func rootfsDir(t *testing.T) string {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("no cache directory for the test rootfs: set XDG_CACHE_HOME or HOME (%v)", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "dashbox-test", "rootfs")
}

// requireNspawn skips the test unless containers can be booted here, and
// returns the cached root file system, building it first when it is missing
// or was built by another version of mkrootfs.sh.
func requireNspawn(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a container: not in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("booting a container with systemd-nspawn needs root: run the tests as root (make test does on CI)")
	}
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		t.Skip("systemd-nspawn is not installed: apt-get install systemd-container debootstrap")
	}
	rootfs := rootfsDir(t)
	script, err := filepath.Abs("testdata/mkrootfs.sh")
	if err != nil {
		t.Fatal(err)
	}
	stamp, _ := os.ReadFile(filepath.Join(rootfs, "etc/dashbox-test-rootfs"))
	if string(bytes.TrimSpace(stamp)) == sha256File(t, script) {
		return rootfs
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Skip("the test rootfs is missing and debootstrap is not installed: apt-get install debootstrap")
	}
	t.Logf("building the test rootfs in %s (once, about a minute)", rootfs)
	start := time.Now()
	out, err := exec.Command("sh", script, rootfs).CombinedOutput()
	if err != nil {
		t.Fatalf("testdata/mkrootfs.sh %s: %v\n%s", rootfs, err, tail(out, 40))
	}
	t.Logf("built the test rootfs in %s", time.Since(start).Round(time.Second))
	return rootfs
}

// machine is a container's root file system: an overlay of the cached rootfs
// whose changes survive from one boot to the next.
type machine struct {
	root  string // the overlay, given to systemd-nspawn -D
	share string // bound at /mnt/share inside
	name  string
}

// newMachine mounts a fresh overlay of rootfs; the test's cleanup unmounts it.
// share receives this test binary, as /mnt/share/service.test inside.
func newMachine(t *testing.T, rootfs, name string) *machine {
	t.Helper()
	dir := t.TempDir()
	m := &machine{root: filepath.Join(dir, "root"), share: filepath.Join(dir, "share"), name: name}
	for _, d := range []string{"upper", "work", "root", "share"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", rootfs, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := syscall.Mount("overlay", m.root, "overlay", 0, opts); err != nil {
		t.Fatalf("mounting an overlay of the test rootfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(m.root, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting the container's overlay: %v", err)
		}
	})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, filepath.Join(m.share, "service.test"), 0o755)
	return m
}

// boot boots the machine, runs TestGuest inside with DASHBOX_GUEST_PHASE set
// to phase, waits until the container has powered off, and fails the test
// with the guest's output if TestGuest failed.
func (m *machine) boot(t *testing.T, phase string) {
	t.Helper()
	for _, f := range []string{"out.log", "rc"} {
		os.Remove(filepath.Join(m.share, f))
	}
	run := fmt.Sprintf(`#!/bin/sh
# Written by %s: runs the guest tests of one boot.
DASHBOX_GUEST_PHASE=%s /mnt/share/service.test -test.run='^TestGuest$' -test.v -test.count=1 -test.timeout=4m >/mnt/share/out.log 2>&1
echo $? >/mnt/share/rc
`, t.Name(), phase)
	if err := os.WriteFile(filepath.Join(m.share, "run.sh"), []byte(run), 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	console := &bytes.Buffer{}
	cmd := exec.CommandContext(ctx, "systemd-nspawn", "--quiet", "--boot",
		"--directory="+m.root, "--machine="+m.name,
		// There is no system bus on the host to register with.
		"--register=no", "--keep-unit",
		// Its own loopback, nothing else: test traffic stays inside.
		"--private-network",
		"--bind="+m.share+":/mnt/share", "--console=pipe")
	cmd.Stdout, cmd.Stderr = console, console
	// On timeout, ask for a clean power-off first; SIGKILL if that hangs.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	start := time.Now()
	err := cmd.Run()
	t.Logf("boot %q: container ran %s", phase, time.Since(start).Round(100*time.Millisecond))

	out, _ := os.ReadFile(filepath.Join(m.share, "out.log"))
	rc, rcErr := os.ReadFile(filepath.Join(m.share, "rc"))
	switch {
	case ctx.Err() != nil:
		t.Fatalf("boot %q: the container did not power off within %s\nguest output:\n%s\nconsole:\n%s", phase, bootTimeout, out, tail(console.Bytes(), 60))
	case errors.Is(rcErr, os.ErrNotExist):
		t.Fatalf("boot %q: the guest tests never finished (systemd-nspawn: %v)\nguest output:\n%s\nconsole:\n%s", phase, err, out, tail(console.Bytes(), 60))
	case strings.TrimSpace(string(rc)) != "0":
		t.Fatalf("boot %q: guest tests failed (exit %s)\n%s", phase, strings.TrimSpace(string(rc)), out)
	}
	t.Logf("boot %q: guest output:\n%s", phase, out)
}

// TestSystemdInContainer checks what this package can check in a real
// systemd without the dashbox CLI: that kardianos/service finds systemd,
// that Status reports a unit that is not installed, and that the serve
// arguments written into ExecStart= reach the program unchanged.
func TestSystemdInContainer(t *testing.T) {
	rootfs := requireNspawn(t)
	m := newMachine(t, rootfs, "dashbox-smoke")
	goBuild(t, filepath.Join(m.share, "standin"), "./service/testdata/standin")
	m.boot(t, "smoke")
}

// TestServiceEndToEnd installs dashbox with `dashbox service install` in a
// real systemd and checks what administrators rely on: it runs as a user
// that is not root, on 443 and 80, comes back after kill -9 and after a
// reboot, takes changed flags on install, and uninstalls cleanly.
func TestServiceEndToEnd(t *testing.T) {
	rootfs := requireNspawn(t)
	m := newMachine(t, rootfs, "dashbox-e2e")
	goBuild(t, filepath.Join(m.share, "dashbox"), "./cmd/dashbox")
	// A missing command fails here, with a clear message, rather than
	// inside the container; it never skips, so a regression shows.
	help, _ := exec.Command(filepath.Join(m.share, "dashbox"), "help").CombinedOutput()
	if !regexp.MustCompile(`(?m)^\s+service\s`).Match(help) {
		t.Fatalf("dashbox help lists no service command, which this test installs dashbox with:\n%s", help)
	}
	m.boot(t, "install")
	m.boot(t, "reboot")
}

// TestServiceRestarts installs dashbox in a real systemd and measures what
// users see while it is restarted, reloaded, upgraded, rolled back and
// killed (guest_restarts_test.go).
func TestServiceRestarts(t *testing.T) {
	rootfs := requireNspawn(t)
	m := newMachine(t, rootfs, "dashbox-restarts")
	stamp := "-X github.com/dashbox/dashbox/cmd.version="
	goBuild(t, filepath.Join(m.share, "dashbox"), "./cmd/dashbox", "-ldflags="+stamp+guestVersion)
	next := filepath.Join(t.TempDir(), "dashbox")
	goBuild(t, next, "./cmd/dashbox", "-ldflags="+stamp+guestNextVersion)
	goBuild(t, filepath.Join(m.share, "broken"), "./service/testdata/broken")

	// The new version as a release ships it: an archive and SHA256SUMS.
	nextBin, err := os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	archive := tarGz(t, "dashbox_"+guestNextVersion+"_linux/dashbox", nextBin)
	archiveName := "dashbox_" + guestNextVersion + "_linux.tar.gz"
	writeShare := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(m.share, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeShare(archiveName, archive)
	sum := sha256.Sum256(archive)
	writeShare("SHA256SUMS", []byte(hex.EncodeToString(sum[:])+"  "+archiveName+"\n"))
	// Refused before anything changes: a damaged archive, a checksum that
	// does not match, a binary for another architecture (its ELF header
	// says arm64, or amd64 on an arm64 machine).
	if err := os.MkdirAll(filepath.Join(m.share, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeShare(filepath.Join("bad", archiveName), archive[:len(archive)*2/3])
	wrong := sha256.Sum256([]byte("another file"))
	writeShare(filepath.Join("bad", "SHA256SUMS"), []byte(hex.EncodeToString(wrong[:])+"  "+archiveName+"\n"))
	writeShare(filepath.Join("bad", "SHA256SUMS.corrupt"), []byte(hex.EncodeToString(sum[:])+"  "+archiveName+"\n"))
	other := append([]byte{}, nextBin...)
	if other[18] == 62 { // EM_X86_64
		other[18] = 183 // EM_AARCH64
	} else {
		other[18], other[19] = 62, 0
	}
	writeShare("dashbox-other-arch", other)
	m.boot(t, "restarts")
}

// Versions stamped into the binaries TestServiceRestarts upgrades between.
const (
	guestVersion     = "v1.0.0-restarts"
	guestNextVersion = "v1.1.0-restarts"
)

// tarGz is a .tar.gz holding one executable file.
func tarGz(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(content)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// goBuild builds the command pkg (relative to the module root) to dst,
// static as `make build` builds dashbox.
func goBuild(t *testing.T, dst, pkg string, flags ...string) {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(gomod)) == 0 {
		t.Fatalf("finding the module root: %v", err)
	}
	cmd := exec.Command("go", append(append([]string{"build", "-o", dst}, flags...), pkg)...)
	cmd.Dir = filepath.Dir(string(bytes.TrimSpace(gomod)))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
}

// sha256File is the hex SHA-256 of the file at path.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// copyFile copies src to dst with mode perm.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"... (" + strconv.Itoa(len(lines)-n) + " lines before)"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
