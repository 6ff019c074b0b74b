package tls

import (
	"bytes"
	cryptotls "crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dashbox/dashbox/internal/filewatch"
)

// FilesConfig names an administrator's certificate and key, served instead
// of ACME certificates: the usual set-up where a company's PKI team hands
// out certificates.
type FilesConfig struct {
	// CertFile holds the certificate chain in PEM form: the server's
	// certificate first, then the intermediates that issued it.
	CertFile string
	// KeyFile holds the certificate's private key in PEM form (PKCS#8,
	// PKCS#1 or SEC 1). It may be CertFile itself, if that holds both.
	KeyFile string
}

// DefaultFilePollInterval is how often the certificate files are checked
// for a replacement: two stat calls, so cheap enough to do often, and a
// renewed certificate is served well within a minute without a signal.
// SIGHUP (Manager.ReloadFiles) reloads at once.
const DefaultFilePollInterval = 5 * time.Second

// KeyPair is an administrator's certificate chain and key, loaded from
// files and checked.
type KeyPair struct {
	cert     cryptotls.Certificate
	certFile string

	// Warnings are problems that do not stop serving but that the
	// operator should hear about, such as a missing intermediate.
	Warnings []string
}

// LoadKeyPair reads a certificate chain and its key (PEM) and checks that
// they can be served now: both files readable, the key matching the first
// certificate, that certificate valid now, and each certificate of the
// chain issued by the next. The error is one line naming the file and saying
// what to do.
func LoadKeyPair(certFile, keyFile string) (*KeyPair, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, &ValueError{Kind: "certificate file", Value: certFile, before: "cannot read ",
			after: fmt.Sprintf(": %v: check the path and that dashbox's user may read it", unwrapPathError(err))}
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, &ValueError{Kind: "key file", Value: keyFile, before: "cannot read ",
			after: fmt.Sprintf(": %v: check the path and that dashbox's user may read it", unwrapPathError(err))}
	}

	var chain []*x509.Certificate
	var der [][]byte
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate file %s holds a certificate that does not parse (%v): give the chain in PEM form", certFile, err)
		}
		chain = append(chain, c)
		der = append(der, block.Bytes)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("certificate file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate chain in PEM form", certFile)
	}
	if !bytes.Contains(keyPEM, []byte("PRIVATE KEY-----")) {
		return nil, fmt.Errorf("key file %s holds no PEM private key (-----BEGIN PRIVATE KEY-----): give the certificate's private key", keyFile)
	}
	pair, err := cryptotls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return nil, fmt.Errorf("the key in %s does not match the certificate in %s: give the key the certificate was issued for", keyFile, certFile)
		}
		return nil, fmt.Errorf("cannot use certificate %s with key %s: %v", certFile, keyFile, strings.TrimPrefix(err.Error(), "tls: "))
	}
	leaf := chain[0]
	pair.Leaf = leaf

	now := time.Now()
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("the certificate in %s expired on %s: renew it and replace the file", certFile, leaf.NotAfter.UTC().Format(time.DateTime+" MST"))
	}
	if now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("the certificate in %s is not valid before %s: check this machine's clock, or wait", certFile, leaf.NotBefore.UTC().Format(time.DateTime+" MST"))
	}
	if leaf.IsCA && len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 {
		return nil, fmt.Errorf("the first certificate in %s is a CA certificate: put the server's own certificate first, then its issuers", certFile)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return nil, fmt.Errorf("the certificates in %s are not a chain: certificate %d (%s) did not issue certificate %d (%s): put the server's certificate first, then each issuer in turn",
				certFile, i+2, describeCert(chain[i+1]), i+1, describeCert(chain[i]))
		}
	}

	kp := &KeyPair{cert: pair, certFile: certFile}
	if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 {
		kp.Warnings = append(kp.Warnings, "the certificate names no host (no subject alternative names): browsers will refuse it")
	}
	if len(chain) == 1 && !isSelfIssued(leaf) {
		kp.Warnings = append(kp.Warnings, fmt.Sprintf("%s holds no intermediate certificate: clients that do not already have %q will fail; append the CA's chain to the file", certFile, leaf.Issuer.String()))
	}
	if len(leaf.ExtKeyUsage) > 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
		kp.Warnings = append(kp.Warnings, "the certificate is not for TLS servers (no serverAuth extended key usage): browsers will refuse it")
	}
	if fi, err := os.Stat(keyFile); err == nil && fi.Mode().Perm()&0o007 != 0 {
		kp.Warnings = append(kp.Warnings, fmt.Sprintf("key file %s is readable by every user (mode %04o): chmod o-rwx it", keyFile, fi.Mode().Perm()))
	}
	return kp, nil
}

