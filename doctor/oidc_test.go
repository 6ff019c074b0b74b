package doctor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOIDCAnswers runs the OIDC checks against providers on loopback that
// answer the way real ones do when something is wrong (another issuer, no
// keys) and each way the authorization endpoint can judge a redirect URI
// (the end-to-end test against a real provider is cmd's TestDoctorOIDC).
func TestOIDCAnswers(t *testing.T) {
	var srv *httptest.Server
	mux := http.NewServeMux()
	// /{tenant}/... is one provider per tenant: "good", "other-issuer"
	// (a discovery document naming another issuer), "no-keys".
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := srv.URL + "/" + r.PathValue("tenant")
		iss := base
		if r.PathValue("tenant") == "other-issuer" {
			iss = srv.URL + "/v2.0"
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "authorization_endpoint": base + "/authorize",
			"token_endpoint": base + "/token", "jwks_uri": base + "/keys"})
	})
	mux.HandleFunc("GET /{tenant}/keys", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("tenant") == "no-keys" {
			io.WriteString(w, `{"keys":[]}`)
			return
		}
		io.WriteString(w, `{"keys":[{"kty":"RSA","kid":"1","n":"AQAB","e":"AQAB"}]}`)
	})
	// The client ID says how the authorization endpoint answers.
	mux.HandleFunc("GET /good/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch q.Get("client_id") {
		case "to-login":
			http.Redirect(w, r, "/good/login?id=1", http.StatusFound)
		case "error-back":
			http.Redirect(w, r, q.Get("redirect_uri")+"?error=invalid_request&state="+q.Get("state"), http.StatusFound)
		case "bad-request":
			http.Error(w, "invalid_request: redirect_uri mismatch", http.StatusBadRequest)
		case "error-page":
			io.WriteString(w, "<html><body><h1>Sorry</h1><p>AADSTS50011: The redirect URI specified in the request does not match</p></body></html>")
		case "login-page":
			io.WriteString(w, `<html><body><form method="post"><input type="hidden" name="redirect_uri" value="x"><input name="u"><input type="password" name="p"></form></body></html>`)
		case "federated":
			http.Redirect(w, r, "https://adfs.example.net/adfs/ls/?wa=wsignin1.0", http.StatusFound)
		default:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	run := func(tenant, client string) []Result {
		return checkOIDC(context.Background(), Config{OIDC: &OIDC{
			Issuer: srv.URL + "/" + tenant, ClientID: client, RedirectURLs: []string{"https://dash.example.com/auth/callback"},
			IssuerLabel: "--oidc-issuer", ClientLabel: "--oidc-client-id", RootsLabel: "--oidc-issuer-ca",
		}})
	}
	for _, tc := range []struct {
		client string
		want   Status
		words  string
	}{
		{"to-login", OK, "sign-in page"},
		{"login-page", OK, "sign-in page"},
		{"error-back", Fail, "is not registered for client error-back"},
		{"bad-request", Fail, "is not registered for client bad-request"},
		{"error-page", Fail, "AADSTS50011"},
		{"federated", Warn, "another site, https://adfs.example.net"},
		{"busy", Warn, "could not tell"},
	} {
		rs := run("good", tc.client)
		if len(rs) != 3 || rs[0].Status != OK || rs[1].Status != OK {
			t.Fatalf("%s: want the issuer and keys OK and one redirect result: %v", tc.client, rs)
		}
		if r := rs[2]; r.Status != tc.want || !strings.Contains(r.Message, tc.words) || (r.Status != OK && r.Fix == "") {
			t.Errorf("%s: got %s, want %s with %q and a fix", tc.client, r, tc.want, tc.words)
		}
	}

	rs := run("other-issuer", "to-login")
	if rs[0].Status != Fail || !strings.Contains(rs[0].Fix, "give --oidc-issuer exactly as "+srv.URL+"/v2.0") {
		t.Errorf("another issuer in the document: %s", rs[0])
	}
	if rs[len(rs)-1].Status != Warn {
		t.Errorf("the redirect URL is checked with an unusable document: %v", rs)
	}
	rs = run("no-keys", "to-login")
	if rs[1].Status != Fail || !strings.Contains(rs[1].Message, "no key") {
		t.Errorf("an empty key set: %s", rs[1])
	}
	rs = run("not/here", "to-login")
	if rs[0].Status != Fail || !strings.Contains(rs[0].Message, "answers 404") {
		t.Errorf("no discovery document: %s", rs[0])
	}
}
