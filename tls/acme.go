package tls

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
	"golang.org/x/net/publicsuffix"
)

// ACME directory URLs of Let's Encrypt.
const (
	// LetsEncryptProduction issues publicly trusted certificates; it allows
	// 5 certificates for the same set of names a week.
	LetsEncryptProduction = certmagic.LetsEncryptProductionCA
	// LetsEncryptStaging issues untrusted test certificates with far higher
	// limits: try a set-up there first.
	LetsEncryptStaging = certmagic.LetsEncryptStagingCA
)

// ACME challenge types dashbox can answer on its own listeners.
const (
	// ChallengeHTTP01 is answered on the plain-HTTP listener (port 80),
	// ahead of the redirect.
	ChallengeHTTP01 = acme.ChallengeTypeHTTP01
	// ChallengeTLSALPN01 is answered on the HTTPS listener (port 443).
	ChallengeTLSALPN01 = acme.ChallengeTypeTLSALPN01
)

// ACMEConfig configures certificates from an ACME CA, such as Let's Encrypt
// or a company's own step-ca.
//
// Using an ACME CA means agreeing to its terms (for Let's Encrypt, the
// Subscriber Agreement at https://letsencrypt.org/repository/): dashbox
// accepts them on the operator's behalf, as docs/certificates.md says.
type ACMEConfig struct {
	// CA is the URL of the CA's ACME directory. Empty means
	// LetsEncryptProduction.
	CA string

	// RootsPEM holds certificates (PEM) trusted, besides the system's
	// roots, when talking to the CA: the root of a private CA whose HTTPS
	// certificate no public root signs. Empty means the system's roots
	// only. LoadCARoots reads and checks a file of them.
	RootsPEM []byte

	// Email is the contact of the ACME account: CAs may write there about
	// problems with the account or its certificates. Optional.
	Email string

	// HTTPAddr is the address the plain-HTTP listener is bound to
	// (host:port), where HTTP-01 challenges are answered through
	// HTTPChallengeHandler. Empty means there is no such listener, so
	// HTTP-01 is not used.
	HTTPAddr string

	// HTTPSAddr is the address the HTTPS listener is bound to (host:port),
	// where TLS-ALPN-01 challenges are answered through TLSConfig.
	// Required.
	//
	// Both addresses are given to certmagic, which tries to bind them
	// before a challenge and, finding them taken, trusts the listener there
	// to answer: it never opens a listener of its own next to dashbox's.
	HTTPSAddr string

	// Challenges limits the challenge types used (ChallengeHTTP01,
	// ChallengeTLSALPN01). Nil means both, HTTP-01 only if HTTPAddr is set.
	// DNS01 replaces them.
	Challenges []string

	// DNS01, when not nil, proves every name with the DNS-01 challenge
	// instead of HTTP-01 and TLS-ALPN-01, and allows wildcard domains.
	DNS01 *DNS01Config

	// ExternalAccount, when not nil, binds the ACME account to an account
	// at the CA, for CAs that require External Account Binding.
	ExternalAccount *ExternalAccount
}

// caURL returns the directory URL, defaulting to Let's Encrypt production.
func (c *ACMEConfig) caURL() string {
	if c.CA == "" {
		return LetsEncryptProduction
	}
	return c.CA
}

// ValidateACMEDirectory checks the URL of an ACME directory, without
// contacting it. Its error is a *ValueError.
func ValidateACMEDirectory(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return invalidValue("ACME directory URL", rawURL, "give the URL of the CA's ACME directory, such as https://ca.example.com/acme/acme/directory")
	}
	if u.Scheme != "https" {
		return invalidValue("ACME directory URL", rawURL, "ACME directories are served over https://")
	}
	return nil
}

// publicCAHosts are the hosts of public CAs' ACME directories. Public CAs
// sign only names under public top-level domains, never IP addresses from
// dashbox (Let's Encrypt's short-lived IP certificates need a profile
// dashbox does not ask for); a private CA signs whatever its own policy
// allows.
var publicCAHosts = []string{
	"acme-v02.api.letsencrypt.org",
	"acme-staging-v02.api.letsencrypt.org",
	"acme.zerossl.com",
	"dv.acme-v02.api.pki.goog",
	"dv.acme-v02.test-api.pki.goog",
	"api.buypass.com",
	"api.test4.buypass.no",
	"acme.ssl.com",
}

// isPublicCA reports whether the ACME directory at caURL belongs to a
// public CA.
func isPublicCA(caURL string) bool {
	u, err := url.Parse(caURL)
	if err != nil {
		return false
	}
	return slices.Contains(publicCAHosts, strings.ToLower(u.Hostname()))
}

