package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dashbox/dashbox/internal/filewatch"
)

// DefaultPollInterval is how often Htpasswd checks its file for a change:
// one stat call, so a changed password applies within seconds without a
// signal. Reload (SIGHUP) applies it at once.
const DefaultPollInterval = 5 * time.Second

// verifiedCacheSize bounds how many verified credentials Htpasswd
// remembers: far more than the browsers of a team, and a few hundred KiB at
// most.
const verifiedCacheSize = 4096

// Options configures an Htpasswd.
type Options struct {
	// Logger receives reloads, broken replacements and warnings about the
	// file. Nil discards them.
	Logger *slog.Logger

	// PollInterval replaces DefaultPollInterval, how often the file is
	// checked for a change. Negative turns polling off (Reload only).
	PollInterval time.Duration
}

// Htpasswd is the users of an htpasswd file, kept up to date while
// serving: the file is checked for a change every PollInterval (a new
// modification time or size, or another file renamed into place, as
// `dashbox passwd` and editors do) and reloaded. A replacement that does not
// parse is logged and the previous users stay, so a typo never locks
// everyone out.
//
// A browser sends the password with every request, and checking a bcrypt
// hash costs a quarter of a second by design; so Htpasswd remembers the
// credentials it has verified, as a keyed SHA-256 digest of name and
// password with a key made at start and never stored (Caddy's basic_auth
// does the same). A remembered login is valid only while the user's hash in
// the file is the one it was verified against: a changed password or a
// removed user takes effect with the next reload. Failed checks are never
// remembered: every guess pays bcrypt.
type Htpasswd struct {
	path     string
	logger   *slog.Logger
	current  atomic.Pointer[users]
	cacheKey [32]byte

	watch *filewatch.Watcher // serializes reloads

	cacheMu  sync.Mutex
	verified map[[32]byte]string // digest of name and password -> the hash it matched

	cancel context.CancelFunc
	done   chan struct{}
}

// OpenHtpasswd loads the htpasswd file at path and starts watching it. An
// error here (missing, unreadable, or a line with a hash other than bcrypt)
// is one line naming the file and what to do; serve refuses to start with
// it. Warnings are logged. Close stops the watching.
func OpenHtpasswd(path string, opts Options) (*Htpasswd, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Htpasswd{path: path, logger: opts.Logger, verified: map[[32]byte]string{}, done: make(chan struct{})}
	rand.Read(h.cacheKey[:])
	h.watch = filewatch.New(h.load, path)
	u, err := loadHtpasswd(path)
	if err != nil {
		return nil, err
	}
	h.current.Store(u)
	h.logger.Info("htpasswd file loaded: logins required", "file", path, "users", len(u.hashes))
	h.logWarnings(u)

	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	interval := opts.PollInterval
	if interval == 0 {
		interval = DefaultPollInterval
	}
	if interval < 0 {
		close(h.done)
		return h, nil
	}
	go func() {
		defer close(h.done)
		h.watch.Poll(ctx, interval)
	}()
	return h, nil
}

// Close stops watching the file; the users stay as they are. It may be
// called more than once.
func (h *Htpasswd) Close() {
	h.cancel()
	<-h.done
}

// Path is the file's path.
func (h *Htpasswd) Path() string { return h.path }

// Users returns how many users the file currently in use has.
func (h *Htpasswd) Users() int { return len(h.current.Load().hashes) }

// Reload reads the file again now, even if it looks unchanged (SIGHUP). A
// replacement that cannot be used is logged and returned, and the previous
// users stay.
func (h *Htpasswd) Reload() error { return h.watch.Reload() }

// load replaces the users with the file's; the watcher calls it when the
// file changed, one call at a time.
func (h *Htpasswd) load() error {
	u, err := loadHtpasswd(h.path)
	if err != nil {
		h.logger.Error("htpasswd file changed but cannot be used; the previous users can still log in",
			"file", h.path, "error", err)
		return err
	}
	old := h.current.Swap(u)
	h.logger.Info("htpasswd file reloaded", "file", h.path, "users", len(u.hashes), "previous_users", len(old.hashes))
	h.logWarnings(u)
	return nil
}

func (h *Htpasswd) logWarnings(u *users) {
	for _, w := range u.warnings {
		h.logger.Warn("htpasswd file: "+w, "file", h.path)
	}
}

// Verified reports, without a bcrypt check (a SHA-256 digest and a map
// look-up), whether Authenticate verified password as user's before and
// the user's hash in the file is still the one it matched. False says
// nothing: the credentials may be right but not verified yet.
func (h *Htpasswd) Verified(user, password string) bool {
	return h.verifiedBefore(h.current.Load(), h.digest(user, password), user)
}

func (h *Htpasswd) verifiedBefore(u *users, digest [32]byte, user string) bool {
	h.cacheMu.Lock()
	matched, ok := h.verified[digest]
	h.cacheMu.Unlock()
	if !ok {
		return false
	}
	hash, known := u.hashes[user]
	return known && string(hash) == matched
}

// Authenticate reports whether password is user's password in the file.
// It takes as long for a name that is not in the file as for one that is
// (about a bcrypt check), except for credentials it verified before.
func (h *Htpasswd) Authenticate(user, password string) bool {
	u := h.current.Load()
	digest := h.digest(user, password)
	if h.verifiedBefore(u, digest, user) {
		return true
	}
	if !u.authenticate(user, password) {
		return false
	}
	h.cacheMu.Lock()
	if len(h.verified) >= verifiedCacheSize {
		clear(h.verified) // rare: costs each browser one bcrypt check
	}
	h.verified[digest] = string(u.hashes[user])
	h.cacheMu.Unlock()
	return true
}

// digest is the cache key of a user name and password: SHA-256 of a key
// made at start, the name's length, the name and the password.
func (h *Htpasswd) digest(user, password string) [32]byte {
	var stack [256]byte
	b := append(stack[:0], h.cacheKey[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(user)))
	b = append(b, user...)
	b = append(b, password...)
	return sha256.Sum256(b)
}
