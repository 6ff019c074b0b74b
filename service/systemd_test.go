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
