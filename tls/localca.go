package tls

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
)

// Files of the local CA, in <state dir>/ca/.
const (
	caDirName    = "ca"
	rootCertName = "root.crt"
	rootKeyName  = "root.key"

	// caTempPrefix names the directory a new CA is written to before it is
	// renamed to caDirName; leftovers come only from a crash mid-creation.
	caTempPrefix = "ca.new-"

	// caLockName is the certmagic storage lock held while creating the CA.
	caLockName = "dashbox_local_ca"
)

const (
	// rootLifetime is how long the root is valid. The root is what users
	// install in browsers and system trust stores, a manual step done once,
	// so it lives as long as the machine is likely to: ten years, like
	// Caddy's local root.
	rootLifetime = 10 * 365 * 24 * time.Hour

	// DefaultLeafLifetime is how long leaf certificates from the local CA are
	// valid. A local CA has no revocation (no OCSP, no CRL), so a short life
	// is what limits a leaked leaf key; issuing is a local signature, free
	// and offline, so certmagic can renew as often as it likes (it renews
	// when a third of the life is left, about every 4.7 days). It is a week
	// rather than Caddy's 12 hours for the clients of air-gapped servers,
	// whose clocks drift without NTP: a renewed certificate stays valid for
	// clients whose clocks are more than two days off either way.
	DefaultLeafLifetime = 7 * 24 * time.Hour

	// backdate is subtracted from NotBefore of every certificate so that
	// clients whose clocks run behind still accept a fresh certificate.
	backdate = time.Hour
)

// LocalCA is dashbox's own certificate authority: a root created once per
// state directory that signs short-lived leaf certificates for the names
// dashbox serves, without any network. It is a certmagic.Issuer, so
// certmagic obtains and renews its certificates like any others.
//
// Browsers trust its certificates once the root (RootPEM, or the file at
// RootPath) is installed in their trust store.
type LocalCA struct {
	dir    string // absolute path of <state>/ca; "" for a CA in a shared storage
	stored string // for a CA in a shared storage: where its root is, for messages
	root   *x509.Certificate
	key    crypto.Signer
	pem    []byte
	logger *slog.Logger

	// validity returns the NotBefore and NotAfter of a leaf for names
	// issued at now, before clamping to the root's NotAfter; tests replace
	// it to get certificates certmagic must renew at once.
	validity func(now time.Time, names []string) (notBefore, notAfter time.Time)

	// issued counts certificates signed, so tests can prove a restart
	// reuses the stored ones.
	issued atomic.Int64
}

var _ certmagic.Issuer = (*LocalCA)(nil)

// OpenLocalCA loads the local CA from <stateDir>/ca, creating it if neither
// of its files exists. Concurrent first starts on the same state directory
// end with one CA: creation holds a lock file in the state directory and the
// new CA appears atomically (both files written and synced in a temporary
// directory that is then renamed). A damaged CA (unreadable, truncated or
// garbage PEM, key not matching the certificate, one of the two files
// missing) is an error naming the file; it is never replaced, because a new
// root must be trusted again by every browser.
func OpenLocalCA(ctx context.Context, stateDir string, logger *slog.Logger) (*LocalCA, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if stateDir == "" {
		return nil, stateDirError(stateDir, "no state directory given for the local CA")
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %v", stateDir, err)
	}
	dir := filepath.Join(abs, caDirName)

	ca, err := loadLocalCA(dir, logger)
	if !errors.Is(err, errNoCA) {
		return ca, err
	}

	if err := os.MkdirAll(abs, stateDirMode); err != nil {
		return nil, stateDirError(stateDir, "cannot create state directory %s for the local CA: %v: use another directory", abs, unwrapPathError(err))
	}
	// certmagic's file lock: an O_EXCL lock file, refreshed every 5s while
	// held and taken over once 10s stale, so a process killed mid-creation
	// delays the next start by at most about ten seconds.
	storage := &certmagic.FileStorage{Path: abs}
	if err := storage.Lock(ctx, caLockName); err != nil {
		return nil, stateDirError(stateDir, "cannot lock state directory %s to create the local CA: %v: check that it is writable, or use another directory", abs, err)
	}
	defer func() {
		if err := storage.Unlock(context.WithoutCancel(ctx), caLockName); err != nil {
			logger.Warn("cannot remove local CA lock file", "state_dir", abs, "error", err)
		}
	}()

	// Another process may have created the CA while we waited for the lock.
	ca, err = loadLocalCA(dir, logger)
	if !errors.Is(err, errNoCA) {
		return ca, err
	}
	if err := createLocalCA(abs, dir); err != nil {
		return nil, err
	}
	ca, err = loadLocalCA(dir, logger)
	if err != nil {
		return nil, err
	}
	logger.Info("created local CA; trust its root certificate in browsers to avoid certificate warnings",
		"root", ca.RootPath(), "sha256_fingerprint", ca.Fingerprint(), "expires", ca.root.NotAfter)
	return ca, nil
}

// errNoCA means neither CA file exists: the CA is yet to be created.
var errNoCA = errors.New("no local CA")