// acmeRefusal says why name is not sent to the ACME CA at caURL, or returns
// "" if it is. name is normalized. The reason is logged, so that an
// operator who expected a publicly trusted certificate learns why the name
// stays on the local CA.
//
// Local-only names (localhost, IP addresses) always stay on the local CA.
// A public CA, like Let's Encrypt, also refuses single-label names and names
// under top-level domains that are not delegated in the public DNS (.local,
// .internal, .lan, .corp, .test, ...), as Caddy decides; asking anyway
// would only fail, over and over. A private CA (--acme-ca) is asked for
// every other name: internal names are what it is for.
func acmeRefusal(caURL, name string) string {
	switch {
	case certmagic.SubjectIsIP(name):
		return "IP addresses get certificates from the local CA"
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		return "localhost names get certificates from the local CA"
	case !isPublicCA(caURL):
		return ""
	case !strings.Contains(name, "."):
		return "a public CA does not sign single-label names"
	case !certmagic.SubjectQualifiesForPublicCert(name):
		return "a public CA does not sign internal names"
	}
	tld := name[strings.LastIndex(name, ".")+1:]
	if _, icann := publicsuffix.PublicSuffix(tld); !icann {
		return fmt.Sprintf("a public CA does not sign names under .%s, which is not a public top-level domain", tld)
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(name); err != nil {
		return "a public CA does not sign a public suffix itself"
	}
	return ""
}

// issuerLabel is how logs, 'dashbox certs' and /healthz name an ACME CA.
func issuerLabel(caURL string) string {
	switch caURL {
	case LetsEncryptProduction:
		return "Let's Encrypt"
	case LetsEncryptStaging:
		return "Let's Encrypt staging (untrusted)"
	}
	return "ACME " + caURL
}

// DefaultRetryIntervals is how long dashbox waits after each failed attempt
// to obtain a certificate before the next; the last interval repeats until
// it succeeds. It starts at a minute, like certmagic: most failures (DNS
// not yet pointing here, port 80 closed, CA down) need a person or time to
// clear, and a CA's failed-validation limits (Let's Encrypt: 5 an hour per
// name) must never be burnt by a tight loop. Unlike certmagic, dashbox never
// gives up: a server must keep trying until someone fixes the cause.
var DefaultRetryIntervals = []time.Duration{
	time.Minute,
	2 * time.Minute,
	5 * time.Minute,
	10 * time.Minute,
	20 * time.Minute,
	30 * time.Minute,
	time.Hour,
	2 * time.Hour,
	3 * time.Hour,
	6 * time.Hour,
}

// backoff returns the wait after the failed attempt number attempt
// (counting from 0).
func backoff(intervals []time.Duration, attempt int) time.Duration {
	if len(intervals) == 0 {
		intervals = DefaultRetryIntervals
	}
	return intervals[min(attempt, len(intervals)-1)]
}

// newACMEConfigs builds the two certmagic configs for the ACME CA, on the
// manager's cache and storage:
//
//   - managed manages and renews the certificates; certmagic's maintenance
//     finds it through configFor.
//   - obtainer only obtains missing certificates, one attempt per call, for
//     dashbox's own retry loop (obtainWithRetry). Its issuer never prompts.
func (m *Manager) newACMEConfigs(c *ACMEConfig, base certmagic.Config) (managed, obtainer *certmagic.Config, issuer *certmagic.ACMEIssuer, err error) {
	if c.HTTPSAddr == "" {
		return nil, nil, nil, errors.New("ACME needs the address of the HTTPS listener")
	}
	caURL := c.caURL()
	httpsHost, httpsPort, err := splitBoundAddr(c.HTTPSAddr)
	if err != nil {
		return nil, nil, nil, err
	}
	template := certmagic.ACMEIssuer{
		CA: caURL,
		// certmagic retries through the CA's "test" endpoint, to spare the
		// production CA's limits; for any CA but Let's Encrypt production
		// that is the CA itself, so an air-gapped server never reaches out
		// to Let's Encrypt staging.
		TestCA: caURL,
		Email:  c.Email,
		Agreed: true, // see ACMEConfig: documented, not prompted
		// Challenges go to dashbox's own listeners (see HTTPSAddr).
		ListenHost:              httpsHost,
		AltTLSALPNPort:          httpsPort,
		DisableTLSALPNChallenge: c.Challenges != nil && !slices.Contains(c.Challenges, ChallengeTLSALPN01),
		DisableHTTPChallenge:    c.HTTPAddr == "" || (c.Challenges != nil && !slices.Contains(c.Challenges, ChallengeHTTP01)),
		Logger:                  base.Logger,
	}
	if caURL == LetsEncryptProduction {
		template.TestCA = LetsEncryptStaging
	}
	if len(c.RootsPEM) > 0 {
		// Keep the system's roots too: the CA may sit behind a public
		// certificate after all.
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.RootsPEM) {
			return nil, nil, nil, errors.New("the ACME CA roots hold no PEM certificate")
		}
		template.TrustedRoots = pool
	}
	if c.HTTPAddr != "" {
		httpHost, httpPort, err := splitBoundAddr(c.HTTPAddr)
		if err != nil {
			return nil, nil, nil, err
		}
		if httpHost != httpsHost {
			// certmagic has one ListenHost for both; an empty one (all
			// addresses) is in use wherever either listener is.
			template.ListenHost = ""
		}
		template.AltHTTPPort = httpPort
	}
	if c.ExternalAccount != nil {
		template.ExternalAccount = &acme.EAB{KeyID: c.ExternalAccount.KeyID, MACKey: c.ExternalAccount.MACKey}
	}
	if c.DNS01 != nil {
		if c.DNS01.Provider == nil {
			return nil, nil, nil, errors.New("DNS-01 needs a DNS provider")
		}
		// The CA never connects to dashbox: no challenge on its listeners.
		template.DNS01Solver = dns01Solver(c.DNS01, base)
		template.DisableHTTPChallenge, template.DisableTLSALPNChallenge = true, true
	} else if template.DisableHTTPChallenge && template.DisableTLSALPNChallenge {
		return nil, nil, nil, errors.New("no ACME challenge left to answer: enable HTTP-01 or TLS-ALPN-01")
	}
	if c.DNS01 == nil && template.AltHTTPPort != 80 && template.AltTLSALPNPort != 443 {
		// The CA connects to port 80 (HTTP-01) or 443 (TLS-ALPN-01) of the
		// name's address; anything else only works behind a port forward.
		m.logger.Warn("the ACME CA checks names on port 80 or 443, and dashbox listens on neither: forward one of them to dashbox, or certificates cannot be obtained",
			"https", c.HTTPSAddr, "http", c.HTTPAddr)
	}

	managed = certmagic.New(m.cache, base)
	issuer = certmagic.NewACMEIssuer(managed, template)
	managed.Issuers = []certmagic.Issuer{issuer}

	obtainer = certmagic.New(m.cache, base)
	obtainer.Issuers = []certmagic.Issuer{promptless{issuer}}
	return managed, obtainer, issuer, nil
}

