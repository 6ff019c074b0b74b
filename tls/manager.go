// Package tls gives dashbox its certificates: a local CA that works with no
// network at all, driven by certmagic, which loads certificates from the
// state directory, obtains missing ones, renews them while serving and
// hands them to TLS handshakes.
//
// The package is named tls because it is dashbox's TLS concern; callers
// import it as dashtls, and it imports crypto/tls as cryptotls.
package tls

import (
	"context"
	cryptotls "crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// Config configures a Manager.
type Config struct {
	// StateDir holds the local CA (ca/), the certificates (certificates/)
	// and certmagic's lock files (locks/). Keep it across restarts and
	// upgrades: a new state directory means a new CA to trust.
	StateDir string

	// Domains are names served besides the ones every dashbox serves
	// (localhost, 127.0.0.1, ::1 and the machine's host name): DNS names
	// or IP addresses, as checked by ValidateDomain.
	Domains []string

	// Logger receives the package's logs and certmagic's. Nil discards them.
	Logger *slog.Logger
}

// Manager serves TLS certificates for a fixed set of names, renewing them in
// the background until Close.
type Manager struct {
	ca    *LocalCA
	cache *certmagic.Cache
	local *certmagic.Config // certificates from the local CA
	names []string

	closeOnce sync.Once
}

// managerOptions are knobs tests turn; New uses the zero value.
type managerOptions struct {
	// renewCheckInterval is how often certmagic looks for certificates to
	// renew; zero means certmagic's default (10 minutes).
	renewCheckInterval time.Duration

	// onEvent receives certmagic's events (cert_obtained, cert_failed, ...).
	onEvent func(ctx context.Context, event string, data map[string]any) error

	// prepareCA adjusts the CA before any certificate is issued.
	prepareCA func(*LocalCA)

	// hostname returns the machine's host name; nil means os.Hostname.
	hostname func() (string, error)
}

// New opens (or creates) the local CA in cfg.StateDir and makes certificates
// ready for every served name before it returns: loaded from the state
// directory when present and not due for renewal, otherwise issued. Call
// Close when done to stop background renewal.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	return newManager(ctx, cfg, managerOptions{})
}

func newManager(ctx context.Context, cfg Config, opts managerOptions) (*Manager, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := CheckStateDir(cfg.StateDir); err != nil {
		return nil, err
	}
	if opts.hostname == nil {
		opts.hostname = os.Hostname
	}
	names, err := servedNames(cfg.Domains, opts.hostname, logger)
	if err != nil {
		return nil, err
	}
	ca, err := OpenLocalCA(ctx, cfg.StateDir, logger)
	if err != nil {
		return nil, err
	}
	if opts.prepareCA != nil {
		opts.prepareCA(ca)
	}

	zapLogger := newZapLogger(logger)
	routeDefaultLoggers(zapLogger)

	m := &Manager{ca: ca, names: names}
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		// Certificates are looked up again at every renewal, so a name
		// moved to another issuer (see configFor) is renewed there.
		GetConfigForCert: func(cert certmagic.Certificate) (*certmagic.Config, error) {
			if len(cert.Names) == 0 {
				return m.local, nil
			}
			return m.configFor(cert.Names[0]), nil
		},
		RenewCheckInterval: opts.renewCheckInterval,
		Logger:             zapLogger,
	})
	m.local = certmagic.New(m.cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: filepath.Dir(ca.dir)}, // absolute
		Issuers: []certmagic.Issuer{ca},
		// Local-CA certificates have no OCSP responder and no ACME
		// renewal info; turning both off keeps certmagic off the
		// network entirely, so dashbox runs air-gapped.
		OCSP:       certmagic.OCSPConfig{DisableStapling: true},
		DisableARI: true,
		// Clients that send no SNI (Go and browsers, when given an IP
		// address) get the certificate for the IP they connected to, which
		// certmagic finds by the connection's local address; this name is
		// the fallback when that IP has no certificate (e.g. a LAN address
		// not given as --domain): the client then sees a name mismatch it
		// can report, rather than a bare handshake failure.
		DefaultServerName: defaultServerName(names),
		OnEvent:           opts.onEvent,
		Logger:            zapLogger,
	})

	if err := m.local.ManageSync(ctx, names); err != nil {
		m.Close()
		return nil, fmt.Errorf("cannot get TLS certificates: %w", err)
	}
	logger.Info("TLS certificates ready", "names", names, "issuer", "local CA", "root", ca.RootPath())
	return m, nil
}

