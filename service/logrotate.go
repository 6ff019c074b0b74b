package service

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// logrotateDir is where logrotate reads per-package configuration.
const logrotateDir = "/etc/logrotate.d"

// logrotatePath is the logrotate configuration Install writes for cfg.
func logrotatePath(cfg Config) string { return filepath.Join(logrotateDir, cfg.Name) }

// logrotateConfig rotates the access log weekly (or past 100 MB), keeping
// eight. serve reopens its log on SIGHUP (the unit's ExecReload=), so there is
// no copytruncate, which loses lines, and no create: serve creates the new
// file itself, as its own user.
func logrotateConfig(cfg Config) string {
	return fmt.Sprintf(`# Written by "dashbox service install"; removed by "dashbox service uninstall".
%s/*.log {
	weekly
	maxsize 100M
	rotate 8
	compress
	delaycompress
	missingok
	notifempty
	nocreate
	sharedscripts
	postrotate
		systemctl reload %s >/dev/null 2>&1 || true
	endscript
}
`, cfg.logsDir(), cfg.unitName())
}

// writeLogrotate writes the logrotate configuration when logrotate is
// installed; without it there is nothing to configure.
func writeLogrotate(cfg Config, out io.Writer) error {
	if fi, err := os.Stat(logrotateDir); err != nil || !fi.IsDir() {
		return nil
	}
	path := logrotatePath(cfg)
	want := logrotateConfig(cfg)
	if cur, err := os.ReadFile(path); err == nil && string(cur) == want {
		return nil
	}
	if err := atomicfile.WriteFile(path, []byte(want), 0o644); err != nil {
		return fmt.Errorf("writing the logrotate configuration: %w", err)
	}
	fmt.Fprintf(out, "wrote %s: logrotate rotates %s/*.log\n", path, cfg.logsDir())
	return nil
}

// removeLogrotate removes what writeLogrotate wrote.
func removeLogrotate(cfg Config, out io.Writer) error {
	path := logrotatePath(cfg)
	err := os.Remove(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("removing the logrotate configuration: %w", err)
	}
	fmt.Fprintf(out, "removed %s\n", path)
	return nil
}
