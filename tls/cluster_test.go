package tls

import (
	"bytes"
	"context"
	cryptotls "crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/caddyserver/certmagic"
)

// clusterStorages are the storages the cluster tests run on: each call
// returns a new, empty one for the test.
var clusterStorages = map[string]func(t *testing.T) certmagic.Storage{
	// certmagic's FileStorage on a folder the instances share.
	"file": func(t *testing.T) certmagic.Storage { return &certmagic.FileStorage{Path: t.TempDir()} },
}

// forEachStorage runs test once per cluster storage.
func forEachStorage(t *testing.T, test func(t *testing.T, newStorage func() certmagic.Storage)) {
	for name, mk := range clusterStorages {
		t.Run(name, func(t *testing.T) {
			st := mk(t)
			test(t, func() certmagic.Storage { return st })
		})
	}
}

// TestSharedCAOneRootWhenStartedAtOnce: instances opening an empty storage
// at the same moment end with one root.
func TestSharedCAOneRootWhenStartedAtOnce(t *testing.T) {
	forEachStorage(t, func(t *testing.T, storage func() certmagic.Storage) {
		const n = 5
		fps := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ca, err := OpenSharedCA(context.Background(), storage(), testLogger(t))
				errs[i] = err
				if err == nil {
					fps[i] = ca.Fingerprint()
				}
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("instance %d: %v", i, errs[i])
			}
			if fps[i] != fps[0] {
				t.Fatalf("instance %d has root %s, instance 0 %s: want one root", i, fps[i], fps[0])
			}
		}
	})
}

