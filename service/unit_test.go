package service

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	kservice "github.com/kardianos/service"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// unitCases are configurations whose units are kept as golden files in
// testdata/, reviewed like code: a change to the unit shows up in the diff.
var unitCases = []struct {
	name string
	cfg  Config
}{
	{"default", Config{Serve: serveOf()}},
	{"domains", Config{Serve: serveOf(
		"--domain=dash.example.com", "--domain", "www.dash.example.com",
		"--https-addr=:8443", "--http-addr=:8080", "--shutdown-timeout=1m30s",
		"--access-log=/var/log/dashbox/access.log", "--log-format=json",
	)}},
	{"escaping", Config{Serve: serveOf(
		`--static-dir=/srv/dash files/100% "real" $HOME\x`, "--log-level", "debug",
	)}},
	{"named", Config{Name: "dashbox-staging", Description: "dashbox staging", BinaryPath: "/opt/dashbox/bin/dashbox",
		Serve: serveOf("--https-addr=127.0.0.1:9443", "--shutdown-timeout=250ms")}},
	{"credentials", Config{Serve: serveOf(
		"--domain=dash.example.com", "--auth-file=/etc/dashbox/htpasswd",
		"--tls-cert=/etc/ssl/dash.example.com/fullchain.pem", "--tls-key=/root/keys/dash.example.com.key",
		"--allow=10.0.0.0/8",
	)}},
}

func TestUnitGolden(t *testing.T) {
	for _, tt := range unitCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unit(tt.cfg)
			if err != nil {
				t.Fatalf("Unit: %v", err)
			}
			golden := filepath.Join("testdata", tt.name+".service")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./service -run TestUnitGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Unit differs from %s (go test ./service -run TestUnitGolden -update rewrites it after review):\n%s", golden, lineDiff(string(want), got))
			}

			// The socket units, one after the other, each headed by its name.
			sockets, err := socketUnits(tt.cfg.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, s := range sockets {
				all.WriteString("### " + s.name + "\n" + s.text)
			}
			golden = filepath.Join("testdata", tt.name+".sockets")
			if *update {
				if err := os.WriteFile(golden, []byte(all.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want, err := os.ReadFile(golden); err != nil || all.String() != string(want) {
				t.Errorf("socket units differ from %s (%v; -update rewrites it after review):\n%s", golden, err, lineDiff(string(want), all.String()))
			}
		})
	}
}

// TestUnitMatchesKardianos renders the script through kardianos/service
// itself, the way Install writes it, and compares it with Unit. kardianos
// only renders while installing; as a user service it writes to
// $HOME/.config/systemd/user, here a temporary directory, and its systemctl
// calls go to a stand-in that does nothing.
func TestUnitMatchesKardianos(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kardianos/service renders systemd units on Linux only")
	}
	var systemd kservice.System
	for _, s := range kservice.AvailableSystems() {
		if s.String() == "linux-systemd" {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service has no linux-systemd backend")
	}
	home, bin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("PATH", bin)

	for _, tt := range unitCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg.withDefaults()
			want, err := Unit(cfg)
			if err != nil {
				t.Fatal(err)
			}
			kc, err := kardianosConfig(cfg, want)
			if err != nil {
				t.Fatal(err)
			}
			kc.Option["UserService"] = true
			svc, err := systemd.New(program{}, kc)
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Install(); err != nil {
				t.Fatalf("kardianos Install: %v", err)
			}
			path := filepath.Join(home, ".config/systemd/user", cfg.unitName())
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(path)
			if string(got) != want {
				t.Errorf("kardianos/service wrote a different unit than Unit returns:\n%s", lineDiff(want, string(got)))
			}
		})
	}
}

func TestUnitRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		// want is a part of the error message that tells the user what to do.
		want string
	}{
		{"binary in home", Config{BinaryPath: "/home/ann/bin/dashbox"}, "use /usr/local/bin/dashbox"},
		{"binary in /root", Config{BinaryPath: "/root/dashbox"}, "under /root"},
		{"binary in tmp", Config{BinaryPath: "/tmp/dashbox"}, "under /tmp"},
		{"relative binary", Config{BinaryPath: "bin/dashbox"}, "clean absolute path"},
		{"unclean binary", Config{BinaryPath: "/usr/local/../local/bin/dashbox"}, "clean absolute path"},
		{"binary with space", Config{BinaryPath: "/opt/my dashbox"}, "clean absolute path"},
		{"bad name", Config{Name: "dash box"}, "letters, digits"},
		{"two-line description", Config{Description: "a\nb"}, "one line"},
		{"state dir elsewhere", Config{Serve: serveOf("--state-dir=/srv/state")}, "leave --state-dir out"},
		{"access log elsewhere", Config{Serve: serveOf("--access-log", "/srv/access.log")}, "only write logs in /var/log/dashbox"},
		{"access log relative", Config{Serve: serveOf("--access-log=access.log")}, "only write logs in /var/log/dashbox"},
		{"static dir in home", Config{Serve: serveOf("--static-dir=/home/ann/static")}, "/srv/dashbox"},
		{"static dir relative", Config{Serve: serveOf("--static-dir=static")}, "absolute path"},
		{"newline in argument", Config{Serve: serveOf("--domain=a\nExecStartPre=/bin/sh")}, "control character"},
		{"relative auth file", Config{Serve: serveOf("--auth-file=htpasswd")}, "absolute path"},
		{"auth file in tmp", Config{Serve: serveOf("--auth-file", "/tmp/htpasswd")}, "any user may put files"},
		{"key with a space", Config{Serve: serveOf("--tls-key=/etc/ssl/my key.pem")}, "letters, digits"},
		{"cert with a specifier", Config{Serve: serveOf("--tls-cert=/etc/ssl/%n.pem")}, "letters, digits"},
		{"unclean cert path", Config{Serve: serveOf("--tls-cert=/etc/ssl/../x.pem")}, "clean path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unit, err := Unit(tt.cfg)
			if err == nil {
				t.Fatalf("Unit accepted it:\n%s", unit)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
		})
	}
}

