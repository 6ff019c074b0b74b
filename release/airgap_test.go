//go:build airgap && linux

// The air-gap tests build this machine's release archive and check what an
// operator relies on when carrying it into a network without internet: the
// same commit gives the same bytes, the binary needs nothing beside it, and
// it makes no network connection it was not configured to make. They take
// about a minute and need strace and Chromium: `make test-airgap` installs
// both and runs them.

package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
	"github.com/dashbox/dashbox/internal/testpki"
)

// hostBuild is a release of this machine's platform.
type hostBuild struct {
	opts    options
	commit  string
	date    string // the commit's time as git prints it, as make stamps it
	archive string // path of the .tar.gz
	took    time.Duration
}

// tempRoot holds everything the shared build writes; TestMain removes it.
var tempRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if tempRoot != "" {
		os.RemoveAll(tempRoot)
	}
	os.Exit(code)
}

// hostRelease runs release for runtime.GOOS/GOARCH once per test binary,
// stamped as make stamps it: the commit and its time from git.
var hostRelease = sync.OnceValues(func() (*hostBuild, error) {
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", ".."}, args...)...).Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %v: the air-gap tests build from a git checkout", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	dateText, err := git("log", "-1", "--format=%cI")
	if err != nil {
		return nil, err
	}
	date, err := time.Parse(time.RFC3339, dateText)
	if err != nil {
		return nil, err
	}
	if tempRoot, err = os.MkdirTemp("", "dashbox-airgap-"); err != nil {
		return nil, err
	}
	version := "v0.0.0-airgaptest"
	opts := options{
		root:      "..",
		out:       filepath.Join(tempRoot, "dist"),
		version:   version,
		date:      date,
		ldflags:   fmt.Sprintf("-s -w -X github.com/dashbox/dashbox/cmd.version=%s -X github.com/dashbox/dashbox/cmd.commit=%s -X github.com/dashbox/dashbox/cmd.buildDate=%s", version, commit, dateText),
		platforms: []platform{{runtime.GOOS, runtime.GOARCH}},
	}
	start := time.Now()
	arts, err := release(context.Background(), opts)
	if err != nil {
		return nil, err
	}
	return &hostBuild{opts: opts, commit: commit, date: dateText, archive: arts[0].archive, took: time.Since(start)}, nil
})

func mustHostRelease(t *testing.T) *hostBuild {
	t.Helper()
	b, err := hostRelease()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReleaseIsReproducible builds the archive a second time with an empty
// build cache, so that every package is compiled again, and compares bytes.
func TestReleaseIsReproducible(t *testing.T) {
	a := mustHostRelease(t)
	opts := a.opts
	opts.out = t.TempDir()
	opts.env = []string{"GOCACHE=" + t.TempDir()}
	start := time.Now()
	arts, err := release(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build %s, second build (empty build cache) %s", a.took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	first, second := readTarGz(t, a.archive), readTarGz(t, arts[0].archive)
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			// Go's build ID, near the start of the binary, hashes every
			// input: a difference there alone also comes from a source
			// file edited while the test ran.
			t.Errorf("%s differs between the two builds (%d and %d bytes, first difference at byte %d)",
				name, len(data), len(second[name]), firstDifference(data, second[name]))
		}
	}
	if !bytes.Equal(mustRead(t, a.archive), mustRead(t, arts[0].archive)) {
		t.Error("the archives differ")
	}
	if !bytes.Equal(mustRead(t, filepath.Join(a.opts.out, "SHA256SUMS")), mustRead(t, filepath.Join(opts.out, "SHA256SUMS"))) {
		t.Error("SHA256SUMS differ")
	}
	fi, err := os.Stat(a.archive)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s/%s: binary %s, archive %s", runtime.GOOS, runtime.GOARCH, mib(int64(len(first["dashbox"]))), mib(fi.Size()))
}

