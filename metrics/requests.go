package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// durationBuckets are the upper bounds of request durations, in seconds:
// static files and pages take from tens of microseconds, large downloads
// and slow clients up to minutes.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// methods are the request methods that get a label value of their own;
// any other is "other", so a client cannot mint label values.
var methods = [...]string{"other", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"}

func methodIndex(m string) uint8 {
	for i := 1; i < len(methods); i++ {
		if methods[i] == m {
			return uint8(i)
		}
	}
	return 0
}

// statusClasses are the status_class label values, by status / 100.
var statusClasses = [...]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

func statusClass(status int) uint8 {
	if c := status / 100; c >= 1 && c <= 5 {
		return uint8(c)
	}
	return 0
}

// maxRequestSeries bounds the label sets of the request metrics. Routes
// are the router's patterns, so dashbox never comes near it; it guards
// against a caller passing paths by mistake: past it, requests count under
// route "other".
const maxRequestSeries = 2000

// requestKey is one label set of the request metrics.
type requestKey struct {
	route         string
	method, class uint8
}

// requestSeries are the metrics of one label set.
type requestSeries struct {
	requests *vm.Counter
	bytes    *vm.Counter
	duration *vm.PrometheusHistogram
}

// requestTable finds the series of a label set: one map look-up on the
// request path once a label set has been seen.
type requestTable struct {
	set    *vm.Set
	series sync.Map // requestKey -> *requestSeries
	n      atomic.Int64
	mu     sync.Mutex // serialises creating series
}

func (t *requestTable) get(k requestKey) *requestSeries {
	if s, ok := t.series.Load(k); ok {
		return s.(*requestSeries)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.series.Load(k); ok {
		return s.(*requestSeries)
	}
	if t.n.Load() >= maxRequestSeries && k.route != "other" {
		t.mu.Unlock()
		s := t.get(requestKey{route: "other", method: k.method, class: k.class})
		t.mu.Lock()
		return s
	}
	labels := `{route=` + quote(k.route) + `,method="` + methods[k.method] + `",status_class="` + statusClasses[k.class] + `"}`
	s := &requestSeries{
		requests: t.set.NewCounter(`dashbox_http_requests_total` + labels),
		bytes:    t.set.NewCounter(`dashbox_http_response_size_bytes_total` + labels),
		duration: t.set.NewPrometheusHistogramExt(`dashbox_http_request_duration_seconds`+labels, durationBuckets),
	}
	t.series.Store(k, s)
	t.n.Add(1)
	return s
}

// RequestStarted counts a request in flight: the server package's
// RequestObserver.
func (r *Registry) RequestStarted() { r.inFlight.Add(1) }

// RequestDone counts a finished request by route pattern, method and
// status class: the server package's RequestObserver.
func (r *Registry) RequestDone(route, method string, status int, bytes int64, took time.Duration) {
	r.inFlight.Add(-1)
	s := r.requests.get(requestKey{route: route, method: methodIndex(method), class: statusClass(status)})
	s.requests.Inc()
	if bytes > 0 {
		s.bytes.Add(int(bytes))
	}
	s.duration.Update(took.Seconds())
}
