// Package tls gives dashbox its certificates: from a local CA that works
// with no network at all, from an ACME CA such as Let's Encrypt, or from an
// administrator's files. certmagic loads them from the state directory,
// obtains missing ones, renews them while serving and hands them to TLS
// handshakes.
//
// The package is named tls because it is dashbox's TLS concern; callers
// import it as dashtls, and it imports crypto/tls as cryptotls.
package tls

import (
	"context"
	cryptotls "crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// Config configures a Manager.
type Config struct {
	// StateDir holds the local CA (ca/), the certificates (certificates/),
	// ACME accounts (acme/), certmagic's lock files (locks/) and the status
	// file 'dashbox certs' reads. Keep it across restarts and upgrades: a
	// new state directory means a new CA to trust, and new ACME orders
	// (Let's Encrypt allows 5 certificates for the same names a week).
	StateDir string

	// Domains are names served besides the ones every dashbox serves
	// (localhost, 127.0.0.1, ::1 and the machine's host name): DNS names
	// or IP addresses, as checked by ValidateDomain.
	Domains []string

	// ACME, when not nil, gets the certificates of the Domains an ACME CA
	// will sign from that CA (see acmeRefusal for which); every other name
	// stays on the local CA. Nil keeps every name on the local CA.
	ACME *ACMEConfig

	// Files, when not nil, serves an administrator's certificate for the
	// names it covers (every one of Domains must be), reloading it when
	// the files change. It excludes ACME. The local CA still serves
	// localhost, the loopback addresses and the host name.
	Files *FilesConfig

	// Storage, when not nil, holds the local CA, the certificates, the
	// ACME account, challenge answers and the TLS session-ticket keys
	// instead of StateDir: dashbox instances sharing one storage form a
	// cluster (one local root, one ACME order per name, sessions resumed
	// on any instance). StateDir still holds each instance's own status
	// file. Nil means the state directory, as a certmagic.FileStorage,
	// which is a cluster storage too for instances that share the folder.
	Storage certmagic.Storage

	// Logger receives the package's logs and certmagic's. Nil discards them.
	Logger *slog.Logger

	// Tuning shortens background schedules, for tests. The zero value is
	// production's.
	Tuning Tuning

	// OnACMEAttempt, when not nil, is told of each attempt to get a
	// certificate from the ACME CA as it ends (see acmeAttempt).
	OnACMEAttempt func(renewal bool, err error)
}

// Tuning holds the schedules of background work. Production uses the zero
// value; tests shorten them so that retries, renewals and file reloads
// happen within seconds.
type Tuning struct {
	// RetryIntervals replaces DefaultRetryIntervals, the waits between
	// failed attempts to obtain an ACME certificate.
	RetryIntervals []time.Duration

	// RenewCheckInterval is how often certmagic looks for certificates to
	// renew; zero means certmagic's default (10 minutes).
	RenewCheckInterval time.Duration

	// FilePollInterval replaces DefaultFilePollInterval, how often the
	// certificate files are checked for a replacement.
	FilePollInterval time.Duration

	// TicketKeyRotation replaces TicketKeyRotation, how often the shared
	// TLS session-ticket keys are rotated.
	TicketKeyRotation time.Duration

	// TicketKeyPoll replaces the minute between reads of the shared
	// session-ticket keys (to pick up another instance's rotation).
	TicketKeyPoll time.Duration

	// LocalLeafLifetime replaces DefaultLeafLifetime, and drops the
	// backdating, so that certmagic renews the local CA's leaves every
	// two thirds of it.
	LocalLeafLifetime time.Duration
}

// Manager serves TLS certificates for a fixed set of names, obtaining and
// renewing them in the background until Close.
type Manager struct {
	ca      *LocalCA
	cache   *certmagic.Cache
	storage certmagic.Storage
	// stateFS is storage when that is the state directory, nil for a
	// Config.Storage: damaged files are set aside only there.
	stateFS *certmagic.FileStorage
	local   *certmagic.Config // certificates from the local CA
	names   []string
	logger  *slog.Logger
	tuning  Tuning
	opts    managerOptions
	onACME  func(renewal bool, err error) // Config.OnACMEAttempt
	status  *statusBook

	// ACME, all nil without ACME names.
	acme         *certmagic.Config // manages and renews
	acmeObtainer *certmagic.Config // first obtain, one attempt per call
	acmeIssuer   *certmagic.ACMEIssuer
	acmeNames    map[string]bool

	// alpnChallenge is whether the ACME CA may validate names with
	// TLS-ALPN-01: only then is ALPN acme-tls/1 offered and answered.
	alpnChallenge bool

	tickets *ticketKeys // session-ticket keys shared through storage

	files      *certFiles // nil without certificate files
	fileDomain map[string]bool

	catchUp catchUpState // CatchUp

	ctx       context.Context // ends at Close: stops background work
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// managerOptions are knobs tests turn; New uses the zero value.
type managerOptions struct {
	// renewCheckInterval is how often certmagic looks for certificates to
	// renew; zero means Config.Tuning's.
	renewCheckInterval time.Duration

	// onEvent receives certmagic's events (cert_obtained, cert_failed, ...).
	onEvent func(ctx context.Context, event string, data map[string]any) error

	// prepareCA adjusts the CA before any certificate is issued.
	prepareCA func(*LocalCA)

	// hostname returns the machine's host name; nil means os.Hostname.
	hostname func() (string, error)
}

// New opens (or creates) the local CA in cfg.StateDir and makes certificates
// ready before it returns: local-CA ones loaded from the state directory or
// issued, ACME ones loaded from the state directory when present. Missing
// ACME certificates are obtained in the background, so the server can start
// at once: their names fail the TLS handshake until the CA has issued them,
// while everything else is served. Call Close when done to stop background
// work.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	return newManager(ctx, cfg, managerOptions{})
}

func newManager(ctx context.Context, cfg Config, opts managerOptions) (*Manager, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ACME != nil && cfg.Files != nil {
		return nil, errors.New("certificate files and ACME exclude each other: give one of them")
	}
	if err := CheckStateDir(cfg.StateDir); err != nil {
		return nil, err
	}
	if opts.hostname == nil {
		opts.hostname = os.Hostname
	}
	if opts.renewCheckInterval == 0 {
		opts.renewCheckInterval = cfg.Tuning.RenewCheckInterval
	}
	wildcards := cfg.ACME != nil && cfg.ACME.DNS01 != nil
	names, err := servedNames(cfg.Domains, wildcards, opts.hostname, logger)
	if err != nil {
		return nil, err
	}
	domains := make([]string, 0, len(cfg.Domains))
	for _, d := range cfg.Domains {
		n, _ := normalizeDomain(d, wildcards) // checked by servedNames
		domains = append(domains, n)
	}

	var files *certFiles
	if cfg.Files != nil {
		if files, err = newCertFiles(*cfg.Files, domains, logger); err != nil {
			return nil, err
		}
	}

	stateDir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %v", cfg.StateDir, err)
	}
	var ca *LocalCA
	storage, stateFS := cfg.Storage, (*certmagic.FileStorage)(nil)
	if storage == nil {
		stateFS = &certmagic.FileStorage{Path: stateDir}
		storage = stateFS
		ca, err = OpenLocalCA(ctx, stateDir, logger)
	} else {
		ca, err = OpenSharedCA(ctx, storage, logger)
	}
	if err != nil {
		return nil, err
	}
	if life := cfg.Tuning.LocalLeafLifetime; life > 0 {
		// Not backdated: certmagic's renewal window is a third of
		// NotAfter-NotBefore, which an hour's backdating would fill.
		ca.validity = func(now time.Time, _ []string) (time.Time, time.Time) { return now, now.Add(life) }
	}
	if opts.prepareCA != nil {
		opts.prepareCA(ca)
	}

	zapLogger := newZapLogger(logger)
	routeDefaultLoggers(zapLogger)

	m := &Manager{
		ca:         ca,
		names:      names,
		logger:     logger,
		tuning:     cfg.Tuning,
		opts:       opts,
		onACME:     cfg.OnACMEAttempt,
		storage:    storage,
		stateFS:    stateFS,
		status:     newStatusBook(stateDir, logger),
		acmeNames:  map[string]bool{},
		files:      files,
		fileDomain: map[string]bool{},
	}
	m.ctx, m.cancel = context.WithCancel(ctx)
	m.tickets = newTicketKeys(ctx, storage, cfg.Tuning.TicketKeyRotation, logger)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.tickets.run(m.ctx, cfg.Tuning.TicketKeyPoll)
	}()

	// Which issuer serves each name.
	var localNames, acmeNames []string
	for _, n := range names {
		isDomain := slices.Contains(domains, n)
		switch {
		case files != nil && isDomain:
			m.fileDomain[n] = true // covered: checked by newCertFiles
			continue
		case cfg.ACME != nil && isDomain:
			why := acmeRefusal(cfg.ACME.caURL(), n)
			if why == "" {
				acmeNames = append(acmeNames, n)
				m.acmeNames[n] = true
				continue
			}
			logger.Info("name stays on the local CA", "name", n, "reason", why)
		}
		localNames = append(localNames, n)
	}

	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		// Certificates are looked up again at every renewal, so each is
		// renewed by the issuer that configFor names.
		//
		// certmagic asks in its maintenance pass, before it queues a
		// renewal, which reads the stored files again: a damaged local
		// one is set aside then (healDueLeaf), so it is issued anew.
		GetConfigForCert: func(cert certmagic.Certificate) (*certmagic.Config, error) {
			if len(cert.Names) == 0 {
				return m.local, nil
			}
			cfg := m.configFor(cert.Names[0])
			if cfg == m.local && cert.NeedsRenewal(cfg) {
				m.healDueLeaf(cert.Names[0])
			}
			return cfg, nil
		},
		RenewCheckInterval: opts.renewCheckInterval,
		Logger:             zapLogger,
	})
	defaultName := defaultServerName(names)
	if files != nil {
		// SNI-less clients on an address the local CA has no certificate
		// for get the administrator's certificate instead (getCertificate).
		defaultName = ""
	}
	m.local = certmagic.New(m.cache, certmagic.Config{
		Storage: m.storage,
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
		DefaultServerName: defaultName,
		OnEvent:           m.onEvent,
		ShouldEmitFunc:    shouldEmit,
		Logger:            zapLogger,
	})
	if len(acmeNames) > 0 {
		// No OnDemand, on purpose: only these names are ever ordered, so a
		// stranger's SNI cannot make dashbox ask the CA for anything.
		m.acme, m.acmeObtainer, m.acmeIssuer, err = m.newACMEConfigs(cfg.ACME, certmagic.Config{
			Storage:        m.storage,
			OnEvent:        m.onEvent,
			ShouldEmitFunc: shouldEmit,
			Logger:         zapLogger,
		})
		if err != nil {
			m.Close()
			return nil, err
		}
		m.alpnChallenge = !m.acmeIssuer.DisableTLSALPNChallenge
	}

	acmeLabel := ""
	if cfg.ACME != nil {
		acmeLabel = issuerLabel(cfg.ACME.caURL())
	}
	for _, n := range names {
		switch {
		case m.fileDomain[n]:
			m.status.add(CertStatus{Name: n, Issuer: issuerFiles + cfg.Files.CertFile, PubliclyTrusted: true})
		case m.acmeNames[n]:
			m.status.add(CertStatus{Name: n, Issuer: acmeLabel, PubliclyTrusted: true})
		default:
			m.status.add(CertStatus{Name: n, Issuer: IssuerLocalCA})
		}
	}

	for _, n := range localNames {
		if err := m.healLocalLeaf(ctx, n); err != nil {
			m.Close()
			return nil, fmt.Errorf("cannot get TLS certificates: %w", err)
		}
	}
	if err := m.local.ManageSync(ctx, localNames); err != nil {
		m.Close()
		return nil, fmt.Errorf("cannot get TLS certificates: %w", err)
	}
	for _, n := range localNames {
		m.recordServed(n)
	}
	logger.Info("local CA certificates ready", "names", localNames, "root", ca.RootPath())

	var pending []string
	loaded := false
	for _, n := range acmeNames {
		// From the state directory, if an earlier run obtained it: a
		// restart asks the CA for nothing. Otherwise (none stored, or
		// damaged) obtainWithRetry gets it, or reports why not.
		if _, err := m.acme.CacheManagedCertificate(ctx, n); err == nil {
			m.recordServed(n)
			loaded = true
			continue
		}
		pending = append(pending, n)
	}

	if files != nil {
		files.onChange = m.onFilesChange
		m.onFilesChange(files.current.Load(), nil)
		for _, w := range files.current.Load().Warnings {
			logger.Warn("certificate files: "+w, "cert", cfg.Files.CertFile)
		}
		m.wg.Add(1)
		go m.pollFiles()
	}

	m.status.logAll()

	for _, n := range pending {
		m.wg.Add(1)
		go m.obtainWithRetry(m.ctx, n)
	}
	if loaded {
		// Renew stored ACME certificates that are due now rather than at
		// certmagic's first maintenance tick, minutes from now.
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			if err := m.cache.RenewManagedCertificates(m.ctx); err != nil {
				logger.Error("checking stored certificates for renewal", "error", err)
			}
		}()
	}
	return m, nil
}

