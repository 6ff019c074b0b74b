package doctor

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Clock offsets from the CA's Date header beyond which the clock check
// warns and fails. The Date header has a resolution of one second.
const (
	ClockWarn = 10 * time.Second
	ClockFail = 5 * time.Minute
)

// knownCAAIdentities are the issuer domains of public ACME CAs, by the host
// of their directory, for directories that do not list them.
var knownCAAIdentities = map[string][]string{
	"acme-v02.api.letsencrypt.org":         {"letsencrypt.org"},
	"acme-staging-v02.api.letsencrypt.org": {"letsencrypt.org"},
	"acme.zerossl.com":                     {"sectigo.com"},
	"dv.acme-v02.api.pki.goog":             {"pki.goog"},
	"dv.acme-v02.test-api.pki.goog":        {"pki.goog"},
	"api.buypass.com":                      {"buypass.com"},
	"api.test4.buypass.no":                 {"buypass.com"},
	"acme.ssl.com":                         {"ssl.com"},
}

// maxDirectory bounds the directory document read.
const maxDirectory = 1 << 20

func defaultHTTPClient(acme *ACME) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if acme != nil && acme.Roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: acme.Roots}
	}
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// checkNetwork checks what getting certificates from the ACME CA needs:
// the CA's directory and the clock, then each domain's addresses and CAA
// records. In air-gapped mode it checks nothing and says so.
func checkNetwork(ctx context.Context, cfg Config, env Env) []Result {
	if cfg.ACME == nil {
		msg := "nothing checked on the network for certificates (DNS, CAA, ACME directory, clock)"
		if cfg.Offline != "" {
			msg = "air-gapped (" + cfg.Offline + "): " + msg
		}
		return []Result{{Check: "network", Message: msg}}
	}
	dir, rs := checkDirectory(ctx, cfg.ACME.Directory, env)
	identities := dir.Meta.CAAIdentities
	if len(identities) == 0 {
		identities = cfg.ACME.CAAIdentities
	}
	if len(identities) == 0 {
		if u, err := url.Parse(cfg.ACME.Directory); err == nil {
			identities = knownCAAIdentities[strings.ToLower(u.Hostname())]
		}
	}
	caLocal := isLoopbackURL(cfg.ACME.Directory)
	for _, d := range cfg.ACME.Domains {
		if cfg.ACME.DNS01 != nil {
			rs = append(rs, checkDNSUpdate(ctx, d, cfg.ACME.DNS01))
		} else {
			rs = append(rs, checkAddresses(ctx, d, caLocal, env))
		}
		rs = append(rs, checkCAA(ctx, d, identities, env))
	}
	return rs
}

// directory is the part of an ACME directory (RFC 8555 §7.1.1) checked.
type directory struct {
	NewNonce string `json:"newNonce"`
	NewOrder string `json:"newOrder"`
	Meta     struct {
		CAAIdentities []string `json:"caaIdentities"`
	} `json:"meta"`
}

// checkDirectory fetches the ACME directory, and measures the clock's
// offset from the Date header of the answer.
func checkDirectory(ctx context.Context, dirURL string, env Env) (directory, []Result) {
	var dir directory
	r := Result{Check: "ACME directory " + dirURL}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dirURL, nil)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, err.Error(), "give the URL of the CA's ACME directory"
		return dir, []Result{r}
	}
	sent := env.Now()
	resp, err := env.HTTPClient.Do(req)
	received := env.Now()
	if err != nil {
		r.Status, r.Message = Fail, "unreachable: "+err.Error()
		r.Fix = "check the URL, the DNS of its host and that outgoing HTTPS is allowed (firewall, proxy)"
		clock := Result{Status: Warn, Check: "clock", Message: "not checked: the CA did not answer"}
		return dir, []Result{r, clock}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDirectory))
	switch {
	case err != nil:
		r.Status, r.Message, r.Fix = Fail, "reading it: "+err.Error(), "check the network path to the CA"
	case resp.StatusCode != http.StatusOK:
		r.Status, r.Message, r.Fix = Fail, "answers "+resp.Status, "check the URL: it must be the CA's ACME directory"
	case json.Unmarshal(body, &dir) != nil || dir.NewNonce == "" || dir.NewOrder == "":
		r.Status, r.Message, r.Fix = Fail, "answers, but not with an ACME directory", "check the URL: it must be the CA's ACME directory"
	default:
		r.Message = "reachable"
		if ids := dir.Meta.CAAIdentities; len(ids) > 0 {
			r.Message += "; CAA identities " + strings.Join(ids, ", ")
		}
	}
	return dir, []Result{r, checkClock(resp.Header.Get("Date"), sent, received)}
}

// checkClock compares the Date header of an answer received between sent
// and received with the local clock at the midpoint.
func checkClock(date string, sent, received time.Time) Result {
	r := Result{Check: "clock"}
	at, err := http.ParseTime(date)
	if err != nil {
		r.Status, r.Message = Warn, "not checked: the CA's answer has no valid Date header"
		return r
	}
	local := sent.Add(received.Sub(sent) / 2)
	// Date has whole seconds: the CA's clock read somewhere in the second
	// that follows it.
	offset := local.Sub(at.Add(500 * time.Millisecond))
	abs := offset.Abs()
	ahead := "ahead of"
	if offset < 0 {
		ahead = "behind"
	}
	msg := fmt.Sprintf("%s %s the CA's clock (its Date header)", abs.Round(time.Second), ahead)
	switch {
	case abs >= ClockFail:
		r.Status, r.Message = Fail, msg
		r.Fix = "set the clock and keep it synchronised: timedatectl set-ntp true (certificates' validity and renewals go by it)"
	case abs >= ClockWarn:
		r.Status, r.Message = Warn, msg
		r.Fix = "synchronise the clock with NTP: timedatectl set-ntp true"
	case abs < time.Second:
		r.Message = "within a second of the CA's clock (its Date header)"
	default:
		r.Message = msg + ": within " + ClockWarn.String()
	}
	return r
}

// isLoopbackURL reports whether the URL's host is a loopback address or
// localhost: a CA there reaches this machine's loopback addresses.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}
