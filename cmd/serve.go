package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/service"
	"github.com/dashbox/dashbox/static"
	dashtls "github.com/dashbox/dashbox/tls"
)

const serveUsage = `Usage: dashbox serve [flags]

Serves the dashboards over HTTPS, and redirects plain HTTP to HTTPS.

Certificates:
  --domain names get publicly trusted certificates from Let's Encrypt (or
  the ACME CA of --acme-ca), obtained in the background and renewed while
  serving. Using ACME means agreeing to the CA's terms (Let's Encrypt's
  Subscriber Agreement: https://letsencrypt.org/repository/). The names must
  resolve to this server, with ports 80 and 443 reachable by the CA; with
  --acme-dns-server and --acme-dns-tsig-key they are proven with DNS records
  instead (DNS-01: no port open to the CA, wildcards work). Try
  --acme-staging first: production allows 5 certificates for the same names
  a week.
  localhost, IP addresses and names no public CA signs (single-label, .local,
  .internal, ...) get certificates from dashbox's own local CA, created once
  in the state directory; 'dashbox ca' prints its root.
  --tls-cert and --tls-key serve your own certificate files instead of ACME.
  'dashbox certs' prints each certificate's issuer, expiry and last error.

Access:
  --auth-file requires a login (HTTP Basic authentication, over HTTPS only)
  for every page and callback; /healthz and /static/ stay public. The file is
  an htpasswd file with bcrypt hashes: 'dashbox passwd FILE USER' adds a user
  or changes a password, and files from Apache's 'htpasswd -B' work. It is
  re-read when it changes and on SIGHUP. After 10 failed logins in a minute
  (attempts still being checked count too) an address gets 429 until the
  oldest failure is a minute old; a browser that logged in before counts
  apart from its address, by its __Host-dashbox-device cookie. Beyond one
  password check per CPU at once, logins get 503 with Retry-After: 1.
  --allow limits every path but /healthz to clients of the given networks;
  others get 403. Client addresses are the connections': no X-Forwarded-For
  is believed. Behind a TCP load balancer, --proxy-protocol names it: the
  client address then comes from its PROXY protocol header (docs/cluster.md).

Metrics:
  --metrics-addr serves Prometheus metrics at /metrics on a listener of its
  own, over plain HTTP: keep it on loopback or a private network. Off by
  default. --metrics-public serves them on the HTTPS port too, behind --allow
  --auth-file or --oidc-issuer. docs/metrics.md lists every metric.

Flags (each also read from DASHBOX_<NAME>, such as DASHBOX_HTTPS_ADDR; flags win):
`

// serveConfig is the validated configuration of 'dashbox serve'.
type serveConfig struct {
	httpsAddr       string
	httpAddr        string
	domains         listFlag
	stateDir        string
	staticDir       string
	accessLog       string
	logFormat       string
	logLevel        string
	shutdownTimeout time.Duration
	maxConnections  int
	acme            bool
	acmeStaging     bool
	acmeCA          string
	acmeCARoot      string
	email           string
	tlsCert         string
	tlsKey          string
	hsts            bool
	authFile        string
	allow           listFlag
	storage         storageFlags
	metricsAddr     string
	metricsPublic   bool
	oidc            oidcConfig
	proxyProtocol   listFlag

	// DNS-01 and External Account Binding (dns01.go).
	acmeExtraConfig
	// check is --check: validate and exit (checkServe), without serving.
	check bool

	// proxySources are the balancers of proxyProtocol, parsed by validate.
	proxySources []netip.Prefix

	// allowNets are the networks of allow, parsed by validate.
	allowNets []netip.Prefix

	// acmeRoots is the content of acmeCARoot, read by validate.
	acmeRoots []byte

	// flags is the parsed flag set, and set the names of the flags given on
	// the command line or through the environment: what 'service install'
	// writes into the unit (serviceServe).
	flags *serveFlagSet
	set   []string
}

