package storage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/dashbox/dashbox/storage/storagetest"
)

// testLease is the lock lease of the Postgres stores in tests: short, so
// that takeovers are quick, and long enough for renewals on a loaded CI
// machine (they come every quarter lease).
const testLease = 2 * time.Second

// TestConformanceFileStorage runs the contract against certmagic's
// FileStorage, which dashbox uses without --storage: the table must hold
// for it too, or the table is wrong.
func TestConformanceFileStorage(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, storagetest.Backend{
		Fresh: func(t *testing.T) func() certmagic.Storage {
			dir := t.TempDir()
			return func() certmagic.Storage { return &certmagic.FileStorage{Path: dir} }
		},
		// A lock file as a killed process leaves it: fresh, never
		// refreshed. FileStorage takes it over once 10 s stale.
		Abandon: func(t *testing.T, s certmagic.Storage, name string) {
			fs := s.(*certmagic.FileStorage)
			dir := filepath.Join(fs.Path, "locks")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			meta, _ := json.Marshal(map[string]time.Time{"created": now, "updated": now})
			if err := os.WriteFile(filepath.Join(dir, certmagic.StorageKeys.Safe(name)+".lock"), meta, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		Lease: 10 * time.Second,
	})
}

// TestConformancePostgres runs the contract against Postgres on a real
// PostgreSQL 15, a new database for each row.
func TestConformancePostgres(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	var n atomic.Int32
	storagetest.Run(t, storagetest.Backend{
		Fresh: func(t *testing.T) func() certmagic.Storage {
			url := srv.NewDatabase(t, fmt.Sprintf("conformance_%d", n.Add(1)))
			return func() certmagic.Storage { return openTest(t, url) }
		},
		Abandon: func(t *testing.T, s certmagic.Storage, name string) {
			p := s.(*Postgres)
			if ok, err := p.TryLock(t.Context(), name); !ok || err != nil {
				t.Fatalf("TryLock of a free lock = %v, %v", ok, err)
			}
			p.abandon(name)
		},
		Lease: testLease,
	})
}

// openTest opens a Postgres on url with the test lease, closed when the
// test ends.
func openTest(t *testing.T, url string) *Postgres {
	t.Helper()
	p, err := Open(t.Context(), Config{URL: url, LockLease: testLease, StartTimeout: -1})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}
