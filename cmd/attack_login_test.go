package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Wrong logins: 600 requests with wrong passwords from one address, all
// sent at once over a few HTTP/2 connections, so a limiter that checks
// "blocked?" before the bcrypt comparison and records the failure after it
// lets every one of them be checked.
const (
	loginAttempts     = 600
	loginConns        = 4
	loginTrickle      = 40
	loginTrickleEvery = 75 * time.Millisecond
)

// passwordChecks is how many passwords the server checked, from the
// statuses the attacker got: every 401 to a request carrying credentials is
// a password compared and found wrong. 429 (blocked) and 503 (every bcrypt
// slot busy) are refusals before any check. This is the one place that
// knows what counts as a check.
func passwordChecks(statuses map[int]int64) int64 {
	return statuses[http.StatusUnauthorized]
}

var loginAttack = attackSpec{
	name:  "600 simultaneous wrong logins",
	login: true,
	bound: 25 * time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		clients := make([]*http.Client, loginConns)
		for i := range clients {
			// One connection each, open before the burst, so the
			// burst is 600 streams on loginConns connections.
			clients[i] = tgt.client(true, 0)
			defer clients[i].CloseIdleConnections()
			resp, err := clients[i].Get(tgt.url("/healthz"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("the login attack wants HTTP/2, got %s", resp.Proto)
			}
		}
		var mu sync.Mutex
		statuses := map[int]int64{}
		// try sends wrong password number i once it may start.
		try := func(i int, start <-chan struct{}) {
			req, _ := http.NewRequestWithContext(ctx, "GET", tgt.url("/apps/app0"), nil)
			req.SetBasicAuth(attackUser, fmt.Sprintf("wrong guess %d", i))
			<-start
			atomic.AddInt64(&row.Requests, 1)
			resp, err := clients[i%loginConns].Do(req)
			if err != nil {
				if ctx.Err() != nil {
					row.count("unanswered at the bound", 1)
				} else {
					row.count("transport error", 1)
				}
				return
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
			row.count(fmt.Sprintf("status %d", resp.StatusCode), 1)
			switch resp.StatusCode {
			case http.StatusUnauthorized:
			case http.StatusTooManyRequests, http.StatusServiceUnavailable:
				if resp.Header.Get("Retry-After") == "" {
					row.errorf(t, "a wrong login got %s without Retry-After", resp.Status)
				}
			default:
				row.errorf(t, "a wrong login got %s, want 401, 429 or 503", resp.Status)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range loginAttempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				try(i, start)
			}()
		}
		began := time.Now()
		close(start)
		wg.Wait()
		// Then one guess at a time for a few seconds, as a guesser goes
		// on, so the address gets blocked even if the burst was mostly
		// refused as busy (503), and the good client, whose password
		// already succeeded from this address, must still get in.
		now := make(chan struct{})
		close(now)
		tick := time.NewTicker(loginTrickleEvery)
		defer tick.Stop()
		for i := range loginTrickle {
			try(loginAttempts+i, now)
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
		took := time.Since(began)
		row.Connections = loginConns
		checks := passwordChecks(statuses)
		row.count("password checks", checks)
		// What the server logged as failed logins: not what the test
		// counts (the log may be thinned), but a cross-check.
		row.count("failed logins logged", int64(tgt.logged("login failed")+tgt.logged("login failed; address blocked")))
		row.Size = fmt.Sprintf("%d wrong passwords at once from 127.0.0.1 on %d HTTP/2 connections, then %d one at a time (%d checked)",
			loginAttempts, loginConns, loginTrickle, checks)
		if checks > maxPasswordChecks {
			row.errorf(t, "%d wrong passwords were checked within %.0f s, want at most %d a minute from one address",
				checks, took.Seconds(), maxPasswordChecks)
		}
		if n := row.outcome("unanswered at the bound") + row.outcome("transport error"); n > 0 {
			row.errorf(t, "%d of %d wrong logins got no answer within the attack's bound", n, loginAttempts+loginTrickle)
		}
	},
}

// Connection flood: far more connections than --max-connections allows,
// all opened at once, each making one request and then staying open, as
// idle keep-alive connections do. Past the cap the server should refuse at
// accept (accept and close), and make room for newcomers by closing idle
// connections, so the good client still gets in.
const (
	floodCap   = 64
	floodConns = 500
	floodHold  = 6 * time.Second
)

var connFloodAttack = attackSpec{
	name: "connection flood past the cap",
	// The environment, not the flag: a binary without the flag ignores
	// the variable, so the before figures can still be taken.
	env:   []string{fmt.Sprintf("DASHBOX_MAX_CONNECTIONS=%d", floodCap)},
	bound: floodHold + 10*time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		var open, peak atomic.Int64
		start := make(chan struct{})
		holdCtx, cancel := context.WithTimeout(ctx, floodHold)
		defer cancel()
		var wg sync.WaitGroup
		for range floodConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				floodOnce(holdCtx, tgt, row, &open, &peak)
			}()
		}
		close(start)
		wg.Wait()
		row.Requests = row.outcome("served")
		row.Size = fmt.Sprintf("%d connections at once against a cap of %d, held %v (%d served, at most %d open and served at once, %d refused)",
			floodConns, floodCap, floodHold, row.outcome("served"), peak.Load(), row.outcome("refused"))
		row.count("most served connections open at once", peak.Load())
		// A quarter more: the attacker learns of a close a moment
		// after the server made room, and may count a newer
		// connection first.
		if p := peak.Load(); p > floodCap+floodCap/4 {
			row.errorf(t, "%d flood connections were open and served at once, past --max-connections %d", p, floodCap)
		}
	},
}

// floodOnce opens one connection, makes one HTTP/1.1 request on it, and
// holds it open until ctx ends or the server closes it.
func floodOnce(ctx context.Context, tgt *attackTarget, row *attackRow, open, peak *atomic.Int64) {
	atomic.AddInt64(&row.Connections, 1)
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := dialTLS(hctx, tgt, "http/1.1")
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			row.count("refused", 1)
		}
		return
	}
	defer conn.Close()
	context.AfterFunc(ctx, func() { conn.Close() })
	req := "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	atomic.AddInt64(&row.Bytes, int64(len(req)))
	if _, err := io.WriteString(conn, req); err != nil {
		row.count("refused", 1)
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ctx.Err() == nil {
			row.count("refused", 1)
		}
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	row.count("served", 1)
	n := open.Add(1)
	for {
		p := peak.Load()
		if n <= p || peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer open.Add(-1)
	// Hold the idle connection: a read ends when the server closes it.
	if _, err := conn.Read(make([]byte, 1)); err != nil && ctx.Err() == nil {
		row.count("closed by the server while idle", 1)
	}
}
