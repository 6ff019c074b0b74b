// Package dns01 proves domain names to an ACME CA with the DNS-01 challenge:
// a TXT record at _acme-challenge.<name>, added and removed through RFC 2136
// dynamic updates signed with a TSIG key (RFC 8945). That is what BIND,
// PowerDNS, Knot and Infoblox speak, so no DNS provider's API is involved.
//
// Provider implements libdns' RecordAppender and RecordDeleter, which is
// what certmagic's DNS01Solver takes.
package dns01

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

// DefaultTimeout is how long Provider waits for the DNS server to answer one
// request when Provider.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// defaultTTL is the TTL of a challenge record when the caller gives none:
// short, since it lives for one validation.
const defaultTTL = 60 * time.Second

// Provider adds and deletes TXT records on a DNS server with RFC 2136
// dynamic updates signed with a TSIG key.
type Provider struct {
	// Server is the DNS server that takes the updates (host:port): the
	// zone's primary, usually on port 53.
	Server string

	// Key signs every request.
	Key Key

	// Zone is the zone the records are updated in, such as
	// "example.com.". Empty means the zone the server holds the name in,
	// found by asking it for the name's SOA record.
	Zone string

	// Timeout bounds each request to the server; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

var (
	_ libdns.RecordAppender = (*Provider)(nil)
	_ libdns.RecordDeleter  = (*Provider)(nil)
)

// Causes of a failed update, for errors.Is on a Provider's errors.
var (
	// ErrBadKey: the server does not know the key (TSIG BADKEY).
	ErrBadKey = errors.New("BADKEY")
	// ErrBadSig: the server knows the key's name but not this secret
	// (TSIG BADSIG).
	ErrBadSig = errors.New("BADSIG")
	// ErrBadTime: the clocks of this machine and the server differ by more
	// than 5 minutes (TSIG BADTIME).
	ErrBadTime = errors.New("BADTIME")
	// ErrRefused: the server refused the update: the key may not change
	// this record (REFUSED).
	ErrRefused = errors.New("REFUSED")
	// ErrNotAuth: the server is not authoritative for the zone (NOTAUTH).
	ErrNotAuth = errors.New("NOTAUTH")
	// ErrUnknownZone: no zone on the server holds the name.
	ErrUnknownZone = errors.New("unknown zone")
	// ErrNoAnswer: the server did not answer (down, firewalled, wrong
	// address).
	ErrNoAnswer = errors.New("no answer")
)

// Error is a failed request to the DNS server. Its message names the
// server and the cause, and says what to check; errors.Is matches the
// cause (ErrBadKey, ErrRefused, ...).
type Error struct {
	cause error
	msg   string
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the cause, one of the Err variables.
func (e *Error) Unwrap() error { return e.cause }

// AppendRecords adds recs (TXT records only, named relative to zone) in
// one dynamic update, and returns them as added.
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.update(ctx, zone, recs, true)
}

// DeleteRecords deletes recs (TXT records only, named relative to zone),
// each with its own text, leaving other TXT records of the same name, in
// one dynamic update. Deleting a record that is not there is no error.
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.update(ctx, zone, recs, false)
}

// update adds (add) or deletes recs.
func (p *Provider) update(ctx context.Context, zone string, recs []libdns.Record, add bool) ([]libdns.Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	var rrs []dns.RR
	var out []libdns.Record
	updateZone := ""
	for _, rec := range recs {
		rr := rec.RR()
		if rr.Type != "TXT" {
			return nil, fmt.Errorf("dynamic update of %s %s: only TXT records are supported", rr.Name, rr.Type)
		}
		fqdn := dns.CanonicalName(libdns.AbsoluteName(rr.Name, zone))
		if _, ok := dns.IsDomainName(fqdn); !ok {
			return nil, fmt.Errorf("dynamic update: %q is not a domain name", fqdn)
		}
		z, err := p.zoneOf(ctx, fqdn)
		if err != nil {
			return nil, err
		}
		if updateZone != "" && z != updateZone {
			return nil, fmt.Errorf("dynamic update: %s and another record are in different zones (%s, %s): update them one at a time", fqdn, z, updateZone)
		}
		updateZone = z
		ttl := rr.TTL
		if ttl <= 0 {
			ttl = defaultTTL
		}
		rrs = append(rrs, &dns.TXT{
			Hdr: dns.RR_Header{Name: fqdn, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: uint32(ttl / time.Second)},
			Txt: splitTXT(rr.Data),
		})
		out = append(out, libdns.TXT{Name: rr.Name, TTL: ttl, Text: rr.Data})
	}

	m := new(dns.Msg)
	m.SetUpdate(updateZone)
	what := "adding"
	if add {
		m.Insert(rrs)
	} else {
		what = "deleting"
		m.Remove(rrs)
	}
	names := make([]string, len(rrs))
	for i, rr := range rrs {
		names[i] = rr.Header().Name
	}
	action := fmt.Sprintf("%s TXT %s in zone %s", what, strings.Join(names, ", "), updateZone)
	r, err := p.exchange(ctx, m, action)
	if err != nil {
		return nil, err
	}
	if err := p.rcodeError(r, action, updateZone); err != nil {
		return nil, err
	}
	return out, nil
}

// splitTXT splits text into the strings of at most 255 bytes a TXT record
// is made of (RFC 1035 section 3.3.14), escaped for miekg/dns' text form.
func splitTXT(text string) []string {
	var parts []string
	for {
		n := min(len(text), 255)
		parts = append(parts, escapeTXT(text[:n]))
		text = text[n:]
		if text == "" {
			return parts
		}
	}
}

