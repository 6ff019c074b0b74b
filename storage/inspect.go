package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Inspection is what Inspect found in the database, for 'dashbox doctor'.
type Inspection struct {
	// Where names the database, host:port/name, without credentials.
	Where string
	// SchemaVersion is the version of dashbox's schema the database
	// records; 0 when dashbox has not created its tables yet.
	// SupportedVersion is this dashbox's.
	SchemaVersion, SupportedVersion int
	// MissingTables lists dashbox's tables the database lacks.
	MissingTables []string
	// CanCreate is whether the user may create tables in its current
	// schema (serve's first start creates dashbox's).
	CanCreate bool
	// LockChecked is whether a lock was taken and released (it needs the
	// locks table); LockErr is what failed doing so, nil if nothing did.
	LockChecked bool
	LockErr     error
	// DatabaseNow is the database's clock (SELECT now()) and LocalNow
	// this machine's, half-way through that query.
	DatabaseNow, LocalNow time.Time
}

// Kinds of Inspect's connection errors, for errors.Is.
var (
	// ErrUnreachable: the server does not answer (down, wrong host or
	// port, firewall, pg_hba.conf refusing the host).
	ErrUnreachable = errors.New("database unreachable")
	// ErrLoginRefused: the server refuses the user or its password.
	ErrLoginRefused = errors.New("login refused")
	// ErrNoDatabase: the database does not exist.
	ErrNoDatabase = errors.New("no such database")
)

// kindError is an error of one of Inspect's kinds.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }
func classify(where string, err error) error {
	err = fmt.Errorf("storage database %s: %w", where, err)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		return &kindError{ErrLoginRefused, err}
	case errors.As(err, &pgErr) && pgErr.Code == "3D000":
		return &kindError{ErrNoDatabase, err}
	case retryable(err):
		return &kindError{ErrUnreachable, err}
	}
	if what, refused := tlsRefused(err); refused {
		return fmt.Errorf("%w: %s", err, what)
	}
	return err
}

// Inspect connects to the database once, without retrying, creating or
// migrating anything, and reports dashbox's schema there, whether a lock
// called lockName can be taken and released, and the database's clock.
// Its error, when it cannot connect, is of a kind (ErrUnreachable,
// ErrLoginRefused, ErrNoDatabase) when it is one of those.
func Inspect(ctx context.Context, cfg Config, lockName string) (*Inspection, error) {
	pc, cfg, where, err := poolConfig(cfg)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("storage database %s: %v", where, err)
	}
	defer pool.Close()
	in := &Inspection{Where: where, SupportedVersion: schemaVersion}
	if err := pool.Ping(ctx); err != nil {
		return nil, classify(where, err)
	}
	fail := func(what string, err error) (*Inspection, error) {
		return nil, fmt.Errorf("storage database %s: %s: %w", where, what, err)
	}
	tables := map[string]bool{}
	for _, t := range []string{dataTable, locksTable, versionTable} {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t).Scan(&exists); err != nil {
			return fail("looking for table "+t, err)
		}
		tables[t] = exists
		if !exists {
			in.MissingTables = append(in.MissingTables, t)
		}
	}
	if tables[versionTable] {
		if err := pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&in.SchemaVersion); err != nil {
			return fail("reading the schema version", err)
		}
	}
	if err := pool.QueryRow(ctx, `SELECT coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)`).Scan(&in.CanCreate); err != nil {
		return fail("reading the user's rights", err)
	}
	sent := time.Now()
	if err := pool.QueryRow(ctx, `SELECT now()`).Scan(&in.DatabaseNow); err != nil {
		return fail("reading its clock", err)
	}
	received := time.Now()
	in.LocalNow = sent.Add(received.Sub(sent) / 2)

	if tables[locksTable] && in.SchemaVersion <= schemaVersion {
		in.LockChecked = true
		p := newPostgres(pool, cfg, where)
		defer p.stop()
		ok, err := p.TryLock(ctx, lockName)
		switch {
		case err != nil:
			in.LockErr = err
		case !ok:
			in.LockErr = fmt.Errorf("storage lock %q in %s: held by another process", lockName, where)
		default:
			in.LockErr = p.Unlock(ctx, lockName)
		}
	}
	return in, nil
}
