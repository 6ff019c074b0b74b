package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// fakeSignIn takes the cookie "s" = "user:group,group" as a session, sends
// requests without one to /signin, and serves /auth/callback.
type fakeSignIn struct{}

var _ SignIn = fakeSignIn{}

func (fakeSignIn) User(w http.ResponseWriter, r *http.Request) (string, []string, bool) {
	c, err := r.Cookie("s")
	if err != nil {
		return "", nil, false
	}
	user, groups, _ := strings.Cut(c.Value, ":")
	var g []string
	if groups != "" {
		g = strings.Split(groups, ",")
	}
	return user, g, user != ""
}

func (fakeSignIn) Challenge(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/signin", http.StatusFound)
}

func (fakeSignIn) Routes(add func(method, pattern string, h http.Handler)) {
	add("GET", "/auth/callback", text(200, "callback"))
	add("POST", "/logout", text(200, "signed out"))
}

// groupPages is app0 (open to all) and finance's app3, each with a
// callback, and a home page that lists what it is asked to.
type groupPages struct{ fakePages }

var _ HomeFilter = groupPages{}

func (groupPages) Dashboards(add func(method, pattern string, h http.Handler)) {
	for _, p := range []string{"/apps/app0", "/apps/app3"} {
		add("GET", p, text(200, p))
		add("POST", p+"/callback/{name}", text(200, "{}"))
	}
}

func (groupPages) HomeFor(visible func(string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range []string{"/apps/app0", "/apps/app3"} {
			if visible(p) {
				fmt.Fprintln(w, p)
			}
		}
	})
}

// TestRequireSignIn: with a SignIn, every page, callback and unknown path
// needs a session (else the SignIn's challenge), the SignIn's own pages and
// /healthz and /static/ do not; plain HTTP is refused; a dashboard of
// groups answers only its members (others get 403 naming them, however the
// path is spelled, callbacks included) and the home page lists only what
// the user may open; the access log names the user.
func TestRequireSignIn(t *testing.T) {
	var log bytes.Buffer
	h := NewHandler(Deps{
		Static:          text(200, "css"),
		Pages:           groupPages{},
		SignIn:          fakeSignIn{},
		DashboardGroups: map[string][]string{"/apps/app3": {"finance", "controlling"}},
		AccessLog:       &log,
	})
	const ann, bob = "ann@example.com:finance", "bob@example.com:ops,staff"
	tests := []struct {
		method, target, session string
		want                    int
		body                    string
	}{
		{"GET", "/healthz", "", 200, ""},
		{"GET", "/static/css/x.css", "", 200, "css"},
		{"GET", "/auth/callback?code=x", "", 200, "callback"},
		{"POST", "/logout", "", 200, "signed out"},
		{"GET", "/", "", 302, ""},
		{"GET", "/apps/app0", "", 302, ""},
		{"POST", "/apps/app0/callback/x", "", 302, ""},
		{"GET", "/nope", "", 302, ""},
		{"GET", "/apps/app0", ann, 200, "/apps/app0"},
		{"GET", "/apps/app3", ann, 200, "/apps/app3"},
		{"POST", "/apps/app3/callback/x", ann, 200, "{}"},
		{"GET", "/apps/app0", bob, 200, "/apps/app0"},
		{"GET", "/apps/app3", bob, 403, "signed in as <strong id=\"user\">bob@example.com</strong>"},
		{"HEAD", "/apps/app3", bob, 403, ""},
		{"POST", "/apps/app3/callback/x", bob, 403, "bob@example.com"},
		{"GET", "/apps/app3/", bob, 404, ""},
		{"GET", "/apps//app3", bob, 404, ""},
		{"GET", "/apps/%61pp3", bob, 404, ""},
		{"GET", "/nope", bob, 404, ""},
	}
	for _, tt := range tests {
		r := tlsRequest(tt.method, tt.target, "192.0.2.1:5555")
		if tt.session != "" {
			r.AddCookie(&http.Cookie{Name: "s", Value: tt.session})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.body) {
			t.Errorf("%s %s (session %q): %d %q, want %d with %q", tt.method, tt.target, tt.session, w.Code, w.Body, tt.want, tt.body)
		}
		if tt.want == 302 && w.Header().Get("Location") != "/signin" {
			t.Errorf("%s %s without a session: sent to %q, want the sign-in", tt.method, tt.target, w.Header().Get("Location"))
		}
	}

	home := func(session string) []string {
		r := tlsRequest("GET", "/", "192.0.2.1:5555")
		r.AddCookie(&http.Cookie{Name: "s", Value: session})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return strings.Fields(w.Body.String())
	}
	if got := home(ann); !slices.Equal(got, []string{"/apps/app0", "/apps/app3"}) {
		t.Errorf("ann's home page lists %q, want app0 and app3", got)
	}
	if got := home(bob); !slices.Equal(got, []string{"/apps/app0"}) {
		t.Errorf("bob's home page lists %q, want app0 alone", got)
	}
	if !strings.Contains(log.String(), ` - ann@example.com [`) || !strings.Contains(log.String(), ` - bob@example.com [`) {
		t.Errorf("the access log does not name the signed-in users:\n%s", log.String())
	}

	// Plain HTTP: the session cookie is Secure; refused as BasicAuth does.
	r := httptest.NewRequest("GET", "/apps/app0", nil)
	r.AddCookie(&http.Cookie{Name: "s", Value: ann})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "HTTPS only") {
		t.Errorf("plain HTTP with a session: %d %q, want 403 HTTPS only", w.Code, w.Body)
	}
}
