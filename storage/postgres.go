package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config says how to reach the database and how to lock.
type Config struct {
	// URL is the database, postgres://user@host:port/db?sslmode=...,
	// without a password (CheckURL). Anything pgx reads from the URL or
	// from libpq's environment variables (PGPASSFILE, PGPASSWORD,
	// PGSSLCERT, ...) applies.
	URL string

	// PasswordFile, if set, is a file that holds the database password
	// alone (a systemd credential, for example). It wins over a passfile
	// and PGPASSWORD.
	PasswordFile string

	// ClientCertFile, if set, is a PEM file holding the client certificate
	// the database authenticates the user by (pg_hba.conf "hostssl ...
	// cert"), its chain after it if any: a login with no password. It
	// needs ClientKeyFile, and a URL whose sslmode turns TLS on
	// (verify-full), without a certificate of its own (sslcert=).
	ClientCertFile string

	// ClientKeyFile is the PEM file holding ClientCertFile's private key,
	// unencrypted (PKCS #8, RSA or EC).
	ClientKeyFile string

	// LockLease is how long a lock outlives its holder's last renewal: a
	// holder that dies delays the others by at most this long. Holders
	// renew at a quarter of it. Zero means DefaultLockLease.
	LockLease time.Duration

	// StartTimeout is how long Open keeps retrying a database it cannot
	// reach before it gives up. Zero means DefaultStartTimeout; negative
	// means one attempt.
	StartTimeout time.Duration

	// HealthInterval is how often the database is pinged while nothing
	// else uses it, so that Health and the log notice an outage. Zero
	// means DefaultHealthInterval.
	HealthInterval time.Duration

	// OnReachable, if set, is called (on a goroutine of its own) each time
	// the database answers again after an outage, so that the work that
	// failed meanwhile (a certificate renewal) need not wait for its
	// retry schedule.
	OnReachable func()

	// Logger receives the outage reports (one a minute while the database
	// is unreachable) and lost locks. Nil discards them.
	Logger *slog.Logger
}

// Defaults of Config's durations.
const (
	// DefaultLockLease is short enough that an order whose instance died
	// resumes on another within half a minute, and long enough to ride
	// out a few lost renewals.
	DefaultLockLease = 20 * time.Second

	// DefaultStartTimeout covers a database that restarts with the
	// machine: dashbox waits for it rather than failing at once.
	DefaultStartTimeout = time.Minute

	// DefaultHealthInterval is how often an idle store pings the database.
	DefaultHealthInterval = 15 * time.Second

	// defaultConnectTimeout bounds each connection attempt unless the URL
	// sets connect_timeout: an unreachable host must not hold a
	// certmagic operation for minutes.
	defaultConnectTimeout = 5 * time.Second
)

// Postgres is a certmagic.Storage in a PostgreSQL database. Instances on the
// same database share keys and locks. Locks are rows holding an owner
// token and an expiry from the database's clock: renewed while held, taken
// over once expired, never session advisory locks (which would pin a
// connection and break behind PgBouncer in transaction mode).
//
// A Postgres is safe for concurrent use. Close it when done.
type Postgres struct {
	pool   *pgxpool.Pool
	lease  time.Duration
	logger *slog.Logger
	where  string // host:port/db, for logs and errors

	health *healthState

	mu   sync.Mutex
	held map[string]*heldLock // lock name -> the lock this value holds

	bg     context.Context    // ends at Close
	stop   context.CancelFunc // stops the background goroutines
	stopWG sync.WaitGroup
}

// Interface guards: certmagic uses TryLock (ARI) and RenewLockLease (long
// orders) when a storage has them.
var (
	_ certmagic.Storage          = (*Postgres)(nil)
	_ certmagic.TryLocker        = (*Postgres)(nil)
	_ certmagic.LockLeaseRenewer = (*Postgres)(nil)
)

// Open connects to the database and creates or migrates dashbox's schema,
// in one transaction that concurrent starts of other instances wait for.
// A database it cannot reach is retried with backoff until
// cfg.StartTimeout, each failure logged; a refused login, a missing
// database or a schema newer than this dashbox fail at once.
func Open(ctx context.Context, cfg Config) (*Postgres, error) {
	pc, cfg, where, err := poolConfig(cfg)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("storage database %s: %v", where, err)
	}
	if err := migrateRetrying(ctx, pool, where, cfg.StartTimeout, cfg.Logger); err != nil {
		pool.Close()
		return nil, err
	}
	p := newPostgres(pool, cfg, where)
	p.stopWG.Add(1)
	go func() {
		defer p.stopWG.Done()
		p.pingLoop(p.bg, cfg.HealthInterval)
	}()
	return p, nil
}