// TestArchiveHoldsWhatItShould: the binary, the README and the manuals in
// docs/, the licence and the third-party notices, which are what the binary
// prints.
func TestArchiveHoldsWhatItShould(t *testing.T) {
	b := mustHostRelease(t)
	files := readTarGz(t, b.archive)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	manuals, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil || len(manuals) == 0 {
		t.Fatalf("no docs/*.md in the repository (%v)", err)
	}
	copies := []string{"LICENSE", "README.md"} // the repository's files as they are
	for _, m := range manuals {
		copies = append(copies, "docs/"+filepath.Base(m))
	}
	want := append([]string{"THIRD_PARTY_NOTICES.txt", "dashbox"}, copies...)
	slices.Sort(want)
	if got := strings.Join(names, " "); got != strings.Join(want, " ") {
		t.Fatalf("archive holds %s, want %s", got, strings.Join(want, " "))
	}
	for _, n := range copies {
		if !bytes.Equal(files[n], mustRead(t, filepath.Join("..", n))) {
			t.Errorf("%s is not the repository's", n)
		}
	}
	dir := t.TempDir()
	bin := writeBinary(t, dir, files["dashbox"])
	out := runBinary(t, dir, bin, "licenses")
	if !bytes.Equal(out, files["THIRD_PARTY_NOTICES.txt"]) {
		t.Error("dashbox licenses does not print the archive's THIRD_PARTY_NOTICES.txt")
	}
	for _, want := range []string{"\nApache ECharts\nCopyright", "github.com/caddyserver/certmagic"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("notices lack %q", want)
		}
	}
	version := string(runBinary(t, dir, bin, "version"))
	for _, want := range []string{"dashbox " + b.opts.version + "\n", "commit " + b.commit + "\n", "built " + b.date + "\n"} {
		if !strings.Contains(version, want) {
			t.Errorf("dashbox version lacks %q:\n%s", want, version)
		}
	}
}

// TestReleaseRefusesUncoveredModules: a binary with a module the notices
// lack a licence for, or built another way, is not shipped.
func TestReleaseRefusesUncoveredModules(t *testing.T) {
	b := mustHostRelease(t)
	files := readTarGz(t, b.archive)
	bin := writeBinary(t, t.TempDir(), files["dashbox"])
	text := files["THIRD_PARTY_NOTICES.txt"]
	if err := checkBinary(bin, text); err != nil {
		t.Fatalf("the released binary: %v", err)
	}
	stale := bytes.ReplaceAll(text, []byte("github.com/caddyserver/certmagic v"), []byte("github.com/caddyserver/certmagic vX"))
	if err := checkBinary(bin, stale); err == nil || !strings.Contains(err.Error(), "lack github.com/caddyserver/certmagic v") {
		t.Errorf("notices without certmagic: err = %v", err)
	}
	self, err := os.Executable() // built by go test: no -trimpath
	if err != nil {
		t.Fatal(err)
	}
	if err := checkBinary(self, text); err == nil || !strings.Contains(err.Error(), "-trimpath") {
		t.Errorf("a binary built without -trimpath: err = %v", err)
	}
}

// TestArchiveBinaryStartsAlone copies only the binary out of the archive
// into an empty folder and serves from there, with nothing but PATH in its
// environment: every asset it serves is embedded, and the only thing it
// writes is its state directory.
func TestArchiveBinaryStartsAlone(t *testing.T) {
	b := mustHostRelease(t)
	dir := t.TempDir()
	bin := writeBinary(t, dir, readTarGz(t, b.archive)["dashbox"])
	d := startServe(t, dir, nil, bin, "--state-dir", "state")
	client := d.client(t, dir, bin)

	home := mustGet(t, client, d.origin+"/", "text/html")
	assets := links(home, `(?:href|src)="(/static/[^"]+)"`)
	dashboards := links(home, `href="(/apps/[^"]+)"`)
	if len(assets) == 0 || len(dashboards) == 0 {
		t.Fatalf("home page links %d assets and %d dashboards:\n%s", len(assets), len(dashboards), home)
	}
	for _, a := range assets {
		mustGet(t, client, d.origin+a, "")
	}
	page := mustGet(t, client, d.origin+dashboards[0], "text/html")
	scripts := links(page, `src="(/static/[^"]+\.js)"`)
	if len(scripts) == 0 {
		t.Errorf("%s loads no script from /static/", dashboards[0])
	}
	for _, s := range scripts {
		mustGet(t, client, d.origin+s, "javascript")
	}
	d.stop(t)

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "dashbox state" {
		t.Errorf("the folder holds %s after serving; want only dashbox and state", got)
	}
}

// TestNoConnectionOutsideLoopback runs TestAirgapNamespace in a child
// process inside a fresh network namespace, where only loopback exists.
func TestNoConnectionOutsideLoopback(t *testing.T) {
	b := mustHostRelease(t)
	for _, tool := range []string{"strace", "chromium"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run make test-deps", tool)
		}
	}
	dir := t.TempDir()
	bin := writeBinary(t, dir, readTarGz(t, b.archive)["dashbox"])
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^TestAirgapNamespace$", "-test.count=1", "-test.v", "-test.timeout=8m")
	cmd.Env = append(os.Environ(), "DASHBOX_AIRGAP_BINARY="+bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		// Unprivileged: a user namespace grants the right to make the
		// network namespace (like `unshare -rn`).
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	out, err := cmd.CombinedOutput()
	t.Logf("in the namespace:\n%s", out)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("cannot start a process in a new network namespace here: %v", err)
	}
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestAirgapNamespace ")) {
		t.Fatalf("the run in the namespace failed: %v", err)
	}
}

