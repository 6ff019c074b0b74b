package doctor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// OIDC describes the OpenID Connect provider serve signs users in with.
// Its checks run in air-gapped mode too: serve asks the provider at every
// sign-in, whatever way it gets its certificates.
type OIDC struct {
	// Issuer is the issuer URL as configured.
	Issuer string
	// ClientID is dashbox's client at the provider.
	ClientID string
	// RedirectURLs are the redirect URIs serve sends
	// (https://NAME/auth/callback), one per name users open; empty when
	// they cannot be known, and NoRedirect says why.
	RedirectURLs []string
	NoRedirect   string
	// Roots verify the provider's HTTPS certificate, as serve's do; nil
	// means the system's roots.
	Roots *x509.CertPool
	// IssuerLabel, ClientLabel and RootsLabel name how the issuer, the
	// client ID and the issuer's root certificate are given, for fixes
	// ("--oidc-issuer").
	IssuerLabel, ClientLabel, RootsLabel string
}

// maxOIDCDocument bounds the discovery document, key set and pages read.
const maxOIDCDocument = 1 << 20

// oidcTimeout bounds each request to the provider.
const oidcTimeout = 15 * time.Second

// discovery is the part of an OpenID Provider's metadata checked.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

func (o *OIDC) client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if o.Roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: o.Roots}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   oidcTimeout,
		// The authorization request's answer is judged, not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkOIDC checks the provider's discovery document and key set, then
// that each redirect URL is registered for the client.
func checkOIDC(ctx context.Context, cfg Config) []Result {
	o := cfg.OIDC
	if o == nil {
		return nil
	}
	c := o.client()
	defer c.CloseIdleConnections()
	disc, rs := checkDiscovery(ctx, o, c)
	if disc == nil {
		for _, u := range o.RedirectURLs {
			rs = append(rs, Result{Status: Warn, Check: "OIDC redirect URL " + u, Message: "not checked: the discovery document is not usable"})
		}
		return rs
	}
	if len(o.RedirectURLs) == 0 {
		rs = append(rs, Result{Status: Warn, Check: "OIDC redirect URL", Message: "not checked: " + o.NoRedirect})
	}
	for _, u := range o.RedirectURLs {
		rs = append(rs, checkRedirectURL(ctx, o, c, disc.AuthorizationEndpoint, u))
	}
	return rs
}

// checkDiscovery fetches the discovery document and the key set it names;
// it returns the document when it is usable.
func checkDiscovery(ctx context.Context, o *OIDC, c *http.Client) (*discovery, []Result) {
	r := Result{Check: "OIDC issuer " + o.Issuer}
	docURL := strings.TrimSuffix(o.Issuer, "/") + "/.well-known/openid-configuration"
	body, status, err := oidcGet(ctx, c, docURL)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, err.Error(), o.fetchFix(err)
		return nil, []Result{r}
	}
	var d discovery
	switch {
	case status != http.StatusOK:
		r.Status, r.Message = Fail, docURL+" answers "+fmt.Sprint(status)
		r.Fix = "check " + o.IssuerLabel + ": it is the issuer URL, whose /.well-known/openid-configuration is the provider's discovery document (the provider's documentation names it)"
		return nil, []Result{r}
	case json.Unmarshal(body, &d) != nil:
		r.Status, r.Message = Fail, docURL+" is not a JSON discovery document"
		r.Fix = "check " + o.IssuerLabel + ": it is the issuer URL, whose /.well-known/openid-configuration is the provider's discovery document"
		return nil, []Result{r}
	case d.Issuer != o.Issuer:
		r.Status, r.Message = Fail, fmt.Sprintf("the discovery document's issuer is %q, not %q: ID tokens would be refused", d.Issuer, o.Issuer)
		r.Fix = "give " + o.IssuerLabel + " exactly as " + d.Issuer
		return nil, []Result{r}
	}
	var missing []string
	for _, e := range []struct{ name, value string }{{"authorization_endpoint", d.AuthorizationEndpoint}, {"token_endpoint", d.TokenEndpoint}, {"jwks_uri", d.JWKSURI}} {
		if e.value == "" {
			missing = append(missing, e.name)
		}
	}
	if len(missing) > 0 {
		r.Status, r.Message = Fail, "the discovery document lacks "+strings.Join(missing, ", ")
		r.Fix = "use the provider's OpenID Connect issuer URL (not its OAuth 2.0 or SAML one)"
		return nil, []Result{r}
	}
	r.Message = "discovery document valid (authorization, token and key set endpoints)"
	return &d, []Result{r, checkKeySet(ctx, o, c, d.JWKSURI)}
}

// checkKeySet fetches the provider's signing keys (the ID tokens'
// signatures are verified with them).
func checkKeySet(ctx context.Context, o *OIDC, c *http.Client, jwksURL string) Result {
	r := Result{Check: "OIDC signing keys " + jwksURL}
	body, status, err := oidcGet(ctx, c, jwksURL)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, err.Error(), o.fetchFix(err)
		return r
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	switch {
	case status != http.StatusOK:
		r.Status, r.Message, r.Fix = Fail, fmt.Sprintf("answers %d", status), "see to it that the provider serves its key set at the jwks_uri of its discovery document"
	case json.Unmarshal(body, &set) != nil || len(set.Keys) == 0:
		r.Status, r.Message, r.Fix = Fail, "no key in the key set: ID tokens could not be verified", "see to it that the provider publishes its signing keys at the jwks_uri of its discovery document"
	default:
		r.Message = fmt.Sprintf("%d key(s)", len(set.Keys))
	}
	return r
}

// oidcGet fetches url, reading at most maxOIDCDocument bytes. Its error
// says what failed: unreachable, or the certificate not trusted.
func oidcGet(ctx context.Context, c *http.Client, u string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, oidcTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, describeFetchError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCDocument))
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", u, err)
	}
	return body, resp.StatusCode, nil
}

