//go:build linux

package service

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
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

// This file runs inside the containers that nspawn_test.go boots: TestGuest
// is skipped anywhere else. Each phase is one boot.

// guestPhaseEnv names the phase; machine.boot sets it in run.sh.
const guestPhaseEnv = "DASHBOX_GUEST_PHASE"

// restartWithin is how soon after kill -9 the service must answer again.
const restartWithin = 5 * time.Second

func TestGuest(t *testing.T) {
	phase := os.Getenv(guestPhaseEnv)
	if phase == "" {
		t.Skip("runs inside the container that TestSystemdInContainer and TestServiceEndToEnd boot")
	}
	waitSystemRunning(t)
	switch phase {
	case "smoke":
		guestSmoke(t)
	case "install":
		guestInstall(t)
	case "reboot":
		guestAfterReboot(t)
	case "restarts":
		guestRestarts(t)
	default:
		t.Fatalf("unknown %s=%s", guestPhaseEnv, phase)
	}
}

// waitSystemRunning waits until systemd has finished starting the system,
// including every enabled service.
func waitSystemRunning(t *testing.T) {
	t.Helper()
	if comm, _ := os.ReadFile("/proc/1/comm"); strings.TrimSpace(string(comm)) != "systemd" {
		t.Fatalf("PID 1 is %q, not systemd", comm)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "systemctl", "is-system-running", "--wait").Output()
	switch state := strings.TrimSpace(string(out)); state {
	case "running":
	case "degraded":
		failed, _ := exec.Command("systemctl", "--failed", "--no-legend", "--plain").Output()
		t.Logf("system degraded; failed units (not dashbox's concern unless listed):\n%s", failed)
	default:
		t.Fatalf("systemctl is-system-running --wait: %q", state)
	}
}

