package storage

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// heldLock is a lock this value holds: the token that proves it in the
// locks table, and its renewal goroutine.
type heldLock struct {
	token string
	stop  context.CancelFunc
	done  chan struct{}
}

// maxLockPoll bounds the wait between two attempts of a blocked Lock, so
// that a released or expired lock is taken within about a second.
const maxLockPoll = time.Second

// Lock takes the lock called name, waiting (polling with backoff) while
// another holder has it and its lease runs, until ctx ends. The lock is
// renewed in the background until Unlock. A database error ends the wait
// with that error, so that certmagic's own retries take over.
func (p *Postgres) Lock(ctx context.Context, name string) error {
	wait := 25 * time.Millisecond
	for {
		ok, err := p.TryLock(ctx, name)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		// Jitter keeps instances blocked on one lock from polling in step.
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return fmt.Errorf("storage lock %q in %s: waiting for its holder: %w", name, p.where, ctx.Err())
		}
		wait = min(2*wait, maxLockPoll, p.lease/4)
	}
}

// TryLock takes the lock called name if it is free or its lease expired,
// and reports whether it did; it does not wait.
func (p *Postgres) TryLock(ctx context.Context, name string) (bool, error) {
	token := cryptoToken()
	var owner string
	err := p.pool.QueryRow(ctx, `INSERT INTO `+locksTable+` (name, owner, expires)
		VALUES ($1, $2, now() + $3 * interval '1 millisecond')
		ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires
		WHERE `+locksTable+`.expires < now()
		RETURNING owner`, name, token, p.lease.Milliseconds()).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		p.health.observe(nil)
		return false, nil
	}
	if err != nil {
		return false, p.opError("lock", name, err)
	}
	p.health.observe(nil)

	renewCtx, stop := context.WithCancel(p.bg)
	hl := &heldLock{token: token, stop: stop, done: make(chan struct{})}
	p.mu.Lock()
	p.held[name] = hl
	p.mu.Unlock()
	go p.keepRenewed(renewCtx, name, hl)
	return true, nil
}

// cryptoToken is a lock's owner token: unguessable and unique to one
// taking of one lock, so that a holder can only renew and release its own.
func cryptoToken() string { return crand.Text() }

// keepRenewed pushes the lock's expiry a lease ahead every quarter lease,
// until stopped. A renewal that finds the row gone or someone else's means
// the lease ran out (the database was unreachable for a whole lease) and
// another instance took over: that is logged, and renewal ends.
func (p *Postgres) keepRenewed(ctx context.Context, name string, hl *heldLock) {
	defer close(hl.done)
	t := time.NewTicker(p.lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lost, err := p.extend(ctx, name, hl.token, p.lease)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// observed by extend; retried at the next tick
		case lost:
			p.logger.Error("storage lock lost: its lease ran out and another instance took it; the work it protects may run twice",
				"lock", name, "database", p.where)
			return
		}
	}
}

// extend moves the lock's expiry to at least now+lease, never earlier (a
// RenewLockLease may have asked for longer). lost is true if the row is no
// longer this holder's.
func (p *Postgres) extend(ctx context.Context, name, token string, lease time.Duration) (lost bool, err error) {
	tag, err := p.pool.Exec(ctx, `UPDATE `+locksTable+`
		SET expires = greatest(expires, now() + $3 * interval '1 millisecond')
		WHERE name = $1 AND owner = $2`, name, token, lease.Milliseconds())
	if err != nil {
		return false, p.opError("renew lock", name, err)
	}
	p.health.observe(nil)
	return tag.RowsAffected() == 0, nil
}

