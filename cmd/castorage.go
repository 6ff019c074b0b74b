package cmd

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
)

// runCAStorage is 'dashbox ca --storage URL': the root of the local CA a
// cluster shares, read from the storage, so that it can be trusted before
// (or without) logging in to an instance.
func runCAStorage(ctx context.Context, sf storageFlags, stdout, stderr io.Writer) error {
	st, err := sf.open(ctx, "storage", slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	rootPEM, err := st.Load(ctx, localCARootKey)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--storage: %s holds no local CA yet: start 'dashbox serve --storage' once (the first instance creates it), or copy a state directory's with 'dashbox storage migrate'", st)
	}
	if err != nil {
		return forFlag("--storage", err)
	}
	block, _ := pem.Decode(rootPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("--storage: the local CA root %s in %s is not a PEM certificate: restore it (dashbox storage migrate from a backup of a state directory)", localCARootKey, st)
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("--storage: the local CA root %s in %s: %v", localCARootKey, st, err)
	}
	if _, err := stdout.Write(pem.EncodeToMemory(block)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dashbox local CA root: %s in %s\nSHA-256 fingerprint: %s\n", localCARootKey, st, fingerprintOf(root))
	return nil
}
