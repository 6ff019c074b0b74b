package tls

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
)

// ChallengeDNS01 is the ACME challenge answered with a TXT record at
// _acme-challenge.<name>: the only one that works for a server the CA
// cannot reach, and the only one for wildcard names.
const ChallengeDNS01 = acme.ChallengeTypeDNS01

// DNS01Config proves names to the ACME CA with the DNS-01 challenge. With
// it, HTTP-01 and TLS-ALPN-01 are not used: the CA never connects to
// dashbox, so a server behind a firewall gets publicly trusted
// certificates, and wildcard names (*.dash.example.com) can be served.
type DNS01Config struct {
	// Provider adds and deletes the challenge's TXT records (a libdns
	// provider, such as dns01.Provider for RFC 2136). Required.
	Provider certmagic.DNSProvider

	// PropagationTimeout is how long to wait for a new TXT record to be
	// served by every authoritative server of its zone (found through
	// the system's resolvers) before the CA is asked to look. Zero means
	// certmagic's default, 2 minutes.
	PropagationTimeout time.Duration
}

// ExternalAccount binds the ACME account to an account at the CA
// (External Account Binding, RFC 8555 section 7.3.4), as ZeroSSL, Sectigo,
// DigiCert, Google Trust Services and many company CAs require.
type ExternalAccount struct {
	// KeyID is the key identifier the CA gives ("kid").
	KeyID string
	// MACKey is the HMAC key the CA gives, base64url; LoadEABKey reads
	// and checks it.
	MACKey string
}

// eabKeyKind is what LoadEABKey's messages call its file.
const eabKeyKind = "EAB HMAC key file"

// LoadEABKey reads the HMAC key of an External Account Binding from a file
// (the base64url text the CA shows, alone; padding and standard base64
// are accepted). The error is a *ValueError, one line saying what to do.
func LoadEABKey(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", &ValueError{Kind: eabKeyKind, Value: file, before: "cannot read ",
			after: fmt.Sprintf(": %v: give the path of a file holding the CA's EAB HMAC key", unwrapPathError(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4097))
	if err != nil {
		return "", &ValueError{Kind: eabKeyKind, Value: file, before: "cannot read ", after: fmt.Sprintf(": %v", unwrapPathError(err))}
	}
	key := strings.TrimSpace(string(data))
	key = strings.TrimRight(key, "=")
	key = strings.NewReplacer("+", "-", "/", "_").Replace(key)
	raw, err := base64.RawURLEncoding.DecodeString(key)
	switch {
	case len(data) > 4096:
		return "", &ValueError{Kind: eabKeyKind, Value: file, after: " is larger than 4 KiB: put the CA's EAB HMAC key alone in it"}
	case key == "":
		return "", &ValueError{Kind: eabKeyKind, Value: file, after: " is empty: put the CA's EAB HMAC key in it"}
	case err != nil:
		return "", &ValueError{Kind: eabKeyKind, Value: file, after: " does not hold a base64url key: put the CA's EAB HMAC key alone in it, as the CA shows it"}
	case len(raw) < 16:
		return "", &ValueError{Kind: eabKeyKind, Value: file, after: fmt.Sprintf(" holds a key of %d bytes, too short for an HMAC key: copy the whole key the CA shows", len(raw))}
	}
	return key, nil
}

// ValidateDomainDNS01 reports whether name can be served when names are
// proven with DNS-01: what ValidateDomain accepts, and wildcard names
// (*.dash.example.com, one "*" as the whole first label). The error is a
// *ValueError.
func ValidateDomainDNS01(name string) error {
	_, err := normalizeDomain(name, true)
	return err
}

// normalizeDomain is normalizeName that also takes wildcard names when
// wildcard is true.
func normalizeDomain(name string, wildcard bool) (string, error) {
	base, ok := strings.CutPrefix(name, "*.")
	if !wildcard || !ok {
		return normalizeName(name)
	}
	if strings.Contains(base, "*") {
		return "", invalidValue("domain", name, "a wildcard is one * as the whole first label, such as *.dash.example.com")
	}
	n, err := normalizeName(base)
	if err != nil {
		return "", invalidValue("domain", name, strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid domain %q: ", base)))
	}
	if certmagic.SubjectIsIP(n) {
		return "", invalidValue("domain", name, "a wildcard covers DNS names, not IP addresses")
	}
	if !strings.Contains(n, ".") {
		return "", invalidValue("domain", name, "a wildcard needs at least two labels after *., such as *.dash.example.com")
	}
	return "*." + n, nil
}

// isWildcard reports whether name is a wildcard name (normalized).
func isWildcard(name string) bool { return strings.HasPrefix(name, "*.") }

// wildcardOf returns the wildcard name that covers name ("*.example.com"
// for "a.example.com"), or "" if name has a single label.
func wildcardOf(name string) string {
	_, parent, ok := strings.Cut(name, ".")
	if !ok || parent == "" {
		return ""
	}
	return "*." + parent
}

// dns01Solver is certmagic's DNS-01 solver for c.
func dns01Solver(c *DNS01Config, base certmagic.Config) *certmagic.DNS01Solver {
	return &certmagic.DNS01Solver{DNSManager: certmagic.DNSManager{
		DNSProvider:        c.Provider,
		PropagationTimeout: c.PropagationTimeout,
		// No Resolvers: the system's find the zone's name servers, and
		// propagation is checked at each of them, so the CA, which asks
		// any of them, finds the record.
		Logger: base.Logger,
	}}
}
