package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/pages/demo"
	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/static"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkHandlerLogin is a dashboard page with --auth-file and --allow,
// the access log on, for a browser whose login was verified before (the
// usual case: only a session's first request pays bcrypt). Compare with
// BenchmarkHandler/page-app0 for what access control costs per request.
func BenchmarkHandlerLogin(b *testing.B) {
	assets, err := static.New(static.Options{})
	if err != nil {
		b.Fatal(err)
	}
	pg, err := pages.New(pages.Options{AssetURL: assets.URL, Dashboards: demo.Dashboards()})
	if err != nil {
		b.Fatalf("%v (the pages need the npm assets: run make generate, or make bench)", err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	path := filepath.Join(b.TempDir(), "htpasswd")
	os.WriteFile(path, []byte("ann:"+string(hash)+"\n"), 0o600)
	users, err := auth.OpenHtpasswd(path, auth.Options{PollInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(users.Close)
	l, err := server.OpenLogFile(filepath.Join(b.TempDir(), "access.log"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	allowed, _ := server.ParseNetwork("192.0.2.0/24")
	h := server.NewHandler(server.Deps{Static: assets, Pages: pg, AccessLog: l,
		HSTS:  func(*http.Request) bool { return true },
		Users: users, LoginLimiter: auth.NewLimiter(auth.LimiterConfig{}), AllowedNetworks: []netip.Prefix{allowed},
	})
	req := get("/apps/app0", browserEncodings)
	req().SetBasicAuth("ann", "right")
	benchRequest(b, h, req, 200)
}

// benchUsers is an Htpasswd with ann, whose password is "right", hashed at
// bcrypt's lowest cost (the benchmarks measure the middleware, not bcrypt).
func benchUsers(b *testing.B) *auth.Htpasswd {
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	path := filepath.Join(b.TempDir(), "htpasswd")
	os.WriteFile(path, []byte("ann:"+string(hash)+"\n"), 0o600)
	users, err := auth.OpenHtpasswd(path, auth.Options{PollInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(users.Close)
	return users
}

// BenchmarkBasicAuth is the login middleware alone, with the real Htpasswd
// and Limiter, in front of a handler that writes only a status:
//   - verified: a logged-in client without cookies (curl) whose password
//     was verified before, the usual request;
//   - verified-cookie: the same from a browser, which sends the device
//     cookie back;
//   - blocked: a wrong password from an address that failed too often
//     (429, the password not checked);
//   - wrong-new-address: a wrong password from a new address each time,
//     bcrypt cost 4 included, the limiter's table full after 10,000.
func BenchmarkBasicAuth(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	b.Run("verified", func(b *testing.B) {
		h := server.BasicAuth(benchUsers(b), auth.NewLimiter(auth.LimiterConfig{}), nil)(ok)
		req := get("/apps/app0")
		req().SetBasicAuth("ann", "right")
		benchRequest(b, h, req, 200)
	})
	b.Run("verified-cookie", func(b *testing.B) {
		h := server.BasicAuth(benchUsers(b), auth.NewLimiter(auth.LimiterConfig{}), nil)(ok)
		req := get("/apps/app0")
		req().SetBasicAuth("ann", "right")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req())
		for _, c := range w.Result().Cookies() {
			req().AddCookie(c)
		}
		benchRequest(b, h, req, 200)
	})
	b.Run("blocked", func(b *testing.B) {
		h := server.BasicAuth(benchUsers(b), auth.NewLimiter(auth.LimiterConfig{}), nil)(ok)
		req := get("/apps/app0")
		req().SetBasicAuth("ann", "wrong")
		for range auth.DefaultFailures {
			h.ServeHTTP(httptest.NewRecorder(), req())
		}
		benchRequest(b, h, req, 429)
	})
	b.Run("wrong-new-address", func(b *testing.B) {
		h := server.BasicAuth(benchUsers(b), auth.NewLimiter(auth.LimiterConfig{}), nil)(ok)
		r := get("/apps/app0")()
		r.SetBasicAuth("ann", "wrong")
		i := 0
		req := func() *http.Request {
			i++
			r.RemoteAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 443).String()
			return r
		}
		benchRequest(b, h, req, 401)
	})
}
