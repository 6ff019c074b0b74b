// Package monitoring holds example Prometheus alert rules for dashbox
// (dashbox-alerts.yml, documented in docs/metrics.md); its tests check and
// unit-test them with promtool, so make test runs them.
package monitoring
