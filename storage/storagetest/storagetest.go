// Package storagetest is the contract every certmagic.Storage dashbox uses
// must keep, as one table of tests: run it against certmagic's FileStorage
// and against storage.Postgres (storage's tests do), and against any other
// storage a cluster may share. It is imported only from _test.go files.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// Backend is the storage under test.
type Backend struct {
	// Fresh makes a new, empty store for one test and returns a function
	// that opens handles on it: each handle stands for one instance of a
	// cluster. Handles are closed by the test's cleanup.
	Fresh func(t *testing.T) (open func() certmagic.Storage)

	// Abandon makes s take the lock called name as a holder that dies at
	// once does: taken, never renewed, never released.
	Abandon func(t *testing.T, s certmagic.Storage, name string)

	// Lease is the longest an abandoned lock stays taken, and the shortest
	// a held one stays taken without its holder's renewals.
	Lease time.Duration
}

// Run runs the contract's table against b, each row a subtest.
func Run(t *testing.T, b Backend) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, b Backend, open func() certmagic.Storage)
	}{
		{"StoreLoad", testStoreLoad},
		{"Exists", testExists},
		{"Stat", testStat},
		{"List", testList},
		{"Delete", testDelete},
		{"NotExist", testNotExist},
		{"LockExclusive", testLockExclusive},
		{"LockWaitsForUnlock", testLockWaitsForUnlock},
		{"TryLock", testTryLock},
		{"DeadHolderLeaseExpires", testDeadHolder},
		{"RenewalOutlivesLease", testRenewal},
		{"LockContextCancelled", testLockCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, b, b.Fresh(t))
		})
	}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustStore(t *testing.T, s certmagic.Storage, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := s.Store(t.Context(), k, []byte("value of "+k)); err != nil {
			t.Fatalf("Store(%q): %v", k, err)
		}
	}
}

// testStoreLoad: a value stored by one instance loads, the same, on
// another; storing again replaces it; an empty value is a value.
func testStoreLoad(t *testing.T, b Backend, open func() certmagic.Storage) {
	s1, s2 := open(), open()
	ctx := t.Context()
	big := bytes.Repeat([]byte{0, 1, 2, 0xff}, 64<<10)
	for _, v := range [][]byte{[]byte("first"), big, []byte("second"), {}} {
		if err := s1.Store(ctx, "certificates/ca/example.com/example.com.crt", v); err != nil {
			t.Fatalf("Store: %v", err)
		}
		got, err := s2.Load(ctx, "certificates/ca/example.com/example.com.crt")
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if !bytes.Equal(got, v) {
			t.Fatalf("Load after Store of %d bytes returned %d bytes", len(v), len(got))
		}
	}
}

// testExists: values and the directories above them exist; nothing else.
func testExists(t *testing.T, b Backend, open func() certmagic.Storage) {
	s := open()
	mustStore(t, s, "a/b/c.txt")
	for key, want := range map[string]bool{"a/b/c.txt": true, "a/b": true, "a": true, "a/b/c": false, "a/bc": false, "x": false} {
		if got := s.Exists(t.Context(), key); got != want {
			t.Errorf("Exists(%q) = %v, want %v", key, got, want)
		}
	}
}

// testStat: a value is terminal with its size and a recent modification
// time; a directory is not terminal.
func testStat(t *testing.T, b Backend, open func() certmagic.Storage) {
	s := open()
	before := time.Now().Add(-time.Minute)
	if err := s.Store(t.Context(), "a/b/c.txt", []byte("12345")); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(t.Context(), "a/b/c.txt")
	if err != nil {
		t.Fatalf("Stat of a value: %v", err)
	}
	if info.Key != "a/b/c.txt" || !info.IsTerminal || info.Size != 5 || info.Modified.Before(before) || info.Modified.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat of a value = %+v, want key a/b/c.txt, terminal, 5 bytes, modified about now", info)
	}
	info, err = s.Stat(t.Context(), "a/b")
	if err != nil {
		t.Fatalf("Stat of a directory: %v", err)
	}
	if info.Key != "a/b" || info.IsTerminal {
		t.Errorf("Stat of a directory = %+v, want key a/b, not terminal", info)
	}
}

