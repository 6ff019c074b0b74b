package server

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// SignIn is what the route surface needs from single sign-on (the oidc
// package's SignIn is one): sessions, and the pages that start and end
// them.
type SignIn interface {
	// User returns the signed-in user of r's session and their groups;
	// ok is false without a valid session. It may renew the session's
	// cookie through w.
	User(w http.ResponseWriter, r *http.Request) (user string, groups []string, ok bool)
	// Challenge answers a request without a valid session: a redirect to
	// the provider's sign-in for a page, 401 for a script's request.
	Challenge(w http.ResponseWriter, r *http.Request)
	// Routes registers the sign-in's own pages (its callback, /logout)
	// through add, chi's Router.Method; they need no session.
	Routes(add func(method, pattern string, h http.Handler))
}

// HomeFilter is what Pages may offer to list, on the home page, only the
// dashboards a user may open (the pages package's Pages does).
type HomeFilter interface {
	// HomeFor serves the home page listing the dashboards whose path
	// visible accepts.
	HomeFor(visible func(path string) bool) http.Handler
}

// signedInKey is the context key of a request's *signedIn.
type signedInKey struct{}

// signedIn is who a request's session belongs to.
type signedIn struct {
	user   string
	groups []string
}

// RequireSignIn lets a request through only with a valid session of s,
// and records the user for the access log and for the dashboards' group
// checks (DashboardGroups). Without one, s.Challenge answers (the
// provider's sign-in). Like BasicAuth it serves HTTPS only: the session
// cookie is Secure, and a plain-HTTP request is refused with 403.
func RequireSignIn(s SignIn) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil {
				http.Error(w, "403 Forbidden: HTTPS only", http.StatusForbidden)
				return
			}
			user, groups, ok := s.User(w, r)
			if !ok {
				s.Challenge(w, r)
				return
			}
			setLogUser(w, user)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signedInKey{}, &signedIn{user: user, groups: groups})))
		})
	}
}

// dashboardGroups says which groups may open which dashboards: by
// dashboard path, the groups of which a user must be in one. A dashboard
// not listed is open to every signed-in user.
type dashboardGroups map[string][]string

// groupsOf returns the groups a route pattern (a dashboard's page
// "/apps/app3" or its callbacks "/apps/app3/callback/{name}") needs, and
// the dashboard's path; nil if anyone may.
func (d dashboardGroups) groupsOf(pattern string) (groups []string, path string) {
	for p, g := range d {
		if pattern == p || strings.HasPrefix(pattern, p+"/") {
			return g, p
		}
	}
	return nil, ""
}

// may reports whether a user in groups may open the dashboard at path.
func (d dashboardGroups) may(path string, groups []string) bool {
	need, _ := d.groupsOf(path)
	return need == nil || slices.ContainsFunc(need, func(g string) bool { return slices.Contains(groups, g) })
}

// guard wraps the handler of a dashboard's route pattern with its group
// check: a signed-in user in none of the dashboard's groups gets 403, a
// page saying who they are signed in as. It is decided per route, as the
// router matched it, so no spelling of the path slips past.
func (d dashboardGroups) guard(pattern string, h http.Handler) http.Handler {
	need, path := d.groupsOf(pattern)
	if need == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si, _ := r.Context().Value(signedInKey{}).(*signedIn)
		if si == nil {
			// Not behind RequireSignIn: no groups to check against,
			// so nobody is in them.
			http.Error(w, "403 Forbidden", http.StatusForbidden)
			return
		}
		if slices.ContainsFunc(need, func(g string) bool { return slices.Contains(si.groups, g) }) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		forbiddenPage.Execute(w, map[string]any{"User": si.user, "Path": path, "Groups": need})
	})
}

// home serves "/" listing only the dashboards the signed-in user may open.
func (d dashboardGroups) home(f HomeFilter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var groups []string
		if si, _ := r.Context().Value(signedInKey{}).(*signedIn); si != nil {
			groups = si.groups
		}
		f.HomeFor(func(path string) bool { return d.may(path, groups) }).ServeHTTP(w, r)
	})
}

var forbiddenPage = template.Must(template.New("forbidden").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>403 Forbidden · dashbox</title></head>
<body><main><h1>403 Forbidden</h1>
<p id="message">You are signed in as <strong id="user">{{.User}}</strong>, who may not open {{.Path}}: it is for the groups {{range $i, $g := .Groups}}{{if $i}}, {{end}}{{$g}}{{end}}.</p>
<p><a href="/">Your dashboards</a> · <a id="logout" href="/logout">Sign out</a> to sign in as someone else.</p>
</main></body></html>
`))