// escapeTXT escapes what miekg/dns reads specially in a TXT string.
func escapeTXT(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// zoneOf returns the zone the updates for fqdn go to: Zone if set (fqdn
// must be in it), else the zone the server holds fqdn in.
func (p *Provider) zoneOf(ctx context.Context, fqdn string) (string, error) {
	if p.Zone != "" {
		zone := dns.CanonicalName(p.Zone)
		if !dns.IsSubDomain(zone, fqdn) {
			return "", &Error{cause: ErrUnknownZone, msg: fmt.Sprintf("%s is not in zone %s: give the zone that holds it, or no zone to have it looked up", fqdn, zone)}
		}
		return zone, nil
	}
	return p.FindZone(ctx, fqdn)
}

// FindZone asks the server for the SOA record of fqdn and then of each of
// its parents, and returns the first zone the server is authoritative for.
func (p *Provider) FindZone(ctx context.Context, fqdn string) (string, error) {
	fqdn = dns.CanonicalName(fqdn)
	for name := fqdn; ; {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeSOA)
		m.RecursionDesired = false
		r, err := p.exchange(ctx, m, "looking up the zone of "+fqdn)
		if err != nil {
			return "", err
		}
		if r.Rcode == dns.RcodeSuccess || r.Rcode == dns.RcodeNameError {
			for _, rr := range append(r.Answer, r.Ns...) {
				if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(soa.Hdr.Name, fqdn) {
					return dns.CanonicalName(soa.Hdr.Name), nil
				}
			}
		}
		if name == "." {
			break
		}
		i, _ := dns.NextLabel(name, 0)
		name = dns.Fqdn(name[i:])
	}
	return "", &Error{cause: ErrUnknownZone, msg: fmt.Sprintf("looking up the zone of %s at DNS server %s: the server holds no zone for it (unknown zone): give the zone, or the server that is primary for it", fqdn, p.Server)}
}

// exchange sends m signed with the key and returns the answer, or an
// *Error saying why there is none (or why it cannot be trusted).
func (p *Provider) exchange(ctx context.Context, m *dns.Msg, action string) (*dns.Msg, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m.SetTsig(p.Key.Name, p.Key.Algorithm, 300, time.Now().Unix())
	c := &dns.Client{
		// TCP: an update and its answer never get truncated, and a
		// server that is down is known at once (connection refused).
		Net:        "tcp",
		Timeout:    timeout,
		TsigSecret: map[string]string{p.Key.Name: p.Key.Secret},
	}
	r, _, err := c.ExchangeContext(ctx, m, p.Server)
	if r != nil {
		if t := r.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
			return nil, p.tsigError(t.Error, action)
		}
	}
	if err != nil {
		var netErr net.Error
		if r == nil || errors.As(err, &netErr) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
			return nil, &Error{cause: ErrNoAnswer, msg: fmt.Sprintf("%s at DNS server %s: no answer (%v): check that the server runs and that this machine may reach it on TCP", action, p.Server, oneLine(err))}
		}
		return nil, &Error{cause: ErrBadSig, msg: fmt.Sprintf("%s at DNS server %s: the answer fails TSIG verification (%v): the key file's secret may differ from the server's", action, p.Server, err)}
	}
	return r, nil
}

// tsigError is the error for a TSIG error code in the server's answer.
func (p *Provider) tsigError(code uint16, action string) error {
	switch code {
	case dns.RcodeBadKey:
		return &Error{cause: ErrBadKey, msg: fmt.Sprintf("%s at DNS server %s: the server does not know TSIG key %s (BADKEY): the key file's name and algorithm must match a key in the server's configuration", action, p.Server, p.Key.Name)}
	case dns.RcodeBadSig:
		return &Error{cause: ErrBadSig, msg: fmt.Sprintf("%s at DNS server %s: the server rejected the signature of TSIG key %s (BADSIG): the key file's secret differs from the server's", action, p.Server, p.Key.Name)}
	case dns.RcodeBadTime:
		return &Error{cause: ErrBadTime, msg: fmt.Sprintf("%s at DNS server %s: the server rejected the time of the request (BADTIME): this machine's clock and the server's differ by more than 5 minutes", action, p.Server)}
	}
	return &Error{cause: ErrBadSig, msg: fmt.Sprintf("%s at DNS server %s: the server rejected TSIG key %s (TSIG error %d)", action, p.Server, p.Key.Name, code)}
}

// rcodeError is the error for an update's answer that is not success.
func (p *Provider) rcodeError(r *dns.Msg, action, zone string) error {
	switch r.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeRefused:
		return &Error{cause: ErrRefused, msg: fmt.Sprintf("%s at DNS server %s: the server refused the update (REFUSED): its update-policy must allow key %s to change these _acme-challenge TXT records", action, p.Server, p.Key.Name)}
	case dns.RcodeNotAuth:
		return &Error{cause: ErrNotAuth, msg: fmt.Sprintf("%s at DNS server %s: the server is not authoritative for zone %s (NOTAUTH): give the zone's primary server, or the right zone", action, p.Server, zone)}
	case dns.RcodeNotZone:
		return &Error{cause: ErrUnknownZone, msg: fmt.Sprintf("%s at DNS server %s: the name is outside zone %s (NOTZONE): give the zone that holds it", action, p.Server, zone)}
	}
	return fmt.Errorf("%s at DNS server %s: the server answered %s", action, p.Server, dns.RcodeToString[r.Rcode])
}

// oneLine makes an error fit one log line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
