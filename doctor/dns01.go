package doctor

import (
	"context"
	"time"
)

// DNS01 describes names proven with the DNS-01 challenge: the CA reads a
// TXT record and never connects to this machine.
type DNS01 struct {
	// Server names the DNS server that takes the updates, for messages.
	Server string
	// TryUpdate adds a TXT record at name and deletes it again, as an
	// order does with its challenge record.
	TryUpdate func(ctx context.Context, name string) error
}

// dnsUpdateTimeout bounds one name's add-and-delete.
const dnsUpdateTimeout = 30 * time.Second

// checkDNSUpdate checks that the key may add and delete the challenge
// record of domain, which is all DNS-01 needs of this machine.
func checkDNSUpdate(ctx context.Context, domain string, d *DNS01) Result {
	name := "_acme-challenge." + trimWildcard(domain)
	r := Result{Check: "DNS-01 " + domain}
	ctx, cancel := context.WithTimeout(ctx, dnsUpdateTimeout)
	defer cancel()
	if err := d.TryUpdate(ctx, name); err != nil {
		r.Status = Fail
		r.Message = err.Error() // names the record, the zone and the server
		r.Fix = "let the TSIG key update TXT records of " + name + " (BIND: update-policy { grant KEY name " + name + ". TXT; };), or give the DNS server that holds the zone"
		return r
	}
	r.Message = "the key added and deleted a TXT record at " + name + " on " + d.Server
	return r
}

// trimWildcard is the name a wildcard's challenge record is under:
// "*.example.com" proves itself at _acme-challenge.example.com.
func trimWildcard(domain string) string {
	if len(domain) > 2 && domain[:2] == "*." {
		return domain[2:]
	}
	return domain
}
