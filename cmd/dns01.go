package cmd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/dashbox/dashbox/dns01"
	dashtls "github.com/dashbox/dashbox/tls"
	"github.com/miekg/dns"
)

// acmeExtraConfig holds serve's flags for DNS-01 (RFC 2136 dynamic updates)
// and External Account Binding.
type acmeExtraConfig struct {
	dnsServer  string
	dnsKeyFile string
	dnsZone    string
	eabKID     string
	eabKeyFile string

	// Read by validateACMEExtra.
	dnsKey dns01.Key
	eabKey string
}

// defineACMEExtraFlags defines the DNS-01 and EAB flags on fs.
func (c *acmeExtraConfig) defineACMEExtraFlags(fs *serveFlagSet) {
	fs.StringVar(&c.dnsServer, "acme-dns-server", "", "`host:port` of the DNS server that takes dynamic updates (RFC 2136) for the --domain zones: with it every --domain is proven with the DNS-01 challenge (a TXT record), so the CA never connects here, and wildcards (*.example.com) work; port 53 if none")
	fs.secret(&c.dnsKeyFile, "acme-dns-tsig-key", "acme-dns-tsig-key", "TSIG key `file` signing the updates of --acme-dns-server, as tsig-keygen writes it (hmac-sha256 or hmac-sha512)")
	fs.StringVar(&c.dnsZone, "acme-dns-zone", "", "`zone` the challenge records go in, such as example.com (default: the zone --acme-dns-server holds each name in)")
	fs.StringVar(&c.eabKID, "acme-eab-kid", "", "key `ID` of the External Account Binding the CA requires (ZeroSSL, Sectigo, ...)")
	fs.secret(&c.eabKeyFile, "acme-eab-hmac-key", "acme-eab-hmac-key", "`file` holding the EAB HMAC key of --acme-eab-kid (base64url, as the CA shows it)")
}

// dns01Enabled reports whether names are proven with DNS-01.
func (c *acmeExtraConfig) dns01Enabled() bool { return c.dnsServer != "" }

// acmeExtraFlags returns the names of the DNS-01 and EAB flags that are
// set, for the checks every ACME flag gets.
func (c *acmeExtraConfig) acmeExtraFlags() []string {
	var set []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--acme-dns-server", c.dnsServer != ""},
		{"--acme-dns-tsig-key", c.dnsKeyFile != ""},
		{"--acme-dns-zone", c.dnsZone != ""},
		{"--acme-eab-kid", c.eabKID != ""},
		{"--acme-eab-hmac-key", c.eabKeyFile != ""},
	} {
		if f.set {
			set = append(set, f.name)
		}
	}
	return set
}

// validateACMEExtra checks the DNS-01 and EAB flags and reads their files.
func (c *acmeExtraConfig) validateACMEExtra() error {
	switch {
	case c.dnsServer != "" && c.dnsKeyFile == "":
		return usageError{"--acme-dns-server needs --acme-dns-tsig-key: the DNS server takes updates signed with a TSIG key (tsig-keygen writes one)"}
	case c.dnsServer == "" && c.dnsKeyFile != "":
		return usageError{"--acme-dns-tsig-key needs --acme-dns-server, the DNS server that takes the updates"}
	case c.dnsServer == "" && c.dnsZone != "":
		return usageError{"--acme-dns-zone needs --acme-dns-server, the DNS server that holds the zone"}
	case (c.eabKID == "") != (c.eabKeyFile == ""):
		return usageError{"--acme-eab-kid and --acme-eab-hmac-key go together: give the key ID and the file with the HMAC key the CA shows, or neither"}
	}
	if c.dnsServer != "" {
		server, err := dnsServerAddr(c.dnsServer)
		if err != nil {
			return usageError{fmt.Sprintf("invalid --acme-dns-server %q: %v", c.dnsServer, err)}
		}
		c.dnsServer = server
		if c.dnsKey, err = dns01.LoadKeyFile(c.dnsKeyFile); err != nil {
			return forFlag("--acme-dns-tsig-key", err)
		}
	}
	if c.dnsZone != "" {
		if _, ok := dns.IsDomainName(c.dnsZone); !ok || strings.ContainsAny(c.dnsZone, " *") || strings.Trim(c.dnsZone, ".") == "" {
			return usageError{fmt.Sprintf("invalid --acme-dns-zone %q: give a zone name such as example.com", c.dnsZone)}
		}
	}
	if c.eabKeyFile != "" {
		if strings.TrimSpace(c.eabKID) == "" || strings.ContainsAny(c.eabKID, " \t\r\n") {
			return usageError{fmt.Sprintf("invalid --acme-eab-kid %q: give the key ID the CA shows, without spaces", c.eabKID)}
		}
		key, err := dashtls.LoadEABKey(c.eabKeyFile)
		if err != nil {
			return valueFlagError("--acme-eab-hmac-key", err)
		}
		c.eabKey = key
	}
	return nil
}

// dnsServerAddr checks a DNS server's address, adding port 53 when none is
// given.
func dnsServerAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// A bare host or IPv6 address: port 53.
		host, port = strings.Trim(s, "[]"), "53"
	}
	if host == "" || strings.ContainsAny(host, " /") {
		return "", fmt.Errorf("give the DNS server as host:port, such as ns1.example.com:53")
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", fmt.Errorf("port %q is not a port number", port)
	}
	return net.JoinHostPort(host, port), nil
}

// dns01PropagationTimeout replaces certmagic's 2 minutes in tests; zero in
// production.
var dns01PropagationTimeout time.Duration

// applyACMEExtra puts DNS-01 and EAB into the ACME configuration.
func (c *acmeExtraConfig) applyACMEExtra(acme *dashtls.ACMEConfig) {
	if c.dnsServer != "" {
		acme.DNS01 = &dashtls.DNS01Config{
			Provider:           &dns01.Provider{Server: c.dnsServer, Key: c.dnsKey, Zone: c.dnsZone},
			PropagationTimeout: dns01PropagationTimeout,
		}
	}
	if c.eabKeyFile != "" {
		acme.ExternalAccount = &dashtls.ExternalAccount{KeyID: c.eabKID, MACKey: c.eabKey}
	}
}
