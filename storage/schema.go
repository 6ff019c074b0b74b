package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The tables dashbox keeps in the database. Keys are compared byte by byte
// (COLLATE "C") so that a key's descendants, the keys starting with
// "key/", form one range of the primary key's index: '/' is followed by '0'
// in byte order.
const (
	dataTable    = "dashbox_storage"
	locksTable   = "dashbox_locks"
	versionTable = "dashbox_schema_version"
)

// migrations are the schema's versions, in order: migrations[i] takes the
// schema from version i to version i+1. Released entries are never edited;
// a change is a new entry.
var migrations = []string{
	`CREATE TABLE ` + dataTable + ` (
		key      text COLLATE "C" PRIMARY KEY,
		value    bytea NOT NULL,
		modified timestamptz NOT NULL DEFAULT now()
	);
	CREATE TABLE ` + locksTable + ` (
		name    text COLLATE "C" PRIMARY KEY,
		owner   text NOT NULL,
		expires timestamptz NOT NULL
	);`,
}

// schemaVersion is the version of the schema this dashbox creates and uses.
var schemaVersion = len(migrations)

// migrationLockID is the key of the transaction-scoped advisory lock that
// serialises migrations of instances starting at once ("dashbox" in ASCII).
// A transaction lock ends with its transaction, so unlike a session lock it
// works behind PgBouncer in transaction mode.
const migrationLockID = 0x64617368626f78

// migrate brings the schema to schemaVersion in one transaction: either all
// of a start's migrations apply or none. Concurrent starts wait for each
// other on the advisory lock, and the later ones find nothing to do.
func migrate(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}) (err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockID)); err != nil {
		return fmt.Errorf("waiting for other instances' schema migration: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+versionTable+` (version integer NOT NULL)`); err != nil {
		return fmt.Errorf("creating %s: %w", versionTable, err)
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&version); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if version > schemaVersion {
		return &schemaTooNewError{have: version, want: schemaVersion}
	}
	for v := version; v < schemaVersion; v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", v+1, err)
		}
	}
	if version < schemaVersion {
		if _, err := tx.Exec(ctx, `DELETE FROM `+versionTable); err != nil {
			return fmt.Errorf("recording schema version: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version) VALUES ($1)`, schemaVersion); err != nil {
			return fmt.Errorf("recording schema version: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// schemaTooNewError is a database migrated by a newer dashbox: this one
// must not write to tables it does not know.
type schemaTooNewError struct{ have, want int }

func (e *schemaTooNewError) Error() string {
	return fmt.Sprintf("the database's dashbox schema is version %d, newer than this dashbox's %d: upgrade dashbox on this machine to the version the other instances run", e.have, e.want)
}
