package server

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// recordingObserver keeps what RequestDone is told.
type recordingObserver struct {
	mu       sync.Mutex
	inFlight int
	done     []observed
}

type observed struct {
	route, method string
	status        int
	bytes         int64
}

func (o *recordingObserver) RequestStarted() { o.mu.Lock(); o.inFlight++; o.mu.Unlock() }
func (o *recordingObserver) RequestDone(route, method string, status int, bytes int64, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inFlight--
	if took <= 0 {
		panic("no duration")
	}
	o.done = append(o.done, observed{route, method, status, bytes})
}

// TestObserveRequests: each request is reported once, by the route's
// pattern (never the path), with its status and body size, whether the
// access log is on or off, through the router, the static files' shortcut,
// the 404 and 405 answers and a recovered panic.
func TestObserveRequests(t *testing.T) {
	for _, accessLog := range []bool{false, true} {
		t.Run(fmt.Sprintf("access-log=%v", accessLog), func(t *testing.T) {
			o := &recordingObserver{}
			d := Deps{Static: text(200, "css"), Pages: panicPages{}, Observer: o}
			if accessLog {
				d.AccessLog = &bytes.Buffer{}
			}
			h := NewHandler(d)
			for _, tt := range []struct {
				method, target string
				want           observed
			}{
				{"GET", "/apps/app0", observed{"/apps/app0", "GET", 200, 4}},
				{"HEAD", "/apps/app0", observed{"/apps/app0", "HEAD", 200, -1}},
				{"POST", "/apps/app0/callback/x", observed{"/apps/app0/callback/x", "POST", 200, 2}},
				{"GET", "/static/css/x.css", observed{"/static/*", "GET", 200, 3}},
				{"GET", "/healthz", observed{"/healthz", "GET", 200, -1}},
				{"GET", "/nope/" + fmt.Sprint(rand.Int()), observed{UnmatchedRoute, "GET", 404, 19}},
				{"DELETE", "/apps/app0", observed{UnmatchedRoute, "DELETE", 405, -1}},
				{"GET", "/boom", observed{"/boom", "GET", 500, -1}},
			} {
				o.done = nil
				h.ServeHTTP(httptest.NewRecorder(), tlsRequest(tt.method, tt.target, "192.0.2.7:1"))
				if len(o.done) != 1 {
					t.Fatalf("%s %s: %d reports, want 1", tt.method, tt.target, len(o.done))
				}
				got := o.done[0]
				if tt.want.bytes < 0 {
					got.bytes = -1
				}
				if got != tt.want {
					t.Errorf("%s %s: reported %+v, want %+v", tt.method, tt.target, got, tt.want)
				}
			}
			if o.inFlight != 0 {
				t.Errorf("%d requests still in flight", o.inFlight)
			}
		})
	}
}

// TestObserveRoutesBounded: a thousand random paths make one route value.
func TestObserveRoutesBounded(t *testing.T) {
	o := &recordingObserver{}
	h := NewHandler(Deps{Static: text(200, "css"), Pages: fakePages{}, Observer: o,
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	routes := map[string]bool{}
	for range 1000 {
		h.ServeHTTP(httptest.NewRecorder(), tlsRequest("GET", fmt.Sprintf("/%x/%x", rand.Uint64(), rand.Uint64()), "192.0.2.7:1"))
	}
	for _, d := range o.done {
		routes[d.route] = true
	}
	if len(routes) != 1 || !routes[UnmatchedRoute] {
		t.Fatalf("routes reported for 1,000 random paths: %v, want only %q", routes, UnmatchedRoute)
	}
}

// TestObserveHandshakes: a successful handshake reports its version.
func TestObserveHandshakes(t *testing.T) {
	var mu sync.Mutex
	var got []uint16
	srv := httptest.NewUnstartedServer(text(200, "ok"))
	srv.TLS = observeHandshakes(&tls.Config{MaxVersion: tls.VersionTLS12}, func(v uint16, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if ok {
			got = append(got, v)
		}
	})
	srv.StartTLS()
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != tls.VersionTLS12 {
		t.Fatalf("handshakes reported: %v, want one TLS 1.2", got)
	}
	if !handshakeFailed("http: TLS handshake error from 192.0.2.7:1: EOF") || handshakeFailed("http: Accept error") {
		t.Error("handshakeFailed misreads net/http's error lines")
	}
}

// panicPages are fakePages with a route that panics.
type panicPages struct{ fakePages }

func (panicPages) Dashboards(add func(method, pattern string, h http.Handler)) {
	fakePages{}.Dashboards(add)
	add("GET", "/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
}

// BenchmarkObserveRequests is what the middleware and route recording cost
// a routed request: without an observer, and with one that does nothing
// (the metrics' own cost is metrics.BenchmarkRequestDone).
func BenchmarkObserveRequests(b *testing.B) {
	for _, c := range []struct {
		name string
		o    RequestObserver
	}{{"off", nil}, {"nop-observer", nopObserver{}}} {
		b.Run(c.name, func(b *testing.B) {
			h := NewHandler(Deps{Static: text(200, "css"), Pages: fakePages{}, Observer: c.o})
			r := tlsRequest("GET", "/apps/app0", "192.0.2.7:1")
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}

type nopObserver struct{}

func (nopObserver) RequestStarted()                                       {}
func (nopObserver) RequestDone(string, string, int, int64, time.Duration) {}