// configFor returns the certmagic config that manages name: the ACME one
// for names the ACME CA signs, the local CA's for the rest.
func (m *Manager) configFor(name string) *certmagic.Config {
	if m.acmeNames[name] {
		return m.acme
	}
	return m.local
}

// TLSConfig returns a new TLS server config that serves the managed
// certificates, with session tickets every instance sharing the storage
// can resume: TLS 1.2 and 1.3 only, TLS 1.2 restricted to forward-secret
// AEAD suites, ALPN "h2" and "http/1.1", then "acme-tls/1" (which answers
// TLS-ALPN-01 challenges) only if the ACME CA may use that challenge. A
// name dashbox does not serve fails the handshake. Each call returns a
// fresh config the caller may change.
func (m *Manager) TLSConfig() *cryptotls.Config {
	cfg := harden(m.local.TLSConfig())
	if !m.alpnChallenge {
		cfg.NextProtos = slices.DeleteFunc(cfg.NextProtos, func(p string) bool { return p == acmeTLSProto })
	}
	cfg.GetCertificate = m.getCertificate
	// Session tickets with the keys every instance on the storage shares.
	cfg.WrapSession, cfg.UnwrapSession = m.tickets.wrap, m.tickets.unwrap
	return cfg
}

// acmeTLSProto is the ALPN protocol of ACME's TLS-ALPN-01 challenge
// (RFC 8737).
const acmeTLSProto = "acme-tls/1"

