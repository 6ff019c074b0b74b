package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// callbackDecl is a callback as its page declares it to dashbox.js: the
// JSON in <script type="application/json" id="dashbox-callbacks">.
type callbackDecl struct {
	URL    string   `json:"url"`
	Inputs []string `json:"inputs"`
	State  []string `json:"state"`
}

var (
	dashboardLink = regexp.MustCompile(`<a href="(/apps/[^"]+)"`)
	callbacksJSON = regexp.MustCompile(`(?s)<script type="application/json" id="dashbox-callbacks">(.*?)</script>`)
	echartsSrc    = regexp.MustCompile(`<script src="([^"]*echarts[^"]*\.js)"`)
)

// fetchPage GETs path and wants a 200.
func fetchPage(t *testing.T, c *http.Client, tgt *attackTarget, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", tgt.url(path), nil)
	if tgt.user != "" {
		req.SetBasicAuth(tgt.user, tgt.password)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", path, resp.Status, err)
	}
	return string(body)
}

// discoverCallbacks finds the dashboards the home page links to and the
// callbacks each dashboard's page declares, as a browser does.
func discoverCallbacks(t *testing.T, tgt *attackTarget) []callbackDecl {
	t.Helper()
	c := tgt.client(true, 30*time.Second)
	seen := map[string]bool{}
	var cbs []callbackDecl
	for _, m := range dashboardLink.FindAllStringSubmatch(fetchPage(t, c, tgt, "/"), -1) {
		path := html.UnescapeString(m[1])
		if seen[path] {
			continue
		}
		seen[path] = true
		page := fetchPage(t, c, tgt, path)
		js := callbacksJSON.FindStringSubmatch(page)
		if js == nil {
			continue // a page without callbacks
		}
		var decl []callbackDecl
		if err := json.Unmarshal([]byte(js[1]), &decl); err != nil {
			t.Fatalf("%s: the callbacks' JSON does not parse: %v", path, err)
		}
		cbs = append(cbs, decl...)
	}
	if len(seen) == 0 || len(cbs) == 0 {
		t.Fatalf("found %d dashboards and %d callbacks from the home page", len(seen), len(cbs))
	}
	return cbs
}

// findEcharts returns the (fingerprinted) URL path of ECharts, the largest
// static asset, as a chart page links it.
func findEcharts(t *testing.T, tgt *attackTarget) string {
	t.Helper()
	m := echartsSrc.FindStringSubmatch(fetchPage(t, tgt.client(true, 30*time.Second), tgt, "/apps/app0"))
	if m == nil {
		t.Fatal("/apps/app0 links no echarts script")
	}
	return html.UnescapeString(m[1])
}

// jsonPayload is a hostile value for one callback input, as a form body.
type jsonPayload struct {
	name string
	// big payloads are past any sane callback body limit (about 60 KB):
	// they must be refused (413, or 400) whatever the input.
	big bool
	// body is the form body setting input to the value.
	body func(input string) string
}

// jsonPayloads: nesting far past any decoder's sense and arrays or value
// lists far wider than any control sends, big (the 60 KB form of
// 10,000 nested arrays) and small enough to pass a 16 KiB body limit, so
// the depth and count limits behind it are reached too. Values are left
// unescaped where the form syntax allows (url.ParseQuery keeps [ ] , as
// they are) to fit more structure in a body.
var jsonPayloads = []jsonPayload{
	{name: "10,000-deep array, 60 KB escaped", big: true, body: func(in string) string {
		return url.QueryEscape(in) + "=" + url.QueryEscape(strings.Repeat("[", 10000)+strings.Repeat("]", 10000))
	}},
	{name: "2,000-deep array, 4 KB", body: func(in string) string {
		return url.QueryEscape(in) + "=" + strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	}},
	{name: "30,000-wide array, 60 KB", big: true, body: func(in string) string {
		return url.QueryEscape(in) + "=[" + strings.Repeat("0,", 29999) + "0]"
	}},
	{name: "5,000-wide array of objects, 10 KB", body: func(in string) string {
		return url.QueryEscape(in) + "=[" + strings.Repeat("{},", 3999) + "{}]"
	}},
	{name: "60 KB of repeated values", big: true, body: func(in string) string {
		kv := url.QueryEscape(in) + "=0"
		return strings.Repeat(kv+"&", 60000/(len(kv)+1)) + kv
	}},
	{name: "12 KB of repeated values", body: func(in string) string {
		kv := url.QueryEscape(in) + "=0"
		return strings.Repeat(kv+"&", 12000/(len(kv)+1)) + kv
	}},
	{name: "60 KB string", big: true, body: func(in string) string {
		return url.QueryEscape(in) + "=" + strings.Repeat("a", 60000)
	}},
}

