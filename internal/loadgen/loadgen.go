// Package loadgen is the tests' load generator: it sends requests to
// dashbox from several clients at once while a test restarts, reloads or
// upgrades it, and counts what users would see.
package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Gen sends GET requests to one address from several clients at once
// while a test restarts, reloads or upgrades the service, and counts what a
// user would see: requests sent, failed, failed by a connection reset or
// refusal, and the longest latency. Each client is one of the ways browsers
// and monitors connect: HTTP/1.1 and HTTP/2, each over a kept-alive
// connection and over a new connection per request. Clients retry only
// what net/http retries on its own (an idempotent request on a kept-alive
// connection the server closed, or after an HTTP/2 GOAWAY), as browsers do.
type Gen struct {
	mu        sync.Mutex
	sent      int
	failed    int
	resets    int
	refused   int
	longest   time.Duration
	firstErrs []string
	// lastFail and firstOKAfter time the gap of a kill -9.
	lastFail time.Time

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// clients are the kinds of client, each run by two workers.
var clients = []struct {
	name      string
	h2        bool
	keepAlive bool
}{
	{"h1-keepalive", false, true},
	{"h1-new-conn", false, false},
	{"h2-keepalive", true, true},
	{"h2-new-conn", true, false},
}

// requestTimeout bounds one request: a request the server never answers
// counts as failed instead of hanging the test.
const requestTimeout = 20 * time.Second

// Start starts the workers sending GET url (https://host/path), with the
// connections made to addr whatever the host, verified against roots;
// Stop ends them. Each worker sends a request every few milliseconds, so
// that the load is a few hundred requests a second on a small machine
// without saturating it.
func Start(roots *x509.CertPool, addr, url string) *Gen {
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gen{cancel: cancel}
	for _, c := range clients {
		for w := 0; w < 2; w++ {
			tr := &http.Transport{
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				},
				TLSClientConfig:   &tls.Config{RootCAs: roots},
				DisableKeepAlives: !c.keepAlive,
				ForceAttemptHTTP2: c.h2,
			}
			if !c.h2 {
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			}
			client := &http.Client{Transport: tr, Timeout: requestTimeout}
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				defer tr.CloseIdleConnections()
				for ctx.Err() == nil {
					g.one(client, c.name, c.h2, url)
					select {
					case <-ctx.Done():
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
		}
	}
	return g
}

// one sends one request and records its outcome.
func (g *Gen) one(client *http.Client, name string, h2 bool, url string) {
	start := time.Now()
	resp, err := client.Get(url)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
		if err == nil && h2 && resp.ProtoMajor != 2 {
			err = fmt.Errorf("answered over %s, want HTTP/2", resp.Proto)
		}
	}
	took := time.Since(start)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent++
	if took > g.longest {
		g.longest = took
	}
	if err == nil {
		return
	}
	g.failed++
	g.lastFail = time.Now()
	switch {
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "connection reset"):
		g.resets++
	case errors.Is(err, syscall.ECONNREFUSED):
		g.refused++
	}
	if len(g.firstErrs) < 5 {
		g.firstErrs = append(g.firstErrs, name+": "+err.Error())
	}
}

// Result is what a load run saw.
type Result struct {
	Sent, Failed, Resets, Refused int
	Longest                       time.Duration
	Errors                        []string
	// LastFail is when the last request failed (zero if none did).
	LastFail time.Time
}

func (r Result) String() string {
	return fmt.Sprintf("sent %d, failed %d (resets %d, refused %d), longest %s", r.Sent, r.Failed, r.Resets, r.Refused, r.Longest.Round(time.Millisecond))
}

// Snapshot returns the counts so far while the workers go on: a test
// subtracts two snapshots to count the requests of one phase.
func (g *Gen) Snapshot() Result {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Result{g.sent, g.failed, g.resets, g.refused, g.longest, append([]string(nil), g.firstErrs...), g.lastFail}
}

// Stop ends the workers, waits for their last requests, and returns the
// counts.
func (g *Gen) Stop() Result {
	g.cancel()
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return Result{g.sent, g.failed, g.resets, g.refused, g.longest, g.firstErrs, g.lastFail}
}
