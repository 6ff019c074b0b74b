package storage

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/dashbox/dashbox/internal/pgtest"
)

// TestRenewLockLeaseDeadHolder: certmagic asks for a long lease before a
// long order. While the holder lives, the background renewal keeps the
// lock past any single lease; once it dies, the others get the lock after
// one storage lease, not after the long one certmagic asked for.
func TestRenewLockLeaseDeadHolder(t *testing.T) {
	t.Parallel()
	url := sharedServer(t).NewDatabase(t, "renew")
	holder, other := openTest(t, url), openTest(t, url)
	if err := holder.Lock(t.Context(), "order"); err != nil {
		t.Fatal(err)
	}
	long := 10 * testLease
	if err := holder.RenewLockLease(t.Context(), "order", long); err != nil {
		t.Fatalf("RenewLockLease: %v", err)
	}
	for start := time.Now(); time.Since(start) < 2*testLease; time.Sleep(testLease / 10) {
		if ok, err := other.TryLock(t.Context(), "order"); ok || err != nil {
			t.Fatalf("lock taken %v after RenewLockLease while its holder lives: %v", time.Since(start), err)
		}
	}
	holder.abandon("order")
	ctx, cancel := context.WithTimeout(t.Context(), 3*testLease)
	defer cancel()
	if err := other.Lock(ctx, "order"); err != nil {
		t.Fatalf("Lock within %v of the holder's death (its lease is %v; certmagic asked for %v): %v", 3*testLease, testLease, long, err)
	}
	if err := holder.RenewLockLease(t.Context(), "order", time.Minute); err == nil {
		t.Error("RenewLockLease of a lock this instance no longer holds succeeded")
	}
}

// TestOpenConcurrentEmptyDatabase: instances starting at the same moment on
// an empty database all start (one creates the schema, the others wait for
// its transaction and find it done), and share one store.
func TestOpenConcurrentEmptyDatabase(t *testing.T) {
	t.Parallel()
	url := sharedServer(t).NewDatabase(t, "concurrent")
	const n = 6
	stores := make([]*Postgres, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := Open(t.Context(), Config{URL: url, StartTimeout: -1})
			if err != nil {
				t.Errorf("instance %d: Open: %v", i, err)
				return
			}
			t.Cleanup(p.Close)
			stores[i] = p
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if err := stores[0].Store(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := stores[n-1].Load(t.Context(), "k"); err != nil || string(v) != "v" {
		t.Fatalf("Load on another instance = %q, %v", v, err)
	}
	var version int
	if err := stores[0].pool.QueryRow(t.Context(), `SELECT version FROM `+versionTable).Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("schema version row = %d, %v; want one row with %d", version, err, schemaVersion)
	}
}

// TestOpenRefusesNewerSchema: a database migrated by a newer dashbox is
// left alone, with a message that says to upgrade.
func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	url := sharedServer(t).NewDatabase(t, "newer")
	p := openTest(t, url)
	if _, err := p.pool.Exec(t.Context(), `UPDATE `+versionTable+` SET version = 99`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Config{URL: url, StartTimeout: 30 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "version 99, newer") || !strings.Contains(err.Error(), "upgrade dashbox") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

// TestDatabaseOutage: while PostgreSQL is down, operations fail with an
// error that is not fs.ErrNotExist (certmagic must not take a missing
// database for a missing certificate), Health says unreachable, the log
// says so once (not once per failure), and everything works again when
// the database is back, without reopening the store.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	srv := pgtest.New(t)
	url := srv.NewDatabase(t, "outage")
	var log testenv.SyncBuffer
	reachable := make(chan struct{}, 10)
	p, err := Open(t.Context(), Config{URL: url, LockLease: testLease, StartTimeout: -1, HealthInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, nil)), OnReachable: func() { reachable <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.Store(t.Context(), "certificates/x/x.crt", []byte("cert")); err != nil {
		t.Fatal(err)
	}

	srv.Stop(t)
	for range 5 {
		_, err := p.Load(t.Context(), "certificates/x/x.crt")
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Load with the database down = %v; want an error that is not fs.ErrNotExist", err)
		}
	}
	if h := p.Health(); h.Reachable || h.Error == "" {
		t.Fatalf("Health with the database down = %+v", h)
	}
	if n := strings.Count(log.String(), "storage database unreachable"); n != 1 {
		t.Errorf("outage logged %d times after several failures, want once a minute:\n%s", n, log.String())
	}

	srv.Start(t)
	deadline := time.Now().Add(30 * time.Second)
	for !p.Health().Reachable {
		if time.Now().After(deadline) {
			t.Fatalf("Health still unreachable 30s after the database came back: %+v", p.Health())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, err := p.Load(t.Context(), "certificates/x/x.crt"); err != nil || string(v) != "cert" {
		t.Fatalf("Load after the database came back = %q, %v", v, err)
	}
	if !strings.Contains(log.String(), "storage database reachable again") {
		t.Errorf("the log does not say the database is back:\n%s", log.String())
	}
	// OnReachable ran once for the return.
	select {
	case <-reachable:
	case <-time.After(10 * time.Second):
		t.Fatal("OnReachable was not called when the database came back")
	}
	if err := p.Store(t.Context(), "certificates/x/x.crt", []byte("cert")); err != nil {
		t.Fatal(err)
	}
	if n := len(reachable); n != 0 {
		t.Errorf("OnReachable called %d more times after one outage", n)
	}
}

// TestOpenWaitsForDatabase: a dashbox that starts before its database
// retries until the database is up; one whose database stays down gives
// up after StartTimeout with a message saying what to check.
func TestOpenWaitsForDatabase(t *testing.T) {
	t.Parallel()
	srv := pgtest.New(t)
	url := srv.NewDatabase(t, "wait")
	srv.Stop(t)

	start := time.Now()
	_, err := Open(t.Context(), Config{URL: url, StartTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "check that PostgreSQL is running") {
		t.Fatalf("Open with the database down: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Open gave up after %v, StartTimeout 1s", d)
	}

	opened := make(chan error, 1)
	go func() {
		p, err := Open(t.Context(), Config{URL: url, StartTimeout: time.Minute})
		if err == nil {
			p.Close()
		}
		opened <- err
	}()
	srv.Start(t)
	if err := <-opened; err != nil {
		t.Fatalf("Open while the database starts: %v", err)
	}
}

// TestCheckURL: URLs holding a password are refused, others pass.
func TestCheckURL(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]error{
		"postgres://dashbox@db.example/dashbox?sslmode=verify-full":         nil,
		"postgresql://dashbox@db.example:5433/dashbox?passfile=/etc/pgpass": nil,
		"postgres://dashbox:s3cret@db.example/dashbox":                      ErrPasswordInURL,
		"postgres://dashbox@db.example/dashbox?password=s3cret":             ErrPasswordInURL,
		"postgres://:@db.example/dashbox":                                   ErrPasswordInURL,
	} {
		if err := CheckURL(url); !errors.Is(err, want) {
			t.Errorf("CheckURL(%q) = %v, want %v", url, err, want)
		}
	}
	for _, url := range []string{"mysql://db/x", "/var/lib/dashbox", "host=db user=x"} {
		if err := CheckURL(url); err == nil {
			t.Errorf("CheckURL(%q) accepted it", url)
		}
	}
	if err := CheckURL("postgres://u:s3cret@db/x"); strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error repeats the password: %v", err)
	}
}

// TestPasswordFile: the file holds the password alone; its line break is
// not part of it, and a file with several lines or none is refused.
func TestPasswordFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for content, want := range map[string]string{"s3cret\n": "s3cret", "s3cret": "s3cret", "s3 cret\r\n": "s3 cret", "": "", "a\nb\n": ""} {
		name := filepath.Join(dir, "pw")
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readPasswordFile(name)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("readPasswordFile(%q) = %q, %v; want %q", content, got, err, want)
		}
	}
}