// guestSmoke is the package's own test in a real systemd, without the CLI:
// Install, Control, Status and Uninstall drive the unit, with testdata/standin
// standing in for serve.
func guestSmoke(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Serve: serveOf("--https-addr=:443", "--http-addr=:80")}

	t.Run("argv reaches the program unchanged", func(t *testing.T) {
		for _, tt := range unitCases {
			checkExecStartArgv(t, tt.cfg)
		}
	})

	t.Run("nothing installed", func(t *testing.T) {
		info, err := Status(ctx, cfg)
		if err != nil || info.Installed {
			t.Fatalf("Status before install: %+v, %v", info, err)
		}
		if err := Control(ctx, cfg, "start", io.Discard); !errors.Is(err, ErrNotInstalled) {
			t.Errorf("Control start before install: %v, want ErrNotInstalled", err)
		}
		var out bytes.Buffer
		if err := Uninstall(ctx, cfg, false, &out); err != nil || !strings.Contains(out.String(), "is not installed") {
			t.Errorf("Uninstall before install: %v, output %q", err, out.String())
		}
	})

	executable = func() (string, error) { return "/mnt/share/standin", nil }
	defer func() { executable = os.Executable }()
	var out bytes.Buffer
	if err := Install(ctx, cfg, &out); err != nil {
		t.Fatalf("Install: %v\n%s", err, out.String())
	}
	t.Logf("Install:\n%s", out.String())
	installedUnitIs(t, cfg)
	if !strings.Contains(out.String(), "dashbox.service started, main PID") {
		t.Errorf("Install output does not say it started the service:\n%s", out.String())
	}

	pid := checkRunning(t, cfg)
	greet := standinGreeting(t, 443)
	if !strings.Contains(greet, "pid="+strconv.Itoa(pid)+" ") || strings.Contains(greet, " uid=0 ") || !strings.Contains(greet, "state=ok") {
		t.Errorf("on :443 %q answered; want the main PID %d, a uid other than 0 and a writable state directory", greet, pid)
	}
	if greet80 := standinGreeting(t, 80); greet80 != greet {
		t.Errorf("on :80 %q answered, on :443 %q", greet80, greet)
	}
	checkStateDir(t, pid)

	pid = killAndWaitForRestart(t, cfg, pid, func() error {
		_, err := dialGreeting(443)
		return err
	})

	t.Run("install again unchanged does not restart", func(t *testing.T) {
		var out bytes.Buffer
		if err := Install(ctx, cfg, &out); err != nil {
			t.Fatalf("Install: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "already running") || mainPID(t) != pid {
			t.Errorf("second identical install restarted it or said otherwise:\n%s", out.String())
		}
	})

	t.Run("install with a changed flag restarts with it", func(t *testing.T) {
		changed := Config{Serve: serveOf("--https-addr=:8443", "--http-addr=:80")}
		var out bytes.Buffer
		if err := Install(ctx, changed, &out); err != nil {
			t.Fatalf("Install: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "restarted") {
			t.Errorf("Install output does not say it restarted:\n%s", out.String())
		}
		installedUnitIs(t, changed)
		newPID := checkRunning(t, changed)
		if newPID == pid {
			t.Errorf("still main PID %d after a changed install", pid)
		}
		if g := standinGreeting(t, 8443); !strings.Contains(g, "pid="+strconv.Itoa(newPID)+" ") {
			t.Errorf("on :8443 %q answered, want main PID %d", g, newPID)
		}
		if _, err := dialGreeting(443); err == nil {
			t.Error(":443 still answers after moving to :8443")
		}
		cfg, pid = changed, newPID
	})

	t.Run("stop, start, restart", func(t *testing.T) {
		if err := Control(ctx, cfg, "stop", io.Discard); err != nil {
			t.Fatal(err)
		}
		if info, err := Status(ctx, cfg); err != nil || info.Active() || info.MainPID != 0 || !info.Installed {
			t.Errorf("after stop: %+v, %v", info, err)
		}
		if err := Control(ctx, cfg, "start", io.Discard); err != nil {
			t.Fatal(err)
		}
		started := checkRunning(t, cfg)
		if err := Control(ctx, cfg, "restart", io.Discard); err != nil {
			t.Fatal(err)
		}
		if restarted := checkRunning(t, cfg); restarted == started {
			t.Errorf("restart kept main PID %d", started)
		}
		if err := Control(ctx, cfg, "reload", io.Discard); err == nil {
			t.Error(`Control accepted "reload"`)
		}
	})

	t.Run("uninstall keeps the state", func(t *testing.T) {
		var out bytes.Buffer
		if err := Uninstall(ctx, cfg, false, &out); err != nil {
			t.Fatalf("Uninstall: %v\n%s", err, out.String())
		}
		t.Logf("Uninstall:\n%s", out.String())
		checkGone(t, cfg)
		if _, err := os.Stat("/var/lib/dashbox/standin"); err != nil {
			t.Errorf("state directory not kept: %v", err)
		}
	})

	t.Run("purge removes the state", func(t *testing.T) {
		var out bytes.Buffer
		if err := Uninstall(ctx, cfg, true, &out); err != nil {
			t.Fatalf("Uninstall --purge: %v\n%s", err, out.String())
		}
		checkPurged(t)
	})
}

// guestInstall is the first boot of the end-to-end test: the administrator's
// commands, with the real dashbox.
func guestInstall(t *testing.T) {
	first := []string{"--domain=dash.test"}
	out := dashbox(t, append([]string{"service", "install"}, first...)...)
	if !strings.Contains(out, "https://dash.test/") {
		t.Errorf("service install does not print the URL to open:\n%s", out)
	}
	if unit := dashbox(t, append([]string{"service", "unit"}, first...)...); !strings.HasPrefix(unit, readFile(t, "/etc/systemd/system/dashbox.service")+"\n# ---- /etc/systemd/system/dashbox.socket ----\n"+readFile(t, "/etc/systemd/system/dashbox.socket")) {
		t.Errorf("the installed unit is not what service unit prints")
	}
	for _, cmd := range [][]string{{"is-enabled", "dashbox.service"}, {"is-active", "dashbox.service"}} {
		if got := systemctlOutput(t, cmd...); got != map[string]string{"is-enabled": "enabled", "is-active": "active"}[cmd[0]] {
			t.Errorf("systemctl %s: %s", strings.Join(cmd, " "), got)
		}
	}
	roots := caRoots(t)
	cfg := Config{Serve: serveOf(first...)}
	pid := checkRunning(t, cfg)
	checkAnswersHTTPS(t, roots, "dash.test", pid)
	checkStateDir(t, pid)

	pid = killAndWaitForRestart(t, cfg, pid, func() error {
		_, err := httpsGet(roots, "dash.test", "/healthz")
		return err
	})

	t.Run("logrotate and reopen", func(t *testing.T) {
		if _, err := httpsGet(roots, "dash.test", "/healthz?before-rotate"); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("logrotate", "--force", "/etc/logrotate.d/dashbox").CombinedOutput(); err != nil {
			t.Fatalf("logrotate: %v\n%s", err, out)
		}
		if !strings.Contains(readFile(t, "/var/log/dashbox/access.log.1"), "before-rotate") {
			t.Error("the rotated log lacks the request made before rotating")
		}
		eventually(t, 5*time.Second, "serve writes to a new access.log after logrotate's reload", func() error {
			if _, err := httpsGet(roots, "dash.test", "/healthz?after-rotate"); err != nil {
				return err
			}
			b, err := os.ReadFile("/var/log/dashbox/access.log")
			if err != nil || !bytes.Contains(b, []byte("after-rotate")) {
				return fmt.Errorf("access.log lacks the request (%v)", err)
			}
			return nil
		})
	})

	t.Run("install with a changed flag takes effect", func(t *testing.T) {
		changed := []string{"--domain=dash.test", "--domain=other.test"}
		out := dashbox(t, append([]string{"service", "install"}, changed...)...)
		if !strings.Contains(out, "restarted") {
			t.Errorf("service install does not say it restarted:\n%s", out)
		}
		if unit := dashbox(t, append([]string{"service", "unit"}, changed...)...); !strings.HasPrefix(unit, readFile(t, "/etc/systemd/system/dashbox.service")+"\n# ---- /etc/systemd/system/dashbox.socket ----\n"+readFile(t, "/etc/systemd/system/dashbox.socket")) {
			t.Errorf("the updated unit is not what service unit prints")
		}
		newPID := checkRunning(t, Config{Serve: serveOf(changed...)})
		if newPID == pid {
			t.Errorf("main PID %d unchanged after installing with a changed flag", pid)
		}
		checkAnswersHTTPS(t, roots, "other.test", newPID)
	})
}

// guestAfterReboot is the second boot on the same file system.
func guestAfterReboot(t *testing.T) {
	changed := Config{Serve: serveOf("--domain=dash.test", "--domain=other.test")}
	if got := systemctlOutput(t, "is-active", "dashbox.service"); got != "active" {
		t.Fatalf("after the reboot dashbox.service is %s, want active", got)
	}
	roots := caRoots(t)
	pid := checkRunning(t, changed)
	checkAnswersHTTPS(t, roots, "dash.test", pid)
	checkAnswersHTTPS(t, roots, "other.test", pid)

	t.Run("without root", func(t *testing.T) {
		out, err := asNobody("/mnt/share/dashbox", "service", "install", "--domain=dash.test")
		if err == nil || !strings.Contains(out, "root") || !strings.Contains(out, "sudo") {
			t.Errorf("service install as nobody: %v, %q; want a failure saying to use sudo", err, out)
		}
		out, err = asNobody("/mnt/share/dashbox", "service", "status")
		if err != nil || !strings.Contains(out, "active (running)") || !strings.Contains(out, strconv.Itoa(pid)) || !strings.Contains(out, "https://dash.test/") {
			t.Errorf("service status as nobody: %v\n%s", err, out)
		}
	})

	before := dashboxStdout(t, "ca")
	t.Run("uninstall", func(t *testing.T) {
		dashbox(t, "service", "uninstall")
		checkGone(t, changed)
		if _, err := os.Stat("/var/lib/dashbox/ca"); err != nil {
			t.Errorf("the state directory was not kept: %v", err)
		}
	})
	t.Run("install again keeps the CA", func(t *testing.T) {
		dashbox(t, "service", "install", "--domain=dash.test")
		if after := dashboxStdout(t, "ca"); after != before {
			t.Error("the CA root changed across uninstall and install")
		}
		checkAnswersHTTPS(t, caRoots(t), "dash.test", checkRunning(t, Config{Serve: serveOf("--domain=dash.test")}))
	})
	t.Run("files loaded as credentials", guestCredentials)
	t.Run("uninstall --purge", func(t *testing.T) {
		dashbox(t, "service", "uninstall", "--purge")
		checkGone(t, changed)
		checkPurged(t)
	})
}

// checkExecStartArgv runs cfg's ExecStart= line in a real unit (with this
// test binary in place of dashbox, which writes its arguments out; see
// TestMain) and compares the arguments with cfg's.
func checkExecStartArgv(t *testing.T, cfg Config) {
	t.Helper()
	cfg = cfg.withDefaults()
	unit, err := Unit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var execStart string
	for _, line := range strings.Split(unit, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="+cfg.BinaryPath+" "); ok {
			execStart = rest
		}
	}
	dump := "/run/dashbox-argv.json"
	os.Remove(dump)
	probe := fmt.Sprintf("[Service]\nType=oneshot\nEnvironment=%s=%s\nExecStart=/mnt/share/service.test %s\n", argvDumpEnv, dump, execStart)
	// Files loaded as credentials reach serve as paths in the probe's
	// credentials directory; any file will do as their source.
	_, creds, err := serveExecArgs(cfg.Serve.Args)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		probe += "LoadCredential=" + c.name + ":/etc/hostname\n"
	}
	if err := os.WriteFile("/run/systemd/system/dashbox-argv.service", []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("/run/systemd/system/dashbox-argv.service")
	systemctlOutput(t, "daemon-reload")
	if out, err := exec.Command("systemctl", "start", "dashbox-argv.service").CombinedOutput(); err != nil {
		t.Fatalf("running %s: %v\n%s", execStart, err, out)
	}
	var got []string
	if err := json.Unmarshal([]byte(readFile(t, dump)), &got); err != nil {
		t.Fatal(err)
	}
	want := append([]string{"serve"}, cfg.Serve.words()...)
	for i, a := range want {
		for _, c := range creds {
			if a == "--"+c.flag+"="+c.source {
				want[i] = "--" + c.flag + "=/run/credentials/dashbox-argv.service/" + c.name
			}
		}
	}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("ExecStart=... %s\nran with %q\nwant      %q", execStart, got, want)
	}
}