// parseServe parses and validates serve's flags and environment, without
// binding or writing anything.
func parseServe(args []string, getenv func(string) string, stdout io.Writer) (*serveConfig, error) {
	cfg, err := parseServeFlags(args, getenv, stdout, nil)
	if err != nil {
		return nil, err
	}
	return cfg, cfg.validate()
}

// parseServeFlags parses serve's flags and environment without validating
// them. own, when not nil, defines a command's own flags besides serve's on
// the same set (service install's --install-path); they do not reach serve.
func parseServeFlags(args []string, getenv func(string) string, stdout io.Writer, own func(*flag.FlagSet)) (*serveConfig, error) {
	cfg := &serveConfig{}
	fs := &serveFlagSet{FlagSet: newFlagSet("serve", serveUsage, stdout), kinds: map[string]service.Arg{}, own: map[string]bool{}}
	fs.StringVar(&cfg.httpsAddr, "https-addr", ":443", "`address` of the HTTPS listener")
	fs.StringVar(&cfg.httpAddr, "http-addr", ":80", "`address` of the HTTP listener that redirects to HTTPS; empty turns it off")
	fs.Var(&cfg.domains, "domain", "a `name` the certificate covers besides localhost, 127.0.0.1, ::1 and the host name; repeat for more (comma-separated in the environment)")
	fs.path(&cfg.stateDir, "state-dir", defaultStateDir(getenv), "`directory` for certificates and the local CA (default: $STATE_DIRECTORY, else /var/lib/dashbox as root, else ~/.local/share/dashbox)", service.StateDir)
	fs.path(&cfg.staticDir, "static-dir", "", "also serve this `directory` at /static/; embedded assets win where both have a file", service.ReadDir)
	fs.path(&cfg.accessLog, "access-log", defaultAccessLog(getenv), "access log in nginx's combined format: a file `path`, - for stdout, or off; reopened on SIGHUP (default: $LOGS_DIRECTORY/access.log, else -)", service.LogFile)
	fs.StringVar(&cfg.logFormat, "log-format", "text", "format of the error and event log on stderr: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "least severe level logged: debug, info, warn or error")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", server.DefaultShutdownTimeout, "how long in-flight requests may take to finish after SIGTERM")
	fs.IntVar(&cfg.maxConnections, "max-connections", server.DefaultMaxConnections, "cap on simultaneous `connections` per listener (HTTPS, and the HTTP redirect apart); one client address may hold half; past the cap a connection is reset at once; from 3/4 of it, idle keep-alives are closed after 5 s. The default serves several hundred browsers in about 150 MiB")
	fs.BoolVar(&cfg.acme, "acme", true, "get publicly trusted certificates for --domain names from an ACME CA (Let's Encrypt unless --acme-ca); false keeps every name on the local CA")
	fs.BoolVar(&cfg.acmeStaging, "acme-staging", false, "use Let's Encrypt's staging CA: untrusted certificates, generous limits; try a set-up there first")
	fs.StringVar(&cfg.acmeCA, "acme-ca", "", "`URL` of another ACME CA's directory, such as a private step-ca (https://ca.example.com/acme/acme/directory)")
	fs.secret(&cfg.acmeCARoot, "acme-ca-root", "acme-ca-root", "PEM `file` with the root certificate of the --acme-ca, when the system does not trust it")
	fs.StringVar(&cfg.email, "email", "", "contact `address` of the ACME account (optional): the CA may write there about it")
	fs.secret(&cfg.tlsCert, "tls-cert", "tls-cert", "serve this certificate chain (PEM `file`, server certificate first) instead of ACME; reloaded when it changes and on SIGHUP")
	fs.secret(&cfg.tlsKey, "tls-key", "tls-key", "PEM `file` with the private key of --tls-cert")
	cfg.defineACMEExtraFlags(fs)
	fs.BoolVar(&cfg.hsts, "hsts", true, "send Strict-Transport-Security (one year) with publicly trusted certificates (ACME, --tls-cert), never with the local CA's")
	fs.secret(&cfg.authFile, "auth-file", "htpasswd", "htpasswd `file` (bcrypt: dashbox passwd or htpasswd -B): every page and callback needs a login, /healthz and /static/ stay public; reloaded when it changes and on SIGHUP")
	defineOIDCFlags(fs, &cfg.oidc)
	cfg.storage.defineServe(fs)
	fs.Var(&cfg.allow, "allow", "only clients of this `network` (such as 10.0.0.0/8 or 2001:db8::/32; an address alone is /32 or /128) reach anything but /healthz, others get 403; repeat for more (comma-separated in the environment)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "", "`address` of a listener serving Prometheus metrics at /metrics over plain HTTP, such as 127.0.0.1:9464; empty (the default) serves none. See docs/metrics.md")
	fs.BoolVar(&cfg.metricsPublic, "metrics-public", false, "also serve /metrics on the HTTPS port, behind --allow and the login (one of them is required)")
	fs.BoolVar(&cfg.check, "check", false, "check the flags, the files they name, the state directory and the certificates, then exit 0 or with serve's error, without binding or serving")
	fs.own["check"] = true // never written into the unit
	fs.Var(&cfg.proxyProtocol, "proxy-protocol", proxyProtocolUsage)
	if own != nil {
		serve := map[string]bool{}
		fs.VisitAll(func(f *flag.Flag) { serve[f.Name] = true })
		own(fs.FlagSet)
		fs.VisitAll(func(f *flag.Flag) { fs.own[f.Name] = fs.own[f.Name] || !serve[f.Name] })
	}
	set, err := parseFlagsExplicit(fs.FlagSet, args, getenv)
	if err != nil {
		return nil, err
	}
	cfg.flags, cfg.set = fs, set
	return cfg, nil
}

// serviceServe describes serve, as parsed, for the unit: the flags given,
// each with its kind, and the settings the unit derives from (the stop
// timeout, the URLs to print).
func (c *serveConfig) serviceServe() (service.Serve, error) {
	args, err := c.flags.unitArgs(c.set)
	if err != nil {
		return service.Serve{}, err
	}
	return service.Serve{Args: args, Domains: c.domains, HTTPSAddr: c.httpsAddr, HTTPAddr: c.httpAddr, NoHTTP: c.httpAddr == "",
		ShutdownTimeout: c.shutdownTimeout}, nil
}

// validate checks everything that can be checked without side effects.
func (c *serveConfig) validate() error {
	if err := server.ValidateAddr(c.httpsAddr); err != nil {
		return usageFlagError("--https-addr", err)
	}
	if c.httpAddr != "" {
		if err := server.ValidateAddr(c.httpAddr); err != nil {
			return usageFlagError("--http-addr", err)
		}
	}
	validateDomain := dashtls.ValidateDomain
	if c.dns01Enabled() {
		validateDomain = dashtls.ValidateDomainDNS01 // wildcards too
	}
	for _, d := range c.domains {
		if strings.HasPrefix(d, "*.") && !c.dns01Enabled() {
			return usageError{fmt.Sprintf("invalid --domain %q: a wildcard can only be proven with DNS-01: give --acme-dns-server and --acme-dns-tsig-key (see docs/dns01.md), or list each host name as a --domain of its own", d)}
		}
		if err := validateDomain(d); err != nil {
			return usageFlagError("--domain", err)
		}
	}
	if c.stateDir == "" {
		return usageError{"no state directory: set --state-dir (neither $STATE_DIRECTORY nor $HOME is set)"}
	}
	if c.staticDir != "" {
		if err := static.ValidateDir(c.staticDir); err != nil {
			return forFlag("--static-dir", err)
		}
	}
	if _, err := newLogHandler(io.Discard, c.logFormat, c.logLevel); err != nil {
		return usageError{err.Error()}
	}
	if c.shutdownTimeout <= 0 {
		return usageError{fmt.Sprintf("invalid --shutdown-timeout %s: give a positive duration such as 10s", c.shutdownTimeout)}
	}
	if c.maxConnections <= 0 {
		return usageError{fmt.Sprintf("invalid --max-connections %d: give a positive number of connections such as %d", c.maxConnections, server.DefaultMaxConnections)}
	}
	if err := c.validateAccess(); err != nil {
		return err
	}
	if err := c.validateMetrics(); err != nil {
		return err
	}
	if err := c.validateOIDC(); err != nil {
		return err
	}
	if err := c.storage.validate("storage"); err != nil {
		return err
	}
	sources, err := proxySources(c.proxyProtocol)
	if err != nil {
		return err
	}
	c.proxySources = sources
	return c.validateCertificates()
}

// validateCertificates checks the certificate flags and how they combine:
//
//   - --tls-cert and --tls-key go together, and replace ACME: the ACME
//     flags are refused with them, and every --domain must be covered by
//     the certificate (the files are read and checked: readable, key
//     matching, not expired).
//   - --acme-staging and --acme-ca both choose the CA: one at most.
//     --acme-ca-root only makes sense with --acme-ca.
//   - ACME flags need ACME (not --acme=false) and a --domain to use them.
func (c *serveConfig) validateCertificates() error {
	var acmeFlags []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--acme-staging", c.acmeStaging},
		{"--acme-ca", c.acmeCA != ""},
		{"--acme-ca-root", c.acmeCARoot != ""},
		{"--email", c.email != ""},
	} {
		if f.set {
			acmeFlags = append(acmeFlags, f.name)
		}
	}
	acmeFlags = append(acmeFlags, c.acmeExtraFlags()...)
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together: give the certificate file and its key file, or neither"}
	}
	if c.tlsCert != "" {
		if len(acmeFlags) > 0 {
			return usageError{fmt.Sprintf("%s does not apply with --tls-cert: certificate files replace ACME; drop one or the other", acmeFlags[0])}
		}
		kp, err := dashtls.LoadKeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return keyPairError(err, c.tlsCert, c.tlsKey)
		}
		if err := kp.CheckCovers(c.domains); err != nil {
			return valueFlagError("--domain", err)
		}
		return nil
	}
	if len(acmeFlags) > 0 {
		if !c.acme {
			return usageError{fmt.Sprintf("%s needs ACME, which --acme=false turns off: drop one or the other", acmeFlags[0])}
		}
		if len(c.domains) == 0 {
			return usageError{fmt.Sprintf("%s needs a --domain: only names given with --domain get certificates from an ACME CA", acmeFlags[0])}
		}
	}
	if c.acmeStaging && c.acmeCA != "" {
		return usageError{"--acme-staging and --acme-ca both choose the ACME CA: give one of them"}
	}
	if c.acmeCARoot != "" && c.acmeCA == "" {
		return usageError{"--acme-ca-root is the root of an --acme-ca: give --acme-ca too (Let's Encrypt needs no root)"}
	}
	if c.acmeCA != "" {
		if err := dashtls.ValidateACMEDirectory(c.acmeCA); err != nil {
			return usageFlagError("--acme-ca", err)
		}
	}
	if c.acmeCARoot != "" {
		roots, err := dashtls.LoadCARoots(c.acmeCARoot)
		if err != nil {
			return valueFlagError("--acme-ca-root", err)
		}
		c.acmeRoots = roots
	}
	if err := c.validateACMEExtra(); err != nil {
		return err
	}
	if c.email != "" {
		if a, err := mail.ParseAddress(c.email); err != nil || a.Address != c.email || a.Name != "" {
			return usageError{fmt.Sprintf("invalid --email %q: give a bare address such as ops@example.com", c.email)}
		}
	}
	return nil
}