// RenewLockLease confirms that this value still holds the lock called
// name: certmagic asks before each attempt of a long order, for a lease
// long enough to cover it (a minute and more) on storages that cannot
// renew by themselves. This one renews a held lock in the background for
// as long as its holder lives, so it grants at most one lease
// (Config.LockLease): a longer one would only keep the others waiting
// after the holder died mid-order. Renewals never shorten a lease.
func (p *Postgres) RenewLockLease(ctx context.Context, lockKey string, leaseDuration time.Duration) error {
	leaseDuration = min(leaseDuration, p.lease)
	p.mu.Lock()
	hl := p.held[lockKey]
	p.mu.Unlock()
	if hl == nil {
		return fmt.Errorf("storage renew lock %q in %s: this instance does not hold it", lockKey, p.where)
	}
	lost, err := p.extend(ctx, lockKey, hl.token, leaseDuration)
	if err != nil {
		return err
	}
	if lost {
		return fmt.Errorf("storage renew lock %q in %s: its lease ran out and another instance took it", lockKey, p.where)
	}
	return nil
}

// Unlock releases the lock called name, which this value holds. If the
// database cannot be reached, Unlock says so and keeps trying in the
// background (releaseLater), so that the others need not wait for the
// lease to run out once it is back.
func (p *Postgres) Unlock(ctx context.Context, name string) error {
	p.mu.Lock()
	hl := p.held[name]
	delete(p.held, name)
	p.mu.Unlock()
	if hl == nil {
		return fmt.Errorf("storage unlock %q in %s: this instance does not hold it", name, p.where)
	}
	hl.stop()
	<-hl.done
	tag, err := p.pool.Exec(ctx, `DELETE FROM `+locksTable+` WHERE name = $1 AND owner = $2`, name, hl.token)
	if err != nil {
		err = p.opError("unlock", name, err)
		if ctx.Err() == nil {
			// Left alone, the row would keep the other instances waiting
			// for the rest of its lease after the database is back.
			p.releaseLater(name, hl.token)
			err = fmt.Errorf("%w (released in the background once the database answers)", err)
		}
		return err
	}
	p.health.observe(nil)
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("storage unlock %q in %s: its lease had run out and another instance took it before the release: the work it protected may have run twice", name, p.where)
	}
	return nil
}

// abandon forgets the lock called name without releasing it, as a
// process that dies does: tests use it to prove a dead holder's lease ends.
func (p *Postgres) abandon(name string) {
	p.mu.Lock()
	hl := p.held[name]
	delete(p.held, name)
	p.mu.Unlock()
	if hl != nil {
		hl.stop()
		<-hl.done
	}
}

// Bounds of the waits between the attempts of a deferred release.
const (
	minReleaseRetry = 100 * time.Millisecond
	maxReleaseRetry = time.Second
)

// releaseLater retries, in the background, the release of a lock whose
// Unlock failed (the database was down), until it succeeds, the lease has
// run out anyway, or the store closes. The token is this holder's, so a
// late release never removes a lock another holder (or this one, again)
// has taken since.
func (p *Postgres) releaseLater(name, token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bg.Err() != nil {
		return // closing: Close gave the release its chance
	}
	p.stopWG.Add(1)
	go func() {
		defer p.stopWG.Done()
		// The row's expiry is at most a lease past its last renewal,
		// which came before this Unlock.
		giveUp := time.Now().Add(p.lease)
		wait := minReleaseRetry
		for {
			t := time.NewTimer(wait)
			select {
			case <-p.bg.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if time.Now().After(giveUp) {
				return
			}
			ctx, cancel := context.WithTimeout(p.bg, defaultConnectTimeout)
			tag, err := p.pool.Exec(ctx, `DELETE FROM `+locksTable+` WHERE name = $1 AND owner = $2`, name, token)
			cancel()
			if err == nil {
				p.health.observe(nil)
				if tag.RowsAffected() > 0 {
					p.logger.Info("storage lock released now that the database answers", "lock", name, "database", p.where)
				}
				return
			}
			if p.bg.Err() != nil {
				return
			}
			// Any error, the database's own included: one that is
			// starting up refuses connections with one.
			p.health.observe(err)
			wait = min(2*wait, maxReleaseRetry)
		}
	}()
}
