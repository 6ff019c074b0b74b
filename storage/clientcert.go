package storage

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Kinds of the errors about a client certificate (Config.ClientCertFile,
// Config.ClientKeyFile), for errors.Is: what the operator has to fix.
var (
	// ErrClientCert: the certificate file is unreadable, holds no PEM
	// certificate, or the certificate has expired.
	ErrClientCert = errors.New("client certificate")
	// ErrClientKey: the key file is unreadable, holds no PEM private key,
	// or its key is not the certificate's.
	ErrClientKey = errors.New("client key")
	// ErrClientCertURL: the storage URL does not fit a client certificate
	// (TLS off, or a certificate of its own in sslcert).
	ErrClientCertURL = errors.New("client certificate and storage URL")
)

// maxClientCertFile bounds what is read of a certificate or key file.
const maxClientCertFile = 1 << 20

// CheckClientCert checks cfg's client certificate without connecting: both
// files given, readable, a PEM certificate and its PEM private key, and a
// URL whose TLS settings send it. It checks nothing without one.
func CheckClientCert(cfg Config) error {
	if cfg.ClientCertFile == "" && cfg.ClientKeyFile == "" {
		return nil
	}
	if err := CheckURL(cfg.URL); err != nil {
		return err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return fmt.Errorf("storage URL %s: %v", Redact(cfg.URL), err)
	}
	return setClientCert(pc, cfg)
}

// setClientCert loads cfg's client certificate, if it has one, into every
// TLS configuration of pc (the fallbacks' too: sslmode=prefer tries TLS,
// then plain text).
func setClientCert(pc *pgxpool.Config, cfg Config) error {
	if cfg.ClientCertFile == "" && cfg.ClientKeyFile == "" {
		return nil
	}
	if cfg.ClientCertFile == "" || cfg.ClientKeyFile == "" {
		return &kindError{ErrClientCertURL, errors.New("a client certificate needs both files, the certificate and its private key")}
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return CheckURL(cfg.URL) // says why, without the URL
	}
	q := u.Query()
	for _, k := range []string{"sslcert", "sslkey"} {
		if q.Has(k) {
			return &kindError{ErrClientCertURL, fmt.Errorf("the storage URL names a client certificate of its own (%s=): give the certificate and its key either in the URL or as files of their own, not both", k)}
		}
	}
	for _, env := range []string{"PGSSLCERT", "PGSSLKEY"} {
		if os.Getenv(env) != "" {
			return &kindError{ErrClientCertURL, fmt.Errorf("%s in the environment names a client certificate of its own: unset it, or give the certificate that way alone", env)}
		}
	}
	if q.Get("sslcertmode") == "disable" {
		return &kindError{ErrClientCertURL, errors.New("the storage URL's sslcertmode=disable never sends the client certificate: remove it from the URL")}
	}
	if pc.ConnConfig.TLSConfig == nil {
		mode := q.Get("sslmode")
		if mode == "" {
			mode = os.Getenv("PGSSLMODE")
		}
		return &kindError{ErrClientCertURL, fmt.Errorf("a client certificate needs TLS, which the storage URL's sslmode=%s leaves off: use sslmode=verify-full (and sslrootcert= for a private CA)", mode)}
	}
	cert, err := loadClientCert(cfg.ClientCertFile, cfg.ClientKeyFile, time.Now())
	if err != nil {
		return err
	}
	pc.ConnConfig.TLSConfig.Certificates = []tls.Certificate{cert}
	for _, fb := range pc.ConnConfig.Fallbacks {
		if fb.TLSConfig != nil {
			fb.TLSConfig.Certificates = []tls.Certificate{cert}
		}
	}
	return nil
}

// loadClientCert reads a PEM certificate (its chain may follow) and its
// unencrypted PEM private key, and checks that they belong together and
// that the certificate has not expired at now.
func loadClientCert(certFile, keyFile string, now time.Time) (tls.Certificate, error) {
	certErr := func(format string, a ...any) error {
		return &kindError{ErrClientCert, fmt.Errorf(format, a...)}
	}
	keyErr := func(format string, a ...any) error {
		return &kindError{ErrClientKey, fmt.Errorf(format, a...)}
	}
	certPEM, err := readSmallFile(certFile)
	if err != nil {
		return tls.Certificate{}, certErr("storage client certificate: %w", err)
	}
	keyPEM, err := readSmallFile(keyFile)
	if err != nil {
		return tls.Certificate{}, keyErr("storage client key: %w", err)
	}

	var chain [][]byte
	for rest := certPEM; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			chain = append(chain, block.Bytes)
		}
	}
	if len(chain) == 0 {
		return tls.Certificate{}, certErr("storage client certificate %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", certFile)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return tls.Certificate{}, certErr("storage client certificate %s: %v", certFile, err)
	}
	if now.After(leaf.NotAfter) {
		return tls.Certificate{}, certErr("storage client certificate %s expired on %s: the database refuses it; renew it", certFile, leaf.NotAfter.UTC().Format(time.DateOnly))
	}

	var keyBlock *pem.Block
	for rest := keyPEM; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			keyBlock = block
			break
		}
	}
	switch {
	case keyBlock == nil:
		return tls.Certificate{}, keyErr("storage client key %s holds no PEM private key (-----BEGIN PRIVATE KEY-----)", keyFile)
	case keyBlock.Type == "ENCRYPTED PRIVATE KEY" || keyBlock.Headers["Proc-Type"] != "":
		return tls.Certificate{}, keyErr("storage client key %s is encrypted: give it unencrypted, in a file only root can read (the service loads it as a systemd credential)", keyFile)
	}
	key, err := parsePrivateKey(keyBlock.Bytes)
	if err != nil {
		return tls.Certificate{}, keyErr("storage client key %s: %v", keyFile, err)
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return tls.Certificate{}, keyErr("storage client key %s does not match the certificate %s: it is the key of another certificate", keyFile, certFile)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// parsePrivateKey reads a DER private key: PKCS #8, PKCS #1 (RSA) or SEC 1
// (EC), as openssl writes them.
func parsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("a private key of type %T, which cannot sign", k)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS #8, RSA or EC private key")
}

// readSmallFile reads a file of at most maxClientCertFile bytes.
func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", name)
	}
	buf, err := io.ReadAll(io.LimitReader(f, maxClientCertFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(buf) > maxClientCertFile {
		return nil, fmt.Errorf("%s is over %d bytes", name, maxClientCertFile)
	}
	return buf, nil
}

// clientCertHint is what to check when the server refuses the client
// certificate (or its absence).
const clientCertHint = "the client certificate must be issued by a CA in the server's ssl_ca_file, to the database user (its common name, or as pg_ident.conf maps it), and be current; pg_hba.conf must have a hostssl ... cert line for the user and this machine"

// tlsRefused reports whether err is a TLS handshake that failed for good:
// the server's certificate is not trusted, or the server refused ours (its
// alert, such as "unknown certificate authority"). Neither goes away by
// retrying.
func tlsRefused(err error) (what string, ok bool) {
	var verr *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var cie x509.CertificateInvalidError
	if errors.As(err, &verr) || errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &cie) {
		return "the database server's certificate is not trusted: check the host name and sslrootcert= (the CA that issued it) in the storage URL", true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && strings.Contains(op.Err.Error(), "tls:") {
		return "the database server refused the TLS handshake: " + clientCertHint, true
	}
	return "", false
}