// installedUnitIs checks that the unit file is exactly Unit(cfg).
func installedUnitIs(t *testing.T, cfg Config) {
	t.Helper()
	want, err := Unit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, "/etc/systemd/system/dashbox.service"); got != want {
		t.Errorf("installed unit differs from Unit:\n%s", lineDiff(want, got))
	}
}

// checkRunning checks Status and returns the main PID.
func checkRunning(t *testing.T, cfg Config) int {
	t.Helper()
	info, err := Status(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Installed || !info.Enabled || info.ActiveState != "active" || info.SubState != "running" || info.MainPID == 0 || info.Since.IsZero() {
		t.Fatalf("status: %+v", info)
	}
	if strings.Join(info.ServeArgs, " ") != strings.Join(cfg.Serve.words(), " ") {
		t.Errorf("status says it runs with %q, want %q", info.ServeArgs, cfg.Serve.words())
	}
	if uid := processUID(t, info.MainPID); uid == 0 {
		t.Errorf("main PID %d runs as root", info.MainPID)
	}
	return info.MainPID
}

// checkStateDir checks that the state directory belongs to the service's
// user and only to it.
func checkStateDir(t *testing.T, pid int) {
	t.Helper()
	fi, err := os.Stat("/var/lib/dashbox")
	if err != nil {
		t.Fatal(err)
	}
	uid := int(fi.Sys().(*syscall.Stat_t).Uid)
	if want := processUID(t, pid); uid != want || fi.Mode().Perm() != 0o700 {
		t.Errorf("/var/lib/dashbox: owner %d mode %v, want owner %d (the service's user) mode 0700", uid, fi.Mode().Perm(), want)
	}
}

// killAndWaitForRestart kills the main PID with SIGKILL and waits for the
// service to answer (ready) under a new main PID, which it returns.
func killAndWaitForRestart(t *testing.T, cfg Config, pid int, ready func() error) int {
	t.Helper()
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var newPID int
	eventually(t, restartWithin, "the service answers under a new PID after kill -9", func() error {
		newPID = mainPID(t)
		if newPID == 0 || newPID == pid {
			return fmt.Errorf("main PID is %d", newPID)
		}
		return ready()
	})
	t.Logf("kill -9 %d: answering again under PID %d after %s", pid, newPID, time.Since(killed).Round(10*time.Millisecond))
	return checkRunning(t, cfg)
}

// checkGone checks that nothing of the service is left running or installed.
func checkGone(t *testing.T, cfg Config) {
	t.Helper()
	for _, path := range []string{"/etc/systemd/system/dashbox.service", "/etc/systemd/system/dashbox.socket", "/etc/systemd/system/dashbox-http.socket", "/usr/local/bin/dashbox", "/etc/logrotate.d/dashbox"} {
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there (%v)", path, err)
		}
	}
	if got := systemctlOutput(t, "is-active", "dashbox.service"); got == "active" {
		t.Errorf("dashbox.service is still %s", got)
	}
	if info, err := Status(context.Background(), cfg); err != nil || info.Installed {
		t.Errorf("Status after uninstall: %+v, %v", info, err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, exe := range procs {
		if target, _ := os.Readlink(exe); strings.HasPrefix(target, "/usr/local/bin/dashbox") || strings.HasPrefix(target, "/mnt/share/standin") {
			t.Errorf("process %s still runs %s", filepath.Dir(exe), target)
		}
	}
	for _, port := range []int{80, 443, 8443} {
		if inode := listeningInode(t, port); inode != "" {
			t.Errorf("something still listens on :%d", port)
		}
	}
}

// checkPurged checks that the state and logs are gone.
func checkPurged(t *testing.T) {
	t.Helper()
	for _, path := range []string{"/var/lib/dashbox", "/var/lib/private/dashbox", "/var/log/dashbox", "/var/log/private/dashbox"} {
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after purge (%v)", path, err)
		}
	}
}

// checkAnswersHTTPS checks that https://host/healthz answers with a
// certificate chain to the local CA, and that the process listening on 443
// and 80 is pid; and that http://host/ redirects to https://host/.
func checkAnswersHTTPS(t *testing.T, roots *x509.CertPool, host string, pid int) {
	t.Helper()
	if _, err := httpsGet(roots, host, "/healthz"); err != nil {
		t.Errorf("https://%s/healthz: %v", host, err)
	}
	client := &http.Client{
		Transport:     &http.Transport{DialContext: dialLoopback("80")},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	resp, err := client.Get("http://" + host + "/apps/app1?x=1")
	if err != nil {
		t.Errorf("http://%s/: %v", host, err)
	} else {
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "https://"+host+"/apps/app1?x=1" {
			t.Errorf("http://%s/apps/app1?x=1: %s to %q, want a redirect to https", host, resp.Status, loc)
		}
	}
	for _, port := range []int{443, 80} {
		checkListenerOwner(t, port, pid)
	}
}

// checkListenerOwner checks that pid holds the socket listening on port.
func checkListenerOwner(t *testing.T, port, pid int) {
	t.Helper()
	inode := listeningInode(t, port)
	if inode == "" {
		t.Errorf("nothing listens on :%d", port)
		return
	}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, _ := os.Readlink(fd); target == "socket:["+inode+"]" {
			return
		}
	}
	t.Errorf("the socket listening on :%d does not belong to the main PID %d", port, pid)
}

// listeningInode returns the inode of the TCP socket listening on port, or "".
func listeningInode(t *testing.T, port int) string {
	t.Helper()
	hexPort := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// local_address st ... inode: fields 1, 3 and 9; 0A is LISTEN.
			if len(fields) > 9 && strings.HasSuffix(fields[1], hexPort) && fields[3] == "0A" {
				f.Close()
				return fields[9]
			}
		}
		f.Close()
	}
	return ""
}