// tlsConfig is the certificate configuration for serving on ln.
func (c *serveConfig) tlsConfig(ln *server.Listeners, logger *slog.Logger) dashtls.Config {
	cfg := dashtls.Config{StateDir: c.stateDir, Domains: c.domains, Logger: logger, Tuning: tlsTuning}
	switch {
	case c.tlsCert != "":
		cfg.Files = &dashtls.FilesConfig{CertFile: c.tlsCert, KeyFile: c.tlsKey}
	case c.acme && len(c.domains) > 0:
		acme := &dashtls.ACMEConfig{
			CA:         c.acmeCA,
			RootsPEM:   c.acmeRoots,
			Email:      c.email,
			HTTPSAddr:  ln.HTTPSAddr().String(),
			Challenges: acmeChallenges,
		}
		if c.acmeStaging {
			acme.CA = dashtls.LetsEncryptStaging
		}
		if a := ln.HTTPAddr(); a != nil {
			acme.HTTPAddr = a.String()
		}
		c.applyACMEExtra(acme)
		cfg.ACME = acme
	}
	return cfg
}

// Knobs for tests, which shorten certmagic's schedules and pick one ACME
// challenge at a time; production leaves them zero.
var (
	tlsTuning      dashtls.Tuning
	acmeChallenges []string
)