// TestSharedCAIsTheStateDirsCA: a state directory seen as a storage holds
// the CA dashbox created there, and the other way round, so a single
// server's root survives becoming a cluster.
func TestSharedCAIsTheStateDirsCA(t *testing.T) {
	dir := t.TempDir()
	before, err := OpenLocalCA(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := OpenSharedCA(context.Background(), &certmagic.FileStorage{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if shared.Fingerprint() != before.Fingerprint() {
		t.Errorf("the state directory as a storage gives root %s, want the state directory's %s", shared.Fingerprint(), before.Fingerprint())
	}
	dir2 := t.TempDir()
	created, err := OpenSharedCA(context.Background(), &certmagic.FileStorage{Path: dir2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := OpenLocalCA(context.Background(), dir2, nil)
	if err != nil || again.Fingerprint() != created.Fingerprint() {
		t.Errorf("a CA created in a file storage, opened as a state directory: %v, %v", again, err)
	}
}

// TestSharedCAHalfCreated: a key without its certificate (creation cut
// short) is replaced; a certificate without its key is refused.
func TestSharedCAHalfCreated(t *testing.T) {
	forEachStorage(t, func(t *testing.T, storage func() certmagic.Storage) {
		ctx := context.Background()
		st := storage()
		if err := st.Store(ctx, caKeyKey, []byte("left by a crash")); err != nil {
			t.Fatal(err)
		}
		ca, err := OpenSharedCA(ctx, st, nil)
		if err != nil {
			t.Fatalf("key alone: %v; want a new CA", err)
		}
		if err := st.Delete(ctx, caKeyKey); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenSharedCA(ctx, st, nil); err == nil {
			t.Fatalf("certificate %s without key: opened; want an error", ca.RootPath())
		}
	})
}

// TestManagersOnOneStorageShareRootAndSessions: two instances (their own
// state directories, one storage) serve leaves of one root, and a session
// ticket issued by one resumes on the other.
func TestManagersOnOneStorageShareRootAndSessions(t *testing.T) {
	forEachStorage(t, func(t *testing.T, storage func() certmagic.Storage) {
		var ms [2]*Manager
		var wg sync.WaitGroup
		for i := range ms {
			wg.Go(func() {
				m, err := newManager(context.Background(), Config{StateDir: t.TempDir(), Storage: storage(), Logger: testLogger(t)}, managerOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				t.Cleanup(m.Close)
				ms[i] = m
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		if a, b := ms[0].CA().Fingerprint(), ms[1].CA().Fingerprint(); a != b {
			t.Fatalf("roots %s and %s: want one", a, b)
		}
		roots := rootPool(t, ms[0].CA())
		for _, version := range []uint16{cryptotls.VersionTLS13, cryptotls.VersionTLS12} {
			sessions := cryptotls.NewLRUClientSessionCache(8)
			client := &cryptotls.Config{RootCAs: roots, ServerName: "localhost", ClientSessionCache: sessions, MaxVersion: version}
			a, b := serveOnce(t, ms[0].TLSConfig()), serveOnce(t, ms[1].TLSConfig())
			if resumed := handshake(t, a, client); resumed {
				t.Fatal("first handshake resumed")
			}
			if resumed := handshake(t, b, client); !resumed {
				t.Errorf("TLS %x: a ticket from instance 0 did not resume on instance 1", version)
			}
		}
	})
}

// serveOnce serves TLS with cfg on loopback, writing "ok" on each
// connection, until the test ends; it returns the address.
func serveOnce(t *testing.T, cfg *cryptotls.Config) string {
	t.Helper()
	ln, err := cryptotls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// handshake connects to addr, reads to the end (which receives TLS 1.3
// tickets) and reports whether the session was resumed.
func handshake(t *testing.T, addr string, cfg *cryptotls.Config) bool {
	t.Helper()
	c, err := cryptotls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.ReadAll(c)
	return c.ConnectionState().DidResume
}

// TestTicketKeysRotate: keys are rotated when due, the newest first, the
// last ticketKeysKept kept; an instance picks up another's rotation when it
// syncs, and tickets of a kept key still open.
func TestTicketKeysRotate(t *testing.T) {
	forEachStorage(t, func(t *testing.T, storage func() certmagic.Storage) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		a := newTicketKeysAt(ctx, t, storage(), clock)
		b := newTicketKeysAt(ctx, t, storage(), clock)
		if len(a.current.Load().Keys) != 1 || string(a.current.Load().Keys[0]) != string(b.current.Load().Keys[0]) {
			t.Fatal("two instances on one storage have different first keys")
		}
		first := a.current.Load().Keys[0]
		now = now.Add(TicketKeyRotation - time.Minute)
		if a.sync(ctx); string(a.current.Load().Keys[0]) != string(first) {
			t.Fatal("rotated before due")
		}
		for i := range ticketKeysKept + 1 {
			now = now.Add(TicketKeyRotation)
			if err := a.sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := len(a.current.Load().Keys), min(i+2, ticketKeysKept); got != want {
				t.Fatalf("after %d rotations: %d keys, want %d", i+1, got, want)
			}
		}
		if string(a.current.Load().Keys[ticketKeysKept-1]) == string(first) {
			t.Error("the oldest key outlived ticketKeysKept rotations")
		}
		if err := b.sync(ctx); err != nil {
			t.Fatal(err)
		}
		if string(b.current.Load().Keys[0]) != string(a.current.Load().Keys[0]) {
			t.Error("instance b did not pick up a's rotation")
		}
	})
}

func newTicketKeysAt(ctx context.Context, t *testing.T, st certmagic.Storage, clock func() time.Time) *ticketKeys {
	t.Helper()
	k := &ticketKeys{storage: st, logger: testLogger(t), rotation: TicketKeyRotation, now: clock}
	if err := k.sync(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTicketKeysDamagedReplaced: unreadable stored keys are replaced, not
// a failure; on a file storage they are a 0600 file.
func TestTicketKeysDamagedReplaced(t *testing.T) {
	dir := t.TempDir()
	st := &certmagic.FileStorage{Path: dir}
	ctx := context.Background()
	st.Store(ctx, ticketKeysKey, []byte("{garbage"))
	k := newTicketKeysAt(ctx, t, st, time.Now)
	data, err := st.Load(ctx, ticketKeysKey)
	var stored storedTicketKeys
	if err != nil || json.Unmarshal(data, &stored) != nil || len(stored.Keys) != 1 || string(stored.Keys[0]) != string(k.current.Load().Keys[0]) {
		t.Fatalf("damaged keys not replaced: %q, %v", data, err)
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(ticketKeysKey)))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ticket keys file: %v, %v; want mode 0600", fi, err)
	}
}

// flakyStorage fails every call while down is set, as a database that is
// unreachable.
type flakyStorage struct {
	certmagic.Storage
	down atomic.Bool
}

var errStorageDown = errors.New("storage down")

func (f *flakyStorage) Load(ctx context.Context, key string) ([]byte, error) {
	if f.down.Load() {
		return nil, errStorageDown
	}
	return f.Storage.Load(ctx, key)
}

func (f *flakyStorage) Lock(ctx context.Context, name string) error {
	if f.down.Load() {
		return errStorageDown
	}
	return f.Storage.Lock(ctx, name)
}

// TestTicketKeysStorageDown: with the storage unreachable at start an
// instance still issues and accepts tickets with keys of its own, says so
// once, and takes the shared keys when the storage is back.
func TestTicketKeysStorageDown(t *testing.T) {
	ctx := context.Background()
	st := &flakyStorage{Storage: &certmagic.FileStorage{Path: t.TempDir()}}
	st.down.Store(true)
	log := &testenv.SyncBuffer{}
	k := newTicketKeys(ctx, st, 0, slog.New(slog.NewTextHandler(log, nil)))
	if k.cfg.Load() == nil {
		t.Fatal("no ticket keys while the storage is down")
	}
	k.sync(ctx)
	if n := strings.Count(log.String(), "cannot share TLS session-ticket keys"); n != 1 {
		t.Errorf("the outage logged %d times, want once:\n%s", n, log)
	}
	own := k.current.Load().Keys[0]
	st.down.Store(false)
	if err := k.sync(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := k.load(ctx)
	if err != nil || !bytes.Equal(stored.Keys[0], k.current.Load().Keys[0]) || bytes.Equal(own, stored.Keys[0]) {
		t.Errorf("after the outage the instance uses %x, the storage holds %v (%v)", k.current.Load().Keys[0], stored, err)
	}
	if !strings.Contains(log.String(), "shared through the certificate storage again") {
		t.Errorf("recovery not logged:\n%s", log)
	}
}
