package service

import (
	"errors"
	"fmt"
	"io/fs"
)

// Installed is what an installed unit runs.
type Installed struct {
	// UnitPath is the unit file read.
	UnitPath string
	// BinaryPath is the program ExecStart= runs.
	BinaryPath string
	// ServeArgs are serve's arguments, with the administrator's paths of
	// the files loaded as credentials put back (as 'service install' was
	// given them).
	ServeArgs []string
}

// ReadInstalled reads the installed unit of cfg (defaults applied), without
// asking systemd: 'dashbox doctor --installed' checks what it runs. The
// error wraps ErrNotInstalled when there is no unit.
func ReadInstalled(cfg Config) (Installed, error) {
	return ReadUnitFile(unitPath(cfg.withDefaults()))
}

// ReadUnitFile reads the unit file at path as ReadInstalled does.
func ReadUnitFile(path string) (Installed, error) {
	u, err := readInstalledUnit(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Installed{}, fmt.Errorf("%s %w (no %s): install it with sudo dashbox service install", DefaultName, ErrNotInstalled, path)
	}
	if err != nil {
		return Installed{}, err
	}
	return Installed{UnitPath: path, BinaryPath: u.binary, ServeArgs: u.serveArgs}, nil
}
