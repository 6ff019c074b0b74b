package cmd

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/caddyserver/certmagic"
	dashstorage "github.com/dashbox/dashbox/storage"
	dashtls "github.com/dashbox/dashbox/tls"
)

// openServeStorage opens serve's --storage, or returns nil without it (the
// state directory keeps the certificates). Start-up with the database
// unreachable retries for a minute, logging each attempt, then fails: an
// instance without its storage has no certificate to serve and must not
// make its own local root, and under systemd Restart= tries again while the
// load balancer's health check keeps clients on the other instances.
func openServeStorage(ctx context.Context, cfg *serveConfig, logger *slog.Logger, outage *afterOutage) (*dashstorage.Postgres, error) {
	if cfg.storage.url == "" {
		return nil, nil
	}
	st, err := cfg.storage.open(ctx, "storage", logger, outage.reachable)
	if err != nil {
		return nil, err
	}
	logger.Info("shared storage", "storage", st.String())
	return st, nil
}

// afterOutage is what the shared storage does when its database answers
// again after an outage: it has the certificate manager, once there is
// one, renew at once what fell due meanwhile (certmagic alone would retry
// only after its backoff and next check, minutes later).
type afterOutage struct {
	certs atomic.Pointer[dashtls.Manager]
}

func (a *afterOutage) reachable() {
	if m := a.certs.Load(); m != nil {
		m.CatchUp()
	}
}

// storageDetails is the "storage" entry of /healthz?details=1: where the
// certificates are kept and, for a shared storage, whether it is reachable
// (while it is not, the certificates in memory keep being served).
func storageDetails(cfg *serveConfig, st *dashstorage.Postgres) any {
	if st == nil {
		return map[string]any{"backend": "files", "state_dir": cfg.stateDir}
	}
	return st.Health()
}

// useSharedStorage makes the certificate manager keep its certificates,
// ACME account, challenge tokens, locks, local CA and session-ticket keys
// in st.
func useSharedStorage(tlsCfg *dashtls.Config, st certmagic.Storage) error {
	tlsCfg.Storage = st
	return nil
}