// testList: List names the children of a directory (values and
// directories), or with recursive every key below it; prefixes are whole
// components ("a" is no prefix of "ab/x").
func testList(t *testing.T, b Backend, open func() certmagic.Storage) {
	s := open()
	mustStore(t, s, "a/b/c.txt", "a/b/d.txt", "a/e.txt", "a/f/g/h.txt", "ab/x", "a.txt")
	for _, tc := range []struct {
		prefix    string
		recursive bool
		want      []string
	}{
		{"a", false, []string{"a/b", "a/e.txt", "a/f"}},
		{"a", true, []string{"a/b", "a/b/c.txt", "a/b/d.txt", "a/e.txt", "a/f", "a/f/g", "a/f/g/h.txt"}},
		{"a/f", false, []string{"a/f/g"}},
		{"a/f", true, []string{"a/f/g", "a/f/g/h.txt"}},
		{"a/b", false, []string{"a/b/c.txt", "a/b/d.txt"}},
	} {
		got, err := s.List(t.Context(), tc.prefix, tc.recursive)
		if err != nil {
			t.Errorf("List(%q, %v): %v", tc.prefix, tc.recursive, err)
			continue
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q, %v) = %q, want %q", tc.prefix, tc.recursive, got, tc.want)
		}
	}
}

// testDelete: deleting a value removes it alone; deleting a directory
// removes everything under it; deleting what is missing is no error.
func testDelete(t *testing.T, b Backend, open func() certmagic.Storage) {
	s := open()
	ctx := t.Context()
	mustStore(t, s, "a/b/c.txt", "a/b/d.txt", "a/e.txt", "ab/x")
	if err := s.Delete(ctx, "a/b/c.txt"); err != nil {
		t.Fatalf("Delete of a value: %v", err)
	}
	if s.Exists(ctx, "a/b/c.txt") || !s.Exists(ctx, "a/b/d.txt") {
		t.Fatal("Delete of a/b/c.txt did not remove it alone")
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatalf("Delete of a directory: %v", err)
	}
	for _, k := range []string{"a", "a/b", "a/b/d.txt", "a/e.txt"} {
		if s.Exists(ctx, k) {
			t.Errorf("%s exists after Delete(\"a\")", k)
		}
	}
	if !s.Exists(ctx, "ab/x") {
		t.Error("Delete(\"a\") removed ab/x")
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
}

// testNotExist: Load, Stat and List of a missing key fail with an error
// that is fs.ErrNotExist, which certmagic checks for.
func testNotExist(t *testing.T, b Backend, open func() certmagic.Storage) {
	s := open()
	ctx := t.Context()
	mustStore(t, s, "a/b.txt")
	if _, err := s.Load(ctx, "a/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing key: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Load(ctx, "a"); err == nil {
		t.Error("Load of a directory succeeded")
	}
	if _, err := s.Stat(ctx, "a/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a missing key: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.List(ctx, "missing", true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of a missing prefix: %v, want fs.ErrNotExist", err)
	}
}

