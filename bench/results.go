package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Results is everything one run measured; it is written as JSON.
type Results struct {
	Meta    Meta            `json:"meta"`
	Servers []*ServerResult `json:"servers"`
	// Seed is the seed stack's column, copied from the issue: the seed
	// stack (nginx + gunicorn + Flask/Dash) cannot be installed here (no
	// PyPI), so it is a reference, not a measurement.
	Seed    map[string]string `json:"seed_stack_reference_from_issue"`
	Targets []Target          `json:"targets"`
	path    string
}

// Meta describes the run.
type Meta struct {
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	GoVersion   string    `json:"go_version"`
	Kernel      string    `json:"kernel"`
	RunSeconds  float64   `json:"run_seconds"`
	Runs        int       `json:"runs"`
	Certificate string    `json:"certificate"`
	Method      string    `json:"method"`
	// CPU1IdleBusyPct is how busy the server core was in one second with
	// every server idle: other programs on the machine show up here and
	// in every figure.
	CPU1IdleBusyPct float64 `json:"cpu1_busy_pct_while_idle"`
	// MaxOtherPct is the largest share of either core's busy time that
	// other programs took in any run kept (see measureQuiet).
	MaxOtherPct   float64 `json:"max_other_programs_pct_of_server_core"`
	WrkVersion    string  `json:"wrk"`
	H2loadVersion string  `json:"h2load"`
	// PprofDir is where this run wrote its CPU profiles (-pprof). The
	// profiled servers spent CPU on profiling, so such a run's figures
	// are not for comparison.
	PprofDir string `json:"pprof_dir,omitempty"`
}

// ServerResult holds one server's figures.
type ServerResult struct {
	Name    string     `json:"name"`
	Label   string     `json:"label"`
	Version string     `json:"version"`
	Starts  []StartRun `json:"starts"`
	Start   StartRun   `json:"start_median"`
	Figures []*Figure  `json:"figures"`
	// AccessLogLines counts the lines the server wrote to its access
	// log file: evidence that it logged every request.
	AccessLogLines int64 `json:"access_log_lines"`
}

// StartRun is one start: time to the first HTTPS response and idle memory.
type StartRun struct {
	StartupMs float64 `json:"start_to_first_https_response_ms"`
	RSSMiB    float64 `json:"idle_rss_mib"`
	Processes int     `json:"processes"`
}

// Figure is one measured figure of one server.
type Figure struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Request     string `json:"request,omitempty"`
	BodyBytes   int    `json:"body_bytes,omitempty"`
	Unavailable string `json:"unavailable,omitempty"`
	Runs        []Run  `json:"runs"`
	Median      Run    `json:"median"`
}

// Run is one load run. The capacity figure is ServerCoreUsPerReq.
type Run struct {
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	Seconds   float64 `json:"seconds"`
	ReqPerSec float64 `json:"req_per_s"`
	MiBPerSec float64 `json:"body_mib_per_s"`
	P50ms     float64 `json:"p50_ms,omitempty"`
	P99ms     float64 `json:"p99_ms,omitempty"`
	// CPU1BusySec is the server core's busy time (user, nice, system,
	// irq, softirq from /proc/stat) over the run.
	CPU1BusySec float64 `json:"server_core_busy_s"`
	// ServerCPUSec is the user and system time of the server's own
	// processes; the difference to CPU1BusySec is kernel network work in
	// interrupt context and anything else that ran on the core.
	ServerCPUSec float64 `json:"server_process_cpu_s"`
	// SoftirqSec is the core's interrupt time (irq and softirq): mostly
	// the loopback network work of the server's sends.
	SoftirqSec float64 `json:"server_core_irq_s"`
	// OtherSec is user and system time on the core not used by the
	// server's processes: other programs and kernel threads, noise.
	OtherSec float64 `json:"server_core_other_s"`
	// LoadCoreBusySec and LoadCoreOtherSec are the same for the load
	// generator's core: other programs there delay the client and so
	// inflate its latencies.
	LoadCoreBusySec  float64 `json:"load_core_busy_s"`
	LoadCoreOtherSec float64 `json:"load_core_other_s"`
	// ServerCoreUsPerReq is the capacity figure: the server core's busy
	// time less OtherSec, per request. On a quiet machine it equals
	// RawCoreUsPerReq, the definition.
	ServerCoreUsPerReq float64 `json:"server_core_us_per_req"`
	// RawCoreUsPerReq is the core's whole busy time per request, other
	// programs included.
	RawCoreUsPerReq float64 `json:"server_core_raw_us_per_req"`
	// ProcessUsPerReq is the server's own processes' CPU time per
	// request (no interrupt work).
	ProcessUsPerReq float64 `json:"server_process_us_per_req"`
	// Attempts is which attempt this run was: runs disturbed by other
	// programs are repeated (see measureQuiet).
	Attempts int `json:"attempt,omitempty"`
}