// httpsGet fetches https://host/path from 127.0.0.1:443, verifying the chain
// against roots and the name against host.
func httpsGet(roots *x509.CertPool, host, path string) ([]byte, error) {
	client := &http.Client{
		Transport: &http.Transport{
			DialContext:     dialLoopback("443"),
			TLSClientConfig: &tls.Config{RootCAs: roots},
		},
		Timeout: 10 * time.Second,
	}
	resp, err := client.Get("https://" + host + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("%s", resp.Status)
	}
	return body, err
}

// dialLoopback connects every request to 127.0.0.1:port, whatever the name.
func dialLoopback(port string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
}

// caRoots is the local CA's root, from `dashbox ca` as a user would get it.
func caRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(dashboxStdout(t, "ca"))) {
		t.Fatal("dashbox ca printed no certificate")
	}
	return roots
}

// standinGreeting reads the line testdata/standin answers on port.
func standinGreeting(t *testing.T, port int) string {
	t.Helper()
	g, err := dialGreeting(port)
	if err != nil {
		t.Fatalf(":%d: %v", port, err)
	}
	return g
}

func dialGreeting(port int) (string, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

// mainPID is the service's MainPID, 0 when it has none.
func mainPID(t *testing.T) int {
	t.Helper()
	pid, err := strconv.Atoi(systemctlOutput(t, "show", "--property=MainPID", "--value", "dashbox.service"))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// processUID is the effective user of pid.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	status := readFile(t, fmt.Sprintf("/proc/%d/status", pid))
	m := regexp.MustCompile(`(?m)^Uid:\s+\d+\s+(\d+)`).FindStringSubmatch(status)
	if m == nil {
		t.Fatalf("no Uid line in /proc/%d/status", pid)
	}
	uid, _ := strconv.Atoi(m[1])
	return uid
}

// eventually polls cond until it returns nil, failing the test if it does
// not within d.
func eventually(t *testing.T, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, d, err)
		}
		<-tick.C
	}
}

// systemctlOutput runs systemctl and returns its trimmed standard output,
// whatever its exit status (is-active exits 3 for inactive).
func systemctlOutput(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := exec.Command("systemctl", args...).Output()
	return strings.TrimSpace(string(out))
}

// dashbox runs the dashbox CLI as root and returns its combined output,
// failing the test if it fails.
func dashbox(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("/mnt/share/dashbox", args...).CombinedOutput()
	t.Logf("$ dashbox %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("dashbox %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// dashboxStdout runs the dashbox CLI and returns its standard output only.
func dashboxStdout(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("/mnt/share/dashbox", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dashbox %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// asNobody runs a command as the unprivileged user nobody.
func asNobody(name string, args ...string) (string, error) {
	cmd := exec.Command("setpriv", append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", name}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