// errUntrusted marks a provider certificate signed by an authority not
// among the roots.
var errUntrusted = errors.New("signed by an authority this machine does not trust")

func describeFetchError(err error) error {
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return fmt.Errorf("the provider's HTTPS certificate is %w: %v", errUntrusted, err)
	}
	return fmt.Errorf("unreachable: %w", err)
}

// fetchFix is the fix for a failed fetch from the provider.
func (o *OIDC) fetchFix(err error) string {
	var cert *tls.CertificateVerificationError
	switch {
	case errors.Is(err, errUntrusted):
		return "give the root certificate (PEM) of the provider's certificate authority with " + o.RootsLabel
	case errors.As(err, &cert):
		return "the provider's HTTPS certificate does not verify (expired, or for another name): fix it at the provider, or " + o.IssuerLabel
	}
	return "check " + o.IssuerLabel + ", that the provider runs, the DNS of its host, and that this machine may connect to it (firewall, proxy)"
}

// providerError matches pages that refuse a redirect URI: the OAuth 2.0
// parameter, Entra ID's "reply URL" (AADSTS50011), "mismatch".
var providerError = regexp.MustCompile(`(?i)redirect[_ ]?ur[il]|reply ?url|AADSTS50011|mismatch`)

// loginForm matches a sign-in page: a password field or a form.
var loginForm = regexp.MustCompile(`(?i)type=["']?password|<form`)

// checkRedirectURL sends an authorization request as serve would, without
// following its answer, and judges the answer: providers validate the
// redirect URI before they show the sign-in page, and refuse it with an
// error page (they must not redirect to an unregistered URI).
func checkRedirectURL(ctx context.Context, o *OIDC, c *http.Client, endpoint, redirect string) Result {
	r := Result{Check: "OIDC redirect URL " + redirect}
	notRegistered := func(why string) Result {
		r.Status = Fail
		r.Message = fmt.Sprintf("redirect URL %s is not registered for client %s at the provider (%s)", redirect, o.ClientID, why)
		r.Fix = fmt.Sprintf("register %s as a redirect URI of client %s at the provider (and check that %s is that client's ID)", redirect, o.ClientID, o.ClientLabel)
		return r
	}
	couldNotTell := func(what string) Result {
		r.Status, r.Message = Warn, "could not tell whether it is registered: "+what
		r.Fix = fmt.Sprintf("check at the provider that %s is a redirect URI of client %s", redirect, o.ClientID)
		return r
	}
	authURL, err := url.Parse(endpoint)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, "the authorization endpoint "+endpoint+" is not a URL", "fix the provider's discovery document"
		return r
	}
	verifier := rand.Text() + rand.Text()
	challenge := sha256.Sum256([]byte(verifier))
	q := authURL.Query()
	q.Set("response_type", "code")
	q.Set("client_id", o.ClientID)
	q.Set("redirect_uri", redirect)
	q.Set("scope", "openid")
	q.Set("state", rand.Text())
	q.Set("nonce", rand.Text())
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(challenge[:]))
	q.Set("code_challenge_method", "S256")
	authURL.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, oidcTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL.String(), nil)
	if err != nil {
		return couldNotTell(err.Error())
	}
	resp, err := c.Do(req)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, "the authorization endpoint is "+describeFetchError(err).Error(), o.fetchFix(describeFetchError(err))
		return r
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxOIDCDocument))
	excerpt := pageExcerpt(body)

	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc, err := resp.Location()
		if err != nil {
			return couldNotTell(fmt.Sprintf("the provider answers %s without a Location", resp.Status))
		}
		back := loc.Query()
		if sameEndpoint(loc, redirect) {
			if e := back.Get("error"); e != "" {
				return notRegistered("it sends the browser back with error=" + e + " " + back.Get("error_description"))
			}
			r.Message = "registered: the provider sends the browser back to it"
			return r
		}
		if loc.Host == authURL.Host || strings.EqualFold(loc.Hostname(), hostOf(o.Issuer)) {
			if e := back.Get("error"); e != "" {
				return couldNotTell("the provider redirects to its own page " + loc.Path + " with error=" + e)
			}
			r.Message = "registered: the provider accepts the request and shows its sign-in page"
			return r
		}
		return couldNotTell("the provider redirects to another site, " + loc.Scheme + "://" + loc.Host + " (a federated sign-in?)")
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return notRegistered(fmt.Sprintf("it answers %d: %s", resp.StatusCode, excerpt))
	case resp.StatusCode == http.StatusOK && providerError.MatchString(pageText(body)):
		// Visible text only: sign-in pages carry redirect_uri in hidden
		// fields and scripts.
		return notRegistered("its page says: " + excerpt)
	case resp.StatusCode == http.StatusOK && loginForm.Match(body):
		r.Message = "registered: the provider accepts the request and shows its sign-in page"
		return r
	}
	return couldNotTell(fmt.Sprintf("the provider answers %d: %s", resp.StatusCode, excerpt))
}

// sameEndpoint reports whether loc is the redirect URL (ignoring the
// query the provider adds).
func sameEndpoint(loc *url.URL, redirect string) bool {
	r, err := url.Parse(redirect)
	return err == nil && strings.EqualFold(loc.Scheme, r.Scheme) && strings.EqualFold(loc.Host, r.Host) && loc.Path == r.Path
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// tags matches what pageText drops.
var tags = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)

// pageText is a page's visible text, on one line.
func pageText(body []byte) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(string(body), " ")), " ")
}

// pageExcerpt is the start of a page's text.
func pageExcerpt(body []byte) string {
	s := pageText(body)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	if s == "" {
		return "an empty page"
	}
	return s
}
