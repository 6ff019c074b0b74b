package cmd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeBadInput checks each mistake a user makes: one line naming the
// problem and the fix, a non-zero exit, and nothing half-written.
func TestServeBadInput(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	tests := []struct {
		name     string
		args     []string
		prepare  func(t *testing.T, state string) []string // extra args
		wantCode int
		want     string
	}{
		{name: "unknown flag", args: []string{"--bogus"}, wantCode: 2, want: "unknown flag -bogus"},
		{name: "unexpected argument", args: []string{"extra"}, wantCode: 2, want: "takes only flags"},
		{name: "malformed https address", args: []string{"--https-addr", "8443"}, wantCode: 2, want: "host:port"},
		{name: "malformed http address", args: []string{"--http-addr", "localhost:http"}, wantCode: 2, want: "--http-addr"},
		{name: "malformed domain", args: []string{"--domain", "https://dash.example.com"}, wantCode: 2, want: "--domain"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantCode: 2, want: "--log-level"},
		{name: "bad shutdown timeout", args: []string{"--shutdown-timeout", "-1s"}, wantCode: 2, want: "--shutdown-timeout"},
		{name: "zero max connections", args: []string{"--max-connections", "0"}, wantCode: 2, want: "invalid --max-connections 0: give a positive number"},
		{name: "negative max connections", args: []string{"--max-connections=-5"}, wantCode: 2, want: "invalid --max-connections -5"},
		{name: "max connections not a number", args: []string{"--max-connections", "many"}, wantCode: 2, want: "-max-connections"},
		{name: "missing static dir", args: []string{"--static-dir", "/nonexistent/dashbox-static"}, wantCode: 1, want: "/nonexistent/dashbox-static"},
		{name: "address in use", args: []string{"--https-addr", taken.Addr().String()}, wantCode: 1, want: "already in use"},
		{
			name: "state dir is a file", wantCode: 1, want: "not a directory",
			prepare: func(t *testing.T, state string) []string {
				f := filepath.Join(state, "file")
				os.WriteFile(f, []byte("x"), 0o600)
				return []string{"--state-dir", f}
			},
		},
		{
			name: "access log directory missing", wantCode: 1, want: "--access-log",
			prepare: func(t *testing.T, state string) []string {
				return []string{"--access-log", filepath.Join(state, "nodir", "access.log")}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			args := []string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--state-dir", state}
			if tt.prepare != nil {
				args = append(args, tt.prepare(t, state)...)
			}
			args = append(args, tt.args...)
			before := snapshot(t, state)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, noEnv, &stdout, &stderr)
			if err == nil {
				t.Fatal("run succeeded")
			}
			if code := exitCode(err); code != tt.wantCode {
				t.Errorf("exit code %d, want %d", code, tt.wantCode)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout got %q: a bad input gets one line on stderr, not the help", stdout.String())
			}
			if after := snapshot(t, state); after != before {
				t.Errorf("state directory changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestServeCorruptCAIsNotReplaced: a corrupt root is reported, never
// silently replaced by a new CA that every client would have to trust again.
func TestServeCorruptCAIsNotReplaced(t *testing.T) {
	state := t.TempDir()
	d := mustStart(t, "--state-dir", state)
	d.stop()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "ca", "--state-dir", state}, noEnv, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	rootPath := findFile(t, state, "root.crt")
	corrupt := []byte("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(rootPath, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"dashbox", "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--state-dir", state}, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), rootPath) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming %s", err, rootPath)
	}
	if b, _ := os.ReadFile(rootPath); !bytes.Equal(b, corrupt) {
		t.Fatal("the corrupt root was replaced")
	}
}

// TestServeAsUnprivilegedUser runs the real binary as nobody: binding a port
// below 1024 and using a state directory it cannot write must each fail with
// the fix in one line and exit status 1.
func TestServeAsUnprivilegedUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to the nobody user with setpriv")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	if b, _ := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); strings.TrimSpace(string(b)) == "0" {
		t.Skip("this kernel lets everyone bind low ports")
	}
	bin := mustBinary(t)
	// The binary sits in a root-owned temporary folder: let nobody run it.
	os.Chmod(filepath.Dir(bin), 0o755)

	writable := t.TempDir()
	os.Chmod(writable, 0o777)
	os.Chmod(filepath.Dir(writable), 0o755)
	rootOnly := t.TempDir() // 0700, owned by root
	os.Chmod(filepath.Dir(rootOnly), 0o755)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"privileged port", []string{"--https-addr", "127.0.0.1:443", "--state-dir", filepath.Join(writable, "s")}, "CAP_NET_BIND_SERVICE"},
		{"unwritable state dir", []string{"--https-addr", "127.0.0.1:0", "--state-dir", rootOnly}, rootOnly},
		{"state dir under an unwritable parent", []string{"--https-addr", "127.0.0.1:0", "--state-dir", filepath.Join(rootOnly, "sub")}, "--state-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin, "serve", "--http-addr", ""}, tt.args...)
			cmd := exec.Command("setpriv", args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1; stderr %q", err, stderr.String())
			}
			lines := scanLines(stderr.String())
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Fatalf("stderr %q: want one line containing %q", stderr.String(), tt.want)
			}
		})
	}
}

// snapshot lists a directory tree's names, sizes and modes, to show that a
// failed start wrote nothing.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			b.WriteString(p + " " + fi.Mode().String() + "\n")
		}
		return nil
	})
	return b.String()
}

func findFile(t *testing.T, dir, name string) string {
	t.Helper()
	var found string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() == name && found == "" {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no %s under %s", name, dir)
	}
	return found
}
