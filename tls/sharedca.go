package tls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/caddyserver/certmagic"
)

// Storage keys of the local CA in a shared storage. They are its files'
// paths under a state directory (certmagic's FileStorage maps a key to
// <dir>/<key>), so a state directory seen as a storage holds the same CA,
// and copying a state directory's keys into a database keeps its root.
const (
	caCertKey = caDirName + "/" + rootCertName
	caKeyKey  = caDirName + "/" + rootKeyName
)

// OpenSharedCA loads the local CA from a certmagic storage that several
// dashbox instances share, creating it if the storage has none. Creation
// holds the storage's lock, so instances started at the same moment on an
// empty storage end with one root, and all issue their leaves from it.
//
// The key is stored before the certificate: a storage holding the key
// alone is a creation cut short (no one can trust a root that was never
// stored), and is created anew; a certificate without its key, or either
// one damaged, is an error, never replaced, because a new root must be
// trusted again by every browser.
func OpenSharedCA(ctx context.Context, st certmagic.Storage, logger *slog.Logger) (*LocalCA, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ca, err := loadSharedCA(ctx, st, logger)
	if !errors.Is(err, errNoCA) && !errors.Is(err, errHalfCA) {
		return ca, err
	}
	if err := st.Lock(ctx, caLockName); err != nil {
		return nil, fmt.Errorf("cannot lock the certificate storage to create the local CA: %w", err)
	}
	defer func() {
		if err := st.Unlock(context.WithoutCancel(ctx), caLockName); err != nil {
			logger.Warn("cannot release the local CA's lock in the certificate storage", "error", err)
		}
	}()
	// Another instance may have created it while we waited for the lock.
	ca, err = loadSharedCA(ctx, st, logger)
	if !errors.Is(err, errNoCA) && !errors.Is(err, errHalfCA) {
		return ca, err
	}
	certPEM, keyPEM, err := newRootPEM()
	if err != nil {
		return nil, fmt.Errorf("cannot create local CA: %v", err)
	}
	if err := st.Store(ctx, caKeyKey, keyPEM); err != nil {
		return nil, fmt.Errorf("cannot store the new local CA's key in the certificate storage: %w", err)
	}
	if err := st.Store(ctx, caCertKey, certPEM); err != nil {
		return nil, fmt.Errorf("cannot store the new local CA's certificate in the certificate storage: %w", err)
	}
	if ca, err = loadSharedCA(ctx, st, logger); err != nil {
		return nil, err
	}
	logger.Info("created local CA in the shared certificate storage; trust its root certificate in browsers to avoid certificate warnings",
		"root", ca.RootPath(), "sha256_fingerprint", ca.Fingerprint(), "expires", ca.root.NotAfter)
	return ca, nil
}

// errHalfCA is a storage with the CA's key and no certificate: a creation
// cut short.
var errHalfCA = errors.New("local CA key without its certificate")

// loadSharedCA reads and checks the CA in st; errNoCA if it has none.
func loadSharedCA(ctx context.Context, st certmagic.Storage, logger *slog.Logger) (*LocalCA, error) {
	const where = " in the certificate storage"
	damaged := func(file, problem string) error {
		return fmt.Errorf("local CA %s %s: restore %s and %s%s from a backup, or delete both to create a new CA (browsers must then trust the new root)",
			file, problem, caCertKey, caKeyKey, where)
	}
	certPEM, certErr := st.Load(ctx, caCertKey)
	keyPEM, keyErr := st.Load(ctx, caKeyKey)
	certMissing := errors.Is(certErr, fs.ErrNotExist)
	keyMissing := errors.Is(keyErr, fs.ErrNotExist)
	switch {
	case certMissing && keyMissing:
		return nil, errNoCA
	case certMissing:
		return nil, errHalfCA
	case keyMissing:
		return nil, damaged(caKeyKey+where, "is missing but its certificate exists")
	case certErr != nil:
		return nil, fmt.Errorf("cannot read local CA certificate %s%s: %w", caCertKey, where, certErr)
	case keyErr != nil:
		return nil, fmt.Errorf("cannot read local CA key %s%s: %w", caKeyKey, where, keyErr)
	}
	ca, err := parseLocalCA(certPEM, keyPEM, caCertKey+where, caKeyKey+where, damaged, logger)
	if err != nil {
		return nil, err
	}
	ca.stored = caCertKey + where
	return ca, nil
}