// errNoACMETLS fails a handshake offering ALPN acme-tls/1 that is not a
// TLS-ALPN-01 challenge dashbox is answering. It is returned, not logged:
// anyone can send such a handshake, as often as they like.
var errNoACMETLS = errors.New("refusing ALPN acme-tls/1: no ACME TLS-ALPN-01 challenge is answered for this server name")

// shouldEmit keeps certmagic from building an event for every handshake
// (tls_get_certificate): onEvent uses none of them.
func shouldEmit(event string) bool { return event != "tls_get_certificate" }

// getCertificate picks the certificate for a handshake: the
// administrator's files for the names they cover, then certmagic's cache
// (local CA and ACME certificates, and TLS-ALPN-01 challenge answers).
// certmagic loads nothing from storage and orders nothing during a
// handshake (no on-demand TLS), so an unknown name costs a map lookup.
//
// A handshake offering acme-tls/1 reaches certmagic only if it can be the
// ACME CA validating a name dashbox orders with TLS-ALPN-01 (that protocol
// alone, RFC 8737 section 3); certmagic logs an error for every other one,
// so anyone could flood the log.
func (m *Manager) getCertificate(hello *cryptotls.ClientHelloInfo) (*cryptotls.Certificate, error) {
	if slices.Contains(hello.SupportedProtos, acmeTLSProto) && !m.answersChallenge(hello) {
		return nil, errNoACMETLS
	}
	if m.files != nil && !isACMEChallengeHello(hello) {
		if c := m.files.certificateFor(hello); c != nil {
			return c, nil
		}
	}
	if m.answersChallenge(hello) {
		// The ACME config, not the local one: certmagic looks for the
		// answers of challenges another instance of the cluster started
		// in the storage under its issuers' keys, and only the ACME
		// config has the ACME issuer (the local one finds nothing, and
		// the validation fails whenever the balancer sends it to an
		// instance that did not place the order).
		return m.acme.GetCertificate(hello)
	}
	cert, err := m.local.GetCertificate(hello)
	if err != nil {
		if m.files != nil && hello.ServerName == "" {
			// An SNI-less client on an address nothing covers gets the
			// administrator's certificate, like nginx's default server.
			return &m.files.current.Load().cert, nil
		}
		// certmagic returns an empty certificate with its error.
		return nil, err
	}
	return cert, nil
}