// testLockExclusive: instances taking one lock from several goroutines
// each are never inside it together.
func testLockExclusive(t *testing.T, b Backend, open func() certmagic.Storage) {
	ctx := ctxFor(t, 2*time.Minute)
	var inside, entries atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		s := open()
		for range 2 {
			wg.Go(func() {
				for range 2 {
					if err := s.Lock(ctx, "exclusive"); err != nil {
						t.Errorf("Lock: %v", err)
						return
					}
					if n := inside.Add(1); n != 1 {
						t.Errorf("%d holders inside the lock at once", n)
					}
					entries.Add(1)
					time.Sleep(10 * time.Millisecond) // a critical section takes time
					inside.Add(-1)
					if err := s.Unlock(ctx, "exclusive"); err != nil {
						t.Errorf("Unlock: %v", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if entries.Load() != 8 {
		t.Errorf("%d entries into the lock, want 8", entries.Load())
	}
}

// testLockWaitsForUnlock: Lock blocks while another instance holds the
// lock, and returns once it is released.
func testLockWaitsForUnlock(t *testing.T, b Backend, open func() certmagic.Storage) {
	s1, s2 := open(), open()
	ctx := ctxFor(t, time.Minute)
	if err := s1.Lock(ctx, "wait"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- s2.Lock(ctx, "wait") }()
	// s2 cannot have it while s1 holds it: prove s2 is still waiting by
	// checking that a third instance cannot take it either.
	if ok, err := tryLock(t, open(), "wait"); ok || err != nil {
		t.Fatalf("TryLock of a held lock = %v, %v; want false, nil", ok, err)
	}
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) while another instance held the lock", err)
	default:
	}
	if err := s1.Unlock(ctx, "wait"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("Lock after the holder's Unlock: %v", err)
	}
	if err := s2.Unlock(ctx, "wait"); err != nil {
		t.Fatal(err)
	}
}

func tryLock(t *testing.T, s certmagic.Storage, name string) (bool, error) {
	t.Helper()
	tl, ok := s.(certmagic.TryLocker)
	if !ok {
		t.Fatalf("%T does not implement certmagic.TryLocker", s)
	}
	return tl.TryLock(t.Context(), name)
}

// testTryLock: TryLock takes a free lock, does not wait for a held one, and
// takes it again once released.
func testTryLock(t *testing.T, b Backend, open func() certmagic.Storage) {
	s1, s2 := open(), open()
	if ok, err := tryLock(t, s1, "try"); !ok || err != nil {
		t.Fatalf("TryLock of a free lock = %v, %v; want true", ok, err)
	}
	start := time.Now()
	if ok, err := tryLock(t, s2, "try"); ok || err != nil {
		t.Fatalf("TryLock of a held lock = %v, %v; want false, nil", ok, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("TryLock of a held lock took %v: it must not wait", d)
	}
	if err := s1.Unlock(t.Context(), "try"); err != nil {
		t.Fatal(err)
	}
	if ok, err := tryLock(t, s2, "try"); !ok || err != nil {
		t.Fatalf("TryLock of a released lock = %v, %v; want true", ok, err)
	}
	if err := s2.Unlock(t.Context(), "try"); err != nil {
		t.Fatal(err)
	}
}

// testDeadHolder: a lock whose holder died is taken by a waiting instance
// once its lease runs out, and not before.
func testDeadHolder(t *testing.T, b Backend, open func() certmagic.Storage) {
	dead, s := open(), open()
	start := time.Now()
	b.Abandon(t, dead, "dead")
	if ok, err := tryLock(t, s, "dead"); ok || err != nil {
		t.Fatalf("TryLock right after the holder died = %v, %v; want false: its lease runs", ok, err)
	}
	ctx := ctxFor(t, 3*b.Lease+10*time.Second)
	if err := s.Lock(ctx, "dead"); err != nil {
		t.Fatalf("Lock of a dead holder's lock within 3 leases (%v): %v", 3*b.Lease, err)
	}
	t.Logf("a dead holder's lock was taken over after %v (lease %v)", time.Since(start).Round(time.Millisecond), b.Lease)
	if err := s.Unlock(t.Context(), "dead"); err != nil {
		t.Fatal(err)
	}
}

// testRenewal: a live holder keeps its lock past its first lease (and
// past a second): no one takes it over while the holder renews it.
func testRenewal(t *testing.T, b Backend, open func() certmagic.Storage) {
	s1, s2 := open(), open()
	if err := s1.Lock(t.Context(), "renewed"); err != nil {
		t.Fatal(err)
	}
	// Polled, not slept: every attempt during the two leases must fail.
	end := time.Now().Add(2*b.Lease + time.Second)
	attempts := 0
	for time.Now().Before(end) {
		attempts++
		if ok, err := tryLock(t, s2, "renewed"); ok || err != nil {
			t.Fatalf("another instance took a renewed lock %v after it was taken (lease %v): %v", time.Until(end), b.Lease, err)
		}
		time.Sleep(b.Lease / 10)
	}
	if err := s1.Unlock(t.Context(), "renewed"); err != nil {
		t.Fatal(err)
	}
	if ok, err := tryLock(t, s2, "renewed"); !ok || err != nil {
		t.Fatalf("TryLock after Unlock = %v, %v; want true", ok, err)
	}
	_ = s2.Unlock(t.Context(), "renewed")
	t.Logf("%d takeover attempts over two leases failed", attempts)
}

// testLockCancelled: a Lock waiting for a held lock returns when its
// context ends, with an error that says so.
func testLockCancelled(t *testing.T, b Backend, open func() certmagic.Storage) {
	s1, s2 := open(), open()
	if err := s1.Lock(t.Context(), "cancel"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan error, 1)
	go func() { got <- s2.Lock(ctx, "cancel") }()
	cancel()
	select {
	case err := <-got:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Lock with a cancelled context = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Lock did not return within 30s of its context's cancellation")
	}
	if err := s1.Unlock(t.Context(), "cancel"); err != nil {
		t.Fatal(err)
	}
}
