package cmd

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/oidctest"
	"github.com/dashbox/dashbox/internal/testpki"
)

// TestSingleSignOnOnPremisesIssuer: an identity provider on HTTPS with a
// certificate of the company's own root (an on-premises Keycloak or ADFS),
// which --oidc-issuer-ca names. dashbox signs users in with it, through
// the whole stack (flags, routes, sessions, the dashboards' groups), and
// a page of another site cannot make a signed-in browser run a
// dashboard's callback: a cross-site POST gets 403, with or without a
// session, while dashbox's own page's POST is answered. Without
// --oidc-issuer-ca, the issuer is not trusted and sign-ins get the page
// saying the provider cannot be reached.
func TestSingleSignOnOnPremisesIssuer(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewRoot(t, "Corp Root")
	chain, key, _ := ca.Issue(t, testpki.Leaf{Names: []string{"127.0.0.1"}})
	pair, err := tls.X509KeyPair(chain, key)
	if err != nil {
		t.Fatal(err)
	}
	p := oidctest.Start(t, oidctest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{pair}}, Users: []oidctest.User{
		{ID: "u-ann", Username: "ann", Password: "ann-pw", Email: "ann@example.com", Groups: []string{"finance"}},
	}})
	if !strings.HasPrefix(p.Issuer, "https://") {
		t.Fatalf("the provider's issuer is %s, want https://", p.Issuer)
	}
	caFile := filepath.Join(dir, "corp-root.pem")
	secret := filepath.Join(dir, "client-secret")
	if err := os.WriteFile(caFile, testpki.CertPEM(ca.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	oidcFlags := []string{"--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID, "--oidc-client-secret-file", secret, "--oidc-dashboard-groups", "app7=ops"}
	d := mustStart(t, append(oidcFlags, "--oidc-issuer-ca", caFile)...)
	origin := "https://" + d.httpsAddr
	p.AddRedirectURI(origin+"/auth/callback", origin+"/signed-out")

	// The browser trusts dashbox's local root and the company's.
	roots := d.roots.Clone()
	roots.AddCert(ca.Cert)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	t.Cleanup(c.CloseIdleConnections)
	do := func(method, path, body string, header ...string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, origin+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	callback := func(site string, extra ...string) (*http.Response, string) {
		t.Helper()
		h := append([]string{"Content-Type", "application/x-www-form-urlencoded;charset=UTF-8", "Accept", "application/json"}, extra...)
		if site != "" {
			h = append(h, "Sec-Fetch-Site", site)
		}
		return do("POST", "/apps/app9/callback/powers", "x=7", h...)
	}

	// No session yet: a cross-site POST is refused before anything else.
	if resp, body := callback("cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site POST without a session answers %s %q, want 403", resp.Status, body)
	}

	cb := p.Authorize(t, c, origin+"/apps/app9", "ann", "ann-pw")
	resp, body := do("GET", cb.RequestURI(), "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/apps/app9" {
		t.Fatalf("the sign-in's callback answers %s to %q: %q\nlogs:\n%s", resp.Status, resp.Header.Get("Location"), body, d.logs)
	}
	if resp, body := do("GET", "/apps/app9", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Powers") {
		t.Fatalf("app9 after signing in answers %s %.300q", resp.Status, body)
	}
	if resp, body := do("GET", "/apps/app7", ""); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "ann@example.com") {
		t.Errorf("ops' app7 for ann answers %s %q, want 403 naming her", resp.Status, body)
	}

	// Signed in: dashbox's own page's POST runs the callback; another
	// site's is refused, whether the browser says so (Sec-Fetch-Site) or
	// only shows where it comes from (Origin, older browsers).
	if resp, body := callback("same-origin", "Origin", origin); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"49"`) {
		t.Fatalf("dashbox's own POST to app9's callback answers %s %q, want 200 with 7² = 49", resp.Status, body)
	}
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://other.127.0.0.1.example"}},
		{"old browser, Origin only", []string{"Origin", "https://evil.example"}},
	} {
		resp, body := callback("", tc.header...)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") {
			t.Errorf("%s: a cross-site POST to app9's callback with a session answers %s %q, want 403", tc.name, resp.Status, body)
		}
	}
	// The sign-in's own callback takes no POST (the provider redirects
	// with a GET), from any site: nothing is signed in or out.
	if resp, body := do("POST", "/auth/callback", "code=x&state=y", "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusMethodNotAllowed || len(resp.Cookies()) != 0 {
		t.Errorf("a cross-site POST to /auth/callback answers %s %q with cookies %v, want 405 and none", resp.Status, body, resp.Cookies())
	}
	// Signing out from another site is refused too: a link or form
	// elsewhere must not end the session.
	if resp, body := do("POST", "/logout", "", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("a cross-site POST to /logout answers %s %q with cookies %v, want 403 and none", resp.Status, body, resp.Cookies())
	}
	if resp, body := do("GET", "/apps/app9", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("after the cross-site requests, ann's session answers %s %.200q, want 200", resp.Status, body)
	}

	// Without --oidc-issuer-ca the company's root is not trusted.
	d2 := mustStart(t, oidcFlags...)
	resp, raw := d2.get(t, "/apps/app9", "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(raw), "unreachable") {
		t.Errorf("without --oidc-issuer-ca, a sign-in answers %s %q, want 503 saying the provider is unreachable", resp.Status, raw)
	}
	if _, err := d2.logs.waitFor("certificate signed by unknown authority", nil); err != nil {
		t.Errorf("the log does not say why the provider is unreachable: %v\n%s", err, d2.logs)
	}
}