// isACMEChallengeHello reports whether hello is a CA validating TLS-ALPN-01.
func isACMEChallengeHello(hello *cryptotls.ClientHelloInfo) bool {
	return len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acmeTLSProto
}

// answersChallenge reports whether hello may be the ACME CA validating,
// with TLS-ALPN-01, a name dashbox orders from it.
func (m *Manager) answersChallenge(hello *cryptotls.ClientHelloInfo) bool {
	return m.alpnChallenge && isACMEChallengeHello(hello) && m.acmeNames[serverName(hello.ServerName)]
}

// HTTPChallengeHandler wraps the handler of the plain-HTTP listener (:80):
// it answers the ACME CA's HTTP-01 challenges (/.well-known/acme-challenge/)
// before next sees the request. Without ACME it returns next unchanged.
func (m *Manager) HTTPChallengeHandler(next http.Handler) http.Handler {
	if m.acmeIssuer == nil {
		return next
	}
	return m.acmeIssuer.HTTPChallengeHandler(next)
}

// PubliclyTrusted reports whether the certificate served for sni
// (a TLS SNI value) comes from an ACME CA or the administrator's files,
// rather than the local CA: only then may a response carry HSTS. A
// browser told to insist on HTTPS for a local-CA name (localhost above
// all) would lock its users out of every other server on that name.
func (m *Manager) PubliclyTrusted(sni string) bool {
	name := serverName(sni)
	if name == "" {
		return false
	}
	if m.files != nil && m.files.current.Load().Covers(name) {
		return true
	}
	return m.acmeNames[name] || m.acmeNames[wildcardOf(name)]
}

