package cmd

import (
	"errors"
	"log/slog"

	"github.com/dashbox/dashbox/server"
)

// listenOrActivated takes the listening sockets systemd passed (the
// service's socket unit: restarts and upgrades never close them), or binds
// --https-addr and --http-addr itself, as serve does outside systemd.
func listenOrActivated(cfg *serveConfig, logger *slog.Logger) (*server.Listeners, error) {
	ln, err := server.Activated()
	switch {
	case err == nil:
		attrs := []any{"https", ln.HTTPSAddr().String()}
		if a := ln.HTTPAddr(); a != nil {
			attrs = append(attrs, "http", a.String())
		}
		logger.Info("listening on the sockets systemd passed (socket activation)", attrs...)
		return ln, nil
	case !errors.Is(err, server.ErrNoActivation):
		return nil, err
	}
	ln, err = server.Listen(cfg.httpsAddr, cfg.httpAddr)
	if err != nil {
		return nil, listenError(err)
	}
	return ln, nil
}
