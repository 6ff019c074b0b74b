package cmd

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caddyserver/certmagic"
)

// StoredCert is a certificate found in a shared storage, as 'dashbox certs
// --storage URL --json' prints it.
type StoredCert struct {
	// Name is the name the certificate was stored for.
	Name string `json:"name"`
	// Issuer is certmagic's key of its issuer: an ACME directory's host
	// and path, or local-<id> for dashbox's local CA.
	Issuer string `json:"issuer"`
	// NotAfter is when it expires.
	NotAfter time.Time `json:"not_after"`
	// Serial is its serial number in hex, as browsers show it.
	Serial string `json:"serial"`
	// Key is its storage key.
	Key string `json:"key"`
}

// maxStoredCerts bounds what certs reads from a storage.
const maxStoredCerts = 10000

// readStoredCerts lists the certificates certmagic keeps in st:
// certificates/<issuer>/<name>/<name>.crt.
func readStoredCerts(ctx context.Context, st certmagic.Storage) ([]StoredCert, error) {
	keys, err := st.List(ctx, "certificates", true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []StoredCert
	for _, key := range keys {
		parts := strings.Split(key, "/")
		if len(parts) != 4 || parts[3] != parts[2]+".crt" {
			continue
		}
		if len(out) == maxStoredCerts {
			break
		}
		c := StoredCert{Name: parts[2], Issuer: parts[1], Key: key}
		data, err := st.Load(ctx, key)
		if err != nil {
			return nil, err
		}
		if block, _ := pem.Decode(data); block != nil {
			if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
				c.NotAfter = cert.NotAfter
				c.Serial = fmt.Sprintf("%X", cert.SerialNumber)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// runCertsStorage is 'dashbox certs --storage URL': the certificates the
// cluster shares, read from the storage itself. Each instance's last
// errors stay in its own state directory (dashbox certs --state-dir).
func runCertsStorage(ctx context.Context, sf storageFlags, asJSON bool, stdout, stderr io.Writer) error {
	st, err := sf.open(ctx, "storage", slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	certs, err := readStoredCerts(ctx, st)
	if err != nil {
		return forFlag("--storage", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if certs == nil {
			certs = []StoredCert{}
		}
		return enc.Encode(map[string]any{"storage": st.String(), "certificates": certs})
	}
	if len(certs) == 0 {
		_, err := fmt.Fprintf(stdout, "no certificates in %s yet: start 'dashbox serve --storage ...', or copy a state directory with 'dashbox storage migrate'\n", st)
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tISSUER\tEXPIRES\tSERIAL")
	for _, c := range certs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Issuer, expiryText(c.NotAfter, now), c.Serial)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nshared by the instances on %s (each one's last errors: dashbox certs --state-dir on it)\n", st)
	return err
}
