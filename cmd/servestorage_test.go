package cmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/pgtest"
)

// TestServeHealthDetailsStorage: /healthz?details=1 says where the
// certificates are kept: the state directory without --storage; with it,
// the PostgreSQL database (without credentials), whether it is reachable,
// since when and, while it is not, the error. The answer stays 200 "ok"
// while the database is down, and the details follow it there and back
// within a few health intervals.
func TestServeHealthDetailsStorage(t *testing.T) {
	t.Run("statedir", func(t *testing.T) {
		d := mustStart(t)
		resp, body := d.get(t, "/healthz?details=1")
		var answer struct {
			Status  string
			Storage map[string]any
		}
		if err := json.Unmarshal(body, &answer); err != nil || resp.StatusCode != 200 || answer.Status != "ok" {
			t.Fatalf("/healthz?details=1: %d %s (%v)", resp.StatusCode, body, err)
		}
		if answer.Storage["backend"] != "files" || answer.Storage["state_dir"] != d.stateDir {
			t.Errorf("storage details without --storage = %v; want backend files, state_dir %s", answer.Storage, d.stateDir)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		old := storageHealthInterval
		storageHealthInterval = 100 * time.Millisecond
		t.Cleanup(func() { storageHealthInterval = old })
		pg := pgtest.New(t)
		url := pg.NewDatabase(t, "details")
		dir := t.TempDir()
		st := clusterStore{stateDir: func(int) string { return dir }, args: []string{"--storage", url}, caArgs: []string{"--storage", url}}
		database := fmt.Sprintf("127.0.0.1:%d/details", pg.Port)
		m := startCluster(t, 1, st, "--acme=false")[0]
		client := clusterClient("127.0.0.12", st.rootPool(t), "localhost", nil)

		// details polls until want holds, checking the answer each time.
		details := func(what string, want func(storageHealth) bool) storageHealth {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				code, status, h, err := healthDetails(client, m.httpsAddr)
				if err != nil || code != 200 || status != "ok" {
					t.Fatalf("/healthz?details=1 while waiting for %s: %d %q %v", what, code, status, err)
				}
				if h.Backend != "postgres" || h.Database != database {
					t.Fatalf("storage details name backend %q, database %q; want postgres, %s", h.Backend, h.Database, database)
				}
				if want(h) {
					return h
				}
				if time.Now().After(deadline) {
					t.Fatalf("no %s in /healthz?details=1 within 10 s: %+v", what, h)
				}
				time.Sleep(20 * time.Millisecond) // polling the server
			}
		}
		opened := time.Now()
		details("a reachable storage", func(h storageHealth) bool {
			return h.Reachable && h.Error == "" && !h.Since.IsZero() && h.Since.Before(opened)
		})

		stopped := time.Now()
		pg.Stop(t)
		down := details("the storage unreachable", func(h storageHealth) bool { return !h.Reachable })
		if !strings.Contains(down.Error, "connect") || down.Since.Before(stopped.Add(-time.Second)) {
			t.Errorf("details of the outage: error %q, since %s (stopped at %s); want the connection error and the time it began", down.Error, down.Since, stopped)
		}

		pg.Start(t)
		started := time.Now()
		up := details("the storage reachable again", func(h storageHealth) bool { return h.Reachable })
		if up.Error != "" || up.Since.Before(started.Add(-time.Second)) {
			t.Errorf("details after the outage: error %q, since %s (started at %s); want no error, since its return", up.Error, up.Since, started)
		}
		t.Logf("details showed the outage %s after PostgreSQL stopped, its return %s after it started",
			down.Since.Sub(stopped).Round(10*time.Millisecond), time.Since(started).Round(10*time.Millisecond))
	})
}
