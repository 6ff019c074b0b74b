package cmd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/dashbox/dashbox/metrics"
	"github.com/dashbox/dashbox/server"
	dashtls "github.com/dashbox/dashbox/tls"
)

// validateMetrics checks --metrics-addr and --metrics-public. /metrics on
// the HTTPS port tells anyone who can reach it the route surface, the
// certificates' names and the login failures: it is served there only
// behind --allow, --auth-file or --oidc-issuer.
func (c *serveConfig) validateMetrics() error {
	if c.metricsAddr != "" {
		if err := server.ValidateAddr(c.metricsAddr); err != nil {
			return usageFlagError("--metrics-addr", err)
		}
	}
	if c.metricsPublic && len(c.allow) == 0 && c.authFile == "" && c.oidc.issuer == "" {
		return usageError{"--metrics-public would show /metrics to everyone on the HTTPS port: give --allow, --auth-file or --oidc-issuer too, or use --metrics-addr on a private address instead"}
	}
	return nil
}

// serveMetrics is serve's metrics: nil when neither --metrics-addr nor
// --metrics-public asks for them, and then every hook it hands out is nil,
// which the packages take as "not observed" (no cost on the request path).
type serveMetrics struct {
	reg    *metrics.Registry
	ln     net.Listener // --metrics-addr; nil with --metrics-public alone
	public bool
}

// openMetrics makes the registry and binds --metrics-addr, before anything
// is written, as the other listeners are.
func openMetrics(c *serveConfig) (*serveMetrics, error) {
	if c.metricsAddr == "" && !c.metricsPublic {
		return nil, nil
	}
	v, commit, _ := buildInfo()
	m := &serveMetrics{reg: metrics.New(metrics.BuildInfo{Version: v, Commit: commit}), public: c.metricsPublic}
	if c.metricsAddr != "" {
		ln, err := net.Listen("tcp", c.metricsAddr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen on --metrics-addr %s: %v: free the port or pick another address", c.metricsAddr, err)
		}
		m.ln = ln
	}
	return m, nil
}

// close closes the metrics listener if serve never got to serving it.
func (m *serveMetrics) close() {
	if m != nil && m.ln != nil {
		m.ln.Close()
	}
}

// serve serves /metrics on --metrics-addr until ctx ends.
func (m *serveMetrics) serve(ctx context.Context, logger *slog.Logger) {
	if m == nil || m.ln == nil {
		return
	}
	logger.Info("serving metrics", "addr", m.ln.Addr().String(), "url", "http://"+m.ln.Addr().String()+"/metrics")
	go func() {
		if err := m.reg.Serve(ctx, m.ln); err != nil {
			logger.Error("serving metrics", "addr", m.ln.Addr().String(), "err", err)
		}
	}()
}

// onCallback is pages.Options.OnCallback.
func (m *serveMetrics) onCallback() func(dashboard, callback string, took time.Duration, err error) {
	if m == nil {
		return nil
	}
	return m.reg.Callback
}

// onACMEAttempt is dashtls.Config.OnACMEAttempt.
func (m *serveMetrics) onACMEAttempt() func(renewal bool, err error) {
	if m == nil {
		return nil
	}
	return m.reg.ACMEAttempt
}

// onTLSHandshake is server.Config.OnTLSHandshake.
func (m *serveMetrics) onTLSHandshake() func(version uint16, ok bool) {
	if m == nil {
		return nil
	}
	return m.reg.TLSHandshake
}

// wire fills in deps' observers, /metrics on the HTTPS port when asked for,
// and the certificates' expiry, read from certs at each scrape.
func (m *serveMetrics) wire(deps *server.Deps, certs *dashtls.Manager) {
	if m == nil {
		return
	}
	deps.Observer = m.reg
	deps.OnLoginRefused = m.reg.LoginRefused
	if m.public {
		deps.Metrics = m.reg.Handler()
	}
	m.reg.SetCertificates(func() []metrics.Certificate {
		st := certs.Status()
		out := make([]metrics.Certificate, len(st))
		for i, s := range st {
			out[i] = metrics.Certificate{Name: s.Name, Issuer: s.Issuer, NotAfter: s.NotAfter}
		}
		return out
	})
}
