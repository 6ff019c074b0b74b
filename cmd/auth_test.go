package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dashbox/dashbox/server"
)

// writeHtpasswd writes an htpasswd file with users (name, password,
// name, password...), hashed at bcrypt's lowest cost: the tests check
// dashbox's behaviour, not bcrypt's strength, under the race detector.
func writeHtpasswd(t *testing.T, path string, users ...string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i+1 < len(users); i += 2 {
		h, err := bcrypt.GenerateFromPassword([]byte(users[i+1]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(users[i] + ":" + string(h) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clientFrom is a client of d that connects from the loopback address ip
// (127.0.0.2 is as much this machine as 127.0.0.1 is, on Linux).
func clientFrom(d *dashbox, ip string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:     dialer.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: d.roots},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// request is one request's outcome.
type request struct {
	method, url string
	user, pass  string // no credentials when user is ""
	body        string // a form, for a callback
}

func (rq request) do(t *testing.T, c *http.Client) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, rq.url, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if rq.user != "" {
		req.SetBasicAuth(rq.user, rq.pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// status is the status of a GET of path from c, with credentials when user
// is not "".
func status(t *testing.T, c *http.Client, u, user, pass string) int {
	t.Helper()
	resp, _ := request{method: "GET", url: u, user: user, pass: pass}.do(t, c)
	return resp.StatusCode
}

// TestServeAuth: with --auth-file, pages and callbacks need the right
// password, /healthz and the static files do not, the access log names the
// user, and the plain-HTTP redirect never asks for a password.
func TestServeAuth(t *testing.T) {
	dir := t.TempDir()
	htpasswd := writeHtpasswd(t, filepath.Join(dir, "htpasswd"), "ann", "Ann's pass: wörd", "bob", "bob")
	logPath := filepath.Join(dir, "access.log")
	d := mustStart(t, "--auth-file", htpasswd, "--access-log", logPath)

	page, callback := d.url("/apps/app9"), d.url("/apps/app9/callback/powers")
	for _, tt := range []struct {
		name string
		rq   request
		want int
	}{
		{"page without credentials", request{method: "GET", url: page}, 401},
		{"home without credentials", request{method: "GET", url: d.url("/")}, 401},
		{"callback without credentials", request{method: "POST", url: callback, body: "x=3"}, 401},
		{"unknown path without credentials", request{method: "GET", url: d.url("/no/such/page")}, 401},
		{"page, wrong password", request{method: "GET", url: page, user: "ann", pass: "Ann's pass: word"}, 401},
		{"page, unknown user", request{method: "GET", url: page, user: "carol", pass: "bob"}, 401},
		{"callback, wrong password", request{method: "POST", url: callback, body: "x=3", user: "bob", pass: "ann"}, 401},
		{"page, right password", request{method: "GET", url: page, user: "ann", pass: "Ann's pass: wörd"}, 200},
		{"callback, right password", request{method: "POST", url: callback, body: "x=3", user: "bob", pass: "bob"}, 200},
		{"/healthz without credentials", request{method: "GET", url: d.url("/healthz")}, 200},
		{"static asset without credentials", request{method: "GET", url: d.url("/static/css/dashbox.css")}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.rq.do(t, d.client)
			if resp.StatusCode != tt.want {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if tt.want == 401 && !strings.HasPrefix(challenge, `Basic realm="dashbox"`) {
				t.Errorf("401 with WWW-Authenticate %q, want Basic realm=\"dashbox\"", challenge)
			}
			if tt.want == 401 && strings.Contains(body, "app9") {
				t.Errorf("the 401 body shows the page: %q", body)
			}
			if tt.want == 200 && challenge != "" {
				t.Errorf("200 with a challenge %q", challenge)
			}
			if strings.Contains(tt.name, "callback, right") && !strings.Contains(body, `"cube":{"text":"27"}`) {
				t.Errorf("callback answered %q", body)
			}
		})
	}

	t.Run("the HTTP redirect asks for no password", func(t *testing.T) {
		resp, _ := request{method: "GET", url: "http://" + d.httpAddr + "/apps/app9"}.do(t, d.client)
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("http://.../apps/app9: %d, WWW-Authenticate %q; want a redirect without a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})

	t.Run("failures logged without the password", func(t *testing.T) {
		logs := d.logs.String()
		line := lineWith(logs, `"user":"carol"`)
		if !strings.Contains(line, `"msg":"login failed"`) || !strings.Contains(line, `"addr":"127.0.0.1"`) {
			t.Errorf("no failure line for carol with the address: %q", line)
		}
		if strings.Contains(logs, "Ann's pass") || strings.Contains(logs, `"bob","pass`) {
			t.Error("the log holds a password")
		}
	})

	d.client.CloseIdleConnections()
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	t.Run("the access log names the user", func(t *testing.T) {
		log, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(log), "127.0.0.1 - ann [") || !strings.Contains(string(log), `127.0.0.1 - bob [`) ||
			!strings.Contains(string(log), `127.0.0.1 - - [`) {
			t.Errorf("access log:\n%s\nwant lines for ann, bob and without a user", log)
		}
		if strings.Contains(string(log), "- carol [") {
			t.Error("a failed login's user is in the access log")
		}
	})
}

// TestServeAuthRateLimit: the 11th failed attempt from one address within a
// minute gets 429 with Retry-After, even with the right password; another
// address is unaffected.
func TestServeAuthRateLimit(t *testing.T) {
	htpasswd := writeHtpasswd(t, filepath.Join(t.TempDir(), "htpasswd"), "ann", "right")
	d := mustStart(t, "--auth-file", htpasswd)
	page := d.url("/apps/app0")
	one, two := clientFrom(d, "127.0.0.1"), clientFrom(d, "127.0.0.2")
	defer one.CloseIdleConnections()
	defer two.CloseIdleConnections()

	for i := 1; i <= 10; i++ {
		if got := status(t, one, page, "ann", "guess"+strconv.Itoa(i)); got != 401 {
			t.Fatalf("failed attempt %d: %d, want 401", i, got)
		}
	}
	resp, body := request{method: "GET", url: page, user: "ann", pass: "guess11"}.do(t, one)
	if resp.StatusCode != 429 {
		t.Fatalf("11th failed attempt: %d, want 429", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1 to 60 seconds", resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "try again in") {
		t.Errorf("429 body %q", body)
	}
	if got := status(t, one, page, "ann", "right"); got != 429 {
		t.Errorf("the right password from the blocked address: %d, want 429", got)
	}
	if got := status(t, two, page, "ann", "right"); got != 200 {
		t.Errorf("the right password from 127.0.0.2: %d, want 200", got)
	}
	if got := status(t, two, page, "ann", "wrong"); got != 401 {
		t.Errorf("a wrong password from 127.0.0.2: %d, want 401", got)
	}
	if got := status(t, one, d.url("/healthz"), "", ""); got != 200 {
		t.Errorf("/healthz from the blocked address: %d", got)
	}
	if line := lineWith(d.logs.String(), "address blocked"); !strings.Contains(line, `"addr":"127.0.0.1"`) {
		t.Errorf("no log line saying 127.0.0.1 is blocked: %q", line)
	}
}

// TestServeAllow: with --allow 127.0.0.1/32, a client connecting from
// 127.0.0.2 gets 403 everywhere but /healthz, whatever X-Forwarded-For
// says, and one from 127.0.0.1 gets through.
func TestServeAllow(t *testing.T) {
	d := mustStart(t, "--allow", "127.0.0.1/32", "--allow", "::1")
	in, out := clientFrom(d, "127.0.0.1"), clientFrom(d, "127.0.0.2")
	defer in.CloseIdleConnections()
	defer out.CloseIdleConnections()
	for _, path := range []string{"/", "/apps/app0", "/static/css/dashbox.css", "/healthz"} {
		if got := status(t, in, d.url(path), "", ""); got != 200 {
			t.Errorf("%s from 127.0.0.1: %d, want 200", path, got)
		}
		want := 403
		if path == "/healthz" {
			want = 200
		}
		req, _ := http.NewRequest("GET", d.url(path), nil)
		req.Header.Set("X-Forwarded-For", "127.0.0.1")
		resp, err := out.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s from 127.0.0.2: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 403 && len(body) > 20 {
			t.Errorf("403 body %q", body)
		}
	}
	if got := status(t, out, "http://"+d.httpAddr+"/apps/app0", "", ""); got != 403 {
		t.Errorf("plain HTTP from 127.0.0.2: %d, want 403", got)
	}
	if got := status(t, in, "http://"+d.httpAddr+"/apps/app0", "", ""); got != 308 {
		t.Errorf("plain HTTP from 127.0.0.1: %d, want the redirect", got)
	}
}

// TestServeAuthFileReplaced: replacing the file while serving lets the new
// user in without a restart and shuts the removed one out; a broken
// replacement is logged and the previous users stay.
func TestServeAuthFileReplaced(t *testing.T) {
	authPollInterval = 20 * time.Millisecond
	t.Cleanup(func() { authPollInterval = 0 })
	dir := t.TempDir()
	htpasswd := writeHtpasswd(t, filepath.Join(dir, "htpasswd"), "ann", "a")
	d := mustStart(t, "--auth-file", htpasswd)
	page := d.url("/apps/app0")
	if got := status(t, d.client, page, "ann", "a"); got != 200 {
		t.Fatalf("ann: %d", got)
	}

	next := writeHtpasswd(t, filepath.Join(dir, "next"), "bob", "b")
	if err := os.Rename(next, htpasswd); err != nil {
		t.Fatal(err)
	}
	poll(t, "bob gets in", func() bool { return status(t, d.client, page, "bob", "b") == 200 })
	if got := status(t, d.client, page, "ann", "a"); got != 401 {
		t.Errorf("the removed user: %d, want 401", got)
	}

	if err := os.WriteFile(htpasswd, []byte("bob:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.logs.waitFor("htpasswd file changed but cannot be used", nil); err != nil {
		t.Fatal(err)
	}
	if got := status(t, d.client, page, "bob", "b"); got != 200 {
		t.Errorf("after a broken replacement, bob: %d, want 200 (previous users stay)", got)
	}
}

// TestSIGHUPReloadsAuthFile: SIGHUP reads the file at once, even a change
// polling cannot see (same inode, size and modification time).
func TestSIGHUPReloadsAuthFile(t *testing.T) {
	htpasswd := writeHtpasswd(t, filepath.Join(t.TempDir(), "htpasswd"), "ann", "first")
	before, err := os.Stat(htpasswd)
	if err != nil {
		t.Fatal(err)
	}
	p := mustStartProcess(t, "--auth-file", htpasswd)
	page := "https://" + p.httpsAddr + "/apps/app0"

	h, _ := bcrypt.GenerateFromPassword([]byte("other"), bcrypt.MinCost) // same length as the first
	f, err := os.OpenFile(htpasswd, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("ann:" + string(h) + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(htpasswd, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	p.signal(t, syscall.SIGHUP)
	p.waitLog(t, "htpasswd file reloaded")
	if got := status(t, p.client, page, "ann", "other"); got != 200 {
		t.Errorf("the new password after SIGHUP: %d, want 200", got)
	}
	if got := status(t, p.client, page, "ann", "first"); got != 401 {
		t.Errorf("the old password after SIGHUP: %d, want 401", got)
	}
	p.signal(t, syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestServeRefusesNonBcrypt: a file with another hash scheme stops serve
// before it binds, saying how to re-hash.
func TestServeRefusesNonBcrypt(t *testing.T) {
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	os.WriteFile(htpasswd, []byte("ann:$apr1$lHq7ZsXS$lqnf4Z5tc3XygWMpl.Xhz0\n"), 0o600)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"dashbox", "serve", "--auth-file", htpasswd, "--https-addr", "127.0.0.1:0",
		"--http-addr", "", "--state-dir", t.TempDir()}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "dashbox passwd "+htpasswd+" ann") || strings.Contains(err.Error(), "\n") || exitCode(err) == 0 {
		t.Errorf("serve with an MD5 htpasswd file: %v (exit %d), want one line saying to re-hash", err, exitCode(err))
	}
	err = run(context.Background(), []string{"dashbox", "serve", "--auth-file", htpasswd + ".missing", "--state-dir", t.TempDir()}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "create it with dashbox passwd") {
		t.Errorf("serve with a missing htpasswd file: %v", err)
	}
	err = run(context.Background(), []string{"dashbox", "serve", "--allow", "10.0.0.0/33", "--state-dir", t.TempDir()}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "invalid --allow") || exitCode(err) != 2 {
		t.Errorf("serve --allow 10.0.0.0/33: %v", err)
	}
}

// passwd runs the built binary's 'dashbox passwd' with stdin as its input.
func passwd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(mustBinary(t), append([]string{"passwd"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPasswd: dashbox passwd writes files serve accepts: a new file mode
// 0600, a changed password, other lines kept; bad names and passwords are
// refused with the file untouched. Apache's htpasswd -B files work too.
func TestPasswd(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "htpasswd")
	out, err := passwd(t, "first pass\n", file, "ann")
	if err != nil || !strings.Contains(out, "added user ann to "+file) {
		t.Fatalf("dashbox passwd: %v\n%s", err, out)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	hash := strings.TrimSpace(strings.TrimPrefix(readString(t, file), "ann:"))
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != 12 {
		t.Errorf("cost %d (%v), want the default 12", cost, err)
	}
	// The rest at the lowest accepted cost, for speed.
	os.WriteFile(file, append([]byte("# our team\n"), readBytes(t, file)...), 0o600)
	if out, err := passwd(t, "bob pass", "--cost", "10", file, "bob"); err != nil {
		t.Fatalf("adding bob: %v\n%s", err, out)
	}
	if out, err := passwd(t, "second pass\r\n", file, "ann", "--cost=10"); err != nil || !strings.Contains(out, "changed the password of ann") {
		t.Fatalf("changing ann's password: %v\n%s", err, out)
	}
	content := readString(t, file)
	if lines := strings.Split(strings.TrimSpace(content), "\n"); len(lines) != 3 || lines[0] != "# our team" ||
		!strings.HasPrefix(lines[1], "ann:$2") || !strings.HasPrefix(lines[2], "bob:$2") {
		t.Errorf("file after the changes:\n%s", content)
	}

	for _, tt := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"x\n", []string{file, "a:b"}, "contains ':'"},
		{"x\n", []string{file, "a\x01b"}, "control character"},
		{"\n", []string{file, "ann"}, "empty password"},
		{"", []string{file, "ann"}, "empty password"},
		{"x\n", []string{file}, "takes a FILE and a USER"},
		{"x\n", []string{"--cost", "4", file, "ann"}, "invalid --cost 4: use 10 to 31"},
	} {
		out, err := passwd(t, tt.stdin, tt.args...)
		if err == nil || !strings.Contains(out, tt.want) || strings.Count(strings.TrimSpace(out), "\n") > 0 {
			t.Errorf("dashbox passwd %q: %v, %q; want one line containing %q", tt.args, err, out, tt.want)
		}
	}
	if readString(t, file) != content {
		t.Error("a refused call changed the file")
	}

	d := mustStart(t, "--auth-file", file)
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"ann", "second pass", 200}, {"ann", "first pass", 401}, {"bob", "bob pass", 200}} {
		if got := status(t, d.client, d.url("/"), c.user, c.pass); got != c.want {
			t.Errorf("%s with %q: %d, want %d", c.user, c.pass, got, c.want)
		}
	}
}

// TestPasswdApacheFile: a file written by Apache's htpasswd -B (Debian
// package apache2-utils) works, and dashbox passwd edits it.
func TestPasswdApacheFile(t *testing.T) {
	htpasswd, err := exec.LookPath("htpasswd")
	if err != nil {
		t.Fatal("htpasswd is not installed: run 'make test' (make test-deps installs apache2-utils) or apt-get install apache2-utils")
	}
	file := filepath.Join(t.TempDir(), "htpasswd")
	if out, err := exec.Command(htpasswd, "-B", "-b", "-c", file, "carol", "carol's pass").CombinedOutput(); err != nil {
		t.Fatalf("htpasswd: %v\n%s", err, out)
	}
	if out, err := passwd(t, "dave pass\n", "--cost", "10", file, "dave"); err != nil {
		t.Fatalf("dashbox passwd on htpasswd's file: %v\n%s", err, out)
	}
	d := mustStart(t, "--auth-file", file)
	if got := status(t, d.client, d.url("/apps/app0"), "carol", "carol's pass"); got != 200 {
		t.Errorf("carol (htpasswd -B): %d", got)
	}
	if got := status(t, d.client, d.url("/apps/app0"), "dave", "dave pass"); got != 200 {
		t.Errorf("dave (dashbox passwd): %d", got)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v after dashbox passwd, want htpasswd's 0644 without the others' read", fi.Mode().Perm())
	}
}

// TestPasswdTerminal: on a terminal the password is asked twice and never
// echoed. script(1) gives dashbox passwd a pseudo-terminal.
func TestPasswdTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script is not installed: make test-deps installs it (apt-get install bsdutils)")
	}
	file := filepath.Join(t.TempDir(), "htpasswd")
	run := func(first, again string) (string, error) {
		t.Helper()
		cmd := exec.Command(script, "--quiet", "--return", "--command",
			mustBinary(t)+" passwd --cost 10 "+file+" erin", "/dev/null")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		r := bufio.NewReader(stdout)
		var seen strings.Builder
		readUntil := func(s string) {
			for !strings.Contains(seen.String(), s) {
				b, err := r.ReadByte()
				if err != nil {
					t.Fatalf("waiting for %q: %v; output %q", s, err, seen.String())
				}
				seen.WriteByte(b)
			}
		}
		readUntil("New password for erin: ")
		io.WriteString(stdin, first+"\n")
		readUntil("Again: ")
		io.WriteString(stdin, again+"\n")
		rest, _ := io.ReadAll(r)
		seen.Write(rest)
		stdin.Close()
		return seen.String(), cmd.Wait()
	}
	out, err := run("tty pass", "tty pass")
	if err != nil || !strings.Contains(out, "added user erin") {
		t.Fatalf("dashbox passwd on a terminal: %v\n%q", err, out)
	}
	if strings.Contains(out, "tty pass") {
		t.Errorf("the password was echoed: %q", out)
	}
	before := readString(t, file)
	out, err = run("one", "two")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(out, "the two passwords differ") {
		t.Errorf("different passwords: %v\n%q", err, out)
	}
	if readString(t, file) != before {
		t.Error("the file changed although the passwords differed")
	}
}

// TestServiceUnitAuthFile: 'service unit' loads --auth-file as a
// credential, and makes a relative path absolute: the unit runs in /. The
// folder is in $HOME, since the service refuses files under /tmp, where any
// user may put files.
func TestServiceUnitAuthFile(t *testing.T) {
	dir := homeTempDir(t)
	writeHtpasswd(t, "htpasswd", "ann", "x")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "service", "unit", "--auth-file", "htpasswd", "--allow=10.0.0.0/8"}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("service unit: %v\n%s", err, errOut.String())
	}
	unit := out.String()
	for _, want := range []string{
		"LoadCredential=htpasswd:" + filepath.Join(dir, "htpasswd") + "\n",
		" --auth-file=%d/htpasswd",
		" --allow=10.0.0.0/8",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q:\n%s", want, unit)
		}
	}
}

// TestAbsPathArgs: every serve flag naming a file or directory becomes
// absolute, from the directory 'service install' ran in.
func TestAbsPathArgs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg, err := parseServeFlags([]string{"--auth-file=a", "--tls-cert=c/cert.pem", "--tls-key=/etc/k", "--static-dir=./s",
		"--acme-ca-root=../r.pem", "--domain=d.test", "--access-log=-", "--log-format=json"}, noEnv, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := unitWords(t, cfg)
	// In name order, as the unit has them.
	want := []string{"--access-log=-", "--acme-ca-root=" + filepath.Join(filepath.Dir(dir), "r.pem"), "--auth-file=" + filepath.Join(dir, "a"),
		"--domain=d.test", "--log-format=json", "--static-dir=" + filepath.Join(dir, "s"),
		"--tls-cert=" + filepath.Join(dir, "c/cert.pem"), "--tls-key=/etc/k"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("unit args:\n%q\nwant\n%q", got, want)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readString(t *testing.T, path string) string { return string(readBytes(t, path)) }

// TestServeDeviceCookieSurvivesRestart: a browser that logged in keeps its
// device cookie's exemption from its address's block after dashbox
// restarts with the same state directory (the key is kept there), while a
// client without the cookie from that address is refused.
func TestServeDeviceCookieSurvivesRestart(t *testing.T) {
	htpasswd := writeHtpasswd(t, filepath.Join(t.TempDir(), "htpasswd"), "ann", "right")
	stateDir := t.TempDir()
	first := mustStart(t, "--auth-file", htpasswd, "--state-dir", stateDir)
	c := clientFrom(first, "127.0.0.1")
	resp, _ := request{method: "GET", url: first.url("/apps/app0"), user: "ann", pass: "right"}.do(t, c)
	c.CloseIdleConnections()
	var device *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == server.DeviceCookie {
			device = ck
		}
	}
	if resp.StatusCode != 200 || device == nil {
		t.Fatalf("login: %d, device cookie %v; want 200 and a %s cookie", resp.StatusCode, device, server.DeviceCookie)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	second := mustStart(t, "--auth-file", htpasswd, "--state-dir", stateDir)
	c = clientFrom(second, "127.0.0.1")
	defer c.CloseIdleConnections()
	page := second.url("/apps/app0")
	for i := 1; i <= 11; i++ {
		status(t, c, page, "ann", "guess"+strconv.Itoa(i))
	}
	if got := status(t, c, page, "ann", "right"); got != 429 {
		t.Errorf("the right password without the device cookie from the blocked address: %d, want 429", got)
	}
	req, _ := http.NewRequest("GET", page, nil)
	req.SetBasicAuth("ann", "right")
	req.AddCookie(&http.Cookie{Name: device.Name, Value: device.Value})
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the right password with the device cookie from before the restart: %d, want 200", resp.StatusCode)
	}
}
