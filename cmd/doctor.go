package cmd

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/dashbox/dashbox/dns01"
	"github.com/dashbox/dashbox/doctor"
	"github.com/dashbox/dashbox/oidc"
	"github.com/dashbox/dashbox/service"
	dashstorage "github.com/dashbox/dashbox/storage"
	dashtls "github.com/dashbox/dashbox/tls"
)

const doctorUsage = `Usage: dashbox doctor [serve flags]
       dashbox doctor --installed

Checks, before going live, what would make 'dashbox serve' with the same
flags fail or not get its certificates, and prints one line per check: OK,
WARN or FAIL, and for each FAIL what to change. It exits 1 when a check
fails. It changes nothing (it binds each port for a moment to see that it
is free).

  the flags, as serve validates them
  the state directory, static directory and files: writable or readable
    by the user that runs dashbox (the service's user with --installed)
  the ports: free, or held by systemd's socket or a running dashbox
  for each --domain an ACME CA signs: its A/AAAA records point at this
    machine (WARN when behind NAT or a balancer), its CAA records allow
    the CA; the CA's ACME directory answers, and the clock is within
    seconds of the CA's (its Date header)
  with --storage: the database answers (with --storage-password-file or
    --storage-client-cert),
    its schema version and tables, a lock taken and released, and its
    clock against this machine's (WARN past 10s)
  with --oidc-issuer: the provider's discovery document and signing keys
    (trusting --oidc-issuer-ca as serve does), and that the redirect URL
    https://DOMAIN/auth/callback is registered for --oidc-client-id
  the firewall (nftables, iptables, ufw; read only, best effort) lets the
    ports in
  the certificates in storage and when each expires
  with --installed, the installed binary's version against this one

With a local CA or certificate files (air-gapped) nothing is checked on
the network for certificates; the OpenID provider, which serve asks at
every sign-in, still is. See docs/doctor.md.

  sudo dashbox doctor --installed
  dashbox doctor --domain dash.example.com --state-dir /var/lib/dashbox

Flags (serve's, and doctor's own: --installed, --unit-file, --resolver;
each also read from DASHBOX_<NAME>; flags win):
`

// doctorFlags are doctor's own flags, besides serve's.
type doctorFlags struct {
	installed bool
	unitFile  string
	resolver  string
}