// noise is the share of the server core's busy time that other programs
// took during the run. (Their share of the load generator's core is kept
// in LoadCoreOtherSec but not counted here: the load generators use a
// fraction of their core, and others filling the rest seldom slow them.)
func (r Run) noise() float64 {
	if r.CPU1BusySec <= 0 {
		return 0
	}
	return r.OtherSec / r.CPU1BusySec
}

func (r Run) summary() string {
	s := fmt.Sprintf("%.0f req/s, %.1f µs/req server core (%.1f in-process)", r.ReqPerSec, r.ServerCoreUsPerReq, r.ProcessUsPerReq)
	if r.P99ms > 0 {
		s += fmt.Sprintf(", p99 %.2f ms", r.P99ms)
	}
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d errors", r.Errors)
	}
	return s
}

func newResults(cfg *config) *Results {
	kernel := strings.TrimSpace(toolVersion("uname", "-r"))
	return &Results{
		Meta: Meta{
			Started:    time.Now().UTC(),
			GoVersion:  runtime.Version(),
			Kernel:     kernel,
			RunSeconds: cfg.duration.Seconds(),
			Runs:       cfg.runs,
			Method: fmt.Sprintf("servers pinned to cpu%d (taskset; GOMAXPROCS=1 for Go servers, worker_processes 1 for nginx), "+
				"load generators on cpu%d, all at nice -20 when run as root; server-core µs per request = busy ticks of cpu%d in /proc/stat "+
				"(user+nice+system+irq+softirq) over the run, less user+system time not used by the server's own processes (other programs), / requests served; "+
				"medians of %d runs of %s; wrk -t1 -c%d (1 KiB), -c%d (1 MiB), -c%d (pages); h2load -t1 -c%d -m%d; "+
				"handshakes: Go client, %d at a time, no session cache or tickets, X25519, new connection per request",
				serverCPU, loadCPU, serverCPU, cfg.runs, cfg.duration, conns1K, conns1M, pageConns, h2Conns, h2Streams, handshakeConns),
			WrkVersion:    toolVersion("wrk", "-v"),
			H2loadVersion: toolVersion("h2load", "--version"),
			PprofDir:      cfg.pprofDir,
		},
		Seed: map[string]string{
			"idle_rss":                "407 MiB",
			"start_to_first_response": "1.35 s",
			"dynamic_chart_page":      "48 req/s, p99 1.1 s, 20.8 ms of CPU per page",
			"why_not_measured":        "the seed stack needs Python packages from PyPI, which this machine cannot reach",
		},
	}
}

func (r *Results) server(k *serverKind, version string) *ServerResult {
	s := &ServerResult{Name: k.Name, Label: k.Label, Version: version}
	r.Servers = append(r.Servers, s)
	return s
}

