package server_test

import (
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/pages"
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
	pg, err := pages.New(pages.Options{AssetURL: assets.URL})
	if err != nil {
		b.Fatalf("%v (the pages need the npm assets: run make vendor, or make bench)", err)
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
