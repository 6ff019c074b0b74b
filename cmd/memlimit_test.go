package cmd

import (
	"bufio"
	"encoding/json"
	"math"
	"os/exec"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env       map[string]string
		wantLimit int64
		wantSet   bool
	}{
		{nil, 384 << 20, true},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 0, false},
		{map[string]string{"GOMEMLIMIT": "off"}, 0, false},
		{map[string]string{"DASHBOX_GOMEMLIMIT": "1GiB"}, 384 << 20, true},
	} {
		limit, set := memoryLimit(func(k string) string { return tc.env[k] })
		if limit != tc.wantLimit || set != tc.wantSet {
			t.Errorf("env %v: memoryLimit = %d, %v; want %d, %v", tc.env, limit, set, tc.wantLimit, tc.wantSet)
		}
	}
}

func TestFormatMemoryLimit(t *testing.T) {
	for n, want := range map[int64]string{384 << 20: "384 MiB", math.MaxInt64: "off", 1000: "1000 bytes"} {
		if got := formatMemoryLimit(n); got != want {
			t.Errorf("formatMemoryLimit(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestServeLogsMemoryLimit: the binary sets 384 MiB unless GOMEMLIMIT is
// set, and logs the limit in effect before it serves.
func TestServeLogsMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env                 []string
		wantLimit, wantFrom string
	}{
		{nil, "384 MiB", "default"},
		{[]string{"GOMEMLIMIT=1GiB"}, "1024 MiB", "GOMEMLIMIT"},
		{[]string{"GOMEMLIMIT=off"}, "off", "GOMEMLIMIT"},
	} {
		t.Run(tc.wantLimit, func(t *testing.T) {
			cmd := exec.Command(mustBinary(t), "serve", "--https-addr", "127.0.0.1:0", "--http-addr", "",
				"--log-format", "json", "--access-log", "off", "--state-dir", t.TempDir())
			cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, tc.env...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			var got map[string]any
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				var ev map[string]any
				if json.Unmarshal(sc.Bytes(), &ev) != nil {
					continue
				}
				if ev["msg"] == "soft memory limit" {
					got = ev
				}
				if ev["msg"] == "serving" {
					break
				}
			}
			if got == nil {
				t.Fatal(`no "soft memory limit" line before "serving"`)
			}
			if got["limit"] != tc.wantLimit || got["source"] != tc.wantFrom {
				t.Errorf("logged limit %v from %v, want %s from %s", got["limit"], got["source"], tc.wantLimit, tc.wantFrom)
			}
		})
	}
}