// newPostgres makes the value for an open pool, without its pings.
func newPostgres(pool *pgxpool.Pool, cfg Config, where string) *Postgres {
	bg, stop := context.WithCancel(context.Background())
	return &Postgres{
		pool:   pool,
		lease:  cfg.LockLease,
		logger: cfg.Logger,
		where:  where,
		health: newHealthState(where, cfg.Logger, cfg.OnReachable),
		held:   map[string]*heldLock{},
		bg:     bg,
		stop:   stop,
	}
}

// poolConfig reads cfg's URL, password file and client certificate into
// the pool's configuration, and returns cfg with its defaults filled in
// and where the database is (host:port/db).
func poolConfig(cfg Config) (*pgxpool.Config, Config, string, error) {
	if err := CheckURL(cfg.URL); err != nil {
		return nil, cfg, "", err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, cfg, "", fmt.Errorf("storage URL %s: %v", Redact(cfg.URL), err)
	}
	if cfg.PasswordFile != "" {
		pw, err := readPasswordFile(cfg.PasswordFile)
		if err != nil {
			return nil, cfg, "", err
		}
		pc.ConnConfig.Password = pw
	}
	if err := setClientCert(pc, cfg); err != nil {
		return nil, cfg, "", err
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	// Unnamed prepared statements only (unless the URL says otherwise):
	// pgx's default caches named ones per connection, which PgBouncer in
	// transaction mode hands to other clients' server connections.
	if !strings.Contains(cfg.URL, "default_query_exec_mode") {
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = "dashbox"
	}
	// A handful of connections: certmagic's traffic is a few statements
	// a minute, and a cluster's instances share the server's limit.
	if pc.MaxConns > 4 {
		pc.MaxConns = 4
	}
	if cfg.LockLease <= 0 {
		cfg.LockLease = DefaultLockLease
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	where := fmt.Sprintf("%s:%d/%s", pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
	return pc, cfg, where, nil
}

// migrateRetrying runs migrate until it succeeds, fails for good, or the
// database stays unreachable for timeout.
func migrateRetrying(ctx context.Context, pool *pgxpool.Pool, where string, timeout time.Duration, logger *slog.Logger) error {
	deadline := time.Now().Add(timeout)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := migrate(ctx, pool)
		if err == nil {
			if attempt > 1 {
				logger.Info("storage database reachable", "database", where, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("storage database %s: %w", where, ctx.Err())
		}
		if !retryable(err) || timeout < 0 || time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("storage database %s: %v", where, explain(err))
		}
		logger.Warn("storage database unreachable at start; retrying", "database", where, "error", err, "retry_in", wait, "gives_up_at", deadline.Format(time.TimeOnly))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("storage database %s: %w", where, ctx.Err())
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// retryable reports whether err may go away by itself (the server is down,
// restarting, or unreachable), as opposed to a refused login, a missing
// database or a schema problem, which need the operator.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "53", "57": // connection exception, resources, operator intervention (shutting down, starting up)
			return true
		}
		return false
	}
	if _, refused := tlsRefused(err); refused {
		return false
	}
	var tooNew *schemaTooNewError
	return !errors.As(err, &tooNew)
}

// explain adds what to do to the errors an operator must fix.
func explain(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28000" && strings.Contains(pgErr.Message, "certificate"):
			return fmt.Sprintf("%v: %s", err, clientCertHint)
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			return fmt.Sprintf("%v: check the user in the storage URL and its password (password file, passfile or PGPASSWORD) or client certificate", err)
		case pgErr.Code == "3D000":
			return fmt.Sprintf("%v: create the database first (createdb), or fix its name in the storage URL", err)
		case pgErr.Code == "42501":
			return fmt.Sprintf("%v: the database user needs the right to create tables in the database's schema (GRANT CREATE ON SCHEMA public)", err)
		}
		return err.Error()
	}
	var tooNew *schemaTooNewError
	if errors.As(err, &tooNew) {
		return err.Error()
	}
	if what, refused := tlsRefused(err); refused {
		return fmt.Sprintf("%v: %s", err, what)
	}
	return fmt.Sprintf("%v: check that PostgreSQL is running and reachable from this machine", err)
}

