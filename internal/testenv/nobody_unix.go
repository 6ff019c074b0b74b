//go:build unix

package testenv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// NobodyUID is the user permission tests run as when the tests run as root,
// which bypasses permission checks: then the kernel, not a mock, refuses.
const NobodyUID = 65534

// AsNobody is the SysProcAttr of a child process that runs as NobodyUID.
func AsNobody() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: NobodyUID, Gid: NobodyUID}}
}

// WorldDir makes a root-owned temporary folder that every user may enter,
// removed when the test ends.
func WorldDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "dashbox-test-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// CopyTestBinary copies the running test binary into dir, where NobodyUID
// can run it (go test keeps it under a folder only its owner may enter), and
// returns the copy's path.
func CopyTestBinary(tb testing.TB, dir string) string {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(dir, filepath.Base(self))
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// UserName is uid's name in /etc/passwd, or the number when it has none: how
// dashbox's messages name a user.
func UserName(uid int) string {
	data, err := os.ReadFile("/etc/passwd")
	if err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if f := strings.Split(line, ":"); len(f) > 2 && f[2] == fmt.Sprint(uid) {
				return f[0]
			}
		}
	}
	return fmt.Sprint(uid)
}
