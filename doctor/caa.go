package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// caaTags are the CAA property tags a CA understands (RFC 8659, RFC 8657's
// parameters, RFC 9495's issuemail, issuevmc); a critical record with
// another tag forbids issuance.
var caaTags = []string{"issue", "issuewild", "iodef", "issuemail", "issuevmc", "contactemail", "contactphone"}

// checkCAA finds the CAA records that apply to domain (RFC 8659: those of
// the name itself, else of the nearest parent that has any) and checks
// that they let the CA, known by its issuer domain names (identities),
// issue for it.
func checkCAA(ctx context.Context, domain string, identities []string, env Env) Result {
	r := Result{Check: "CAA " + domain}
	wildcard := strings.HasPrefix(domain, "*.")
	name := dns.Fqdn(strings.TrimPrefix(domain, "*."))
	labels := dns.SplitDomainName(name)
	for i := range labels {
		at := dns.Fqdn(strings.Join(labels[i:], "."))
		in, err := env.DNS.Query(ctx, at, dns.TypeCAA)
		if err != nil {
			r.Status, r.Message = Fail, fmt.Sprintf("looking up CAA of %s: %v", at, err)
			r.Fix = "check the resolver (/etc/resolv.conf) and the network"
			return r
		}
		if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
			r.Status, r.Message = Fail, fmt.Sprintf("looking up CAA of %s: %s: a CA refuses to issue when it cannot read CAA", at, dns.RcodeToString[in.Rcode])
			r.Fix = "fix the DNS servers of " + at
			return r
		}
		var caas []*dns.CAA
		for _, rr := range in.Answer {
			if c, ok := rr.(*dns.CAA); ok {
				caas = append(caas, c)
			}
		}
		if len(caas) > 0 {
			return evaluateCAA(r, strings.TrimSuffix(at, "."), caas, wildcard, identities)
		}
	}
	r.Message = "no CAA record: any CA may issue"
	return r
}

// evaluateCAA decides whether the CAA record set caas, found at at, lets a
// CA with the given identities issue.
func evaluateCAA(r Result, at string, caas []*dns.CAA, wildcard bool, identities []string) Result {
	tag := "issue"
	if wildcard && slices.ContainsFunc(caas, func(c *dns.CAA) bool { return strings.EqualFold(c.Tag, "issuewild") }) {
		tag = "issuewild"
	}
	var issuers []string
	var allowedBy string
	for _, c := range caas {
		if c.Flag&128 != 0 && !slices.Contains(caaTags, strings.ToLower(c.Tag)) {
			r.Status, r.Message = Fail, fmt.Sprintf("CAA at %s has a critical %q property no CA understands: issuance is forbidden", at, c.Tag)
			r.Fix = "remove that record or clear its critical flag"
			return r
		}
		if !strings.EqualFold(c.Tag, tag) {
			continue
		}
		issuer, params, _ := strings.Cut(c.Value, ";")
		issuer = strings.TrimSpace(issuer)
		issuers = append(issuers, fmt.Sprintf("%q", c.Value))
		for _, id := range identities {
			if issuer != "" && strings.EqualFold(strings.TrimSuffix(issuer, "."), strings.TrimSuffix(id, ".")) && allowedBy == "" {
				allowedBy = c.Value
				if strings.TrimSpace(params) != "" {
					allowedBy += " (check that its parameters allow dashbox's account and the http-01 or tls-alpn-01 validation)"
				}
			}
		}
	}
	switch {
	case len(issuers) == 0:
		r.Message = fmt.Sprintf("CAA at %s has no %s property: any CA may issue", at, tag)
	case allowedBy != "":
		r.Message = fmt.Sprintf("CAA at %s allows the CA: %s %s", at, tag, allowedBy)
	case len(identities) == 0:
		r.Status, r.Message = Warn, fmt.Sprintf("CAA at %s allows %s, and the CA's issuer domain is unknown (its directory lists no caaIdentities)", at, strings.Join(issuers, ", "))
		r.Fix = "check that one of them is the CA's"
	default:
		r.Status, r.Message = Fail, fmt.Sprintf("CAA at %s allows only %s, not the CA (%s)", at, strings.Join(issuers, ", "), strings.Join(identities, ", "))
		r.Fix = fmt.Sprintf("add a record: %s. CAA 0 %s %q", at, tag, identities[0])
	}
	return r
}
