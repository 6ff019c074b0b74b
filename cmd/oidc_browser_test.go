package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dashbox/dashbox/internal/oidctest"
)

// TestBrowserSingleSignOn: a real OpenID provider (zitadel's op package) on
// loopback, dashbox signing users in with it, and Chromium as the user. Ann
// (group finance) asks for app3, signs in at the provider's form, lands on
// app3 with its charts drawn, sees on the home page only the dashboards she
// may open, gets 403 with her name on ops' app7, signs out (of the
// provider too) and is asked to sign in again. With the provider down, her
// session keeps working and a new browser gets dashbox's page saying the
// provider is unreachable.
func TestBrowserSingleSignOn(t *testing.T) {
	p := oidctest.Start(t, oidctest.Options{Users: []oidctest.User{
		{ID: "u-ann", Username: "ann", Password: "ann-pw", Email: "ann@example.com", Groups: []string{"finance", "staff"}},
		{ID: "u-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", Groups: []string{"ops"}},
	}})
	secret := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := mustStart(t, "--access-log", "-", "--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID, "--oidc-client-secret-file", secret,
		"--oidc-scope", "offline_access", "--oidc-dashboard-groups", "app3=finance", "--oidc-dashboard-groups", "app7=ops,admins")
	origin := "https://" + d.httpsAddr
	p.AddRedirectURI(origin+"/auth/callback", origin+"/signed-out")
	b := mustBrowser(t, d)

	tb := b.open(t, "/apps/app3")
	location := func() string { return eval[string](tb, `location.href`) }
	if !strings.HasPrefix(location(), p.Issuer+"/login") {
		t.Fatalf("asking for /apps/app3 without a session shows %s, want the provider's login form", location())
	}
	tb.do(chromedp.SendKeys(chromedp.ID("username"), "ann"), chromedp.SendKeys(chromedp.ID("password"), "ann-pw"), chromedp.Click(chromedp.ID("submit")))
	waitLocation(t, tb, origin+"/apps/app3")
	charts := eval[[]chartDrawn](tb, chartPixels)
	if len(charts) == 0 {
		t.Fatal("app3 after signing in: no chart")
	}
	for _, c := range charts {
		if c.Colours < 3 {
			t.Errorf("app3: chart %s looks blank (%d colours)", c.ID, c.Colours)
		}
	}
	if line, err := d.stdout.waitFor(`ann@example.com [`, nil); err != nil || !strings.Contains(line, "/apps/app3") {
		t.Errorf("the access log does not name the signed-in user: %q %v", line, err)
	}

	navigate := func(path string) {
		t.Helper()
		tb.do(chromedp.Navigate(origin + path))
		tb.waitSettled()
	}
	navigate("/")
	links := eval[[]string](tb, `[...document.querySelectorAll('.dashboard-list a')].map((a) => a.getAttribute('href'))`)
	if !slices.Contains(links, "/apps/app3") || !slices.Contains(links, "/apps/app0") || slices.Contains(links, "/apps/app7") {
		t.Errorf("ann's home page lists %v: want app3 and the open dashboards, not ops' app7", links)
	}

	navigate("/apps/app7")
	if msg := eval[string](tb, `document.body.innerText`); !strings.Contains(msg, "403") || !strings.Contains(msg, "ann@example.com") {
		t.Errorf("ops' app7 for ann shows %q, want a 403 naming her", msg)
	}

	// Signing out ends the provider's session too: the next page asks
	// for her password again.
	navigate("/logout")
	waitLocation(t, tb, origin+"/signed-out")
	if n := p.EndSessions(); n != 1 {
		t.Errorf("signing out called the provider's end_session endpoint %d times, want once", n)
	}
	tb.do(chromedp.Navigate(origin + "/apps/app3"))
	if at := location(); !strings.HasPrefix(at, p.Issuer+"/login") {
		t.Fatalf("after signing out, /apps/app3 shows %s, want the provider's login form", at)
	}
	tb.do(chromedp.SendKeys(chromedp.ID("username"), "ann"), chromedp.SendKeys(chromedp.ID("password"), "ann-pw"), chromedp.Click(chromedp.ID("submit")))
	waitLocation(t, tb, origin+"/apps/app3")
	if n := p.Logins(); n != 2 {
		t.Errorf("the provider's form took %d passwords, want 2 (one before signing out, one after)", n)
	}

	// The provider down: her session goes on; a new browser is told.
	p.Stop()
	navigate("/apps/app3")
	if n := len(eval[[]chartDrawn](tb, chartPixels)); location() != origin+"/apps/app3" || n == 0 {
		t.Errorf("with the provider down, ann's session shows %s with %d charts", location(), n)
	}
	other := b.open(t, "/apps/app3")
	if msg := eval[string](other, `document.body.innerText`); !strings.Contains(msg, "unreachable") {
		t.Errorf("a new sign-in with the provider down shows %q, want a page saying it is unreachable", msg)
	}
}

// waitLocation polls, until a deadline, for the tab to be at url: through
// redirects, which interrupt a Poll in the page.
func waitLocation(t *testing.T, tb *tab, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		at, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.href : ''`))
		if err == nil && at == url {
			tb.waitSettled()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for the tab to be at %s: it is at %q (%v)", url, at, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