// defaultStateDir follows systemd first: under a unit with StateDirectory=,
// $STATE_DIRECTORY names the directory systemd made for the service.
func defaultStateDir(getenv func(string) string) string {
	if d := getenv("STATE_DIRECTORY"); d != "" {
		first, _, _ := strings.Cut(d, ":") // systemd separates several with ':'
		return first
	}
	if os.Geteuid() == 0 {
		return "/var/lib/dashbox"
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "dashbox")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "dashbox")
	}
	return ""
}

// defaultAccessLog writes to the directory systemd's LogsDirectory= made,
// like the access.log nginx keeps in /var/log/nginx; elsewhere to stdout.
func defaultAccessLog(getenv func(string) string) string {
	if d := getenv("LOGS_DIRECTORY"); d != "" {
		first, _, _ := strings.Cut(d, ":")
		return filepath.Join(first, "access.log")
	}
	return "-"
}

// newLogHandler builds the slog handler for --log-format and --log-level.
func newLogHandler(w io.Writer, format, level string) (slog.Handler, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: use text or json", format)
}

func runServe(ctx context.Context, opts Options, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stdout)
	if err != nil {
		return err
	}
	if cfg.check {
		return cfg.checkFiles(stdout)
	}
	h, _ := newLogHandler(stderr, cfg.logFormat, cfg.logLevel)
	logger := slog.New(h)
	memLimit := applyMemoryLimit(getenv)

	// Bind first: a taken or privileged port must fail before any state is
	// written. Under systemd's socket unit the sockets are already bound.
	ln, err := listenOrActivated(cfg, logger)
	if err != nil {
		return err
	}
	served := false
	defer func() {
		if !served {
			ln.Close()
		}
	}()
	mx, err := openMetrics(cfg)
	if err != nil {
		return err
	}
	defer mx.close()

	accessLog, err := server.OpenLogFile(cfg.accessLog, stdout)
	if err != nil {
		return forFlag("--access-log", err)
	}
	defer accessLog.Close()
	var accessLogW io.Writer // a nil *LogFile must stay a nil interface
	if accessLog != nil {
		accessLogW = accessLog
	}
	if err := dashtls.CheckStateDir(cfg.stateDir); err != nil {
		return stateDirError(err)
	}

	assets, err := static.New(static.Options{Dir: cfg.staticDir, Logger: logger})
	if err != nil {
		return staticDirError(err)
	}
	pg, err := pages.New(pages.Options{AssetURL: assets.URL, Logger: logger, RenderOnFirstRequest: true, Dashboards: opts.Dashboards, OnCallback: mx.onCallback()})
	if err != nil {
		return err
	}
	outage := &afterOutage{}
	shared, err := openServeStorage(ctx, cfg, logger, outage)
	if err != nil {
		return err
	}
	tlsCfg := cfg.tlsConfig(ln, logger)
	tlsCfg.OnACMEAttempt = mx.onACMEAttempt()
	if shared != nil {
		defer shared.Close()
		if err := useSharedStorage(&tlsCfg, shared); err != nil {
			return err
		}
	}
	certs, err := dashtls.New(ctx, tlsCfg)
	if err != nil {
		return stateDirError(err)
	}
	defer certs.Close()
	outage.certs.Store(certs)
	ca := certs.CA()
	trust := "dashbox ca --state-dir " + cfg.stateDir + " > dashbox-root.crt"
	if shared != nil {
		trust = "dashbox ca --storage '" + cfg.storage.url + "' > dashbox-root.crt"
	}
	logger.Info("local CA", "root", ca.RootPath(), "sha256", ca.Fingerprint(), "trust", trust)

	deps := server.Deps{Static: assets, Pages: pg, AccessLog: accessLogW, Logger: logger,
		HealthDetails: func() map[string]any {
			// The version lets 'service upgrade' see the new binary serve.
			return map[string]any{"certificates": certs.Status(), "version": runningVersion(), "storage": storageDetails(cfg, shared)}
		},
	}
	mx.wire(&deps, certs)
	users, err := openAccess(cfg, &deps, logger)
	if err != nil {
		return err
	}
	if err := openOIDC(cfg, &deps, opts.Dashboards, logger); err != nil {
		return err
	}
	if users != nil {
		defer users.Close()
	}

	stopHUP := onSIGHUP(logger, accessLog, certs, users)
	defer stopHUP()
	if cfg.hsts {
		deps.HSTS = func(r *http.Request) bool { return certs.PubliclyTrusted(r.TLS.ServerName) }
	}

	// Logged once start-up has passed every check, whose failures are one
	// line on stderr.
	logger.Info("soft memory limit", memLimit...)
	served = true
	stopNotify := context.AfterFunc(ctx, func() { service.Notify("STOPPING=1") })
	defer stopNotify()
	mctx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	mx.serve(mctx, logger)
	return serveError(ln.Serve(ctx, server.Config{
		TLSConfig:       certs.TLSConfig(),
		Handler:         server.NewHandler(deps),
		HTTPHandler:     server.NewHTTPHandler(ln.HTTPSPort(), accessLogW, certs.HTTPChallengeHandler, cfg.allowNets),
		ShutdownTimeout: cfg.shutdownTimeout,
		MaxConnections:  cfg.maxConnections,
		ProxyProtocol:   cfg.proxySources,
		Logger:          logger,
		OnTLSHandshake:  mx.onTLSHandshake(),
		OnServing: func() {
			attrs := []any{"https", ln.HTTPSAddr().String(), "url", homeURL(cfg, ln.HTTPSPort())}
			if a := ln.HTTPAddr(); a != nil {
				attrs = append(attrs, "http", a.String())
			}
			logger.Info("serving", attrs...)
			// Under systemd (Type=notify): both listeners are bound.
			if err := service.Notify("READY=1"); err != nil {
				logger.Warn("telling systemd the service is ready", "err", err)
			}
			// Start-up garbage (certificate parsing, the home page's gzip
			// writer, template parsing) is most of the heap at this point,
			// and the runtime would keep its pages until the heap grows
			// past them. Collecting once and returning every free page
			// takes about 0.7 MiB off idle RSS, for about a millisecond of
			// CPU while requests are already being served.
			debug.FreeOSMemory()
		},
	}))
}

// homeURL is the address a user should open.
func homeURL(cfg *serveConfig, port int) string {
	host := "localhost"
	if len(cfg.domains) > 0 {
		host = cfg.domains[0]
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	if port == 443 {
		return "https://" + host + "/"
	}
	return "https://" + host + ":" + strconv.Itoa(port) + "/"
}

// onSIGHUP reopens the access log whenever the process gets SIGHUP, as
// nginx does, so logrotate can move the file away, and reloads the
// certificate files (--tls-cert), so a renewed certificate is served at once,
// and the htpasswd file (--auth-file; users may be nil).
func onSIGHUP(logger *slog.Logger, l *server.LogFile, certs *dashtls.Manager, users *auth.Htpasswd) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				reload(logger, l, certs, users)
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}
