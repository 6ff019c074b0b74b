package storage

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
	"github.com/jackc/pgx/v5/pgconn"
)

// Health is the storage's state, for /healthz?details=1. While the
// database is unreachable, dashbox keeps serving the certificates it has
// in memory; certmagic retries what failed once it is back.
type Health struct {
	// Backend is "postgres".
	Backend string `json:"backend"`
	// Database is host:port/name, without credentials.
	Database string `json:"database"`
	// Reachable is false since an operation or ping failed for want of
	// the database, until one succeeds.
	Reachable bool `json:"reachable"`
	// Since is when Reachable last changed (or the store opened).
	Since time.Time `json:"since"`
	// Error is the last failure while unreachable.
	Error string `json:"error,omitempty"`
	// LocksHeld counts the locks this instance holds.
	LocksHeld int `json:"locks_held"`
}

// outageLogWindow is how often an ongoing outage is logged again.
const outageLogWindow = time.Minute

// healthState follows the database's reachability from the outcome of
// every operation, and logs an outage when it starts, once a minute while
// it lasts, and when it ends.
type healthState struct {
	where       string
	logger      *slog.Logger
	throttle    *logthrottle.Throttle
	onReachable func() // Config.OnReachable; nil for none

	mu        sync.Mutex
	reachable bool
	since     time.Time
	lastErr   string
	failures  int
}

func newHealthState(where string, logger *slog.Logger, onReachable func()) *healthState {
	return &healthState{where: where, logger: logger, throttle: logthrottle.New(outageLogWindow, 1),
		onReachable: onReachable, reachable: true, since: time.Now()}
}

// observe notes an operation's outcome. Errors the database itself
// answered (a *pgconn.PgError) and cancelled contexts say nothing about
// reachability.
func (h *healthState) observe(err error) {
	var pgErr *pgconn.PgError
	if err != nil && (errors.As(err, &pgErr) || errors.Is(err, context.Canceled)) {
		return
	}
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		if !h.reachable {
			h.logger.Info("storage database reachable again; certmagic resumes its pending work",
				"database", h.where, "down_for", now.Sub(h.since).Round(time.Second), "failed_operations", h.failures)
			h.reachable, h.since, h.lastErr, h.failures = true, now, "", 0
			if h.onReachable != nil {
				// Not under h.mu: the callback may use the store.
				go h.onReachable()
			}
		}
		return
	}
	h.failures++
	h.lastErr = err.Error()
	first, _ := h.throttle.Event(now, "outage")
	if h.reachable {
		h.reachable, h.since = false, now
		h.logger.Error("storage database unreachable; serving the certificates in memory until it is back",
			"database", h.where, "error", err)
		return
	}
	if first {
		h.logger.Error("storage database still unreachable; serving the certificates in memory",
			"database", h.where, "since", h.since.Format(time.RFC3339), "failed_operations", h.failures, "error", err)
	}
}

// Health reports the storage's state.
func (p *Postgres) Health() Health {
	p.health.mu.Lock()
	h := Health{Backend: "postgres", Database: p.where, Reachable: p.health.reachable, Since: p.health.since, Error: p.health.lastErr}
	p.health.mu.Unlock()
	p.mu.Lock()
	h.LocksHeld = len(p.held)
	p.mu.Unlock()
	return h
}

// pingLoop pings the database every interval, so that an outage shows in
// Health and the log even while certmagic has nothing to do.
func (p *Postgres) pingLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, defaultConnectTimeout)
		err := p.pool.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.health.observe(err)
	}
}
