// Package metrics keeps dashbox's Prometheus metrics and serves them in
// the text exposition format. It knows nothing of the server, TLS or pages
// packages: each of them reports through a function or small interface of
// its own, and the CLI connects those to a Registry's methods (see
// docs/metrics.md for every metric).
//
// The registry is github.com/VictoriaMetrics/metrics: the same exposition
// as the reference client_golang for about 0.5 MB of binary instead of 3,
// with lock-free counters on the request path.
package metrics
