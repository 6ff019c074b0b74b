package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// StatusInfo is the state of the dashbox service as systemd and the
// installed unit report it.
type StatusInfo struct {
	// Unit is the unit name, e.g. "dashbox.service".
	Unit string
	// UnitPath is the unit file.
	UnitPath string
	// Installed says whether the unit file exists. When false, the other
	// fields below are empty.
	Installed bool
	// Enabled says whether it starts at boot.
	Enabled bool
	// ActiveState is systemd's ActiveState: "active", "activating",
	// "deactivating", "inactive" or "failed".
	ActiveState string
	// SubState is systemd's finer state: "running", "auto-restart", "dead"...
	SubState string
	// Since is when it entered ActiveState; zero if systemd does not say.
	Since time.Time
	// MainPID is the serve process; 0 when not running.
	MainPID int
	// BinaryPath is the program the unit runs.
	BinaryPath string
	// ServeArgs are the serve flags the unit runs with.
	ServeArgs []string
	// URLs are the addresses to open. Status leaves them empty: the CLI,
	// which owns serve's flags, reads them from ServeArgs (Serve.URLs).
	URLs []string
}

// Active reports whether the service is up (or on its way up).
func (s StatusInfo) Active() bool {
	return s.ActiveState == "active" || s.ActiveState == "activating" || s.ActiveState == "reloading"
}

// String is the human-readable status `dashbox service status` prints.
func (s StatusInfo) String() string {
	if !s.Installed {
		return fmt.Sprintf("%s %v: install it with sudo dashbox service install\n", s.Unit, ErrNotInstalled)
	}
	var b strings.Builder
	boot := "disabled: it does not start at boot"
	if s.Enabled {
		boot = "enabled: it starts at boot"
	}
	fmt.Fprintf(&b, "%s: installed (%s), %s\n", s.Unit, s.UnitPath, boot)
	fmt.Fprintf(&b, "%s (%s)", s.ActiveState, s.SubState)
	if !s.Since.IsZero() {
		fmt.Fprintf(&b, " since %s", s.Since.Format("2006-01-02 15:04:05 MST"))
	}
	if s.MainPID != 0 {
		fmt.Fprintf(&b, ", main PID %d", s.MainPID)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "runs %s serve %s\n", s.BinaryPath, strings.Join(s.ServeArgs, " "))
	for _, u := range s.URLs {
		fmt.Fprintf(&b, "URL: %s\n", u)
	}
	if !s.Active() {
		fmt.Fprintf(&b, "its log: journalctl -u %s\n", s.Unit)
	}
	return b.String()
}

// Status reports whether the service is installed, enabled and active, since
// when, its main PID and its URLs. It needs no privileges.
func Status(ctx context.Context, cfg Config) (StatusInfo, error) {
	cfg = cfg.withDefaults()
	kc, err := kardianosConfig(cfg, "")
	if err != nil {
		return StatusInfo{}, err
	}
	if _, err := newSystemd("dashbox service status", kc); err != nil {
		return StatusInfo{}, err
	}
	info := StatusInfo{Unit: cfg.unitName(), UnitPath: unitPath(cfg)}
	installed, err := readInstalledUnit(info.UnitPath)
	if errors.Is(err, fs.ErrNotExist) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.Installed = true
	info.BinaryPath, info.ServeArgs = installed.binary, installed.serveArgs
	props, err := showProperties(ctx, info.Unit, "UnitFileState", "ActiveState", "SubState", "MainPID", "StateChangeTimestamp")
	if err != nil {
		return info, err
	}
	info.Enabled = props["UnitFileState"] == "enabled"
	info.ActiveState, info.SubState = props["ActiveState"], props["SubState"]
	info.MainPID, _ = strconv.Atoi(props["MainPID"])
	info.Since = parseUnixTimestamp(props["StateChangeTimestamp"])
	return info, nil
}

// parseUnixTimestamp reads systemctl's --timestamp=unix format, "@<seconds>".
// Anything else (an unset timestamp) is the zero time.
func parseUnixTimestamp(v string) time.Time {
	secs, err := strconv.ParseInt(strings.TrimPrefix(v, "@"), 10, 64)
	if err != nil || !strings.HasPrefix(v, "@") || secs == 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}