// TestUnitHoldsNoTemplateAction: Install hands the unit text to
// kardianos/service as a template, so no value may put "{{" into it.
func TestUnitHoldsNoTemplateAction(t *testing.T) {
	unit, err := Unit(Config{Serve: serveOf("--static-dir=/srv/{{Name}}", "--domain={{.}}")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(unit, "{{") || strings.Contains(unit, "}}") {
		t.Errorf("the unit holds a template action:\n%s", unit)
	}
	if _, err := Unit(Config{Description: "dashbox {{Name}}"}); err == nil || !strings.Contains(err.Error(), "leave them out") {
		t.Errorf("a description with {{: %v, want a refusal", err)
	}
}

func TestUnitAccepts(t *testing.T) {
	for _, args := range [][]string{
		{"--state-dir=/var/lib/dashbox"},
		{"--state-dir", "/var/lib/dashbox/"},
		{"--access-log=-"},
		{"--access-log=off"},
		{"--access-log=/var/log/dashbox/access.log"},
		{"--static-dir=/srv/dashbox"},
	} {
		if _, err := Unit(Config{Serve: serveOf(args...)}); err != nil {
			t.Errorf("Unit with %q: %v", args, err)
		}
	}
}

func TestUnitStopTimeoutCoversDrain(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want string
	}{
		{"", "TimeoutStopSec=15s"},
		{"--shutdown-timeout=0s", "TimeoutStopSec=5s"},
		{"--shutdown-timeout=1500ms", "TimeoutStopSec=7s"},
		{"--shutdown-timeout=2m", "TimeoutStopSec=125s"},
	} {
		var args []string
		if tt.arg != "" {
			args = []string{tt.arg}
		}
		unit, err := Unit(Config{Serve: serveOf(args...)})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^` + tt.want + `$`).MatchString(unit) {
			t.Errorf("serve %q: unit lacks %s", tt.arg, tt.want)
		}
	}
}

// TestUnitReadsBack checks that what Status and Uninstall read from an
// installed unit is what was installed.
func TestUnitReadsBack(t *testing.T) {
	for _, tt := range unitCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg.withDefaults()
			unit, err := Unit(cfg)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, cfg.unitName())
			if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			// The socket units it requires sit beside it, as installed.
			sockets, err := socketUnits(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sockets {
				if err := os.WriteFile(filepath.Join(dir, s.name), []byte(s.text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := readInstalledUnit(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.binary != cfg.BinaryPath {
				t.Errorf("binary %q, want %q", got.binary, cfg.BinaryPath)
			}
			if strings.Join(got.serveArgs, "\x00") != strings.Join(cfg.Serve.words(), "\x00") {
				t.Errorf("serve args %q, want %q", got.serveArgs, cfg.Serve.words())
			}
		})
	}
}

// maxExposure is the highest `systemd-analyze security` exposure accepted,
// times ten as --threshold takes it (1.1: socket activation leaves the service
// no capability, and PrivateUsers=yes; it was 1.4 with CAP_NET_BIND_SERVICE).
const maxExposure = 11

// TestUnitMemoryMax: the unit caps the service's memory above serve's soft
// limit (384 MiB), in [Service], where systemd reads it.
func TestUnitMemoryMax(t *testing.T) {
	unit, err := Unit(Config{})
	if err != nil {
		t.Fatal(err)
	}
	service := unit[strings.Index(unit, "[Service]"):strings.Index(unit, "[Install]")]
	m := regexp.MustCompile(`(?m)^MemoryMax=(\d+)M$`).FindStringSubmatch(service)
	if m == nil {
		t.Fatalf("no MemoryMax=<n>M in [Service]:\n%s", service)
	}
	if n, _ := strconv.Atoi(m[1]); n < 384+64 {
		t.Errorf("MemoryMax=%sM leaves less than 64 MiB above the 384 MiB soft limit", m[1])
	}
}

// TestUnitSystemdAnalyze has systemd judge the unit: `systemd-analyze verify`
// for mistakes, and `systemd-analyze security --offline` for how much of the
// system the service could reach if dashbox were compromised.
func TestUnitSystemdAnalyze(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (apt-get install systemd)")
	}
	// verify fails when the program to run does not exist: run a binary that
	// does. Everything else is the unit as installed.
	binary, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	binary, _ = filepath.EvalSymlinks(binary)
	for _, tt := range unitCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg.withDefaults()
			cfg.BinaryPath = binary
			unit, err := Unit(cfg)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, cfg.unitName())
			if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			// The socket units it requires sit beside it, as installed.
			sockets, err := socketUnits(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sockets {
				if err := os.WriteFile(filepath.Join(dir, s.name), []byte(s.text), 0o644); err != nil {
					t.Fatal(err)
				}
			}

			verify := exec.Command(analyze, "verify", path)
			verify.Dir = dir
			for _, s := range sockets {
				verify.Args = append(verify.Args, filepath.Join(dir, s.name))
			}
			out, err := verify.CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s", err, out)
			}

			out, err = exec.Command(analyze, "security", "--offline=true", "--no-pager",
				"--threshold="+strconv.Itoa(maxExposure), path).CombinedOutput()
			m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("systemd-analyze security printed no exposure level: %v\n%s", err, out)
			}
			exposure, _ := strconv.ParseFloat(string(m[1]), 64)
			t.Logf("systemd-analyze security: exposure %.1f", exposure)
			if err != nil || exposure*10 > maxExposure {
				var failed []string
				for _, line := range strings.Split(string(out), "\n") {
					if strings.HasPrefix(line, "✗") {
						failed = append(failed, line)
					}
				}
				t.Errorf("exposure %.1f, want at most %.1f (%v); open points:\n%s", exposure, maxExposure/10.0, err, strings.Join(failed, "\n"))
			}
		})
	}
}

// lineDiff shows the lines that differ between want and got, for failures
// that would otherwise print two whole units.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + strconv.Quote(wl) + "\n  got  " + strconv.Quote(gl) + "\n")
		}
	}
	return b.String()
}