// jsonWorkers is how many hostile callbacks are in flight at once: enough to
// multiply the damage, few enough that an unfixed binary's gigabytes stay
// bounded on a 24 GiB machine.
const jsonWorkers = 4

var deepJSONAttack = attackSpec{
	name:  "deep and wide JSON to every callback",
	bound: 25 * time.Second,
	run: func(t *testing.T, ctx context.Context, tgt *attackTarget, row *attackRow) {
		cbs := discoverCallbacks(t, tgt)
		type job struct {
			cb      callbackDecl
			input   string
			payload jsonPayload
		}
		var jobs []job
		inputs := 0
		for _, p := range jsonPayloads {
			for _, cb := range cbs {
				for _, in := range append(append([]string(nil), cb.Inputs...), cb.State...) {
					jobs = append(jobs, job{cb, in, p})
				}
			}
		}
		for _, cb := range cbs {
			inputs += len(cb.Inputs) + len(cb.State)
		}

		var next atomic.Int64
		var wg sync.WaitGroup
		for range jsonWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := tgt.client(true, 0)
				defer c.CloseIdleConnections()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(jobs) || ctx.Err() != nil {
						return
					}
					j := jobs[i]
					body := j.payload.body(j.input)
					atomic.AddInt64(&row.Requests, 1)
					atomic.AddInt64(&row.Bytes, int64(len(body)))
					req, _ := http.NewRequestWithContext(ctx, "POST", tgt.url(j.cb.URL), strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := c.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							row.count("transport error", 1)
						} else {
							row.count("unanswered at the bound", 1)
						}
						continue
					}
					// Read no more than an answer to bad input may be.
					got, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody+1))
					resp.Body.Close()
					row.count(fmt.Sprintf("status %d", resp.StatusCode), 1)
					where := fmt.Sprintf("%s as %s of %s", j.payload.name, j.input, j.cb.URL)
					switch {
					case got > maxErrorBody:
						row.count("body over 64 KiB", 1)
						row.errorf(t, "%s: %d with a body over %d KiB (Content-Length %d)", where, resp.StatusCode, maxErrorBody>>10, resp.ContentLength)
					case resp.StatusCode >= 500:
						row.errorf(t, "%s: %s", where, resp.Status)
					case j.payload.big && resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusBadRequest:
						row.errorf(t, "%s: %s, want 413 (or 400) for a body that big", where, resp.Status)
					case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge:
						row.errorf(t, "%s: %s, want 200, 400 or 413", where, resp.Status)
					}
				}
			}()
		}
		wg.Wait()
		row.Size = fmt.Sprintf("%d callbacks, %d inputs, %d payloads: %d requests (%d sent, %d MiB), %d in parallel",
			len(cbs), inputs, len(jsonPayloads), len(jobs), row.Requests, row.Bytes>>20, jsonWorkers)
		if n := row.outcome("unanswered at the bound"); n > 0 || row.Requests < int64(len(jobs)) {
			row.errorf(t, "only %d of %d hostile callbacks were answered within %v", row.Requests-n, len(jobs), 25*time.Second)
		}
	},
}