// Close stops the background renewals and pings, releases the locks this
// value still holds (certmagic releases its own; these are left by
// interrupted work) and closes the connections.
func (p *Postgres) Close() {
	// Under mu, so that no deferred release (releaseLater) starts after.
	p.mu.Lock()
	p.stop()
	p.mu.Unlock()
	p.stopWG.Wait()
	p.mu.Lock()
	names := make([]string, 0, len(p.held))
	for name := range p.held {
		names = append(names, name)
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, name := range names {
		_ = p.Unlock(ctx, name)
	}
	p.pool.Close()
}

// String names the database, without credentials.
func (p *Postgres) String() string { return "PostgreSQL " + p.where }

// notFound is the error of a missing key: fs.ErrNotExist, as certmagic
// expects, naming the key.
func notFound(op, key string) error {
	return &fs.PathError{Op: op, Path: key, Err: fs.ErrNotExist}
}

// opError names the failed operation and the key, and notes the failure
// for Health and the outage log.
func (p *Postgres) opError(op, key string, err error) error {
	p.health.observe(err)
	return fmt.Errorf("storage %s %q in %s: %w", op, key, p.where, err)
}

// descendants returns the bounds of the keys under key ("key/..."): those
// >= lo and, unless hi is nil, < hi ('0' is the byte after '/'). Under
// the root ("") is every key.
func descendants(key string) (lo string, hi *string) {
	if key == "" {
		return "", nil
	}
	h := key + "0"
	return key + "/", &h
}

// underSQL is the condition "key is under $2 and $3" (descendants).
const underSQL = `(key >= $2 AND ($3::text IS NULL OR key < $3))`

// Store puts value at key, replacing any value there.
func (p *Postgres) Store(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO `+dataTable+` (key, value, modified) VALUES ($1, $2, now())
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, modified = EXCLUDED.modified`, key, value)
	if err != nil {
		return p.opError("store", key, err)
	}
	p.health.observe(nil)
	return nil
}

// Load returns the value at key, or an error that is fs.ErrNotExist.
func (p *Postgres) Load(ctx context.Context, key string) ([]byte, error) {
	var value []byte
	err := p.pool.QueryRow(ctx, `SELECT value FROM `+dataTable+` WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		p.health.observe(nil)
		return nil, notFound("load", key)
	}
	if err != nil {
		return nil, p.opError("load", key, err)
	}
	p.health.observe(nil)
	return value, nil
}

// Delete removes key and every key under it. A missing key is not an
// error.
func (p *Postgres) Delete(ctx context.Context, key string) error {
	lo, hi := descendants(key)
	_, err := p.pool.Exec(ctx, `DELETE FROM `+dataTable+` WHERE key = $1 OR `+underSQL, key, lo, hi)
	if err != nil {
		return p.opError("delete", key, err)
	}
	p.health.observe(nil)
	return nil
}

// Exists reports whether key holds a value or has keys under it. A
// database error reads as false.
func (p *Postgres) Exists(ctx context.Context, key string) bool {
	_, err := p.Stat(ctx, key)
	return err == nil
}

// Stat describes key: a value (IsTerminal, with its size and modification
// time) or a directory (the prefix of other keys, modified when its newest
// key was). A missing key is fs.ErrNotExist.
func (p *Postgres) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	lo, hi := descendants(key)
	var (
		size     *int64
		modified *time.Time
		under    bool
		newest   *time.Time
	)
	err := p.pool.QueryRow(ctx, `SELECT
		(SELECT octet_length(value)::bigint FROM `+dataTable+` WHERE key = $1),
		(SELECT modified FROM `+dataTable+` WHERE key = $1),
		EXISTS (SELECT 1 FROM `+dataTable+` WHERE `+underSQL+`),
		(SELECT max(modified) FROM `+dataTable+` WHERE `+underSQL+`)`, key, lo, hi).
		Scan(&size, &modified, &under, &newest)
	if err != nil {
		return certmagic.KeyInfo{}, p.opError("stat", key, err)
	}
	p.health.observe(nil)
	switch {
	case size != nil:
		return certmagic.KeyInfo{Key: key, Modified: *modified, Size: *size, IsTerminal: true}, nil
	case under || key == "":
		info := certmagic.KeyInfo{Key: key, IsTerminal: false}
		if newest != nil {
			info.Modified = *newest
		}
		return info, nil
	}
	return certmagic.KeyInfo{}, notFound("stat", key)
}

// List returns the keys under prefix, sorted: its children (values and
// directories) or, if recursive, every value and directory below it, as
// certmagic's FileStorage does. A prefix that holds a value lists nothing;
// a missing one is fs.ErrNotExist.
func (p *Postgres) List(ctx context.Context, prefix string, recursive bool) ([]string, error) {
	lo, hi := descendants(prefix)
	rows, err := p.pool.Query(ctx, `SELECT key FROM `+dataTable+` WHERE key = $1 OR `+underSQL+` ORDER BY key`, prefix, lo, hi)
	if err != nil {
		return nil, p.opError("list", prefix, err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, p.opError("list", prefix, err)
	}
	p.health.observe(nil)
	if len(keys) == 0 && prefix != "" {
		return nil, notFound("list", prefix)
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if k == prefix {
			continue // a value: nothing under it
		}
		rel := strings.TrimPrefix(k, lo)
		if prefix == "" {
			rel = k
		}
		parts := strings.Split(rel, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			sub := path.Join(prefix, path.Join(parts[:i+1]...))
			if !seen[sub] {
				seen[sub] = true
				out = append(out, sub)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
