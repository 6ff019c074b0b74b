//go:build linux

package service

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/loadgen"
)

// guestRestarts is the restarts test's boot: dashbox installed with
// `dashbox service install`, then a load generator (HTTP/1.1 and HTTP/2,
// kept-alive and new connections) running through each way the service is
// switched: systemctl restart and reload, service upgrade (a release archive
// checked against SHA256SUMS) and rollback, an upgrade to a binary that
// cannot start (rolled back by itself), and kill -9. Lines starting with
// FIGURE are the figures docs/upgrades.md quotes.
func guestRestarts(t *testing.T) {
	dashbox(t, "service", "install", "--domain=dash.test")
	roots := caRoots(t)
	waitVersion := func(want string) {
		eventually(t, 30*time.Second, "dashbox "+want+" answers", func() error {
			body, err := httpsGet(roots, "localhost", "/healthz?details=1")
			if err != nil {
				return err
			}
			if !strings.Contains(string(body), `"version": "`+want+`"`) {
				return fmt.Errorf("/healthz?details=1: %s", body)
			}
			return nil
		})
	}
	waitVersion(guestVersion)

	t.Run("systemd-analyze security", func(t *testing.T) {
		out, _ := exec.Command("systemd-analyze", "security", "--no-pager", "dashbox.service").CombinedOutput()
		m := regexp.MustCompile(`Overall exposure level for dashbox.service: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("systemd-analyze security printed no exposure level:\n%s", out)
		}
		exposure, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("FIGURE systemd-analyze security dashbox.service: %.1f", exposure)
		if exposure >= 1.4 {
			t.Errorf("exposure %.1f, want below 1.4 (the unit with CAP_NET_BIND_SERVICE)", exposure)
		}
	})

	// measure runs the load for a second, then action, then waits until
	// the service answers and runs the load a second longer. It returns
	// the counts and when the action ended.
	measure := func(name string, action func()) (loadgen.Result, time.Time) {
		// An administrator does not restart five times a minute; this
		// test does, within StartLimitBurst=5.
		exec.Command("systemctl", "reset-failed", "dashbox.service").Run()
		g := loadgen.Start(roots, "127.0.0.1:443", "https://dash.test/healthz")
		time.Sleep(time.Second) // load before the switch, not a synchronisation
		began := time.Now()
		action()
		ended := time.Now()
		eventually(t, 30*time.Second, name+": dashbox answers again", func() error {
			_, err := httpsGet(roots, "dash.test", "/healthz")
			return err
		})
		answered := time.Since(began)
		time.Sleep(time.Second) // load after the switch
		r := g.Stop()
		gap := ""
		if !r.LastFail.IsZero() {
			gap = ", last failure " + r.LastFail.Sub(began).Round(time.Millisecond).String() + " after the switch began"
		}
		t.Logf("FIGURE %s: %s, the switch took %s, a new request answered %s after it began%s; first errors: %s",
			name, r, ended.Sub(began).Round(time.Millisecond), answered.Round(time.Millisecond), gap, strings.Join(r.Errors, " | "))
		return r, ended
	}
	lossless := func(name string, r loadgen.Result) {
		t.Helper()
		if r.Failed > 0 || r.Resets > 0 || r.Sent < 100 {
			t.Errorf("%s: %s; want no failed request (and some load); first errors:\n%s", name, r, strings.Join(r.Errors, "\n"))
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	r, _ := measure("systemctl restart", func() { run("systemctl", "restart", "dashbox.service") })
	lossless("systemctl restart", r)

	r, _ = measure("systemctl reload", func() { run("systemctl", "reload", "dashbox.service") })
	lossless("systemctl reload", r)
	if status := systemctlOutput(t, "show", "--property=StatusText", "--value", "dashbox.service"); status != "reloaded" {
		t.Errorf("after systemctl reload, systemctl status says %q, want \"reloaded\"", status)
	}

	installed := fileSum(t, "/usr/local/bin/dashbox")
	pid := mainPID(t)
	t.Run("refused before anything changes", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			args []string
			want string
		}{
			{"another architecture", []string{"/mnt/share/dashbox-other-arch"}, "is built for"},
			{"damaged archive", []string{"--sha256sums=/mnt/share/bad/SHA256SUMS.corrupt", "/mnt/share/bad/dashbox_" + guestNextVersion + "_linux.tar.gz"}, "damaged"},
			{"checksum mismatch", []string{"--sha256sums=/mnt/share/bad/SHA256SUMS", "/mnt/share/dashbox_" + guestNextVersion + "_linux.tar.gz"}, "checksum mismatch"},
		} {
			out, err := exec.Command("/mnt/share/dashbox", append([]string{"service", "upgrade"}, tt.args...)...).CombinedOutput()
			t.Logf("$ dashbox service upgrade %s\n%s", strings.Join(tt.args, " "), out)
			if err == nil || !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "refused before anything changed") {
				t.Errorf("%s: %v; want a refusal saying %q", tt.name, err, tt.want)
			}
			if fileSum(t, "/usr/local/bin/dashbox") != installed || mainPID(t) != pid {
				t.Errorf("%s: the installed binary or the main PID changed", tt.name)
			}
			if _, err := os.Stat("/usr/local/bin/dashbox.previous"); err == nil {
				t.Errorf("%s: a refused upgrade left dashbox.previous", tt.name)
			}
		}
	})

	var upgradeOut string
	r, _ = measure("service upgrade", func() {
		upgradeOut = dashbox(t, "service", "upgrade", "--sha256sums=/mnt/share/SHA256SUMS", "/mnt/share/dashbox_"+guestNextVersion+"_linux.tar.gz")
	})
	lossless("service upgrade", r)
	waitVersion(guestNextVersion)
	if !strings.Contains(upgradeOut, guestVersion+" -> "+guestNextVersion) {
		t.Errorf("service upgrade does not print both versions:\n%s", upgradeOut)
	}
	if fileSum(t, "/usr/local/bin/dashbox.previous") != installed {
		t.Error("dashbox.previous is not the binary the upgrade replaced")
	}

	r, _ = measure("service rollback", func() { dashbox(t, "service", "rollback") })
	lossless("service rollback", r)
	waitVersion(guestVersion)

	t.Run("a binary that cannot start is rolled back", func(t *testing.T) {
		var out []byte
		var err error
		r, ended := measure("service upgrade to a broken binary", func() {
			out, err = exec.Command("/mnt/share/dashbox", "service", "upgrade", "--timeout=20s", "/mnt/share/broken").CombinedOutput()
		})
		t.Logf("$ dashbox service upgrade /mnt/share/broken\n%s", out)
		if err == nil || !strings.Contains(string(out), "rolled back to "+guestVersion) || !strings.Contains(string(out), "failed to start") {
			t.Errorf("upgrade to a broken binary: %v; want a failure saying it failed to start and was rolled back", err)
		}
		waitVersion(guestVersion)
		if !r.LastFail.IsZero() && r.LastFail.After(ended) {
			t.Errorf("requests failed after the rollback: %s", r)
		}
	})

	r, _ = measure("kill -9", func() { run("systemctl", "kill", "--signal=SIGKILL", "--kill-whom=main", "dashbox.service") })
	t.Logf("kill -9 loses the requests in flight by nature: %s", r)
	dashbox(t, "service", "uninstall", "--purge")
	checkGone(t, Config{Serve: serveOf("--domain=dash.test")})
	if _, err := os.Stat("/usr/local/bin/dashbox.previous"); err == nil {
		t.Error("uninstall left dashbox.previous")
	}
}

// fileSum is the SHA-256 of the file at path.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
