//go:build linux

package service

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/loadgen"
)

// guestRestarts is the restarts test's boot: dashbox installed with
// `dashbox service install`, then a load generator running through each
// way the service is switched (restart, reload, upgrade, rollback, kill -9).
func guestRestarts(t *testing.T) {
	dashbox(t, "service", "install", "--domain=dash.test")
	roots := caRoots(t)
	eventually(t, 10*time.Second, "dashbox answers", func() error {
		_, err := httpsGet(roots, "dash.test", "/healthz")
		return err
	})

	// measure runs the load for a second, then action, then waits until
	// the service answers and runs the load a second longer.
	measure := func(name string, action func()) loadgen.Result {
		g := loadgen.Start(roots, "127.0.0.1:443", "https://dash.test/healthz")
		time.Sleep(time.Second) // load before the switch, not a synchronisation
		began := time.Now()
		action()
		eventually(t, 30*time.Second, name+": dashbox answers again", func() error {
			_, err := httpsGet(roots, "dash.test", "/healthz")
			return err
		})
		time.Sleep(time.Second) // load after the switch
		r := g.Stop()
		gap := ""
		if !r.LastFail.IsZero() {
			gap = ", last failure " + r.LastFail.Sub(began).Round(time.Millisecond).String() + " after the switch began"
		}
		t.Logf("FIGURE %s: %s%s; first errors: %s", name, r, gap, strings.Join(r.Errors, " | "))
		return r
	}

	measure("systemctl restart", func() {
		if out, err := exec.Command("systemctl", "restart", "dashbox.service").CombinedOutput(); err != nil {
			t.Fatalf("systemctl restart: %v\n%s", err, out)
		}
	})
	measure("kill -9", func() {
		if out, err := exec.Command("systemctl", "kill", "--signal=SIGKILL", "--kill-whom=main", "dashbox.service").CombinedOutput(); err != nil {
			t.Fatalf("systemctl kill: %v\n%s", err, out)
		}
	})
}