// configFor returns the certmagic config that manages name. Every name is
// on the local CA for now. An ACME issuer for public names plugs in here:
// its own certmagic.Config on the same cache, returned for names that a
// public CA can sign (certmagic.SubjectQualifiesForPublicCert), while
// localhost, IP addresses and internal names stay on the local CA.
func (m *Manager) configFor(string) *certmagic.Config {
	return m.local
}

// TLSConfig returns a new TLS server config that serves the managed
// certificates: TLS 1.2 and 1.3 only, TLS 1.2 restricted to forward-secret
// AEAD suites, ALPN "h2" and "http/1.1" ahead of "acme-tls/1". Each call
// returns a fresh config the caller may change.
func (m *Manager) TLSConfig() *cryptotls.Config {
	return harden(m.local.TLSConfig())
}

// HTTPChallengeHandler wraps the handler of the plain-HTTP listener (:80).
// It returns next unchanged for now: the local CA needs no challenge. When
// the ACME issuer is added, this answers its HTTP-01 challenges
// (/.well-known/acme-challenge/) before next sees the request; the HTTP
// server should already be wrapped so that nothing changes for callers.
func (m *Manager) HTTPChallengeHandler(next http.Handler) http.Handler {
	return next
}

// CA returns the local CA, whose root users trust.
func (m *Manager) CA() *LocalCA { return m.ca }

// Names returns the names certificates are served for, normalized (lower
// case, punycode, canonical IP form), in the order they were managed.
func (m *Manager) Names() []string { return slices.Clone(m.names) }

// Close stops background renewal. The TLS config keeps serving the
// certificates already in memory. Close may be called more than once.
func (m *Manager) Close() {
	m.closeOnce.Do(m.cache.Stop)
}

// servedNames lists the names dashbox serves: localhost, both loopback
// addresses, the domains, then the host name (if it is a valid DNS name),
// normalized and without duplicates. An invalid domain is an error; an
// unusable host name is only logged, since the user did not ask for it.
func servedNames(domains []string, hostname func() (string, error), logger *slog.Logger) ([]string, error) {
	names := slices.Clone(builtinNames)
	for _, d := range domains {
		n, err := normalizeName(d)
		if err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	if host, ok := hostName(hostname); ok {
		names = append(names, host)
	} else {
		logger.Debug("not serving the host name: it is not a valid DNS name")
	}
	var unique []string
	for _, n := range names {
		if !slices.Contains(unique, n) {
			unique = append(unique, n)
		}
	}
	return unique, nil
}

// builtinNames are served by every dashbox, so that https://localhost and
// https://127.0.0.1 work on the machine itself.
var builtinNames = []string{"localhost", "127.0.0.1", "::1"}

// hostName returns the machine's host name, normalized, if it can be in a
// certificate (os.Hostname may give "", or a name with underscores).
func hostName(hostname func() (string, error)) (string, bool) {
	h, err := hostname()
	if err != nil || h == "" {
		return "", false
	}
	n, err := normalizeName(h)
	if err != nil {
		return "", false
	}
	return n, true
}

// defaultServerName is the certificate for SNI-less clients whose local IP
// has none: the first DNS name given as --domain, else the host name, else
// localhost.
func defaultServerName(names []string) string {
	for _, n := range names {
		if !slices.Contains(builtinNames, n) && !certmagic.SubjectIsIP(n) {
			return n
		}
	}
	return "localhost"
}
