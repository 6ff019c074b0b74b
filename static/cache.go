package static

import (
	"net/http"
	"sync/atomic"
	"time"
)

// cachePolicy is how long browsers and proxies may keep a response.
type cachePolicy int

const (
	// policyMonth is nginx's `expires 30d`: plain names, --static-dir
	// files, and fingerprints of other builds.
	policyMonth cachePolicy = iota
	// policyYear is for fingerprinted URLs whose fingerprint matches: the
	// content behind such a URL never changes, so browsers need not even
	// revalidate.
	policyYear
	numPolicies
)

var policyTTL = [numPolicies]time.Duration{
	policyMonth: 30 * 24 * time.Hour,
	policyYear:  365 * 24 * time.Hour,
}

// expiresCache holds the Expires header values for the current second.
// Formatting a date costs an allocation and some work; doing it once a
// second instead of once per request keeps hits cheap, and the header has
// one-second resolution anyway.
type expiresCache struct {
	cur atomic.Pointer[expiresValues]
}

type expiresValues struct {
	unix   int64
	values [numPolicies][]string
}

// get returns the Expires value for policy p at time now.
func (c *expiresCache) get(now time.Time, p cachePolicy) []string {
	sec := now.Unix()
	v := c.cur.Load()
	if v == nil || v.unix != sec {
		v = &expiresValues{unix: sec}
		base := time.Unix(sec, 0).UTC()
		for i, ttl := range policyTTL {
			v.values[i] = []string{base.Add(ttl).Format(http.TimeFormat)}
		}
		// Racing requests may each store a value for the same second;
		// any of them is right.
		c.cur.Store(v)
	}
	return v.values[p]
}
