package metrics

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// BuildInfo labels dashbox_build_info.
type BuildInfo struct {
	// Version is dashbox's version, such as "v1.4.0" or "devel".
	Version string
	// Commit is the VCS revision it was built from.
	Commit string
}

// Certificate is what dashbox_tls_certificate_not_after_seconds reports of
// one served name's certificate.
type Certificate struct {
	// Name is the host name or IP address served.
	Name string
	// Issuer says who issued it (such as "Let's Encrypt" or "dashbox local
	// CA").
	Issuer string
	// NotAfter is when it expires; zero while there is none (not written).
	NotAfter time.Time
}

// Registry holds dashbox's metrics. Its methods are safe for concurrent use;
// the CLI hands them to the packages that observe (server.RequestObserver,
// tls.Config.OnACMEAttempt, ...).
type Registry struct {
	set      *vm.Set
	inFlight atomic.Int64
	requests requestTable

	// certificates, when set, lists the served certificates at scrape time.
	certsMu      sync.Mutex
	certificates func() []Certificate

	loginFailed, loginBlocked, loginBusy *vm.Counter
}

// New returns a registry with the build information and the process and Go
// runtime metrics.
func New(info BuildInfo) *Registry {
	r := &Registry{set: vm.NewSet()}
	r.requests.set = r.set
	// HELP and TYPE lines: Prometheus and promtool know each family's type.
	vm.ExposeMetadata(true)
	r.set.NewGauge(`dashbox_build_info{version=`+quote(info.Version)+`,commit=`+quote(info.Commit)+`,goversion=`+quote(runtime.Version())+`}`,
		func() float64 { return 1 })
	r.set.NewGauge("dashbox_http_requests_in_flight", func() float64 { return float64(r.inFlight.Load()) })
	r.loginFailed = r.set.NewCounter(`dashbox_login_refused_total{reason="failed"}`)
	r.loginBlocked = r.set.NewCounter(`dashbox_login_refused_total{reason="blocked"}`)
	r.loginBusy = r.set.NewCounter(`dashbox_login_refused_total{reason="busy"}`)
	for _, outcome := range []string{"success", "failure"} {
		for _, kind := range []string{"obtain", "renew"} {
			r.set.NewCounter(`dashbox_acme_attempts_total{kind="` + kind + `",outcome="` + outcome + `"}`)
		}
	}
	r.set.NewCounter(`dashbox_tls_handshakes_total{outcome="failure",version="unknown"}`)
	r.set.RegisterMetricsWriter(r.writeCertificates)
	return r
}

// WritePrometheus writes every metric in the text exposition format, with
// help texts (see tidyExposition).
func (r *Registry) WritePrometheus(w io.Writer) {
	var b bytes.Buffer
	r.set.WritePrometheus(&b)
	vm.WriteProcessMetrics(&b)
	w.Write(tidyExposition(b.Bytes()))
}

// SetCertificates sets the function listing the served certificates at
// each scrape (the tls package's Manager.Status, converted by the CLI).
func (r *Registry) SetCertificates(f func() []Certificate) {
	r.certsMu.Lock()
	r.certificates = f
	r.certsMu.Unlock()
}

// writeCertificates writes each certificate's expiry as a Unix time, the
// convention of x509-certificate-exporter (x509_cert_not_after) and
// blackbox_exporter (probe_ssl_earliest_cert_expiry): alerts compute
// "x - time()".
func (r *Registry) writeCertificates(w io.Writer) {
	r.certsMu.Lock()
	f := r.certificates
	r.certsMu.Unlock()
	if f == nil {
		return
	}
	const name = "dashbox_tls_certificate_not_after_seconds"
	var b strings.Builder
	b.WriteString("# HELP " + name + "\n# TYPE " + name + " gauge\n")
	for _, c := range f() {
		if c.NotAfter.IsZero() {
			continue
		}
		b.WriteString(name + `{name=` + quote(c.Name) + `,issuer=` + quote(c.Issuer) + `} `)
		b.WriteString(strconv.FormatInt(c.NotAfter.Unix(), 10))
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// LoginRefused counts a refused login by reason: "failed" (wrong password,
// 401), "blocked" (too many failures, 429) or "busy" (503); it is the
// server package's Deps.OnLoginRefused.
func (r *Registry) LoginRefused(reason string) {
	switch reason {
	case "failed":
		r.loginFailed.Inc()
	case "blocked":
		r.loginBlocked.Inc()
	case "busy":
		r.loginBusy.Inc()
	}
}

// ACMEAttempt counts an attempt to obtain or renew a certificate from the
// ACME CA by outcome: the tls package's Config.OnACMEAttempt.
func (r *Registry) ACMEAttempt(renewal bool, err error) {
	kind, outcome := "obtain", "success"
	if renewal {
		kind = "renew"
	}
	if err != nil {
		outcome = "failure"
	}
	r.set.GetOrCreateCounter(`dashbox_acme_attempts_total{kind="` + kind + `",outcome="` + outcome + `"}`).Inc()
}

// TLSHandshake counts a TLS handshake by outcome and version: the server
// package's Config.OnTLSHandshake. Failures come without a version.
func (r *Registry) TLSHandshake(version uint16, ok bool) {
	outcome, v := "success", "unknown"
	if !ok {
		outcome = "failure"
	}
	switch version {
	case 0x0301:
		v = "1.0"
	case 0x0302:
		v = "1.1"
	case 0x0303:
		v = "1.2"
	case 0x0304:
		v = "1.3"
	}
	r.set.GetOrCreateCounter(`dashbox_tls_handshakes_total{outcome="` + outcome + `",version="` + v + `"}`).Inc()
}

// callbackBuckets are the upper bounds of callback durations, in seconds:
// callbacks compute in microseconds to seconds.
var callbackBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Callback records a dashboard callback's run: the pages package's
// Options.OnCallback. The names are declared by the dashboards, so the
// label values are bounded.
func (r *Registry) Callback(dashboard, callback string, took time.Duration, err error) {
	labels := `{dashboard=` + quote(dashboard) + `,callback=` + quote(callback) + `}`
	r.set.GetOrCreatePrometheusHistogramExt(`dashbox_callback_duration_seconds`+labels, callbackBuckets).Update(took.Seconds())
	if err != nil {
		r.set.GetOrCreateCounter(`dashbox_callback_errors_total` + labels).Inc()
	}
}

// quote is a label value in the exposition's quoting: backslash, double
// quote and newline escaped.
func quote(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return `"` + s + `"`
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
