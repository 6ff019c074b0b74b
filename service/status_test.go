package service

import (
	"strings"
	"testing"
	"time"
)

func TestStatusInfoString(t *testing.T) {
	since := time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		info StatusInfo
		want []string // lines the output must contain
	}{
		{"not installed", StatusInfo{Unit: "dashbox.service"},
			[]string{"dashbox.service is not installed: install it with sudo dashbox service install"}},
		{"running", StatusInfo{
			Unit: "dashbox.service", UnitPath: "/etc/systemd/system/dashbox.service", Installed: true, Enabled: true,
			ActiveState: "active", SubState: "running", Since: since, MainPID: 4242,
			BinaryPath: "/usr/local/bin/dashbox", ServeArgs: []string{"--domain=dash.example.com"},
			URLs: []string{"https://dash.example.com/"},
		}, []string{
			"dashbox.service: installed (/etc/systemd/system/dashbox.service), enabled: it starts at boot",
			"active (running) since " + since.Local().Format("2006-01-02 15:04:05 MST") + ", main PID 4242",
			"runs /usr/local/bin/dashbox serve --domain=dash.example.com",
			"URL: https://dash.example.com/",
		}},
		{"failed", StatusInfo{
			Unit: "dashbox.service", UnitPath: "/etc/systemd/system/dashbox.service", Installed: true,
			ActiveState: "failed", SubState: "failed", BinaryPath: "/usr/local/bin/dashbox",
		}, []string{"disabled: it does not start at boot", "failed (failed)", "its log: journalctl -u dashbox.service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.info.String()
			for _, line := range tt.want {
				if !strings.Contains(got, line+"\n") {
					t.Errorf("status lacks the line %q:\n%s", line, got)
				}
			}
		})
	}
}

func TestParseUnixTimestamp(t *testing.T) {
	if got := parseUnixTimestamp("@1764228600"); !got.Equal(time.Unix(1764228600, 0)) {
		t.Errorf("parsed %v", got)
	}
	for _, v := range []string{"", "n/a", "@0", "1764228600", "Thu 2026-11-27 07:30:00 UTC"} {
		if got := parseUnixTimestamp(v); !got.IsZero() {
			t.Errorf("parseUnixTimestamp(%q) = %v, want zero", v, got)
		}
	}
}
