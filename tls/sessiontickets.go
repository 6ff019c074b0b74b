package tls

import (
	"bytes"
	"context"
	"crypto/rand"
	cryptotls "crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
)

// TLS session-ticket keys, shared through the storage: a client that got a
// ticket from one instance resumes its session (no full handshake, no
// certificate signature) on any instance of the cluster. Go's own keys are
// per process, so behind a balancer most resumptions would fail.
const (
	// TicketKeyRotation is how often a new ticket key is made. The key
	// encrypts session secrets, so an old one leaking exposes the sessions
	// it encrypted: it must not live long (Caddy rotates every 12 h too).
	TicketKeyRotation = 12 * time.Hour

	// ticketKeysKept is how many keys are kept: the newest encrypts, all
	// decrypt, so a ticket stays usable for 36 to 48 hours.
	ticketKeysKept = 4

	// ticketKeysPoll is how often an instance reads the keys again, to
	// pick up another instance's rotation; until then it still encrypts
	// with the previous key, which every instance decrypts.
	ticketKeysPoll = time.Minute

	// ticketKeysSyncTimeout bounds one sync: a storage that hangs (a
	// database that does not answer) must not hold up start-up, nor
	// stop later syncs.
	ticketKeysSyncTimeout = 30 * time.Second

	// ticketKeysKey is the keys' storage key, ticketKeysLock the lock
	// held to make or rotate them.
	ticketKeysKey  = "tls/session_ticket_keys.json"
	ticketKeysLock = "dashbox_session_ticket_keys"
)

// storedTicketKeys is the stored form: newest key first.
type storedTicketKeys struct {
	Rotated time.Time `json:"rotated"`
	Keys    [][]byte  `json:"keys"` // 32 bytes each
}

// ticketKeys holds the current keys in a crypto/tls config whose only use
// is to encrypt and decrypt tickets (Config.EncryptTicket, DecryptTicket):
// the serving configs call it through WrapSession and UnwrapSession, so
// they follow a rotation without being replaced.
type ticketKeys struct {
	storage  certmagic.Storage
	logger   *slog.Logger
	rotation time.Duration
	now      func() time.Time

	cfg     atomic.Pointer[cryptotls.Config]
	current atomic.Pointer[storedTicketKeys]
	failing atomic.Bool // the last sync failed (logged once until it works)
}

// newTicketKeys loads the shared keys, making or rotating them if due.
// If the storage fails, the instance uses keys of its own (its sessions
// resume on itself only) and keeps trying in run.
func newTicketKeys(ctx context.Context, st certmagic.Storage, rotation time.Duration, logger *slog.Logger) *ticketKeys {
	if rotation <= 0 {
		rotation = TicketKeyRotation
	}
	t := &ticketKeys{storage: st, logger: logger, rotation: rotation, now: time.Now}
	if err := t.sync(ctx); err != nil {
		k := make([]byte, 32)
		rand.Read(k)
		t.set(&storedTicketKeys{Rotated: t.now(), Keys: [][]byte{k}})
	}
	return t
}

// run syncs the keys every poll interval until ctx ends.
func (t *ticketKeys) run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = ticketKeysPoll
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.sync(ctx)
		}
	}
}

// sync reads the stored keys, rotating them under the lock when due, and
// uses them. Errors are logged once until a sync works again.
func (t *ticketKeys) sync(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ticketKeysSyncTimeout)
	defer cancel()
	err := t.syncOnce(ctx)
	switch {
	case err != nil && !t.failing.Swap(true):
		t.logger.Warn("cannot share TLS session-ticket keys through the certificate storage; sessions resume on this instance only until it works", "error", err)
	case err == nil && t.failing.Swap(false):
		t.logger.Info("TLS session-ticket keys shared through the certificate storage again")
	}
	return err
}

func (t *ticketKeys) syncOnce(ctx context.Context) error {
	keys, err := t.load(ctx)
	if err == nil && !t.due(keys) {
		t.set(keys)
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errBadTicketKeys) {
		return err
	}
	if err := t.storage.Lock(ctx, ticketKeysLock); err != nil {
		return fmt.Errorf("locking session-ticket keys: %w", err)
	}
	defer func() {
		if err := t.storage.Unlock(context.WithoutCancel(ctx), ticketKeysLock); err != nil {
			t.logger.Warn("cannot release the session-ticket keys' lock", "error", err)
		}
	}()
	// Another instance may have rotated them while we waited.
	keys, err = t.load(ctx)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errBadTicketKeys) {
		return err
	}
	if err == nil && !t.due(keys) {
		t.set(keys)
		return nil
	}
	if errors.Is(err, errBadTicketKeys) {
		t.logger.Warn("stored TLS session-ticket keys are unreadable; replacing them (clients make a full handshake once)", "key", ticketKeysKey)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return err
	}
	next := &storedTicketKeys{Rotated: t.now().UTC(), Keys: [][]byte{k}}
	if keys != nil {
		next.Keys = append(next.Keys, keys.Keys...)
	}
	if len(next.Keys) > ticketKeysKept {
		next.Keys = next.Keys[:ticketKeysKept]
	}
	data, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if err := t.storage.Store(ctx, ticketKeysKey, data); err != nil {
		return fmt.Errorf("storing session-ticket keys: %w", err)
	}
	t.set(next)
	t.logger.Debug("rotated TLS session-ticket keys", "kept", len(next.Keys))
	return nil
}

// errBadTicketKeys is stored keys that cannot be read back.
var errBadTicketKeys = errors.New("malformed session-ticket keys")

func (t *ticketKeys) load(ctx context.Context) (*storedTicketKeys, error) {
	data, err := t.storage.Load(ctx, ticketKeysKey)
	if err != nil {
		return nil, err
	}
	var keys storedTicketKeys
	if err := json.Unmarshal(data, &keys); err != nil || len(keys.Keys) == 0 {
		return nil, errBadTicketKeys
	}
	for _, k := range keys.Keys {
		if len(k) != 32 {
			return nil, errBadTicketKeys
		}
	}
	return &keys, nil
}

// due reports whether keys are old enough to rotate.
func (t *ticketKeys) due(keys *storedTicketKeys) bool {
	return !t.now().Before(keys.Rotated.Add(t.rotation))
}

// set makes keys the ones used, newest first.
func (t *ticketKeys) set(keys *storedTicketKeys) {
	if cur := t.current.Load(); cur != nil && cur.Rotated.Equal(keys.Rotated) && len(cur.Keys) == len(keys.Keys) && bytes.Equal(cur.Keys[0], keys.Keys[0]) {
		return
	}
	arr := make([][32]byte, len(keys.Keys))
	for i, k := range keys.Keys {
		copy(arr[i][:], k)
	}
	cfg := &cryptotls.Config{}
	cfg.SetSessionTicketKeys(arr)
	t.cfg.Store(cfg)
	t.current.Store(keys)
}

// wrap encrypts a session into a ticket with the newest key
// (tls.Config.WrapSession).
func (t *ticketKeys) wrap(cs cryptotls.ConnectionState, ss *cryptotls.SessionState) ([]byte, error) {
	return t.cfg.Load().EncryptTicket(cs, ss)
}

// unwrap decrypts a ticket with any kept key (tls.Config.UnwrapSession); a
// ticket none of them opens gives nil, a full handshake.
func (t *ticketKeys) unwrap(identity []byte, cs cryptotls.ConnectionState) (*cryptotls.SessionState, error) {
	return t.cfg.Load().DecryptTicket(identity, cs)
}
