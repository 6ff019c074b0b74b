package tls

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// DNS limits from RFC 1035 section 2.3.4 (in the ASCII, wire-compatible form).
const (
	maxLabelLength = 63
	maxNameLength  = 253
)

// ValidateDomain reports whether name can be served by dashbox: a bare DNS
// host name (internationalized names are accepted and served in their
// punycode form) or an IP address. The error is a *ValueError, one line
// saying what to give instead.
func ValidateDomain(name string) error {
	_, err := normalizeName(name)
	return err
}

// normalizeName validates name as ValidateDomain does and returns the form
// certificates and TLS clients use: lower-case ASCII (punycode) for DNS names,
// the canonical text form for IP addresses. Names must be normalized before
// certmagic manages them: its storage keys and its handshake lookups use the
// ASCII form, so a Unicode name would miss the stored certificate on every
// start and be issued again.
func normalizeName(name string) (string, error) {
	bad := func(what string) error {
		return invalidValue("domain", name, what)
	}
	switch {
	case strings.TrimSpace(name) == "":
		return "", bad("give a host name like dash.example.com or an IP address")
	case strings.ContainsAny(name, " \t\r\n"):
		return "", bad("contains spaces; give one bare host name per domain")
	case strings.Contains(name, "://"):
		return "", bad("give a bare host name like dash.example.com, without scheme")
	case strings.ContainsAny(name, "/?#"):
		return "", bad("give a bare host name like dash.example.com, without path")
	case strings.Contains(name, "*"):
		// A wildcard certificate can only be proven with the ACME DNS-01
		// challenge (a TXT record in the domain's DNS): normalizeDomain
		// takes wildcards when DNS-01 is set up.
		return "", bad("wildcards need DNS validation (ACME DNS-01 through the zone's DNS server, see docs/dns01.md); otherwise list each host name as a domain of its own")
	case strings.Contains(name, "@"):
		return "", bad("give a host name, not an e-mail address")
	}

	// IP literals, including IPv6 in brackets (a common copy from a URL).
	if strings.HasPrefix(name, "[") {
		inner, ok := strings.CutSuffix(strings.TrimPrefix(name, "["), "]")
		if addr, err := netip.ParseAddr(inner); ok && err == nil && addr.Is6() {
			return "", bad(fmt.Sprintf("give the IPv6 address without brackets: %s", inner))
		}
		return "", bad("give a bare host name or IP address, without brackets or port")
	}
	if addr, err := netip.ParseAddr(name); err == nil {
		if addr.Zone() != "" {
			return "", bad("IPv6 zones (%...) cannot be in a certificate; give the address without zone")
		}
		return addr.Unmap().String(), nil
	}
	if strings.Contains(name, ":") {
		return "", bad("give the host name without port (the port comes from the HTTPS listen address)")
	}

	if strings.HasSuffix(name, ".") {
		return "", bad(fmt.Sprintf("remove the trailing dot: %s", strings.TrimSuffix(name, ".")))
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return "", bad("has an empty label (two dots in a row, or a leading dot)")
		}
		if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", bad(fmt.Sprintf("label %q starts or ends with a hyphen, which DNS does not allow", label))
		}
	}

	// idna.Lookup applies the rules browsers use to turn what a user typed
	// into a name to look up: lower-case, Unicode mapped to punycode, and the
	// STD3 letters-digits-hyphen rule for every label.
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil {
		return "", bad("use only letters, digits and hyphens in each dot-separated label")
	}
	if len(ascii) > maxNameLength {
		return "", bad(fmt.Sprintf("is %d characters long; DNS names are at most %d", len(ascii), maxNameLength))
	}
	labels := strings.Split(ascii, ".")
	for _, label := range labels {
		if len(label) > maxLabelLength {
			return "", bad(fmt.Sprintf("label %q is %d characters long; DNS labels are at most %d", label, len(label), maxLabelLength))
		}
	}
	if allDigits(labels[len(labels)-1]) {
		// "10.0.0.256" or "1.2.3": no top-level domain is numeric, so this
		// is a mistyped IP address, not a name.
		return "", bad("looks like an IP address but is not a valid one")
	}
	return ascii, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// serverName turns the server name a TLS client sent (SNI, hostile input
// of up to 64 KiB) into the form dashbox keeps names in: lower case,
// without the trailing dot of a fully qualified name. It allocates only
// when the name has upper-case letters.
func serverName(sni string) string {
	return strings.ToLower(strings.TrimSuffix(sni, "."))
}
