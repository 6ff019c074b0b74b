package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	dashstorage "github.com/dashbox/dashbox/storage"
)

// storageFlags are the flags naming the storage that instances of a cluster
// share: serve, certs, ca and storage migrate take them.
type storageFlags struct {
	// url is --storage: a postgres:// URL without a password; empty means
	// the state directory.
	url string
	// passwordFile is --storage-password-file: a file holding the
	// database password alone.
	passwordFile string
}

const (
	storageUsage      = "shared storage `URL` of a cluster, postgres://user@host/db?sslmode=verify-full (no password in it: see --storage-password-file); empty keeps certificates in the state directory"
	storagePassUsage  = "`file` holding the storage database's password alone (or use a libpq passfile, PGPASSFILE, or PGPASSWORD)"
	storagePassCredID = "storage-password"
	storageReadUsage  = "read the shared storage at this `URL` (as given to serve --storage) instead of the state directory"
)

// define adds the flags to a plain flag set (certs, ca, storage migrate).
func (s *storageFlags) define(fs *flag.FlagSet, urlName, urlUsage string) {
	fs.StringVar(&s.url, urlName, "", urlUsage)
	fs.StringVar(&s.passwordFile, "storage-password-file", "", storagePassUsage)
}

// defineServe adds the flags to serve's flag set: the password file is a
// secret that service install loads with LoadCredential=.
func (s *storageFlags) defineServe(fs *serveFlagSet) {
	fs.StringVar(&s.url, "storage", "", storageUsage)
	fs.secret(&s.passwordFile, "storage-password-file", storagePassCredID, storagePassUsage)
}

// validate checks the flags without connecting. urlName is the flag of the
// URL (--storage, or --to for storage migrate).
func (s *storageFlags) validate(urlName string) error {
	if s.url == "" {
		if s.passwordFile != "" {
			return usageError{fmt.Sprintf("--storage-password-file without --%s: give the storage URL too, or drop the password file", urlName)}
		}
		return nil
	}
	if err := dashstorage.CheckURL(s.url); err != nil {
		if errors.Is(err, dashstorage.ErrPasswordInURL) {
			return usageError{fmt.Sprintf("--%s: the URL contains a password, which every user of the machine could read (ps, systemctl cat): remove it and put the password in a file given as --storage-password-file, in a libpq passfile (passfile=... in the URL, or PGPASSFILE) or in PGPASSWORD", urlName)}
		}
		return usageError{forFlag("--"+urlName, err).Error()}
	}
	return nil
}

// open connects to the storage and creates or migrates its schema.
// onReachable, if not nil, is called each time the database answers again
// after an outage.
func (s *storageFlags) open(ctx context.Context, urlName string, logger *slog.Logger, onReachable func()) (*dashstorage.Postgres, error) {
	st, err := dashstorage.Open(ctx, dashstorage.Config{URL: s.url, PasswordFile: s.passwordFile, Logger: logger,
		HealthInterval: storageHealthInterval, OnReachable: onReachable})
	if err != nil {
		return nil, forFlag("--"+urlName, err)
	}
	return st, nil
}

// storageHealthInterval is a knob for tests, which notice an outage and
// the database's return within a second; production leaves it zero
// (storage.DefaultHealthInterval).
var storageHealthInterval time.Duration

const storageCmdUsage = `Usage: dashbox storage migrate --from DIR --to URL [flags]

Copies a state directory's certificates, ACME account and local CA into the
PostgreSQL storage a cluster shares (serve --storage URL), so that one server
grows into several without ordering its certificates again and without
changing the root its users already trust. Run it once, before the first
start with --storage; running it again copies nothing new. Keys the storage
already holds with other contents are refused, and then nothing is copied.

  sudo dashbox storage migrate --from /var/lib/dashbox \
      --to 'postgres://dashbox@db.example.net/dashbox?sslmode=verify-full' \
      --storage-password-file /etc/dashbox/storage-password

Flags (each also read from DASHBOX_<NAME>; flags win):
`

// runStorage runs 'dashbox storage SUBCOMMAND'.
func runStorage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, storageCmdUsage)
		if len(args) == 0 {
			return usageError{"no storage command given: dashbox storage migrate --from DIR --to URL"}
		}
		return nil
	}
	switch args[0] {
	case "migrate":
		return runStorageMigrate(ctx, args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown storage command %q: the only one is 'dashbox storage migrate --from DIR --to URL'", args[0])}
}
