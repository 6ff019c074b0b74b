package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Resolver answers DNS queries. Tests point it at a test DNS server.
type Resolver interface {
	// Query asks for the records of type qtype (dns.TypeA, ...) of name and
	// returns the whole answer, whatever its response code.
	Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
}

// DNSClient asks DNS servers directly, over UDP and over TCP when the answer
// is truncated. It sends recursive queries: the servers are resolvers.
type DNSClient struct {
	// Servers are the resolvers' addresses (host:port), asked in order
	// until one answers.
	Servers []string
	// Err, when set, is returned by every query: the servers are unknown.
	Err error
}

// NewResolver asks the given resolvers (host:port, or a host for port 53).
func NewResolver(servers ...string) *DNSClient {
	c := &DNSClient{}
	for _, s := range servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "53")
		}
		c.Servers = append(c.Servers, s)
	}
	return c
}

// SystemResolver asks the resolvers of /etc/resolv.conf.
func SystemResolver() *DNSClient {
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return &DNSClient{Err: fmt.Errorf("no DNS resolver: %v", err)}
	}
	c := &DNSClient{}
	for _, s := range conf.Servers {
		c.Servers = append(c.Servers, net.JoinHostPort(s, conf.Port))
	}
	return c
}

// Query implements Resolver.
func (c *DNSClient) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	if len(c.Servers) == 0 {
		return nil, errors.New("no DNS resolver configured")
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	var lastErr error
	for _, server := range c.Servers {
		in, _, err := (&dns.Client{Timeout: 5 * time.Second}).ExchangeContext(ctx, m, server)
		if err == nil && in.Truncated {
			in, _, err = (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).ExchangeContext(ctx, m, server)
		}
		if err == nil {
			return in, nil
		}
		lastErr = fmt.Errorf("asking %s: %v", server, err)
	}
	return nil, lastErr
}

// interfaceAddrs lists the addresses of this machine's interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out, nil
}

// isPublic reports whether a is an address others on the Internet can
// reach directly: not loopback, link-local, private (RFC 1918, ULA) or
// shared (carrier-grade NAT, 100.64.0.0/10).
func isPublic(a netip.Addr) bool {
	return a.IsGlobalUnicast() && !a.IsPrivate() && !netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// checkAddresses checks that domain's A and AAAA records point at this
// machine, where the CA validates HTTP-01 and TLS-ALPN-01 challenges.
// caLocal says the CA itself runs on this machine (on loopback), which
// reaches loopback addresses.
func checkAddresses(ctx context.Context, domain string, caLocal bool, env Env) Result {
	r := Result{Check: "DNS " + domain}
	name := strings.TrimPrefix(domain, "*.")
	var records []netip.Addr
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		in, err := env.DNS.Query(ctx, name, qtype)
		if err != nil {
			r.Status, r.Message = Fail, fmt.Sprintf("looking up %s: %v", name, err)
			r.Fix = "check the resolver (/etc/resolv.conf) and the network"
			return r
		}
		if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
			r.Status, r.Message = Fail, fmt.Sprintf("looking up %s %s: %s", dns.TypeToString[qtype], name, dns.RcodeToString[in.Rcode])
			r.Fix = "fix the domain's DNS servers: the CA fails the same way"
			return r
		}
		for _, rr := range in.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(rr.A.To4()); ok {
					records = append(records, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(rr.AAAA); ok {
					records = append(records, a.Unmap())
				}
			}
		}
	}
	if len(records) == 0 {
		r.Status, r.Message = Fail, "no A or AAAA record"
		r.Fix = "add an A (and AAAA) record for " + name + " with this machine's public address"
		return r
	}
	local, err := env.LocalAddrs()
	if err != nil {
		r.Status, r.Message = Warn, fmt.Sprintf("points at %s; this machine's addresses are unknown: %v", joinAddrs(records), err)
		return r
	}
	mine := map[netip.Addr]bool{}
	var public []netip.Addr
	for _, a := range local {
		mine[a] = true
		if isPublic(a) {
			public = append(public, a)
		}
	}
	var here, elsewhere, loopback []netip.Addr
	for _, a := range records {
		switch {
		case a.IsLoopback():
			loopback = append(loopback, a)
		case mine[a]:
			here = append(here, a)
		default:
			elsewhere = append(elsewhere, a)
		}
	}
	switch {
	case len(loopback) > 0 && !caLocal:
		r.Status, r.Message = Fail, fmt.Sprintf("points at the loopback address %s, which no CA reaches", joinAddrs(loopback))
		r.Fix = "point it at this machine's public address"
	case len(elsewhere) == 0:
		r.Message = "points at " + joinAddrs(records) + ", an address of this machine"
	case len(here) == 0 && len(loopback) == 0 && len(public) > 0:
		r.Status, r.Message = Fail, fmt.Sprintf("points at %s, not an address of this machine (%s)", joinAddrs(elsewhere), joinAddrs(public))
		r.Fix = "point it at " + joinAddrs(public) + ", or check that " + joinAddrs(elsewhere) + " forwards ports 80 and 443 here"
	case len(here) == 0 && len(loopback) == 0:
		r.Status, r.Message = Warn, fmt.Sprintf("points at %s, not an address of this machine, which has no public address: behind NAT or a load balancer?", joinAddrs(elsewhere))
		r.Fix = "make sure " + joinAddrs(elsewhere) + " forwards ports 80 and 443 to this machine"
	default:
		r.Status, r.Message = Warn, fmt.Sprintf("points at %s, of which %s is not an address of this machine: the CA may use any of them", joinAddrs(records), joinAddrs(elsewhere))
		r.Fix = "remove the records of other machines, or make them forward ports 80 and 443 here"
	}
	return r
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
