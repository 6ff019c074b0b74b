package doctor

import (
	"fmt"
	"time"
)

// RenewalLate is how close to expiry a certificate is reported as late:
// dashbox renews a third of the lifetime before the end (30 days of
// Let's Encrypt's 90).
const RenewalLate = 14 * 24 * time.Hour

// checkCertificates reports each certificate in storage and when it
// expires: expired fails, late renewals and errors warn.
func checkCertificates(cfg Config, env Env) []Result {
	if cfg.Certificates == nil {
		return nil
	}
	certs, err := cfg.Certificates()
	if err != nil {
		return []Result{{Status: Warn, Check: "certificates", Message: err.Error()}}
	}
	if len(certs) == 0 {
		return []Result{{Check: "certificates", Message: "none in storage yet: serve gets them at its first start"}}
	}
	now := env.Now()
	var rs []Result
	for _, c := range certs {
		r := Result{Check: "certificate " + c.Name}
		left := c.NotAfter.Sub(now)
		switch {
		case c.NotAfter.IsZero():
			r.Status, r.Message = Warn, "none yet from "+c.Issuer
		case left <= 0:
			r.Status, r.Message = Fail, fmt.Sprintf("from %s, expired %s", c.Issuer, c.NotAfter.UTC().Format(time.DateTime+" MST"))
			r.Fix = "see why renewal fails (dashbox certs, journalctl -u dashbox), fix it and restart dashbox"
		case left < RenewalLate:
			r.Status, r.Message = Warn, fmt.Sprintf("from %s, expires %s, in %s: renewal is late", c.Issuer, c.NotAfter.UTC().Format(time.DateTime+" MST"), days(left))
			r.Fix = "see why renewal fails: dashbox certs, journalctl -u dashbox"
		default:
			r.Message = fmt.Sprintf("from %s, expires %s (in %s)", c.Issuer, c.NotAfter.UTC().Format(time.DateTime+" MST"), days(left))
		}
		if c.Error != "" {
			r.Message += "; last error: " + c.Error
			if r.Status == OK {
				r.Status = Warn
			}
		}
		rs = append(rs, r)
	}
	return rs
}

func days(d time.Duration) string {
	if n := int(d / (24 * time.Hour)); n != 1 {
		return fmt.Sprintf("%d days", n)
	}
	return "1 day"
}