// caFileError is a damaged local CA. It names the file and says what to do,
// in one line, because the operator must decide: restoring keeps the root
// that browsers already trust, a new CA must be trusted again.
type caFileError struct {
	dir     string
	file    string // the damaged file (absolute path)
	problem string
}

func (e *caFileError) Error() string {
	return fmt.Sprintf("local CA file %s %s: restore %s and %s in %s from a backup, or delete both to create a new CA (browsers must then trust the new root)",
		e.file, e.problem, rootCertName, rootKeyName, e.dir)
}

// loadLocalCA reads and checks the CA in dir. It returns errNoCA if neither
// file exists and a *caFileError if the CA is damaged.
func loadLocalCA(dir string, logger *slog.Logger) (*LocalCA, error) {
	certPath := filepath.Join(dir, rootCertName)
	keyPath := filepath.Join(dir, rootKeyName)
	damaged := func(file, problem string) error {
		return &caFileError{dir: dir, file: file, problem: problem}
	}

	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	certMissing := errors.Is(certErr, fs.ErrNotExist)
	keyMissing := errors.Is(keyErr, fs.ErrNotExist)
	switch {
	case certMissing && keyMissing:
		return nil, errNoCA
	case certMissing:
		return nil, damaged(certPath, fmt.Sprintf("is missing but its key %s exists", keyPath))
	case keyMissing:
		return nil, damaged(keyPath, fmt.Sprintf("is missing but its certificate %s exists", certPath))
	case certErr != nil:
		return nil, fmt.Errorf("cannot read local CA certificate %s: %v: fix the permissions of the state directory", certPath, unwrapPathError(certErr))
	case keyErr != nil:
		return nil, fmt.Errorf("cannot read local CA key %s: %v: fix the permissions of the state directory", keyPath, unwrapPathError(keyErr))
	}

	ca, err := parseLocalCA(certPEM, keyPEM, certPath, keyPath, damaged, logger)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("local CA key is readable by other users; restrict it", "file", keyPath, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()), "fix", "chmod 0600 "+keyPath)
	}
	ca.dir = dir
	return ca, nil
}

// parseLocalCA checks a CA's certificate and key, called certPath and
// keyPath in errors; damaged makes the error of a damaged one.
func parseLocalCA(certPEM, keyPEM []byte, certPath, keyPath string, damaged func(file, problem string) error, logger *slog.Logger) (*LocalCA, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, damaged(certPath, "is corrupt (no complete PEM CERTIFICATE block)")
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, damaged(certPath, fmt.Sprintf("is corrupt (%v)", err))
	}
	if !root.IsCA || root.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, damaged(certPath, "is not a CA certificate")
	}

	key, err := parseCAKey(keyPEM)
	if err != nil {
		return nil, damaged(keyPath, fmt.Sprintf("is corrupt (%v)", err))
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(root.PublicKey) {
		return nil, damaged(keyPath, fmt.Sprintf("does not match the certificate %s", certPath))
	}

	if !time.Now().Before(root.NotAfter) {
		return nil, fmt.Errorf("local CA root %s expired on %s: delete it and %s to create a new CA (browsers must then trust the new root)",
			certPath, root.NotAfter.UTC().Format(time.DateOnly), keyPath)
	}

	return &LocalCA{
		root:     root,
		key:      key,
		pem:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}),
		logger:   logger,
		validity: defaultValidity,
	}, nil
}

// parseCAKey accepts the PKCS#8 form dashbox writes and the SEC 1 form
// (BEGIN EC PRIVATE KEY) that openssl tools often produce, so a key restored
// or converted by hand still loads.
func parseCAKey(keyPEM []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no complete PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, want PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return signer, nil
}

// createLocalCA creates a root key and certificate in a temporary directory
// next to dir, syncs them, and renames the directory to dir, so that dir
// either holds a complete CA or does not exist: a crash cannot leave a key
// without its certificate. The caller holds the CA lock.
func createLocalCA(stateDir, dir string) error {
	fail := func(err error) error {
		return fmt.Errorf("cannot create local CA in %s: %v: check that the state directory is writable and not full", dir, err)
	}

	// Leftovers of a creation that crashed; we hold the lock, so no one
	// else is writing them.
	if stale, err := filepath.Glob(filepath.Join(stateDir, caTempPrefix+"*")); err == nil {
		for _, s := range stale {
			_ = os.RemoveAll(s)
		}
	}

	certPEM, keyPEM, err := newRootPEM()
	if err != nil {
		return fail(err)
	}

	tmp, err := os.MkdirTemp(stateDir, caTempPrefix) // mode 0700
	if err != nil {
		return fail(unwrapPathError(err))
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := writeFileSync(filepath.Join(tmp, rootKeyName), keyPEM); err != nil {
		return fail(err)
	}
	if err := writeFileSync(filepath.Join(tmp, rootCertName), certPEM); err != nil {
		return fail(err)
	}
	if err := syncDir(tmp); err != nil {
		return fail(err)
	}
	// An empty dir is what an operator leaves after deleting both files to
	// start over; os.Remove refuses a non-empty one, so nothing is lost.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot create local CA: %s holds other files but no CA: move them away, or restore root.crt and root.key from a backup", dir)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fail(err)
	}
	if err := syncDir(stateDir); err != nil {
		return fail(err)
	}
	return nil
}

