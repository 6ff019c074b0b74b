// Package doctor checks, before dashbox goes live, the preconditions whose
// failure operators otherwise learn about from a log line after the fact:
// files the service user cannot write, ports already taken, DNS that points
// elsewhere, a CAA record forbidding the CA, an unreachable ACME directory,
// a clock that is off, a firewall closing port 80, certificates about to
// expire, an installed binary older than the one at hand, a shared
// database out of reach, an identity provider that does not know the
// redirect URL.
//
// Each check is a small function that returns one Result or more; Run runs
// them all in order. The package knows nothing of flags: the CLI describes
// what serve would do in a Config (with labels that name its flags) and
// injects what touches the outside world through Env, so tests point the
// DNS at a test server and the clock check at a test server's Date header.
package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"
)

// Status is the outcome of one check.
type Status int

const (
	// OK means the precondition holds.
	OK Status = iota
	// Warn means it may not hold, or could not be checked fully: serving
	// may still work.
	Warn
	// Fail means dashbox will not serve, or not get its certificates, as
	// configured.
	Fail
)

// String is the word printed at the start of a result's line.
func (s Status) String() string {
	switch s {
	case OK:
		return "OK"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// Result is the outcome of one check of one thing.
type Result struct {
	// Status is OK, Warn or Fail.
	Status Status
	// Check names what was checked, such as "state directory" or "DNS
	// dash.example.com".
	Check string
	// Message says what was found.
	Message string
	// Fix says what to change; set for every Fail, and for a Warn when
	// there is something to do.
	Fix string
}

// String is the result as one line: "FAIL  check: message; fix: ...".
func (r Result) String() string {
	s := fmt.Sprintf("%-4s  %s: %s", r.Status, r.Check, r.Message)
	if r.Fix != "" {
		s += "; fix: " + r.Fix
	}
	return s
}

// Path is a file or directory serve uses, with the words that name it in
// messages (the CLI puts its flag there: "state directory (--state-dir)").
type Path struct {
	// Label names the path in messages.
	Label string
	// Path is the file or directory; empty means not used.
	Path string
}

// Config describes what 'dashbox serve' would do with the flags checked.
type Config struct {
	// FlagsErr is the outcome of validating serve's flags: nil when they
	// are valid. FlagsChecker names what validated them, for the message.
	FlagsErr     error
	FlagsChecker string

	// HTTPSAddr and HTTPAddr are the listeners' addresses; an empty
	// HTTPAddr means no HTTP listener.
	HTTPSAddr, HTTPAddr string
	// MetricsAddr is the metrics listener's address; empty means none.
	MetricsAddr string

	// StateDir is the directory serve writes certificates to; StaticDir a
	// directory it reads; Files are files it reads (htpasswd, certificate
	// files, CA roots).
	StateDir  Path
	StaticDir Path
	Files     []Path

	// Service says the checks are for the installed system service: it
	// runs as a dynamic user in no group (it reads only what any user may
	// read), systemd makes its state directory, and it reads the Files
	// through LoadCredential=, as root.
	Service bool

	// ACME is nil in air-gapped mode (local CA or certificate files);
	// Offline then says why, and nothing is checked on the network for
	// certificates (the OIDC provider still is).
	ACME    *ACME
	Offline string

	// Storage is the shared storage of a cluster; nil means the state
	// directory.
	Storage *Storage

	// OIDC is the OpenID Connect provider users sign in with; nil means
	// none.
	OIDC *OIDC

	// Certificates reads the certificates in storage (what 'dashbox certs'
	// shows); nil skips the check.
	Certificates func() ([]Certificate, error)

	// InstalledBinary is the program the installed unit runs, and
	// RunningVersion this binary's version: compared when both are set.
	InstalledBinary string
	RunningVersion  string
}

// ACME describes the ACME CA serve would ask for certificates.
type ACME struct {
	// Directory is the URL of the CA's ACME directory.
	Directory string
	// Roots verify the directory's HTTPS certificate; nil means the
	// system's roots.
	Roots *x509.CertPool
	// Domains are the names serve would ask the CA for.
	Domains []string
	// CAAIdentities are the CA's issuer domain names for CAA records when
	// the directory does not list them (meta.caaIdentities).
	CAAIdentities []string
	// DNS01 is set when the names are proven with DNS-01: where they
	// point and which ports are open do not matter to the CA then, and
	// the check is that the challenge records can be updated.
	DNS01 *DNS01
}

// Certificate is one certificate in storage.
type Certificate struct {
	// Name is the host name or address it serves.
	Name string
	// Issuer says where it comes from.
	Issuer string
	// NotAfter is when it expires; zero when there is none yet.
	NotAfter time.Time
	// Error is the last error getting or renewing it.
	Error string
}

// Env is what the checks use of the outside world. Zero fields mean the
// real thing.
type Env struct {
	// DNS answers the DNS queries; nil means the servers of
	// /etc/resolv.conf.
	DNS Resolver
	// HTTPClient fetches the ACME directory; nil means a client trusting
	// ACME.Roots (or the system's roots).
	HTTPClient *http.Client
	// Now is the local clock.
	Now func() time.Time
	// LocalAddrs lists this machine's addresses.
	LocalAddrs func() ([]netip.Addr, error)
	// Firewall reads the firewall's rules; nil means the real nftables,
	// iptables and ufw, read only.
	Firewall func(ctx context.Context) []FirewallRules
	// BinaryVersion runs a binary's 'version' command and returns its
	// version.
	BinaryVersion func(ctx context.Context, binary string) (string, error)
}

func (e Env) withDefaults(cfg Config) Env {
	if e.DNS == nil {
		e.DNS = SystemResolver()
	}
	if e.HTTPClient == nil {
		e.HTTPClient = defaultHTTPClient(cfg.ACME)
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.LocalAddrs == nil {
		e.LocalAddrs = interfaceAddrs
	}
	if e.Firewall == nil {
		e.Firewall = readFirewalls
	}
	if e.BinaryVersion == nil {
		e.BinaryVersion = binaryVersion
	}
	return e
}

// Run runs every check that applies to cfg, in order: flags, files, ports,
// the network (ACME directory and clock, DNS and CAA of each domain), the
// shared storage, the OpenID Connect provider, the firewall, the certificates in storage, the installed binary.
func Run(ctx context.Context, cfg Config, env Env) []Result {
	env = env.withDefaults(cfg)
	var rs []Result
	rs = append(rs, checkFlags(cfg))
	rs = append(rs, checkStateDir(cfg))
	rs = append(rs, checkStaticDir(cfg)...)
	for _, f := range cfg.Files {
		rs = append(rs, checkFile(cfg, f)...)
	}
	rs = append(rs, checkPorts(cfg)...)
	rs = append(rs, checkNetwork(ctx, cfg, env)...)
	rs = append(rs, checkStorage(ctx, cfg)...)
	rs = append(rs, checkOIDC(ctx, cfg)...)
	rs = append(rs, checkFirewall(ctx, cfg, env)...)
	rs = append(rs, checkCertificates(cfg, env)...)
	rs = append(rs, checkVersion(ctx, cfg, env)...)
	return rs
}

// Failed reports whether any result is a Fail.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

// Write prints the results one a line, then a summary line.
func Write(w io.Writer, rs []Result) error {
	var n [3]int
	for _, r := range rs {
		n[r.Status]++
		if _, err := fmt.Fprintln(w, r.String()); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d OK, %d WARN, %d FAIL\n", n[OK], n[Warn], n[Fail])
	return err
}

func checkFlags(cfg Config) Result {
	r := Result{Check: "flags", Message: "valid (" + cfg.FlagsChecker + ")"}
	if cfg.FlagsErr != nil {
		r.Status, r.Message, r.Fix = Fail, cfg.FlagsErr.Error(), "change the flags as the message says"
	}
	return r
}
