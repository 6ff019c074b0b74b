package cmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Many ranges: each request asks for 1,200 one-byte ranges of the largest
// asset, which an uncapped server answers with a 1,200-part multipart body
// and as many seeks. nginx (max_ranges) and Apache (MaxRanges) let an
// operator cap them; past a cap of 16 the answer is the whole file (200)
// or 416.
const (
	rangeCount    = 1200
	rangeRequests = 200
	rangeWorkers  = 8
	// maxRanges is the most ranges a server should serve as asked.
	maxRanges = 16
)

// manyRanges is the Range header: bytes=0-0,2-2,4-4,...
func manyRanges(n int) string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", 2*i, 2*i)
	}
	return b.String()
}

var manyRangesAttack = attackSpec{
	name:  "many ranges",
	bound: 20 * time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		runManyRanges(t, ctx, tgt, row, findEcharts(t, tgt))
	},
}

// runManyRanges sends the requests for path; nginx's comparison shares it.
func runManyRanges(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow, path string) {
	c := tgt.client(true, 0)
	resp, err := c.Get(tgt.url(path))
	if err != nil {
		t.Fatal(err)
	}
	size, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	header := manyRanges(rangeCount)
	row.Size = fmt.Sprintf("%d requests of %d ranges (%d B header) of a %d KiB file, %d in parallel",
		rangeRequests, rangeCount, len(header), size>>10, rangeWorkers)

	var next atomic.Int64
	var wg sync.WaitGroup
	for range rangeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= rangeRequests && ctx.Err() == nil {
				atomic.AddInt64(&row.Requests, 1)
				atomic.AddInt64(&row.Bytes, int64(len(header)))
				req, _ := http.NewRequestWithContext(ctx, "GET", tgt.url(path), nil)
				req.Header.Set("Range", header)
				resp, err := c.Do(req)
				if err != nil {
					row.count("transport error", 1)
					continue
				}
				got, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				row.count(fmt.Sprintf("status %d", resp.StatusCode), 1)
				row.count("bytes received", got)
				switch {
				case err != nil:
					row.count("body cut", 1)
				case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
				case resp.StatusCode == http.StatusOK && got == size:
				case resp.StatusCode == http.StatusPartialContent:
					row.errorf(t, "%d ranges were served as asked (206, %d bytes of %s): want the whole file (200) or 416 past %d ranges",
						rangeCount, got, mediaType(resp.Header.Get("Content-Type")), maxRanges)
				default:
					row.errorf(t, "%d ranges: %s with %d bytes, want 200 with the whole file (%d bytes) or 416",
						rangeCount, resp.Status, got, size)
				}
			}
		}()
	}
	wg.Wait()
	c.CloseIdleConnections()
	if n := row.outcome("transport error"); n > 0 && ctx.Err() == nil {
		row.errorf(t, "%d range requests failed to get an answer", n)
	}
}

// mediaType is a Content-Type without its parameters (a multipart
// boundary differs in every answer).
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return mt
}
