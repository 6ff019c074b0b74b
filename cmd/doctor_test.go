package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testbind"
	"github.com/dashbox/dashbox/internal/testenv"
)

// challDNS is pebble-challtestsrv as the DNS server doctor asks
// (--resolver), with records set through its management API. It answers
// nothing for names without records.
type challDNS struct {
	dns, mgmt string
}

func startChallDNS(t *testing.T) *challDNS {
	t.Helper()
	c := &challDNS{
		dns:  "127.0.0.1:" + strconv.Itoa(testenv.FreeDNSPort(t)),
		mgmt: "127.0.0.1:" + strconv.Itoa(freePort(t)),
	}
	log := newLineBuffer()
	cmd := exec.Command(filepath.Join(pebbleBinDir(t), "pebble-challtestsrv"),
		"-dnsserver", c.dns, "-management", c.mgmt,
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "",
		"-defaultIPv4", "", "-defaultIPv6", "")
	cmd.Stdout, cmd.Stderr = log, log
	startProcess(t, cmd)
	poll(t, "pebble-challtestsrv's management API", func() bool {
		resp, err := http.Post("http://"+c.mgmt+"/clear-request-history", "application/json", strings.NewReader(`{"host":"","type":"dns"}`))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	return c
}

// set posts one record change to the management API, such as
// ("add-a", {"host": "dash.test", "addresses": ["127.0.0.1"]}).
func (c *challDNS) set(t *testing.T, endpoint string, body any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post("http://"+c.mgmt+"/"+endpoint, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("challtestsrv %s %s: %s", endpoint, data, resp.Status)
	}
}

// doctorLine returns the line of doctor's output about check, failing the
// test when there is none.
func doctorLine(t *testing.T, out, check string) string {
	t.Helper()
	for _, line := range scanLines(out) {
		if _, rest, ok := strings.Cut(line, "  "); ok && strings.HasPrefix(strings.TrimSpace(rest), check+":") {
			return line
		}
	}
	t.Fatalf("no %q line in doctor's output:\n%s", check, out)
	return ""
}

func runDoctorCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run(ctx, append([]string{"dashbox", "doctor"}, args...), noEnv, &stdout, &stderr)
	t.Logf("dashbox doctor %s:\n%s", strings.Join(args, " "), stdout.String())
	return stdout.String(), err
}

// TestDoctorPebble runs dashbox doctor against Pebble (the ACME
// directory, its caaIdentities and Date) with pebble-challtestsrv as the
// DNS server: a good set-up passes, and each broken precondition gives its
// FAIL (or WARN) line and a non-zero exit.
func TestDoctorPebble(t *testing.T) {
	p := startPebble(t, pebbleOptions{})
	dns := startChallDNS(t)
	dns.set(t, "add-a", map[string]any{"host": "dash.test", "addresses": []string{"127.0.0.1"}})
	args := func(domain string, extra ...string) []string {
		a := append(p.dashboxArgs(domain), "--state-dir", filepath.Join(t.TempDir(), "state"), "--resolver", dns.dns)
		return append(a, extra...)
	}

	t.Run("good set-up", func(t *testing.T) {
		out, err := runDoctorCLI(t, args("dash.test")...)
		if err != nil {
			t.Fatalf("doctor: %v\n%s", err, out)
		}
		for _, check := range []string{"flags", "state directory (--state-dir)", "file of --acme-ca-root", "DNS dash.test", "CAA dash.test", "ACME directory " + p.directoryURL(), "clock",
			"HTTPS port 127.0.0.1:" + strconv.Itoa(p.tlsPort), "HTTP port 127.0.0.1:" + strconv.Itoa(p.httpPort)} {
			if line := doctorLine(t, out, check); !strings.HasPrefix(line, "OK ") {
				t.Errorf("want OK: %s", line)
			}
		}
		if line := doctorLine(t, out, "ACME directory "+p.directoryURL()); !strings.Contains(line, "pebble.letsencrypt.org") {
			t.Errorf("the directory's caaIdentities are not read: %s", line)
		}
		if strings.Contains(out, "FAIL ") {
			t.Errorf("a good set-up has a FAIL:\n%s", out)
		}
	})

	t.Run("name pointing elsewhere", func(t *testing.T) {
		dns.set(t, "add-a", map[string]any{"host": "far.test", "addresses": []string{"203.0.113.9"}})
		out, _ := runDoctorCLI(t, args("far.test")...)
		line := doctorLine(t, out, "DNS far.test")
		if strings.HasPrefix(line, "OK ") || !strings.Contains(line, "203.0.113.9, not an address of this machine") || !strings.Contains(line, "fix: ") {
			t.Errorf("want WARN or FAIL saying 203.0.113.9 is not this machine, with a fix: %s", line)
		}
	})

	t.Run("CAA naming another CA", func(t *testing.T) {
		dns.set(t, "add-a", map[string]any{"host": "caa.test", "addresses": []string{"127.0.0.1"}})
		dns.set(t, "add-caa", map[string]any{"host": "caa.test", "policies": []map[string]string{{"tag": "issue", "value": "other-ca.example"}}})
		out, err := runDoctorCLI(t, args("caa.test")...)
		if !errors.Is(err, errDoctorFailed) || exitCode(err) == 0 {
			t.Errorf("doctor: %v, want errDoctorFailed (exit 1)", err)
		}
		line := doctorLine(t, out, "CAA caa.test")
		for _, want := range []string{"FAIL ", `"other-ca.example"`, "pebble.letsencrypt.org", `fix: add a record: caa.test. CAA 0 issue "pebble.letsencrypt.org"`} {
			if !strings.Contains(line, want) {
				t.Errorf("lacks %q: %s", want, line)
			}
		}
	})

	t.Run("port already taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		taken := ln.Addr().String()
		out, err := runDoctorCLI(t, args("dash.test", "--https-addr", taken)...)
		if !errors.Is(err, errDoctorFailed) {
			t.Errorf("doctor: %v, want errDoctorFailed", err)
		}
		line := doctorLine(t, out, "HTTPS port "+taken)
		if !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "in use by") || !strings.Contains(line, "fix: ") {
			t.Errorf("want FAIL in use by, with a fix: %s", line)
		}
		// The holder is named from /proc: this test process.
		if !strings.Contains(line, "(pid "+strconv.Itoa(os.Getpid())+")") {
			t.Errorf("the holder is not named: %s", line)
		}
		// The metrics listener's port is checked as the others are.
		out, _ = runDoctorCLI(t, args("dash.test", "--metrics-addr", taken)...)
		if line := doctorLine(t, out, "metrics port "+taken); !strings.HasPrefix(line, "FAIL ") {
			t.Errorf("want FAIL for the taken metrics port: %s", line)
		}
	})

	t.Run("unreachable ACME directory", func(t *testing.T) {
		closed := "https://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/dir"
		a := args("dash.test")
		for i := range a {
			if a[i] == p.directoryURL() {
				a[i] = closed
			}
		}
		out, err := runDoctorCLI(t, a...)
		if !errors.Is(err, errDoctorFailed) {
			t.Errorf("doctor: %v, want errDoctorFailed", err)
		}
		line := doctorLine(t, out, "ACME directory "+closed)
		if !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "unreachable") || !strings.Contains(line, "fix: ") {
			t.Errorf("want FAIL unreachable with a fix: %s", line)
		}
		if line := doctorLine(t, out, "clock"); !strings.HasPrefix(line, "WARN ") {
			t.Errorf("want the clock unchecked (WARN): %s", line)
		}
	})

	// DNS-01: the CA never connects here, so the check is that the key may
	// update the challenge record (BIND on loopback; the name need not
	// point here, and a key granted nothing fails naming the refusal).
	t.Run("DNS-01 key", func(t *testing.T) {
		bind := testbind.Start(t, testbind.Options{Zone: "dash.test"})
		dnsArgs := func(key string) []string {
			return args("dash.test", "--acme-dns-server", bind.Addr, "--acme-dns-tsig-key", key)
		}
		out, err := runDoctorCLI(t, dnsArgs(bind.KeyFile)...)
		if err != nil {
			t.Fatalf("doctor: %v\n%s", err, out)
		}
		if line := doctorLine(t, out, "DNS-01 dash.test"); !strings.HasPrefix(line, "OK ") || !strings.Contains(line, "_acme-challenge.dash.test") {
			t.Errorf("want OK for the granted key: %s", line)
		}
		if strings.Contains(out, "DNS dash.test:") {
			t.Errorf("with DNS-01 where the name points does not matter, yet it was checked:\n%s", out)
		}
		if txt := bind.TXT(t, "_acme-challenge.dash.test"); len(txt) != 0 {
			t.Errorf("doctor left a record behind: %q", txt)
		}
		out, err = runDoctorCLI(t, dnsArgs(bind.OtherKeyFile)...)
		if !errors.Is(err, errDoctorFailed) {
			t.Errorf("doctor with a key granted nothing: %v, want errDoctorFailed", err)
		}
		if line := doctorLine(t, out, "DNS-01 dash.test"); !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "REFUSED") || !strings.Contains(line, "fix: ") {
			t.Errorf("want FAIL naming REFUSED, with a fix: %s", line)
		}
	})
}