// LoadCARoots reads the root certificates of a private ACME CA (PEM, one or
// more) and checks that they parse. The error is a *ValueError, one line
// saying what to do.
// caRootKind is what LoadCARoots' messages call its file.
const caRootKind = "ACME CA root file"

func LoadCARoots(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &ValueError{Kind: caRootKind, Value: file, before: "cannot read ",
			after: fmt.Sprintf(": %v: give the path of the CA's root certificate (PEM)", unwrapPathError(err))}
	}
	rest, n := data, 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return nil, &ValueError{Kind: caRootKind, Value: file,
				after: fmt.Sprintf(" holds a certificate that does not parse (%v): give the CA's root certificate in PEM form", err)}
		}
		n++
	}
	if n == 0 {
		return nil, &ValueError{Kind: caRootKind, Value: file,
			after: " holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA's root certificate in PEM form"}
	}
	return data, nil
}

// splitBoundAddr splits a listener's bound address into the host certmagic
// should probe ("" for all addresses) and the port.
func splitBoundAddr(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("listener address %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("listener address %q has no port", addr)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	return host, port, nil
}

// promptless is the ACME issuer as the obtainer config uses it.
// ObtainCertSync makes exactly one attempt, which dashbox's own retry loop
// needs (certmagic's loop has a fixed schedule), but it also calls PreCheck
// as "interactive", and an interactive ACME issuer with no e-mail address
// asks for one on stdin, which a server under systemd does not have.
type promptless struct {
	*certmagic.ACMEIssuer
}

var (
	_ certmagic.Issuer     = promptless{}
	_ certmagic.PreChecker = promptless{}
)

// PreCheck checks names as the ACME issuer does, never prompting.
func (p promptless) PreCheck(ctx context.Context, names []string, _ bool) error {
	return p.ACMEIssuer.PreCheck(ctx, names, false)
}

// obtainWithRetry obtains the certificate for name from the ACME CA in the
// background, retrying after each failure as m.retryIntervals says, until
// it succeeds or ctx ends (Close). Failures are logged with their reason
// and recorded for 'dashbox certs' and /healthz.
func (m *Manager) obtainWithRetry(ctx context.Context, name string) {
	defer m.wg.Done()
	// certmagic's ACME issuer reads the attempt number from the context:
	// from the second attempt on, Let's Encrypt production orders are
	// tried against staging first, to spare production's limits.
	var attempts int
	actx := context.WithValue(ctx, certmagic.AttemptsCtxKey, &attempts)
	for {
		err := m.acmeObtainer.ObtainCertSync(actx, name)
		if err == nil {
			_, err = m.acme.CacheManagedCertificate(ctx, name)
			if err == nil {
				m.recordServed(name)
				return
			}
			// ObtainCertSync does nothing when the state directory already
			// has the files, so a damaged certificate never fixes itself.
			prefix := certmagic.StorageKeys.CertsSitePrefix(m.acmeIssuer.IssuerKey(), name)
			if m.stateFS != nil {
				err = fmt.Errorf("the certificate in the state directory cannot be used (%w): delete %s to obtain a new one",
					err, filepath.Join(m.stateFS.Path, filepath.FromSlash(prefix)))
			} else {
				err = fmt.Errorf("the certificate in the certificate storage cannot be used (%w): delete the keys under %s to obtain a new one", err, prefix)
			}
		}
		if ctx.Err() != nil {
			return
		}
		wait := backoff(m.tuning.RetryIntervals, attempts)
		attempts++
		m.recordFailure(name, err, time.Now().Add(wait))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}