// TestAirgapNamespace is the child of TestNoConnectionOutsideLoopback.
func TestAirgapNamespace(t *testing.T) {
	bin := os.Getenv("DASHBOX_AIRGAP_BINARY")
	if bin == "" {
		t.Skip("runs inside the network namespace TestNoConnectionOutsideLoopback makes")
	}
	testenv.BringLoopbackUp(t)
	mustOnlyLoopback(t)

	t.Run("strace sees every connect", testStraceSeesConnects)
	// The names and flags of docs/offline.md's install.
	t.Run("local CA", func(t *testing.T) {
		airgapServe(t, bin, []string{"--domain", "dash.corp.internal"})
	})
	t.Run("certificate files", func(t *testing.T) {
		// A missing flag fails here, with a clear message, rather than as
		// serve's usage error; it never skips, so a regression shows.
		help := runBinary(t, t.TempDir(), bin, "serve", "--help")
		if !bytes.Contains(help, []byte("-tls-cert")) || !bytes.Contains(help, []byte("-tls-key")) {
			t.Fatalf("serve --help lists no --tls-cert/--tls-key (admin-provided certificate files), which docs/offline.md's install uses:\n%s", help)
		}
		cert, key := writeCertFiles(t)
		airgapServe(t, bin, []string{"--domain", "dash.example.com", "--tls-cert", cert, "--tls-key", key})
	})
}

