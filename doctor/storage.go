package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StorageClockWarn is the offset between the database's clock and this
// machine's beyond which the storage check warns: lock leases expire by
// the database's clock, certificates by this machine's.
const StorageClockWarn = 10 * time.Second

// storageTimeout bounds the storage checks.
const storageTimeout = 30 * time.Second

// Storage describes the shared storage (PostgreSQL) serve keeps its
// certificates and locks in.
type Storage struct {
	// Where names it in messages (host:port/db, no credentials).
	Where string
	// Inspect connects to it, changing nothing but a lock taken and
	// released. Its error wraps ErrStorageUnreachable,
	// ErrStorageLoginRefused or ErrStorageNoDatabase when it is one of
	// those.
	Inspect func(ctx context.Context) (StorageState, error)
	// URLLabel and PasswordLabel name how the URL and the password are
	// given, for fixes ("--storage").
	URLLabel, PasswordLabel string
	// ClientCertLabel names how the client certificate is given
	// ("--storage-client-cert"), empty when the login is by password.
	ClientCertLabel string
}

// StorageState is what Storage.Inspect found.
type StorageState struct {
	// SchemaVersion is the version of dashbox's schema in the database,
	// 0 when its tables are not created yet; SupportedVersion is this
	// binary's.
	SchemaVersion, SupportedVersion int
	// MissingTables lists dashbox's tables the database lacks.
	MissingTables []string
	// CanCreate is whether the user may create tables.
	CanCreate bool
	// LockChecked is whether a lock was taken and released; LockErr is
	// what failed doing so.
	LockChecked bool
	LockErr     error
	// DatabaseNow is the database's clock and LocalNow this machine's at
	// the same moment.
	DatabaseNow, LocalNow time.Time
}

// Kinds of Storage.Inspect's errors.
var (
	// ErrStorageUnreachable: the database server does not answer.
	ErrStorageUnreachable = errors.New("unreachable")
	// ErrStorageLoginRefused: it refuses the user or the password.
	ErrStorageLoginRefused = errors.New("login refused")
	// ErrStorageNoDatabase: the database does not exist.
	ErrStorageNoDatabase = errors.New("no such database")
)

// checkStorage checks the shared storage: reachable with the configured
// credentials, its schema one this binary uses, a lock, and its clock.
func checkStorage(ctx context.Context, cfg Config) []Result {
	s := cfg.Storage
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, storageTimeout)
	defer cancel()
	r := Result{Check: "storage " + s.Where}
	st, err := s.Inspect(ctx)
	if err != nil {
		r.Status, r.Message = Fail, err.Error()
		switch {
		case errors.Is(err, ErrStorageUnreachable):
			r.Fix = "check the host and port in " + s.URLLabel + ", that PostgreSQL runs and listens there (listen_addresses), and that this machine may connect (pg_hba.conf, firewall)"
		case errors.Is(err, ErrStorageLoginRefused) && s.ClientCertLabel != "":
			r.Fix = "check the user in " + s.URLLabel + ", that " + s.ClientCertLabel + " is issued to it (common name) by a CA in the server's ssl_ca_file and is current, and that pg_hba.conf lets it in from this machine (hostssl ... cert)"
		case errors.Is(err, ErrStorageLoginRefused):
			r.Fix = "check the user in " + s.URLLabel + " and its password in " + s.PasswordLabel + " (or the passfile, PGPASSWORD), and that pg_hba.conf lets it in from this machine"
		case errors.Is(err, ErrStorageNoDatabase):
			r.Fix = "create the database (createdb -O USER NAME), or fix its name in " + s.URLLabel
		default:
			r.Fix = "see the message; the database must be reachable as the user in " + s.URLLabel
		}
		return []Result{r}
	}
	return []Result{storageSchema(r, s, st), storageLock(s, st), storageClock(st)}
}

func storageSchema(r Result, s *Storage, st StorageState) Result {
	switch {
	case st.SchemaVersion > st.SupportedVersion:
		r.Status = Fail
		r.Message = fmt.Sprintf("the schema is version %d, newer than this dashbox's %d (a newer dashbox migrated it)", st.SchemaVersion, st.SupportedVersion)
		r.Fix = "upgrade dashbox on this machine to the version the other instances run"
	case st.SchemaVersion == 0 && !st.CanCreate:
		r.Status = Fail
		r.Message = "reachable; no dashbox tables yet, and the user may not create them"
		r.Fix = "let the database user create tables (GRANT CREATE ON SCHEMA public TO USER), or create them by starting serve once as a user who may"
	case st.SchemaVersion == 0:
		r.Message = "reachable; no dashbox tables yet: serve creates them at its first start"
	case len(st.MissingTables) > 0:
		r.Status = Fail
		r.Message = fmt.Sprintf("schema version %d is recorded but tables %s are missing (dropped by hand?)", st.SchemaVersion, strings.Join(st.MissingTables, ", "))
		r.Fix = "restore the database from a backup; or drop dashbox_schema_version so that serve creates the tables again (the certificates are then ordered again)"
	case st.SchemaVersion < st.SupportedVersion:
		r.Status = Warn
		r.Message = fmt.Sprintf("reachable; schema version %d, which serve migrates to %d at its start", st.SchemaVersion, st.SupportedVersion)
		r.Fix = "instances running an older dashbox refuse the migrated schema: upgrade them all together"
	default:
		r.Message = fmt.Sprintf("reachable; schema version %d (this dashbox's), tables present", st.SchemaVersion)
	}
	return r
}

func storageLock(s *Storage, st StorageState) Result {
	r := Result{Check: "storage lock"}
	switch {
	case !st.LockChecked && st.SchemaVersion > st.SupportedVersion:
		r.Status, r.Message = Warn, "not checked: the schema is newer than this dashbox's"
	case !st.LockChecked:
		r.Status, r.Message = Warn, "not checked: no locks table yet (serve creates it)"
	case st.LockErr != nil:
		r.Status, r.Message = Fail, st.LockErr.Error()
		r.Fix = "the database user needs SELECT, INSERT, UPDATE and DELETE on dashbox_locks, and the database must accept writes (not a read-only replica: point " + s.URLLabel + " at the primary)"
	default:
		r.Message = "a lock was taken and released"
	}
	return r
}

func storageClock(st StorageState) Result {
	r := Result{Check: "storage clock"}
	offset := st.LocalNow.Sub(st.DatabaseNow)
	ahead := "ahead of"
	if offset < 0 {
		ahead = "behind"
	}
	msg := fmt.Sprintf("this machine's clock is %s %s the database's", offset.Abs().Round(time.Millisecond), ahead)
	if offset.Abs() > StorageClockWarn {
		r.Status, r.Message = Warn, msg
		r.Fix = "synchronise both machines' clocks with NTP (timedatectl set-ntp true): lock leases expire by the database's clock, certificates by this machine's"
		return r
	}
	if offset.Abs() < time.Second {
		r.Message = "within a second of the database's clock"
		return r
	}
	r.Message = msg + ": within " + StorageClockWarn.String()
	return r
}