// newRootPEM makes a new root: an ECDSA P-256 key and a self-signed
// certificate valid for rootLifetime, both PEM.
func newRootPEM() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	subject := pkix.Name{
		CommonName:   fmt.Sprintf("dashbox Local CA - %d ECC Root", now.Year()),
		Organization: []string{"dashbox"},
	}
	// Browsers list trusted roots by name; the host name tells the roots of
	// several dashbox servers apart.
	if host, ok := hostName(os.Hostname); ok {
		subject.OrganizationalUnit = []string{"dashbox on " + host}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // signs leaves only, never another CA
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}

	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileSync creates name (which must not exist) with mode 0600 and
// syncs it to disk before returning.
func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename or create in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// randomSerial returns a random positive 128-bit serial number, as the
// CA/Browser Forum asks (at least 64 bits of randomness).
func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

// defaultValidity is the validity window of a leaf issued at now.
func defaultValidity(now time.Time, _ []string) (notBefore, notAfter time.Time) {
	return now.Add(-backdate), now.Add(DefaultLeafLifetime)
}

// Issue signs a leaf certificate for the DNS names and IP addresses of csr:
// usable for TLS servers only, valid for DefaultLeafLifetime but never past
// the root's own expiry. It implements certmagic.Issuer; certmagic calls it
// to obtain and renew certificates.
func (ca *LocalCA) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("local CA: refusing CSR with a bad signature: %w", err)
	}
	if len(csr.DNSNames) == 0 && len(csr.IPAddresses) == 0 {
		return nil, errors.New("local CA: refusing CSR without DNS names or IP addresses")
	}

	names := leafNames(csr)
	now := time.Now()
	notBefore, notAfter := ca.validity(now, names)
	if notAfter.After(ca.root.NotAfter) {
		notAfter = ca.root.NotAfter
	}
	if !now.Before(notAfter) {
		return nil, fmt.Errorf("local CA root %s expired on %s: delete %s and %s to create a new CA (browsers must then trust the new root)",
			ca.RootPath(), ca.root.NotAfter.UTC().Format(time.DateOnly), ca.RootPath(), ca.keyPath())
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		DNSNames:     csr.DNSNames,
		IPAddresses:  csr.IPAddresses,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		// ECDHE key exchange only needs signatures (KeyEncipherment would
		// be for RSA key exchange, which dashbox does not offer).
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	// The common name is ignored by browsers but shown by tools
	// (openssl, certificate viewers); the SANs are what is verified.
	if len(names[0]) <= 64 {
		tmpl.Subject.CommonName = names[0]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, csr.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("local CA: signing certificate for %s: %w", strings.Join(names, ", "), err)
	}
	ca.issued.Add(1)
	ca.logger.Debug("local CA signed certificate", "names", names, "expires", notAfter)
	return &certmagic.IssuedCertificate{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Metadata:    map[string]string{"issuer": "dashbox local CA", "root_sha256": ca.Fingerprint()},
	}, nil
}

func leafNames(csr *x509.CertificateRequest) []string {
	names := append([]string(nil), csr.DNSNames...)
	for _, ip := range csr.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// IssuerKey identifies this CA in certmagic's storage: certificates are kept
// under certificates/<IssuerKey>/. It includes the root's fingerprint so
// that after the CA is replaced (files deleted, new root created) the leaves
// of the old root are not loaded and served: browsers trusting the new root
// would reject them. It implements certmagic.Issuer.
func (ca *LocalCA) IssuerKey() string {
	sum := sha256.Sum256(ca.root.Raw)
	return "local-" + hex.EncodeToString(sum[:8])
}

// RootPEM returns the root certificate in PEM form, for users to install in
// their trust stores.
func (ca *LocalCA) RootPEM() []byte { return bytes.Clone(ca.pem) }

// RootPath returns the absolute path of the root certificate file, or,
// for a CA kept in a shared storage (OpenSharedCA), where it is there.
func (ca *LocalCA) RootPath() string {
	if ca.dir == "" {
		return ca.stored
	}
	return filepath.Join(ca.dir, rootCertName)
}

// keyPath is where the root's key is, for messages.
func (ca *LocalCA) keyPath() string {
	if ca.dir == "" {
		return strings.Replace(ca.stored, caCertKey, caKeyKey, 1)
	}
	return filepath.Join(ca.dir, rootKeyName)
}

// Fingerprint returns the SHA-256 fingerprint of the root certificate as
// upper-case hex pairs joined by colons, the form
// `openssl x509 -fingerprint -sha256` and browsers show, so users can
// compare what they are about to trust.
func (ca *LocalCA) Fingerprint() string {
	sum := sha256.Sum256(ca.root.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
