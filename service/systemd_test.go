package service

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestCheckPrivilege(t *testing.T) {
	err := CheckPrivilege("dashbox service install")
	switch {
	case runtime.GOOS != "linux":
		if !errors.Is(err, ErrNoSystemd) {
			t.Errorf("on %s: %v, want ErrNoSystemd", runtime.GOOS, err)
		}
	case os.Geteuid() == 0:
		if err != nil {
			t.Errorf("as root: %v", err)
		}
	default:
		if !errors.Is(err, ErrNeedRoot) || err.Error() != "dashbox service install needs root: run it with sudo" {
			t.Errorf("as a user: %v", err)
		}
	}
}

func TestLogrotateConfig(t *testing.T) {
	got := logrotateConfig(Config{}.withDefaults())
	for _, want := range []string{
		"/var/log/dashbox/*.log {",
		"\tnocreate\n",
		"\t\tsystemctl reload dashbox.service >/dev/null 2>&1 || true\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("logrotate configuration lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "copytruncate") {
		t.Error("copytruncate loses lines; serve reopens its log on SIGHUP instead")
	}
}

// TestCommandsNeedSystemd checks the message on a machine without systemd,
// such as a container or CI runner whose PID 1 is something else.
func TestCommandsNeedSystemd(t *testing.T) {
	kc, err := kardianosConfig(Config{}.withDefaults(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newSystemd("dashbox service status", kc); err == nil {
		t.Skip("this machine runs systemd; the container tests cover it")
	} else if !errors.Is(err, ErrNoSystemd) || !strings.HasPrefix(err.Error(), "dashbox service status needs systemd, but this system runs ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("newSystemd: %q", err)
	}
	if _, err := Status(t.Context(), Config{}); !errors.Is(err, ErrNoSystemd) {
		t.Errorf("Status: %v, want ErrNoSystemd", err)
	}
}