// TestDoctorStateDirNotWritable runs dashbox doctor as nobody (the tests
// run as root, whom permissions do not stop) on a root-owned state
// directory: the kernel refuses, and doctor says so and exits 1. Without
// a --domain it is air-gapped and says it checked nothing on the network.
func TestDoctorStateDirNotWritable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs dashbox as another user: run it as root (make test does, in CI)")
	}
	world := testenv.WorldDir(t)
	bin := filepath.Join(world, "dashbox")
	data, err := os.ReadFile(mustBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(world, "state")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "doctor", "--state-dir", state, "--https-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "--http-addr", "")
	cmd.SysProcAttr = testenv.AsNobody()
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("doctor as nobody: %v, want exit 1\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	line := doctorLine(t, out, "state directory (--state-dir)")
	for _, want := range []string{"FAIL ", "user " + testenv.UserName(testenv.NobodyUID), "cannot write " + state, "fix: chown " + testenv.UserName(testenv.NobodyUID) + " " + state} {
		if !strings.Contains(line, want) {
			t.Errorf("lacks %q: %s", want, line)
		}
	}
	if line := doctorLine(t, out, "network"); !strings.HasPrefix(line, "OK ") || !strings.Contains(line, "nothing checked on the network for certificates") {
		t.Errorf("air-gapped: %s", line)
	}
	if !strings.Contains(stderr.String(), "some checks failed") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestDoctorInstalled checks the installed unit's command line: the flags
// come from its ExecStart= (as 'service unit' writes it), the checks apply
// to the service's user, and the binary it runs is compared with this one.
func TestDoctorInstalled(t *testing.T) {
	port := "127.0.0.1:" + strconv.Itoa(freePort(t))
	var unit, stderr bytes.Buffer
	missing := "/usr/local/bin/dashbox-doctor-test-missing"
	if err := run(context.Background(), []string{"dashbox", "service", "unit", "--install-path", missing, "--https-addr", port, "--http-addr", ""}, noEnv, &unit, &stderr); err != nil {
		t.Fatalf("service unit: %v\n%s", err, stderr.String())
	}
	unitFile := filepath.Join(t.TempDir(), "dashbox.service")
	writeTestFile(t, unitFile, unit.Bytes())

	out, err := runDoctorCLI(t, "--installed", "--unit-file", unitFile)
	if !errors.Is(err, errDoctorFailed) {
		t.Errorf("doctor --installed: %v, want errDoctorFailed (the binary is missing)", err)
	}
	if line := doctorLine(t, out, "HTTPS port "+port); !strings.HasPrefix(line, "OK ") {
		t.Errorf("the unit's --https-addr is not checked: %s", line)
	}
	if line := doctorLine(t, out, "state directory (--state-dir)"); !strings.Contains(line, "/var/lib/dashbox is made by systemd") {
		t.Errorf("state directory of the service: %s", line)
	}
	if line := doctorLine(t, out, "installed binary "+missing); !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "does not exist") {
		t.Errorf("missing binary: %s", line)
	}

	// Serve flags with --installed are a mistake: the unit's are checked.
	_, err = runDoctorCLI(t, "--installed", "--unit-file", unitFile, "--domain", "dash.test")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--domain with --installed") {
		t.Errorf("serve flag with --installed: %v, want a usage error", err)
	}
	// No unit: say how to install.
	_, err = runDoctorCLI(t, "--installed", "--unit-file", filepath.Join(t.TempDir(), "none.service"))
	if err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("no unit: %v", err)
	}
}

// TestDoctorHelp: dashbox --help lists doctor, and doctor's help its own
// flags besides serve's.
func TestDoctorHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "--help"}, noEnv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "\n  doctor ") {
		t.Errorf("dashbox --help: %v, lacks doctor:\n%s", err, stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"dashbox", "doctor", "--help"}, noEnv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: dashbox doctor", "-installed", "-unit-file", "-resolver", "-domain", "-state-dir", "docs/doctor.md"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("doctor --help lacks %q", want)
		}
	}
}
