// Package contentcoding negotiates the content coding of a response from a
// request's Accept-Encoding (RFC 9110 section 12.5.3): static's assets and
// pages' pre-rendered pages are compressed ahead of time, and both choose
// among their encodings with this one reading of the header.
package contentcoding

import (
	"net/textproto"
	"strings"
)

// Coding indexes a response's compressed variants, in the order the server
// prefers them when the client likes them equally.
type Coding int

// The codings dashbox sends. Count sizes arrays indexed by Coding;
// Identity, the uncompressed bytes, is no index.
const (
	Brotli Coding = iota
	Gzip
	Count
	Identity Coding = -1
)

// Accepted holds the q-values (in thousandths, 0-1000) a request's
// Accept-Encoding gives each coding dashbox can send; -1 means not listed.
type Accepted struct {
	br, gzip, identity, star int
}

// Parse reads every Accept-Encoding header value (the request's
// Header["Accept-Encoding"]). It works on the strings in place, without
// allocating, because it runs for every asset and page request.
func Parse(values []string) Accepted {
	ac := Accepted{br: -1, gzip: -1, identity: -1, star: -1}
	for _, v := range values {
		for v != "" {
			var member string
			member, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(member, ";")
			name = textproto.TrimString(name)
			q := parseQ(params)
			var slot *int
			switch {
			case strings.EqualFold(name, "br"):
				slot = &ac.br
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				slot = &ac.gzip
			case strings.EqualFold(name, "identity"):
				slot = &ac.identity
			case name == "*":
				slot = &ac.star
			default:
				continue
			}
			// A coding listed twice keeps its best q.
			*slot = max(*slot, q)
		}
	}
	return ac
}

// parseQ returns the weight in params (";q=0.5") in thousandths, 1000 when
// there is none. A malformed weight counts as 0: sending a coding the client
// may not understand is worse than sending identity.
func parseQ(params string) int {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		key, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(textproto.TrimString(key), "q") {
			continue
		}
		return parseQValue(textproto.TrimString(val))
	}
	return 1000
}

// parseQValue parses qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
func parseQValue(s string) int {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q
	}
	if s[1] != '.' || len(s) > 5 {
		return 0
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0
	}
	return q
}

// Weight returns the q-value for one content coding: its own entry, else
// the "*" entry, else 0 (not acceptable).
func (ac Accepted) Weight(c Coding) int {
	q := -1
	switch c {
	case Brotli:
		q = ac.br
	case Gzip:
		q = ac.gzip
	}
	if q < 0 {
		q = ac.star
	}
	return max(q, 0)
}

// Choose picks the representation to send among the variants a response
// has (have[c] is true when coding c exists). The highest q wins and brotli wins
// ties, then gzip. Identity is the fallback: it is chosen over a compressed
// variant only when the client lists "identity" with a strictly higher q, as
// in "identity, gzip;q=0.5". When the client refuses everything, identity is
// sent anyway (RFC 9110 allows that instead of 406, and it is what a browser
// can still use).
func (ac Accepted) Choose(have *[Count]bool) Coding {
	best, bestQ := Identity, 0
	for c := Coding(0); c < Count; c++ {
		if q := ac.Weight(c); have[c] && q > bestQ {
			best, bestQ = c, q
		}
	}
	if best != Identity && ac.identity > bestQ {
		return Identity
	}
	return best
}