func describeCert(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

func isSelfIssued(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject)
}

// Names returns the host names and IP addresses the certificate covers.
func (kp *KeyPair) Names() []string {
	leaf := kp.cert.Leaf
	names := slices.Clone(leaf.DNSNames)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// NotAfter is when the certificate expires.
func (kp *KeyPair) NotAfter() time.Time { return kp.cert.Leaf.NotAfter }

// Covers reports whether the certificate is valid for name, a host name
// (wildcards in the certificate apply) or an IP address.
func (kp *KeyPair) Covers(name string) bool {
	return name != "" && kp.cert.Leaf.VerifyHostname(name) == nil
}

// CheckCovers returns an error naming the first of names (the domains to
// serve) that the certificate does not cover: a *ValueError.
func (kp *KeyPair) CheckCovers(names []string) error {
	for _, n := range names {
		norm, err := normalizeName(n)
		if err != nil {
			return err
		}
		if !kp.Covers(norm) {
			return &ValueError{Kind: "domain", Value: n,
				after: fmt.Sprintf(" is not covered by the certificate in %s (it covers %s): drop that domain or get a certificate that names it",
					kp.certFile, strings.Join(kp.Names(), ", "))}
		}
	}
	return nil
}

// certFiles serves a KeyPair and replaces it when the files change: the
// next handshake gets the new certificate, connections already open keep
// theirs. A replacement that fails LoadKeyPair (or no longer covers the
// configured domains) is logged and the previous pair stays.
type certFiles struct {
	cfg     FilesConfig
	domains []string // normalized; must stay covered
	logger  *slog.Logger
	// onChange is told about every outcome of a reload: the pair now
	// served, and the error that kept a replacement out (nil if none).
	onChange func(kp *KeyPair, err error)

	current atomic.Pointer[KeyPair]

	watch *filewatch.Watcher // serializes reloads
}

// newCertFiles loads the files once; an error here stops start-up.
func newCertFiles(cfg FilesConfig, domains []string, logger *slog.Logger) (*certFiles, error) {
	f := &certFiles{cfg: cfg, domains: domains, logger: logger, onChange: func(*KeyPair, error) {}}
	f.watch = filewatch.New(f.replace, cfg.CertFile, cfg.KeyFile)
	kp, err := f.load()
	if err != nil {
		return nil, err
	}
	f.current.Store(kp)
	return f, nil
}

func (f *certFiles) load() (*KeyPair, error) {
	kp, err := LoadKeyPair(f.cfg.CertFile, f.cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	if err := kp.CheckCovers(f.domains); err != nil {
		return nil, err
	}
	return kp, nil
}

// replace serves the files' pair instead of the current one if it can be
// served, and returns the error that kept a replacement out. The watcher
// calls it when the files changed (or on SIGHUP), one call at a time.
func (f *certFiles) replace() error {
	kp, err := f.load()
	if err != nil {
		f.logger.Error("certificate files changed but cannot be served; still serving the previous certificate",
			"cert", f.cfg.CertFile, "key", f.cfg.KeyFile, "error", err)
		f.onChange(f.current.Load(), err)
		return err
	}
	old := f.current.Swap(kp)
	f.logger.Info("certificate files reloaded; new connections get the new certificate",
		"cert", f.cfg.CertFile, "names", kp.Names(), "not_after", kp.NotAfter(),
		"previous_not_after", old.NotAfter())
	for _, w := range kp.Warnings {
		f.logger.Warn("certificate files: "+w, "cert", f.cfg.CertFile)
	}
	f.onChange(kp, nil)
	return nil
}

// certificateFor returns the file certificate for a handshake, or nil if
// the files do not serve it: a name the certificate covers, or no name at
// all on a local address the certificate covers.
func (f *certFiles) certificateFor(hello *cryptotls.ClientHelloInfo) *cryptotls.Certificate {
	kp := f.current.Load()
	name := serverName(hello.ServerName)
	if name == "" && hello.Conn != nil {
		if host, _, err := net.SplitHostPort(hello.Conn.LocalAddr().String()); err == nil {
			name = host
		}
	}
	if kp.Covers(name) {
		return &kp.cert
	}
	return nil
}
