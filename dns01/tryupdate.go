package dns01

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

// TryUpdate adds a TXT record at fqdn (a challenge record's name, such as
// _acme-challenge.dash.example.com) and deletes it again, as an ACME order
// does: it proves, before any order, that the key may update that name.
// The record's text is random, so a concurrent order's is never touched.
func (p *Provider) TryUpdate(ctx context.Context, fqdn string) error {
	fqdn = dns.CanonicalName(fqdn)
	zone, err := p.zoneOf(ctx, fqdn)
	if err != nil {
		return err
	}
	nonce := make([]byte, 8)
	rand.Read(nonce)
	rec := []libdns.Record{libdns.TXT{Name: libdns.RelativeName(fqdn, zone), Text: "dashbox-doctor-" + hex.EncodeToString(nonce)}}
	if _, err := p.AppendRecords(ctx, zone, rec); err != nil {
		return err
	}
	_, err = p.DeleteRecords(ctx, zone, rec)
	return err
}