// Status returns the state of every served name's certificate: issuer,
// expiry and last error, as 'dashbox certs' and /healthz show them.
func (m *Manager) Status() []CertStatus { return m.status.snapshot() }

// ReloadFiles loads the certificate files again now (SIGHUP), even if they
// look unchanged. A replacement that cannot be served is logged and
// returned, and the previous certificate stays. Without files it does
// nothing.
func (m *Manager) ReloadFiles() error {
	if m.files == nil {
		return nil
	}
	return m.files.watch.Reload()
}

// CA returns the local CA, whose root users trust.
func (m *Manager) CA() *LocalCA { return m.ca }

// Names returns the names certificates are served for, normalized (lower
// case, punycode, canonical IP form), in the order they were managed.
func (m *Manager) Names() []string { return slices.Clone(m.names) }

// Close stops background work: ACME retries, file polling and renewal.
// The TLS config keeps serving the certificates already in memory. Close
// may be called more than once.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		m.catchUp.mu.Lock()
		m.catchUp.closed = true // no CatchUp starts after wg.Wait
		m.catchUp.mu.Unlock()
		m.cancel()
		m.wg.Wait()
		m.cache.Stop()
	})
}

// pollFiles reloads the certificate files when they change, until Close.
func (m *Manager) pollFiles() {
	defer m.wg.Done()
	interval := m.tuning.FilePollInterval
	if interval <= 0 {
		interval = DefaultFilePollInterval
	}
	m.files.watch.Poll(m.ctx, interval) // replace logs its own errors
}