// TestRootKey: the root ("") is the directory of every key: List, Stat and
// Exists see them all, as FileStorage does for its folder.
func TestRootKey(t *testing.T) {
	t.Parallel()
	url := sharedServer(t).NewDatabase(t, "root")
	p := openTest(t, url)
	for _, k := range []string{"acme/x/y.json", "certificates/a/b/b.crt", "last_clean.json"} {
		if err := p.Store(t.Context(), k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := p.List(t.Context(), "", false)
	if err != nil || strings.Join(got, " ") != "acme certificates last_clean.json" {
		t.Errorf(`List("", false) = %q, %v`, got, err)
	}
	got, err = p.List(t.Context(), "", true)
	if err != nil || len(got) != 8 {
		t.Errorf(`List("", true) = %q, %v; want 8 keys`, got, err)
	}
	if info, err := p.Stat(t.Context(), ""); err != nil || info.IsTerminal {
		t.Errorf(`Stat("") = %+v, %v`, info, err)
	}
}

// TestUnlockDuringOutage: a lock released while the database is down is
// released once it is back, not left to its lease: the other instances
// waiting for it (certmagic's pending orders and renewals) take it within
// a second or two of the database's return instead of a whole lease
// later.
func TestUnlockDuringOutage(t *testing.T) {
	t.Parallel()
	srv := pgtest.New(t)
	url := srv.NewDatabase(t, "unlock")
	const lease = 30 * time.Second // longer than the test waits
	open := func() *Postgres {
		p, err := Open(t.Context(), Config{URL: url, LockLease: lease, StartTimeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	holder, waiter := open(), open()
	if err := holder.Lock(t.Context(), "issue_cert_example.com"); err != nil {
		t.Fatal(err)
	}

	srv.Crash(t)
	if err := holder.Unlock(t.Context(), "issue_cert_example.com"); err == nil {
		t.Fatal("Unlock with the database down succeeded")
	}
	srv.Start(t)
	back := time.Now()
	for {
		ok, err := waiter.TryLock(t.Context(), "issue_cert_example.com")
		if ok {
			break
		}
		if time.Since(back) > 10*time.Second {
			t.Fatalf("the lock released during the outage is still held 10 s after the database came back (lease %s): %v", lease, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the database
	}
	t.Logf("the lock was free %s after the database came back", time.Since(back).Round(10*time.Millisecond))
	if n := holder.Health().LocksHeld; n != 0 {
		t.Errorf("the holder counts %d locks held after releasing its only one", n)
	}
}
