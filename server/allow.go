package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ParseNetwork reads one --allow value: a network in CIDR form
// (10.0.0.0/8, 2001:db8::/32) or a single address, which means that
// address alone (/32 or /128). Host bits are cleared, as nginx's allow does
// (10.1.2.3/8 is 10.0.0.0/8). An IPv4-mapped IPv6 network
// (::ffff:10.0.0.0/104) is taken as the IPv4 network it maps, since
// clients' IPv4-mapped addresses are matched as IPv4.
func ParseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	var err error
	if strings.Contains(s, "/") {
		p, err = netip.ParsePrefix(s)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(s); err == nil && a.Zone() == "" {
			p = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil || !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("%q is not a network or an address: give one such as 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32", s)
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q is wider than the IPv4-mapped addresses (::ffff:0:0/96): give the IPv4 network instead", s)
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// AllowNetworks answers 403 to every client whose address is in none of
// networks, like nginx's allow directives followed by "deny all". The
// address is the connection's (IPv4-mapped IPv6 addresses as IPv4): no
// X-Forwarded-For is believed, so a client cannot claim another address.
// With no networks it lets everyone through.
func AllowNetworks(networks []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(networks) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addr := clientAddr(r)
			for _, n := range networks {
				if n.Contains(addr) {
					next.ServeHTTP(w, r)
					return
				}
			}
			http.Error(w, "403 Forbidden", http.StatusForbidden)
		})
	}
}
