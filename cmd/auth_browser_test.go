package cmd

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// answerLogin answers the tab's login prompts as a user would: with user
// and password, or with Cancel when user is "". asked counts the prompts.
// It lets every other request through unchanged.
func answerLogin(user, password string, asked *atomic.Int32) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		answer := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
		if user != "" {
			answer = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: password}
		}
		if err := chromedp.Listen(ctx, func(ev any) {
			// A listener must not block: answer from goroutines.
			switch e := ev.(type) {
			case *fetch.EventRequestPaused:
				go chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			case *fetch.EventAuthRequired:
				asked.Add(1)
				go chromedp.Call(ctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: e.RequestID, AuthChallengeResponse: answer})
			}
		}); err != nil {
			return err
		}
		handle := true
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &handle})
		return err
	})
}

// TestBrowserLogin: Chromium whose user answers the login prompt loads
// dashboards with every chart drawn and their callbacks working, asked once
// per page (the browser's cache answers the callbacks); a user who cancels
// the prompt sees the 401 page and no dashboard. It reuses browser_test.go's
// browser and tab.
func TestBrowserLogin(t *testing.T) {
	htpasswd := writeHtpasswd(t, filepath.Join(t.TempDir(), "htpasswd"), "ann", "p@ss: wörd")
	d := mustStart(t, "--auth-file", htpasswd)
	b := mustBrowser(t, d)

	for _, path := range []string{"/apps/app15", "/apps/app7"} {
		t.Run(path, func(t *testing.T) {
			var asked atomic.Int32
			tb := b.open(t, path, answerLogin("ann", "p@ss: wörd", &asked))
			charts := eval[[]chartDrawn](tb, chartPixels)
			if len(charts) == 0 {
				t.Errorf("%s: no chart", path)
			}
			for _, c := range charts {
				if c.Colours < 3 {
					t.Errorf("%s: chart %s looks blank (%d colours)", path, c.ID, c.Colours)
				}
			}
			if path == "/apps/app7" {
				// A callback the page's script fetches.
				tb.do(chromedp.Focus(chromedp.ID("year-slider")), chromedp.KeyEvent(kb.End))
				tb.waitFor("the chart to show 2007", `String(echarts.getInstanceByDom(document.getElementById('graph-with-slider')).getOption().title[0].subtext) === '2007'`)
				tb.waitSettled()
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("the browser asked for the login %d times, want once", n)
			}
			// The first request went without credentials: its 401 is logged.
			tb.checkClean(b.origin, "status of 401 () "+b.origin+path)
		})
	}

	// A bookmark with the credentials in it: the page's callbacks must still
	// work (fetch refuses relative URLs resolved against such a page).
	t.Run("credentials in the URL", func(t *testing.T) {
		withCredentials := *b
		withCredentials.origin = "https://" + url.UserPassword("ann", "p@ss: wörd").String() + "@" + strings.TrimPrefix(b.origin, "https://")
		tb := withCredentials.open(t, "/apps/app9")
		tb.waitFor("app9's first answer", `document.getElementById('x-to-the-x').textContent === '3125'`)
		tb.do(retype("x", "3"))
		tb.waitFor("the callback's answer for 3", `document.getElementById('square').textContent === '9'`)
	})

	t.Run("cancelled", func(t *testing.T) {
		var asked atomic.Int32
		tb := b.open(t, "/apps/app15", answerLogin("", "", &asked))
		body := eval[string](tb, `document.body.innerText`)
		if !strings.Contains(body, "401 Unauthorized") || eval[int](tb, `document.querySelectorAll('[data-chart]').length`) != 0 {
			t.Errorf("after Cancel the page shows %q", body)
		}
	})

	if line := lineWith(d.logs.String(), "login failed"); line != "" {
		t.Errorf("a login with the right password failed: %s", line)
	}
}
