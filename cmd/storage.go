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
	// clientCert and clientKey are --storage-client-cert and
	// --storage-client-key: a client certificate and its key to log in
	// with instead of a password (pg_hba.conf "hostssl ... cert").
	clientCert, clientKey string
}

const (
	storageUsage      = "shared storage `URL` of a cluster, postgres://user@host/db?sslmode=verify-full (no password in it: see --storage-password-file); empty keeps certificates in the state directory"
	storagePassUsage  = "`file` holding the storage database's password alone (or use a libpq passfile, PGPASSFILE, or PGPASSWORD)"
	storagePassCredID = "storage-password"
	storageCertUsage  = "PEM `file` with a client certificate the storage database logs the storage URL's user in by, instead of a password (pg_hba.conf hostssl ... cert); needs --storage-client-key and TLS (sslmode=verify-full)"
	storageKeyUsage   = "PEM `file` with the unencrypted private key of --storage-client-cert"
	storageCertCredID = "storage-client-cert"
	storageKeyCredID  = "storage-client-key"
	storageReadUsage  = "read the shared storage at this `URL` (as given to serve --storage) instead of the state directory"
)

// define adds the flags to a plain flag set (certs, ca, storage migrate).
func (s *storageFlags) define(fs *flag.FlagSet, urlName, urlUsage string) {
	fs.StringVar(&s.url, urlName, "", urlUsage)
	fs.StringVar(&s.passwordFile, "storage-password-file", "", storagePassUsage)
	fs.StringVar(&s.clientCert, "storage-client-cert", "", storageCertUsage)
	fs.StringVar(&s.clientKey, "storage-client-key", "", storageKeyUsage)
}

// defineServe adds the flags to serve's flag set: the password file, the
// client certificate and its key are secrets that service install loads
// with LoadCredential=.
func (s *storageFlags) defineServe(fs *serveFlagSet) {
	fs.StringVar(&s.url, "storage", "", storageUsage)
	fs.secret(&s.passwordFile, "storage-password-file", storagePassCredID, storagePassUsage)
	fs.secret(&s.clientCert, "storage-client-cert", storageCertCredID, storageCertUsage)
	fs.secret(&s.clientKey, "storage-client-key", storageKeyCredID, storageKeyUsage)
}

// validate checks the flags without connecting: the URL, and the client
// certificate's files and how they fit the URL. urlName is the flag of
// the URL (--storage, or --to for storage migrate).
func (s *storageFlags) validate(urlName string) error {
	if (s.clientCert == "") != (s.clientKey == "") {
		return usageError{"--storage-client-cert and --storage-client-key go together: give the certificate and its private key, or neither"}
	}
	if s.url == "" {
		if s.passwordFile != "" {
			return usageError{fmt.Sprintf("--storage-password-file without --%s: give the storage URL too, or drop the password file", urlName)}
		}
		if s.clientCert != "" {
			return usageError{fmt.Sprintf("--storage-client-cert without --%s: give the storage URL too, or drop the client certificate", urlName)}
		}
		return nil
	}
	if err := dashstorage.CheckURL(s.url); err != nil {
		if errors.Is(err, dashstorage.ErrPasswordInURL) {
			return usageError{fmt.Sprintf("--%s: the URL contains a password, which every user of the machine could read (ps, systemctl cat): remove it and put the password in a file given as --storage-password-file, in a libpq passfile (passfile=... in the URL, or PGPASSFILE) or in PGPASSWORD", urlName)}
		}
		return usageError{forFlag("--"+urlName, err).Error()}
	}
	err := dashstorage.CheckClientCert(s.config())
	if named := clientCertError(err); named != err {
		return named
	}
	return forFlag("--"+urlName, err)
}

// config is the storage's configuration, without the tuning open adds.
func (s *storageFlags) config() dashstorage.Config {
	return dashstorage.Config{URL: s.url, PasswordFile: s.passwordFile, ClientCertFile: s.clientCert, ClientKeyFile: s.clientKey}
}

// clientCertError names the flag a client certificate error is about: the
// key's, the certificate's, or (about the URL's TLS settings, refused
// before anything is read: exit status 2) the certificate's too. Other
// errors, nil included, are returned as they are.
func clientCertError(err error) error {
	switch {
	case errors.Is(err, dashstorage.ErrClientKey):
		return forFlag("--storage-client-key", err)
	case errors.Is(err, dashstorage.ErrClientCert):
		return forFlag("--storage-client-cert", err)
	case errors.Is(err, dashstorage.ErrClientCertURL):
		return usageError{forFlag("--storage-client-cert", err).Error()}
	}
	return err
}

// open connects to the storage and creates or migrates its schema.
// onReachable, if not nil, is called each time the database answers again
// after an outage.
func (s *storageFlags) open(ctx context.Context, urlName string, logger *slog.Logger, onReachable func()) (*dashstorage.Postgres, error) {
	cfg := s.config()
	cfg.Logger, cfg.HealthInterval, cfg.OnReachable = logger, storageHealthInterval, onReachable
	st, err := dashstorage.Open(ctx, cfg)
	if err != nil {
		if named := clientCertError(err); named != err {
			return nil, named
		}
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
