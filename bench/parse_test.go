package main

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseWrk(t *testing.T) {
	for _, tc := range []struct {
		name    string
		out     string
		want    loadResult
		wantErr string
	}{
		{
			name: "summary line among wrk's text",
			out: "Running 5s test @ https://127.0.0.1:1/static/1k.bin\n  1 threads and 64 connections\n" +
				`WRK_RESULT {"requests":1000,"duration_us":5000000,"bytes":2048000,"p50_us":800.0,"p99_us":2500.5,"connect":0,"read":1,"write":0,"status":10,"timeout":2}` + "\n",
			want: loadResult{Requests: 990, Errors: 13, Seconds: 5, P50us: 800, P99us: 2500.5, BodyBytes: 2048000},
		},
		{name: "no summary", out: "unable to connect to 127.0.0.1:1 Connection refused\n", wantErr: "no summary"},
		{name: "broken summary", out: "WRK_RESULT {\"requests\":\n", wantErr: "wrk summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseWrk(tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// h2loadOutput is h2load 1.52's summary, shortened.
const h2loadOutput = `starting benchmark...
spawning thread #0: 16 total client(s). Timing-based test with 0s of warm-up time and 5s of main duration for measurements.
Application protocol: h2
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 5.00s, 68900.40 req/s, 80.12MB/s
requests: 344502 total, 344502 started, 344502 done, 344500 succeeded, 2 failed, 0 errored, 0 timeout
status codes: 344500 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 400.61MB (420070123) total, 3.45MB (3617271) headers (space savings 90.12%), 336.43MB (352768000) data
`

func TestParseH2load(t *testing.T) {
	got, err := parseH2load(h2loadOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := loadResult{Requests: 344500, Errors: 2, Seconds: 5, BodyBytes: 420070123}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseH2load(strings.Replace(h2loadOutput, "Application protocol: h2", "Application protocol: http/1.1", 1)); err == nil {
		t.Error("a run without HTTP/2 was accepted")
	}
	if _, err := parseH2load("starting benchmark...\nApplication protocol: h2\n"); err == nil {
		t.Error("output without a summary was accepted")
	}
}

func TestParseCPU(t *testing.T) {
	stat := "cpu  65347 154 27750 1113136 2549 0 483 232 0 0\n" +
		"cpu0 31209 62 12680 560316 419 0 120 126 0 0\n" +
		"cpu1 34137 92 15069 552820 2130 7 363 105 0 0\n" +
		"intr 1234\n"
	c, err := parseCPU(stat, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := cpuTimes{user: 34137, nice: 92, system: 15069, idle: 552820, iowait: 2130, irq: 7, softirq: 363, steal: 105}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if got := c.busy(); got != 34137+92+15069+7+363 {
		t.Errorf("busy = %d: it must count user, nice, system, irq and softirq only", got)
	}
	if _, err := parseCPU(stat, 2); err == nil || !strings.Contains(err.Error(), "two cores") {
		t.Errorf("missing core: err = %v", err)
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift fields.
	line := "4242 (nginx: worker) x) S 4241 4241 4241 0 -1 4194624 100 0 0 0 250 75 0 0 20 0 1 0 5000 10000000 500 18446744073709551615"
	st, err := parseProcStat(4242, line)
	if err != nil {
		t.Fatal(err)
	}
	if st.state != 'S' || st.pgrp != 4241 || st.utime != 250 || st.stime != 75 {
		t.Errorf("got %+v", st)
	}
	if _, err := parseProcStat(1, "garbage"); err == nil {
		t.Error("malformed line accepted")
	}
}

func TestStatusField(t *testing.T) {
	status := "Name:\tnginx\nVmPeak:\t   20000 kB\nVmRSS:\t    9876 kB\nThreads:\t1\n"
	if v, ok := statusField(status, "VmRSS"); !ok || v != 9876 {
		t.Errorf("VmRSS = %d, %v", v, ok)
	}
	if _, ok := statusField(status, "VmSwap"); ok {
		t.Error("found a field that is not there")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{10, 1}, 5.5},
		{[]float64{7}, 7},
		{nil, 0},
	} {
		if got := median(tc.in); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its argument in place")
	}
}

func TestMedianRunTakesEachFieldsMedian(t *testing.T) {
	runs := []Run{
		{ReqPerSec: 100, ServerCoreUsPerReq: 30, P99ms: 9},
		{ReqPerSec: 300, ServerCoreUsPerReq: 10, P99ms: 1},
		{ReqPerSec: 200, ServerCoreUsPerReq: 20, P99ms: 5},
	}
	m := medianRun(runs)
	if m.ReqPerSec != 200 || m.ServerCoreUsPerReq != 20 || m.P99ms != 5 {
		t.Errorf("got %+v", m)
	}
}

func TestEvaluateTargets(t *testing.T) {
	r := &Results{}
	fig := func(key string, us, p99 float64) *Figure {
		return &Figure{Key: key, Runs: []Run{{}}, Median: Run{ServerCoreUsPerReq: us, P99ms: p99, ReqPerSec: 10000}}
	}
	r.Servers = []*ServerResult{
		{Name: "nginx", Figures: []*Figure{fig("static_1k", 20, 1), fig("h2_1k", 20, 0)}},
		{Name: "dashbox", Starts: []StartRun{{}}, Start: StartRun{StartupMs: 12, RSSMiB: 17},
			Figures: []*Figure{fig("static_1k", 19, 2.5), fig("h2_1k", 41, 0),
				{Key: "page_app0", Unavailable: "not available yet (GET /apps/app0 answers 404)"}}},
	}
	r.evaluate()
	got := map[string]string{}
	for _, tg := range r.Targets {
		got[tg.Name] = tg.Status
	}
	for name, want := range map[string]string{
		"1 KiB keep-alive: server-core µs/request (access log on)": "met",
		"1 KiB keep-alive: p99 latency":                            "MISSED", // 2.5× nginx
		"HTTP/2 1 KiB: server-core µs/request":                     "MISSED", // 2.05×
		"full TLS handshake: server-core µs/connection":            "not measured (needs dashbox and nginx)",
		"idle RSS": "MISSED",
		"start to first HTTPS response (stored certificate)":              "met",
		"dashboard page_app0: ≥ 100× seed req/s (4,800) with p99 < 10 ms": "not available yet (GET /apps/app0 answers 404)",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
}

func TestWrkScriptSetsPOST(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.lua")
	if err := writeWrkScript(path, "POST", `{"x":1}`, "Content-Type: application/json"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{`wrk.method = "POST"`, `wrk.body = "{\"x\":1}"`, `wrk.headers["Content-Type"] = "application/json"`, "WRK_RESULT"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("script lacks %s:\n%s", want, b)
		}
	}
}

func TestLineCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	os.WriteFile(path, []byte(strings.Repeat("127.0.0.1 - - [x] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"\n", 1000)+"partial"), 0o644)
	if n, err := lineCount(path); err != nil || n != 1000 {
		t.Errorf("lineCount = %d, %v; want 1000", n, err)
	}
	// A rolled, gzipped log, as Caddy leaves them.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Repeat("{}\n", 300)))
	zw.Close()
	gz := filepath.Join(t.TempDir(), "access-2026.log.gz")
	os.WriteFile(gz, buf.Bytes(), 0o644)
	if n, err := lineCount(gz); err != nil || n != 300 {
		t.Errorf("lineCount(gz) = %d, %v; want 300", n, err)
	}
}
