package cmd

import (
	"errors"
	"log/slog"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/service"
	dashtls "github.com/dashbox/dashbox/tls"
)

// reload is what SIGHUP (systemctl reload dashbox) does: reopen the access
// log, reload the certificate files (--tls-cert) and the htpasswd file
// (--auth-file; users may be nil). A file that fails keeps what was loaded
// before. Under systemd it reports the reload (RELOADING=1 ... READY=1), and
// a failure in STATUS=, which `systemctl status dashbox` shows.
func reload(logger *slog.Logger, l *server.LogFile, certs *dashtls.Manager, users *auth.Htpasswd) error {
	if err := service.Notify(service.Reloading()); err != nil {
		logger.Warn("telling systemd a reload began", "err", err)
	}
	var errs []error
	if err := l.Reopen(); err != nil {
		logger.Error("reopening the access log", "err", err)
		errs = append(errs, err)
	} else {
		logger.Info("access log reopened")
	}
	// Both log their outcome; a broken file keeps the old certificate or
	// users.
	if err := certs.ReloadFiles(); err != nil {
		errs = append(errs, err)
	}
	if users != nil {
		if err := users.Reload(); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	if nerr := service.Notify(service.Reloaded(err)); nerr != nil {
		logger.Warn("telling systemd the reload ended", "err", nerr)
	}
	return err
}
