package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	dashstorage "github.com/dashbox/dashbox/storage"
)

// What storage migrate copies from a state directory: certmagic's trees and
// the local CA, under the same keys as their paths in the directory (the
// state directory is itself a certmagic FileStorage). Not copied: locks/
// (held by the processes of one machine), the status file (each instance
// writes its own), leftovers of an interrupted CA creation.
var (
	migrateTrees = []string{"acme", "certificates", "ocsp"}
	migrateFiles = []string{localCARootKey, localCAKeyKey, "last_clean.json"}
)

// The local CA's keys in a storage, as in the state directory (tls/ keeps
// <state dir>/ca/root.crt and root.key).
const (
	localCARootKey = "ca/root.crt"
	localCAKeyKey  = "ca/root.key"
	// localCALock is the lock tls/ holds while it creates the local CA: a
	// migration holds it too, so that an instance starting meanwhile finds
	// the migrated root instead of making its own.
	localCALock = "dashbox_local_ca"
)

// maxMigrateFile bounds one copied file: certificates, keys and account
// files are a few KiB; anything larger is not dashbox's.
const maxMigrateFile = 1 << 20

// runStorageMigrate copies a state directory into a shared storage.
func runStorageMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var from string
	var to storageFlags
	flags := newFlagSet("storage migrate", storageCmdUsage, stdout)
	flags.StringVar(&from, "from", "", "state `directory` to copy, as given to serve --state-dir")
	to.define(flags, "to", "`URL` of the shared storage to copy into, as serve --storage will be given it (no password in it: see --storage-password-file)")
	if err := parseFlags(flags, args, getenv); err != nil {
		return err
	}
	switch {
	case from == "":
		return usageError{"no --from: give the state directory to copy (serve's --state-dir)"}
	case to.url == "":
		return usageError{"no --to: give the storage URL the cluster will use (serve's --storage)"}
	}
	if err := to.validate("to"); err != nil {
		return err
	}

	all, err := readStateTree(from)
	if err != nil {
		return forFlag("--from", err)
	}
	if len(all) == 0 {
		return fmt.Errorf("--from: %s holds no certificates, ACME account or local CA: give the state directory serve ran with", from)
	}
	fingerprint, err := checkLocalCA(from, all)
	if err != nil {
		return forFlag("--from", err)
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := to.open(ctx, "to", logger, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Lock(ctx, localCALock); err != nil {
		return forFlag("--to", err)
	}
	defer st.Unlock(context.WithoutCancel(ctx), localCALock)

	var copyKeys []dashstorage.KeyValue
	var conflicts []string
	unchanged := 0
	for _, kv := range all {
		have, err := st.Load(ctx, kv.Key)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			copyKeys = append(copyKeys, kv)
		case err != nil:
			return forFlag("--to", err)
		case bytes.Equal(have, kv.Value):
			unchanged++
		default:
			conflicts = append(conflicts, kv.Key)
		}
	}
	if len(conflicts) > 0 {
		shown := conflicts[:min(len(conflicts), 5)]
		more := ""
		if len(conflicts) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(conflicts)-len(shown))
		}
		what := "they"
		if slices.Contains(conflicts, localCARootKey) {
			what = "they (the local CA among them: its root is the one the cluster's users trust)"
		}
		return fmt.Errorf("--to: the storage already holds %s%s with other contents than %s: %s were not copied, and neither was anything else. Migrate into an empty database, or delete those keys from it if the state directory is the one to keep",
			strings.Join(shown, ", "), more, from, what)
	}
	if len(copyKeys) > 0 {
		if err := st.StoreAll(ctx, copyKeys); err != nil {
			return forFlag("--to", err)
		}
	}
	fmt.Fprintf(stdout, "copied %d keys from %s to %s (%d already there)\n", len(copyKeys), from, st, unchanged)
	if fingerprint != "" {
		fmt.Fprintf(stdout, "local CA root SHA-256 fingerprint: %s\n", fingerprint)
	}
	return nil
}

// readStateTree reads what migrate copies from the state directory dir, in
// key order.
func readStateTree(dir string) ([]dashstorage.KeyValue, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %v", dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state directory %s is not a directory", dir)
	}
	var all []dashstorage.KeyValue
	add := func(name string) error {
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return err
		}
		value, err := readBounded(name)
		if err != nil {
			return err
		}
		all = append(all, dashstorage.KeyValue{Key: filepath.ToSlash(rel), Value: value})
		return nil
	}
	for _, tree := range migrateTrees {
		err := filepath.WalkDir(filepath.Join(dir, tree), func(name string, d fs.DirEntry, err error) error {
			switch {
			case errors.Is(err, fs.ErrNotExist) && name == filepath.Join(dir, tree):
				return fs.SkipDir
			case err != nil:
				return err
			case d.IsDir():
				return nil
			case !d.Type().IsRegular():
				return fmt.Errorf("%s is not a regular file: dashbox writes none like it there; move it away", name)
			case strings.HasPrefix(d.Name(), "."):
				return nil // temporary files of an interrupted write
			}
			return add(name)
		})
		if err != nil {
			return nil, err
		}
	}
	for _, key := range migrateFiles {
		name := filepath.Join(dir, filepath.FromSlash(key))
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := add(name); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(all, func(a, b dashstorage.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	return all, nil
}

// readBounded reads a regular file of at most maxMigrateFile bytes.
func readBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMigrateFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(b) > maxMigrateFile {
		return nil, fmt.Errorf("%s is over %d bytes: no file dashbox writes is; move it away", name, maxMigrateFile)
	}
	return b, nil
}

// checkLocalCA refuses half a local CA (a root without its key, or the
// reverse) and returns the root's SHA-256 fingerprint, "" without a CA.
func checkLocalCA(dir string, all []dashstorage.KeyValue) (string, error) {
	var root, key []byte
	for _, kv := range all {
		switch kv.Key {
		case localCARootKey:
			root = kv.Value
		case localCAKeyKey:
			key = kv.Value
		}
	}
	switch {
	case root == nil && key == nil:
		return "", nil
	case root == nil || key == nil:
		return "", fmt.Errorf("the local CA in %s is incomplete (%s and %s go together): restore the missing file from a backup before migrating",
			filepath.Join(dir, "ca"), path.Base(localCARootKey), path.Base(localCAKeyKey))
	}
	block, _ := pem.Decode(root)
	if block == nil {
		return "", fmt.Errorf("local CA root %s is not PEM: restore it from a backup before migrating", filepath.Join(dir, filepath.FromSlash(localCARootKey)))
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("local CA root %s: %v: restore it from a backup before migrating", filepath.Join(dir, filepath.FromSlash(localCARootKey)), err)
	}
	return fingerprintOf(cert), nil
}

// fingerprintOf is a certificate's SHA-256 fingerprint as dashbox ca
// prints it (colon-separated upper-case hex).
func fingerprintOf(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// unwrapPath drops the *fs.PathError's repetition of the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