// airgapServe serves with extra flags under strace, has Chromium load the
// home page and every dashboard it links, and checks that every request
// went to dashbox's origin and that dashbox connected to nothing but
// loopback and local sockets.
func airgapServe(t *testing.T, bin string, extra []string) {
	dir := t.TempDir()
	trace := filepath.Join(t.TempDir(), "connect.trace")
	strace := []string{"strace", "-f", "-e", "trace=connect", "-o", trace, "--"}
	d := startServe(t, dir, strace, bin, append([]string{"--state-dir", "state"}, extra...)...)

	visited, requests, problems := browse(t, d.origin)
	dashboards := 0
	for _, v := range visited {
		if strings.HasPrefix(v, d.origin+"/apps/") {
			dashboards++
		}
	}
	t.Logf("Chromium loaded %d pages (%d dashboards), %d requests", len(visited), dashboards, len(requests))
	if dashboards == 0 {
		t.Errorf("the home page links no dashboard at /apps/: %v", visited)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	for _, r := range requests {
		if !sameOrigin(r.url, d.origin) {
			t.Errorf("%s requested %s, outside dashbox's origin %s", r.page, r.url, d.origin)
		}
	}
	d.stop(t)

	log := string(mustRead(t, trace))
	if !strings.Contains(log, "--- SIGTERM") || !strings.Contains(log, "+++ exited with 0 +++") {
		t.Fatalf("the trace does not cover dashbox's whole run:\n%s", log)
	}
	attempts, err := parseConnects(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range attempts {
		if !c.local() {
			t.Errorf("dashbox connected outside loopback: %s\n%s", c, c.line)
		}
	}
	t.Logf("dashbox made %d connect calls, none outside loopback", len(attempts))
}

// testStraceSeesConnects checks the checker: a process that connects to
// loopback, to a Unix socket and to an address on the network (UDP, which
// sends nothing; here there is no route anyway) shows all three in the
// trace, and only the last counts as leaving the machine.
func testStraceSeesConnects(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(t.TempDir(), "probe.trace")
	cmd := exec.Command("strace", "-f", "-e", "trace=connect", "-o", trace, "--",
		self, "-test.run=^TestAirgapConnectProbe$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "DASHBOX_AIRGAP_BINARY=", "DASHBOX_AIRGAP_PROBE="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("--- PASS: TestAirgapConnectProbe")) {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	attempts, err := parseConnects(string(mustRead(t, trace)))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, c := range attempts {
		switch {
		case c.family == "AF_INET" && c.addr == "127.0.0.1" && c.local():
			seen = append(seen, "loopback")
		case c.family == "AF_UNIX" && strings.HasSuffix(c.addr, "/probe.sock") && c.local():
			seen = append(seen, "unix")
		case c.family == "AF_INET" && c.addr == "192.0.2.1" && c.port == 53 && !c.local():
			seen = append(seen, "network")
		}
	}
	slices.Sort(seen)
	if got := strings.Join(slices.Compact(seen), " "); got != "loopback network unix" {
		t.Fatalf("the trace shows %q of the probe's connections; want loopback, network and unix\n%v", got, attempts)
	}
}

// TestAirgapConnectProbe is the process testStraceSeesConnects traces.
func TestAirgapConnectProbe(t *testing.T) {
	dir := os.Getenv("DASHBOX_AIRGAP_PROBE")
	if dir == "" {
		t.Skip("runs under strace in TestAirgapNamespace")
	}
	probeConnects(t, dir)
}

// browserRequest is one request a page made.
type browserRequest struct{ page, url string }

// sameOrigin reports whether u is served by origin (scheme://host:port);
// data: and blob: URLs never reach the network.
func sameOrigin(u, origin string) bool {
	if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") {
		return true
	}
	return u == origin || strings.HasPrefix(u, origin+"/") || strings.HasPrefix(u, origin+"?")
}

// served is a running dashbox process.
type served struct {
	pid    int    // dashbox's own process, under strace or not
	origin string // https://127.0.0.1:port
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

// startServe runs `<wrapper...> bin serve` on free loopback ports with dir
// as its working directory and only PATH in its environment, and waits
// until it logs that it is serving.
func startServe(t *testing.T, dir string, wrapper []string, bin string, args ...string) *served {
	t.Helper()
	argv := append(slices.Clone(wrapper), bin, "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--log-format", "json", "--access-log", "off")
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &served{pid: cmd.Process.Pid, exited: make(chan struct{})}
	serving := make(chan string, 1)
	var logs bytes.Buffer // written by the goroutine until exited closes
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), `"msg":"serving"`) {
				select {
				case serving <- sc.Text():
				default:
				}
			}
		}
		d.err = cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			syscall.Kill(d.pid, syscall.SIGKILL)
			cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("dashbox's log:\n%s", logs.String())
		}
	})
	select {
	case line := <-serving:
		var ev struct{ HTTPS string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.HTTPS == "" {
			t.Fatalf("cannot read the address in %q: %v", line, err)
		}
		d.origin = "https://" + ev.HTTPS
	case <-d.exited:
		t.Fatalf("dashbox exited before serving: %v", d.err)
	case <-time.After(time.Minute):
		t.Fatal("dashbox did not log \"serving\" within a minute")
	}
	if len(wrapper) > 0 {
		// Under strace, dashbox is strace's child.
		if d.pid, err = childOf(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// stop sends SIGTERM to dashbox, as systemd does, and expects a clean exit
// (under strace, strace exits with dashbox's status).
func (d *served) stop(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(d.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
		if d.err != nil {
			t.Fatalf("dashbox exited with %v after SIGTERM", d.err)
		}
	case <-time.After(time.Minute):
		t.Fatal("dashbox did not exit within a minute of SIGTERM")
	}
}

// client trusts what dashbox serves: the local CA's root from `dashbox ca`.
func (d *served) client(t *testing.T, dir, bin string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(runBinary(t, dir, bin, "ca", "--state-dir", "state")) {
		t.Fatal("dashbox ca printed no certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// childOf finds the one child process of pid, from /proc.
func childOf(pid int) (int, error) {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // the process is gone
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		var ppid, child int
		if len(f) > 1 {
			fmt.Sscan(f[1], &ppid)
		}
		if ppid == pid {
			fmt.Sscan(path.Base(path.Dir(s)), &child)
			return child, nil
		}
	}
	return 0, fmt.Errorf("process %d has no child", pid)
}

func mustGet(t *testing.T, c *http.Client, url, contentType string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), contentType) {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(body)
}

// links returns the distinct first groups of re in html, in order.
func links(html, re string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(html, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// runBinary runs bin with args in dir with only PATH set, and returns
// stdout.
func runBinary(t *testing.T, dir, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dashbox %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// writeBinary puts the binary alone in dir.
func writeBinary(t *testing.T, dir string, data []byte) string {
	t.Helper()
	if len(data) == 0 {
		t.Fatal("the archive holds no dashbox binary")
	}
	bin := filepath.Join(dir, "dashbox")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// readTarGz returns the files of a release archive by their names inside
// its single top folder.
func readTarGz(t *testing.T, archive string) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(mustRead(t, archive)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	top := strings.TrimSuffix(filepath.Base(archive), ".tar.gz") + "/"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Name, top) {
			t.Fatalf("%s: entry %s is outside %s", archive, h.Name, top)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[strings.TrimPrefix(h.Name, top)] = b
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// writeCertFiles writes what an administrator would provide: a certificate
// for dash.example.com, localhost, 127.0.0.1 and ::1 from the company's own
// CA, and its key.
func writeCertFiles(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	ca := testpki.NewRoot(t, "Example Corp internal CA")
	certPEM, keyPEM, _ := ca.Issue(t, testpki.Leaf{
		Names:    []string{"localhost", "dash.example.com", "127.0.0.1", "::1"},
		NotAfter: time.Now().Add(24 * time.Hour),
	})
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