func (r *Results) byName(name string) *ServerResult {
	for _, s := range r.Servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// figure returns the server's figure key, creating it.
func (s *ServerResult) figure(key, title string) *Figure {
	for _, f := range s.Figures {
		if f.Key == key {
			return f
		}
	}
	f := &Figure{Key: key, Title: title}
	s.Figures = append(s.Figures, f)
	return f
}

// lookup returns the median run of a measured figure.
func (s *ServerResult) lookup(key string) (Run, bool) {
	if s == nil {
		return Run{}, false
	}
	for _, f := range s.Figures {
		if f.Key == key && len(f.Runs) > 0 {
			return f.Median, true
		}
	}
	return Run{}, false
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianRun takes the median of every field independently.
func medianRun(runs []Run) Run {
	col := func(f func(Run) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	return Run{
		Requests:           int64(col(func(r Run) float64 { return float64(r.Requests) })),
		Errors:             int64(col(func(r Run) float64 { return float64(r.Errors) })),
		Seconds:            col(func(r Run) float64 { return r.Seconds }),
		ReqPerSec:          col(func(r Run) float64 { return r.ReqPerSec }),
		MiBPerSec:          col(func(r Run) float64 { return r.MiBPerSec }),
		P50ms:              col(func(r Run) float64 { return r.P50ms }),
		P99ms:              col(func(r Run) float64 { return r.P99ms }),
		CPU1BusySec:        col(func(r Run) float64 { return r.CPU1BusySec }),
		ServerCPUSec:       col(func(r Run) float64 { return r.ServerCPUSec }),
		SoftirqSec:         col(func(r Run) float64 { return r.SoftirqSec }),
		OtherSec:           col(func(r Run) float64 { return r.OtherSec }),
		LoadCoreBusySec:    col(func(r Run) float64 { return r.LoadCoreBusySec }),
		LoadCoreOtherSec:   col(func(r Run) float64 { return r.LoadCoreOtherSec }),
		ServerCoreUsPerReq: col(func(r Run) float64 { return r.ServerCoreUsPerReq }),
		RawCoreUsPerReq:    col(func(r Run) float64 { return r.RawCoreUsPerReq }),
		ProcessUsPerReq:    col(func(r Run) float64 { return r.ProcessUsPerReq }),
	}
}

func medianStart(starts []StartRun) StartRun {
	col := func(f func(StartRun) float64) float64 {
		xs := make([]float64, len(starts))
		for i, s := range starts {
			xs[i] = f(s)
		}
		return median(xs)
	}
	return StartRun{
		StartupMs: col(func(s StartRun) float64 { return s.StartupMs }),
		RSSMiB:    col(func(s StartRun) float64 { return s.RSSMiB }),
		Processes: int(col(func(s StartRun) float64 { return float64(s.Processes) })),
	}
}

// Target is one of the targets and whether this run met it.
type Target struct {
	Name   string  `json:"name"`
	Want   string  `json:"want"`
	Got    string  `json:"got"`
	Met    bool    `json:"met"`
	Ratio  float64 `json:"ratio,omitempty"` // dashbox / nginx where the target is a ratio
	Status string  `json:"status"`          // met, missed, or why it was not measured
}

// evaluate checks the targets against this run.
func (r *Results) evaluate() {
	d, n := r.byName("dashbox"), r.byName("nginx")
	r.Targets = nil
	ratioTarget := func(name, key string, limit float64, metric func(Run) float64, unit string) {
		t := Target{Name: name, Want: fmt.Sprintf("dashbox ≤ %.4g × nginx", limit)}
		dr, ok1 := d.lookup(key)
		nr, ok2 := n.lookup(key)
		if !ok1 || !ok2 {
			t.Status = "not measured (needs dashbox and nginx)"
			r.Targets = append(r.Targets, t)
			return
		}
		t.Ratio = metric(dr) / metric(nr)
		t.Got = fmt.Sprintf("%.3g %s vs nginx %.3g %s = %.2f×", metric(dr), unit, metric(nr), unit, t.Ratio)
		t.Met = t.Ratio <= limit
		t.Status = status(t.Met)
		r.Targets = append(r.Targets, t)
	}
	us := func(r Run) float64 { return r.ServerCoreUsPerReq }
	ratioTarget("1 KiB keep-alive: server-core µs/request (access log on)", "static_1k", 1, us, "µs")
	ratioTarget("full TLS handshake: server-core µs/connection", "handshake", 1, us, "µs")
	ratioTarget("HTTP/2 1 KiB: server-core µs/request", "h2_1k", 2, us, "µs")
	ratioTarget("1 MiB: server-core µs/request", "static_1m", 1, us, "µs")
	ratioTarget("1 KiB keep-alive: p99 latency", "static_1k", 2, func(r Run) float64 { return r.P99ms }, "ms")

	abs := func(name, want string, ok bool, got string, met bool) {
		t := Target{Name: name, Want: want, Got: got, Met: met, Status: status(met)}
		if !ok {
			t.Status, t.Met = "not measured", false
		}
		r.Targets = append(r.Targets, t)
	}
	var ds StartRun
	if d != nil {
		ds = d.Start
	}
	hasStart := d != nil && len(d.Starts) > 0
	abs("idle RSS", "≤ 16 MiB", hasStart, fmt.Sprintf("%.1f MiB", ds.RSSMiB), ds.RSSMiB <= 16)
	abs("start to first HTTPS response (stored certificate)", "≤ 30 ms", hasStart, fmt.Sprintf("%.1f ms", ds.StartupMs), ds.StartupMs <= 30)

	const seedRPS = 48
	for _, key := range []string{"page_home", "page_app0", "callback_app9"} {
		name := "dashboard " + key + ": ≥ 100× seed req/s (4,800) with p99 < 10 ms"
		t := Target{Name: name, Want: "≥ 4800 req/s, p99 < 10 ms"}
		var fig *Figure
		if d != nil {
			for _, f := range d.Figures {
				if f.Key == key {
					fig = f
				}
			}
		}
		switch {
		case fig == nil:
			t.Status = "not measured"
		case fig.Unavailable != "":
			t.Status = fig.Unavailable
		default:
			m := fig.Median
			t.Got = fmt.Sprintf("%.0f req/s (%.0f× seed), p99 %.2f ms", m.ReqPerSec, m.ReqPerSec/seedRPS, m.P99ms)
			t.Met = m.ReqPerSec >= 100*seedRPS && m.P99ms < 10
			t.Status = status(t.Met)
		}
		r.Targets = append(r.Targets, t)
	}
}

func status(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// printTable prints the comparison with ratios to nginx, then dashbox's
// pages and the targets.
func (r *Results) printTable(w io.Writer) {
	fmt.Fprintf(w, "\ndashbox bench, %s, %s, kernel %s\n", r.Meta.Started.Format("2006-01-02 15:04 UTC"), r.Meta.GoVersion, r.Meta.Kernel)
	fmt.Fprintf(w, "servers on cpu%d, load on cpu%d; medians of %d runs of %gs; certificate: %s\n",
		serverCPU, loadCPU, r.Meta.Runs, r.Meta.RunSeconds, r.Meta.Certificate)
	fmt.Fprintf(w, "server core busy while the servers were idle: %.1f%%; other programs' largest share of a core during a run kept: %.0f%%\n",
		r.Meta.CPU1IdleBusyPct, r.Meta.MaxOtherPct)
	if r.Meta.MaxOtherPct > 10 || r.Meta.CPU1IdleBusyPct > 10 {
		fmt.Fprintln(w, "WARNING: this machine was busy with other programs: latencies and throughput are unreliable, µs per request less so; rerun on a quiet machine")
	}
	if r.Meta.PprofDir != "" {
		fmt.Fprintf(w, "PROFILED (-pprof): dashbox and gofs spent CPU on being profiled in each figure's first run; these figures are not for comparison. Profiles: %s\n", r.Meta.PprofDir)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "figure"
	for _, s := range r.Servers {
		head += "\t" + s.Label
	}
	head += "\tseed stack (from the issue)"
	fmt.Fprintln(tw, head)
	nginx := r.byName("nginx")
	type row struct {
		title   string
		seed    string
		metric  func(s *ServerResult) (float64, bool)
		format  string
		noRatio bool
	}
	fig := func(key string, f func(Run) float64) func(s *ServerResult) (float64, bool) {
		return func(s *ServerResult) (float64, bool) {
			m, ok := s.lookup(key)
			return f(m), ok
		}
	}
	rps := func(r Run) float64 { return r.ReqPerSec }
	us := func(r Run) float64 { return r.ServerCoreUsPerReq }
	start := func(f func(StartRun) float64) func(s *ServerResult) (float64, bool) {
		return func(s *ServerResult) (float64, bool) { return f(s.Start), len(s.Starts) > 0 }
	}
	rows := []row{
		{"1 KiB static, HTTPS keep-alive: req/s", "", fig("static_1k", rps), "%.0f", false},
		{"  server-core µs per request", "", fig("static_1k", us), "%.1f", false},
		{"  p99 latency (ms)", "", fig("static_1k", func(r Run) float64 { return r.P99ms }), "%.2f", false},
		{"1 MiB static: MiB/s", "", fig("static_1m", func(r Run) float64 { return r.MiBPerSec }), "%.0f", false},
		{"  server-core µs per request", "", fig("static_1m", us), "%.0f", false},
		{"full TLS handshake per request: conn/s", "", fig("handshake", rps), "%.0f", false},
		{"  server-core µs per connection", "", fig("handshake", us), "%.0f", false},
		{"HTTP/2, 1 KiB: req/s", "", fig("h2_1k", rps), "%.0f", false},
		{"  server-core µs per request", "", fig("h2_1k", us), "%.1f", false},
		{"idle RSS, all processes (MiB)", r.Seed["idle_rss"], start(func(s StartRun) float64 { return s.RSSMiB }), "%.1f", false},
		{"start to first HTTPS response (ms)", r.Seed["start_to_first_response"], start(func(s StartRun) float64 { return s.StartupMs }), "%.1f", false},
		{"access log lines written (all runs)", "", func(s *ServerResult) (float64, bool) {
			return float64(s.AccessLogLines), s.Name != "gofs"
		}, "%.0f", true},
	}
	for _, rw := range rows {
		line := rw.title
		base, baseOK := 0.0, false
		if nginx != nil {
			base, baseOK = rw.metric(nginx)
		}
		for _, s := range r.Servers {
			v, ok := rw.metric(s)
			cell := "-"
			if ok {
				cell = fmt.Sprintf(rw.format, v)
				if baseOK && s != nginx && base > 0 && !rw.noRatio {
					cell += fmt.Sprintf(" (%.2f×)", v/base)
				}
			}
			line += "\t" + cell
		}
		line += "\t" + rw.seed
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintln(w, "(×) = ratio to nginx. Lower is better for µs, latency, memory and start-up; higher for req/s and MiB/s.")

	if d := r.byName("dashbox"); d != nil {
		var pages []*Figure
		for _, f := range d.Figures {
			if strings.HasPrefix(f.Key, "page_") || strings.HasPrefix(f.Key, "callback_") {
				pages = append(pages, f)
			}
		}
		if len(pages) > 0 {
			fmt.Fprintf(w, "\ndashbox's dashboards (wrk -c%d; seed stack from the issue: %s)\n", pageConns, r.Seed["dynamic_chart_page"])
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "request\treq/s\tp99 (ms)\tserver-core µs/req\tbody bytes\tvs seed req/s")
			for _, f := range pages {
				if f.Unavailable != "" {
					fmt.Fprintf(tw, "%s (%s)\t%s\n", f.Title, f.Request, f.Unavailable)
					continue
				}
				m := f.Median
				fmt.Fprintf(tw, "%s (%s)\t%.0f\t%.2f\t%.1f\t%d\t%.0f×\n", f.Title, f.Request, m.ReqPerSec, m.P99ms, m.ServerCoreUsPerReq, f.BodyBytes, m.ReqPerSec/48)
			}
			tw.Flush()
		}
	}

	fmt.Fprintln(w, "\ntargets (issue 7)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range r.Targets {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Status, t.Name, t.Want, t.Got)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nraw numbers: %s\n", r.path)
}
