package cmd

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// process is the real dashbox binary running 'serve'.
type process struct {
	cmd       *exec.Cmd
	lines     chan string // stderr, line by line (JSON log)
	httpsAddr string
	httpAddr  string
	stateDir  string
	client    *http.Client
}

// mustStartProcess starts the built binary on free ports and waits for its
// "serving" log line. The test's cleanup kills it if the test did not stop it.
func mustStartProcess(t *testing.T, args ...string) *process {
	t.Helper()
	return mustStartBinary(t, mustBinary(t), args...)
}

// mustStartBinary is mustStartProcess with another binary that has
// dashbox's command line (one built on package cmd).
func mustStartBinary(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	state := t.TempDir()
	full := append([]string{"serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--log-format", "json", "--state-dir", state}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1000), stateDir: state}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	line := p.waitLog(t, "serving")
	var ev struct{ HTTPS, HTTP string }
	json.Unmarshal([]byte(line), &ev)
	p.httpsAddr, p.httpAddr = ev.HTTPS, ev.HTTP
	p.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: mustRootPool(t, state)}}}
	t.Cleanup(p.client.CloseIdleConnections)
	return p
}

// waitLog reads stderr until a line whose msg is msg.
func (p *process) waitLog(t *testing.T, msg string) string {
	t.Helper()
	for line := range p.lines {
		var ev struct{ Msg string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Msg == msg {
			return line
		}
	}
	t.Fatalf("dashbox exited before logging %q", msg)
	return ""
}

func (p *process) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// TestSIGTERMLetsSlowDownloadFinish: a client in the middle of a large
// download when SIGTERM arrives gets every byte, and dashbox exits 0.
func TestSIGTERMLetsSlowDownloadFinish(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, 16<<20)
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	p := mustStartProcess(t, "--static-dir", dir, "--shutdown-timeout", "2m")

	resp, err := p.client.Get("https://" + p.httpsAddr + "/static/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 4096)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	p.signal(t, syscall.SIGTERM)
	p.waitLog(t, "shutting down: draining in-flight requests")
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("download cut by shutdown: %v", err)
	}
	if got := len(first) + len(rest); got != len(big) {
		t.Fatalf("got %d bytes, want %d", got, len(big))
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}

// TestSIGHUPReopensAccessLog: logrotate renames the file and sends SIGHUP;
// new lines go to a new file.
func TestSIGHUPReopensAccessLog(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "access.log")
	p := mustStartProcess(t, "--access-log", logPath)
	get := func(path string) {
		resp, err := p.client.Get("https://" + p.httpsAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get("/before")
	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	p.signal(t, syscall.SIGHUP)
	p.waitLog(t, "access log reopened")
	get("/after")
	p.signal(t, syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(logPath + ".1")
	cur, _ := os.ReadFile(logPath)
	if !strings.Contains(string(old), "GET /before ") || strings.Contains(string(old), "/after") {
		t.Errorf("rotated file: %q", old)
	}
	if !strings.Contains(string(cur), "GET /after ") || strings.Contains(string(cur), "/before") {
		t.Errorf("new file: %q", cur)
	}
}