// onEvent records certmagic's renewal events in the certificate status: a
// new expiry, or the error of a failed renewal (certmagic retries those on
// its own schedule). Renewed certificates are swapped into the cache right
// after the event; the previous one is served until then.
func (m *Manager) onEvent(ctx context.Context, event string, data map[string]any) error {
	if m.opts.onEvent != nil {
		if err := m.opts.onEvent(ctx, event, data); err != nil {
			return err
		}
	}
	name, _ := data["identifier"].(string)
	renewal, _ := data["renewal"].(bool)
	m.acmeAttempt(event, name, renewal, data)
	if !renewal {
		// A first certificate is recorded by whoever puts it in the cache
		// (newManager, obtainWithRetry): only then is it served.
		return nil
	}
	switch event {
	case "cert_obtained":
		key, _ := data["certificate_path"].(string)
		notAfter, err := m.storedNotAfter(ctx, key)
		if err != nil {
			m.logger.Warn("cannot read the certificate just stored", "name", name, "error", err)
			return nil
		}
		m.status.update(name, func(s *CertStatus) {
			if strings.HasPrefix(s.Issuer, issuerFiles) {
				return
			}
			s.NotAfter, s.Error, s.ErrorAt, s.NextAttempt = notAfter, "", time.Time{}, time.Time{}
		})
	case "cert_failed":
		err, _ := data["error"].(error)
		if err == nil {
			return nil
		}
		m.status.update(name, func(s *CertStatus) {
			s.Error, s.ErrorAt, s.NextAttempt = oneLine(err), time.Now().UTC(), time.Time{}
		})
	}
	return nil
}

// storedNotAfter reads the expiry of the certificate at a storage key.
func (m *Manager) storedNotAfter(ctx context.Context, key string) (time.Time, error) {
	data, err := m.storage.Load(ctx, key)
	if err != nil {
		return time.Time{}, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return time.Time{}, errors.New("no PEM certificate")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return time.Time{}, err
	}
	return leaf.NotAfter.UTC(), nil
}

// recordServed records that name has a certificate in the cache, with its
// expiry, and clears any error.
func (m *Manager) recordServed(name string) {
	var notAfter time.Time
	for _, c := range m.cache.AllMatchingCertificates(name) {
		if c.Leaf != nil && c.Leaf.NotAfter.After(notAfter) {
			notAfter = c.Leaf.NotAfter.UTC()
		}
	}
	m.status.update(name, func(s *CertStatus) {
		s.NotAfter, s.Error, s.ErrorAt, s.NextAttempt = notAfter, "", time.Time{}, time.Time{}
	})
}

// recordFailure records a failed attempt for name; next is when the next
// attempt is due (zero if unknown).
func (m *Manager) recordFailure(name string, err error, next time.Time) {
	m.status.update(name, func(s *CertStatus) {
		s.Error, s.ErrorAt, s.NextAttempt = oneLine(err), time.Now().UTC(), next.UTC()
	})
}

// onFilesChange records the outcome of (re)loading the certificate files:
// the names of the pair served, and the error that kept a replacement out.
func (m *Manager) onFilesChange(kp *KeyPair, err error) {
	label := issuerFiles + m.files.cfg.CertFile
	var served []string
	for _, n := range kp.Names() {
		if n, nerr := normalizeName(n); nerr == nil {
			served = append(served, n)
		}
	}
	for n := range m.fileDomain {
		served = append(served, n)
	}
	for _, n := range served {
		if _, ok := m.status.get(n); !ok {
			m.status.add(CertStatus{Name: n, Issuer: label, PubliclyTrusted: true})
		}
		m.status.update(n, func(s *CertStatus) {
			s.Issuer, s.PubliclyTrusted, s.NotAfter = label, true, kp.NotAfter().UTC()
			if err != nil {
				s.Error, s.ErrorAt = "replacement refused, previous certificate still served: "+oneLine(err), time.Now().UTC()
			} else {
				s.Error, s.ErrorAt = "", time.Time{}
			}
		})
	}
}

// oneLine makes an error fit one log line and one table cell.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// servedNames lists the names dashbox serves: localhost, both loopback
// addresses, the domains, then the host name (if it is a valid DNS name),
// normalized and without duplicates. An invalid domain is an error; an
// unusable host name is only logged, since the user did not ask for it.
func servedNames(domains []string, wildcards bool, hostname func() (string, error), logger *slog.Logger) ([]string, error) {
	names := slices.Clone(builtinNames)
	for _, d := range domains {
		n, err := normalizeDomain(d, wildcards)
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
		if !slices.Contains(builtinNames, n) && !certmagic.SubjectIsIP(n) && !isWildcard(n) {
			return n
		}
	}
	return "localhost"
}