func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var own doctorFlags
	cfg, err := parseServeFlags(args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.BoolVar(&own.installed, "installed", false, "check the installed service: serve's flags from its unit's ExecStart=, its user, its binary; give no serve flag")
		fs.StringVar(&own.unitFile, "unit-file", "", "with --installed, read this unit `file` instead of the installed one (/etc/systemd/system/dashbox.service)")
		fs.StringVar(&own.resolver, "resolver", "", "ask this DNS `server` (host:port, such as 1.1.1.1:53) instead of /etc/resolv.conf's, to see what the CA sees behind split-horizon DNS")
		help := fs.Output().(*helpBuffer)
		fs.Usage = func() {
			help.Reset()
			help.WriteString(doctorUsage)
			fs.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if own.unitFile != "" && !own.installed {
		return usageError{"--unit-file goes with --installed: add --installed, or drop --unit-file"}
	}
	var installed *service.Installed
	if own.installed {
		if i := slices.IndexFunc(cfg.set, func(name string) bool { return !cfg.flags.own[name] }); i >= 0 {
			return usageError{fmt.Sprintf("--%s with --installed: the installed unit's flags are checked; drop --%s, or --installed to check a command line", cfg.set[i], cfg.set[i])}
		}
		unit, err := readUnit(own.unitFile)
		if err != nil {
			return err
		}
		installed = &unit
		// The service's own environment sets the defaults, not this one's.
		cfg, err = parseServeFlags(unit.ServeArgs, serviceEnv(func(string) string { return "" }), io.Discard, nil)
		if err != nil {
			return fmt.Errorf("the unit %s runs serve with flags serve refuses: %v: install again with valid flags", unit.UnitPath, err)
		}
	}
	results := doctor.Run(ctx, doctorConfig(cfg, checkServeFlags(cfg), installed), doctorEnv(own))
	if err := doctor.Write(stdout, results); err != nil {
		return err
	}
	if doctor.Failed(results) {
		return errDoctorFailed
	}
	return nil
}

// checkServeFlags is doctor's "flags" check: serve's validation, which
// reads the certificate files but binds and writes nothing. (serve --check,
// validation without binding, is another helper's work not yet on main;
// once there, this calls the same function.)
func checkServeFlags(cfg *serveConfig) error {
	return cfg.validate()
}

// errDoctorFailed is doctor's error when a check fails: the FAIL lines
// have said what to change.
var errDoctorFailed = errors.New("some checks failed: see the FAIL lines above")

func readUnit(path string) (service.Installed, error) {
	if path != "" {
		return service.ReadUnitFile(path)
	}
	return service.ReadInstalled(service.Config{})
}

// doctorConfig describes for the checks what serve would do with cfg,
// whose validation returned flagsErr. installed is the unit cfg comes
// from, or nil.
func doctorConfig(cfg *serveConfig, flagsErr error, installed *service.Installed) doctor.Config {
	v, _, _ := buildInfo()
	dc := doctor.Config{
		FlagsErr:     flagsErr,
		FlagsChecker: "as serve validates them at start",
		HTTPSAddr:    cfg.httpsAddr,
		HTTPAddr:     cfg.httpAddr,
		MetricsAddr:  cfg.metricsAddr,
		StateDir:     doctor.Path{Label: "state directory (--state-dir)", Path: cfg.stateDir},
		StaticDir:    doctor.Path{Label: "static directory (--static-dir)", Path: cfg.staticDir},
		Service:      installed != nil,
		Certificates: func() ([]doctor.Certificate, error) { return storedCertificates(cfg.stateDir) },
	}
	cfg.flags.VisitAll(func(f *flag.Flag) {
		if cfg.flags.kinds[f.Name].Kind == service.Secret && f.Value.String() != "" {
			dc.Files = append(dc.Files, doctor.Path{Label: "file of --" + f.Name, Path: f.Value.String()})
		}
	})
	dc.OIDC = doctorOIDC(cfg)
	dc.Storage = doctorStorage(cfg)
	if installed != nil {
		dc.InstalledBinary, dc.RunningVersion = installed.BinaryPath, v
	}
	directory := cfg.acmeCA
	if cfg.acmeStaging {
		directory = dashtls.LetsEncryptStaging
	}
	names := dashtls.ACMENames(directory, cfg.domains)
	switch {
	case cfg.tlsCert != "":
		dc.Offline = "certificate files"
	case !cfg.acme:
		dc.Offline = "--acme=false: every name on the local CA"
	case len(names) == 0:
		dc.Offline = "no --domain an ACME CA signs: the local CA"
	default:
		if directory == "" {
			directory = dashtls.LetsEncryptProduction
		}
		acme := &doctor.ACME{Directory: directory, Domains: names}
		if len(cfg.acmeRoots) > 0 {
			acme.Roots = x509.NewCertPool()
			acme.Roots.AppendCertsFromPEM(cfg.acmeRoots)
		}
		if cfg.dns01Enabled() && cfg.dnsKey.Name != "" {
			p := &dns01.Provider{Server: cfg.dnsServer, Key: cfg.dnsKey, Zone: cfg.dnsZone}
			acme.DNS01 = &doctor.DNS01{Server: cfg.dnsServer, TryUpdate: p.TryUpdate}
		}
		dc.ACME = acme
	}
	return dc
}

// doctorOIDC describes the --oidc-* flags' provider for the checks, or
// returns nil without --oidc-issuer.
func doctorOIDC(cfg *serveConfig) *doctor.OIDC {
	o := cfg.oidc
	if o.issuer == "" {
		return nil
	}
	d := &doctor.OIDC{
		Issuer: o.issuer, ClientID: o.clientID,
		IssuerLabel: "--oidc-issuer", ClientLabel: "--oidc-client-id", RootsLabel: "--oidc-issuer-ca",
	}
	if o.issuerCA != "" {
		// An unreadable file is the flags check's FAIL; the system's
		// roots then stand in.
		d.Roots, _ = oidc.LoadRootCAs(o.issuerCA)
	}
	d.RedirectURLs, d.NoRedirect = redirectURLs(cfg)
	return d
}

// redirectURLs are the redirect URIs serve sends the provider: the sign-in
// handler builds https://HOST/auth/callback from the Host users open, a
// --domain with the HTTPS port unless it is 443 or a balancer
// (--proxy-protocol) is in front, whose port users open. Without
// --domain, the host of --https-addr when it names one.
func redirectURLs(cfg *serveConfig) ([]string, string) {
	host, port, err := net.SplitHostPort(cfg.httpsAddr)
	if err != nil {
		return nil, "--https-addr " + cfg.httpsAddr + " is not host:port"
	}
	names := []string(cfg.domains)
	if len(names) == 0 {
		if a, err := netip.ParseAddr(host); host == "" || (err == nil && a.IsUnspecified()) {
			return nil, "no --domain: the redirect URL is https://<the host users open>" + oidc.CallbackPath + ", register it at the provider"
		}
		names = []string{host}
	}
	var urls []string
	for _, n := range names {
		if strings.HasPrefix(n, "*.") {
			continue // users open names under it; which ones is not known
		}
		h := n
		if port != "443" && len(cfg.proxyProtocol) == 0 {
			h = net.JoinHostPort(n, port)
		} else if strings.Contains(n, ":") {
			h = "[" + n + "]"
		}
		urls = append(urls, "https://"+h+oidc.CallbackPath)
	}
	if len(urls) == 0 {
		return nil, "only wildcard --domain names: register https://<each name users open>" + oidc.CallbackPath + " at the provider"
	}
	return urls, ""
}

// doctorStorage describes --storage for the checks, or returns nil
// without it.
func doctorStorage(cfg *serveConfig) *doctor.Storage {
	s := cfg.storage
	if s.url == "" {
		return nil
	}
	var certLabel string
	if s.clientCert != "" {
		certLabel = "--storage-client-cert"
	}
	return &doctor.Storage{
		Where:    dashstorage.Redact(s.url),
		URLLabel: "--storage", PasswordLabel: "--storage-password-file", ClientCertLabel: certLabel,
		Inspect: func(ctx context.Context) (doctor.StorageState, error) {
			in, err := dashstorage.Inspect(ctx, s.config(), doctorLockName)
			if err != nil {
				for _, k := range [][2]error{{dashstorage.ErrUnreachable, doctor.ErrStorageUnreachable}, {dashstorage.ErrLoginRefused, doctor.ErrStorageLoginRefused}, {dashstorage.ErrNoDatabase, doctor.ErrStorageNoDatabase}} {
					if errors.Is(err, k[0]) {
						return doctor.StorageState{}, &kindError{k[1], err}
					}
				}
				return doctor.StorageState{}, err
			}
			return doctor.StorageState{
				SchemaVersion: in.SchemaVersion, SupportedVersion: in.SupportedVersion,
				MissingTables: in.MissingTables, CanCreate: in.CanCreate,
				LockChecked: in.LockChecked, LockErr: in.LockErr,
				DatabaseNow: in.DatabaseNow, LocalNow: in.LocalNow,
			}, nil
		},
	}
}

// doctorLockName is the lock doctor takes and releases in the storage:
// one of its own, which serve's certificate work never waits for.
const doctorLockName = "dashbox-doctor-check"

// kindError is err, and also of kind for errors.Is.
type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// storedCertificates reads what 'dashbox certs' shows.
func storedCertificates(stateDir string) ([]doctor.Certificate, error) {
	report, err := dashtls.ReadStatus(stateDir)
	if errors.Is(err, dashtls.ErrNoStatus) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var certs []doctor.Certificate
	for _, c := range report.Certificates {
		certs = append(certs, doctor.Certificate{Name: c.Name, Issuer: c.Issuer, NotAfter: c.NotAfter, Error: c.Error})
	}
	return certs, nil
}

func doctorEnv(own doctorFlags) doctor.Env {
	var env doctor.Env
	if own.resolver != "" {
		env.DNS = doctor.NewResolver(own.resolver)
	}
	return env
}
