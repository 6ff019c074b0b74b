package doctor

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// The firewall check against the real nft and iptables: the test binary runs
// itself again inside a network namespace of its own (unshare -n as root,
// unshare -rn otherwise, as make test-offline does), where nft and iptables
// change that namespace's rule set only, never the host's. firewallChildEnv
// marks the run inside; the outer test only relays the result. Each scenario
// loads a rule set, runs the check with its real reader (readFirewalls, the
// default Env.Firewall), and compares its conclusion with what the kernel
// does with a connection to a listener on the port.
const firewallChildEnv = "DOCTOR_FIREWALL_CHILD"

// firewallTools are the programs the scenarios run; make test-deps installs
// them. xtables-legacy-multi (package iptables) is the legacy backend.
var firewallTools = []string{"nft", "iptables", "ip6tables", "xtables-legacy-multi"}

func TestFirewallRealRules(t *testing.T) {
	if os.Getenv(firewallChildEnv) == "" {
		runFirewallChild(t)
		return
	}
	testenv.BringLoopbackUp(t)
	// Listeners on the ports the check is asked about, to see what the
	// kernel does with a connection to them.
	for _, port := range []int{80, 443} {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	legacyDir := t.TempDir()
	legacy, err := exec.LookPath("xtables-legacy-multi")
	if err != nil {
		t.Fatalf("xtables-legacy-multi not found (run make test-deps): %v", err)
	}
	// xtables-legacy-multi acts as the program it is called as.
	if err := os.Symlink(legacy, filepath.Join(legacyDir, "iptables")); err != nil {
		t.Fatal(err)
	}

	const established = "ct state established,related accept\n"
	scenarios := []struct {
		name string
		nft  string     // nft -f input
		ipt  [][]string // iptables commands
		// legacy puts the legacy iptables first on PATH for the scenario
		// and for the check.
		legacy bool
		// closedBy is, per port, the tools the check must name as closing
		// it; a port left out must be OK.
		closedBy map[int]string
	}{
		{
			name: "nft drop policy, 80 and 443 accepted",
			nft: "table inet filter {\n chain input {\n  type filter hook input priority filter; policy drop;\n  " + established +
				"  tcp dport 22 accept\n  tcp dport { 80, 443 } accept\n }\n}\n",
		},
		{
			name: "nft drop policy, only 443 accepted",
			nft: "table inet filter {\n chain input {\n  type filter hook input priority filter; policy drop;\n  " + established +
				"  tcp dport 443 accept\n }\n}\n",
			closedBy: map[int]string{80: "nft"},
		},
		{
			name: "nft drop rule for 80 before the accept",
			nft: "table inet filter {\n chain input {\n  type filter hook input priority filter; policy accept;\n  " + established +
				"  tcp dport 80 drop\n  tcp dport { 80, 443 } accept\n }\n}\n",
			closedBy: map[int]string{80: "nft"},
		},
		{
			name: "nft reject rule for 80 in a chain jumped to",
			nft: "table inet filter {\n chain web {\n  tcp dport 80 reject with tcp reset\n  tcp dport 443 accept\n }\n" +
				" chain input {\n  type filter hook input priority filter; policy drop;\n  " + established +
				"  meta l4proto tcp jump web\n }\n}\n",
			closedBy: map[int]string{80: "nft"},
		},
		{
			name: "no rules at all",
		},
		{
			name: "nft accepting policy, nothing dropped",
			nft:  "table inet filter {\n chain input {\n  type filter hook input priority filter; policy accept;\n }\n}\n",
		},
		{
			name: "iptables-nft drop policy, only 443 accepted",
			ipt: [][]string{{"-P", "INPUT", "DROP"}, {"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
				{"-A", "INPUT", "-p", "tcp", "--dport", "443", "-j", "ACCEPT"}},
			closedBy: map[int]string{80: "iptables"},
		},
		{
			name: "iptables-nft drop rule for 80 before the accept",
			ipt: [][]string{{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
				{"-A", "INPUT", "-p", "tcp", "--dport", "80", "-j", "DROP"},
				{"-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "80,443", "-m", "comment", "--comment", "web ports", "-j", "ACCEPT"}},
			closedBy: map[int]string{80: "iptables"},
		},
		{
			name: "iptables-nft accepting with a match nft cannot show",
			ipt: [][]string{{"-P", "INPUT", "DROP"}, {"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
				{"-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "80,443", "-m", "recent", "--set", "-j", "ACCEPT"}},
		},
		{
			name: "nft table and iptables-nft table both on the input hook",
			// The inet table drops 80 whatever iptables accepts.
			nft: "table inet filter {\n chain input {\n  type filter hook input priority filter; policy drop;\n  " + established +
				"  tcp dport 443 accept\n }\n}\n",
			ipt:      [][]string{{"-A", "INPUT", "-p", "tcp", "--dport", "80", "-j", "ACCEPT"}},
			closedBy: map[int]string{80: "nft"},
		},
		{
			name:   "iptables-legacy drop policy, only 443 accepted",
			legacy: true,
			ipt: [][]string{{"-P", "INPUT", "DROP"}, {"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
				{"-A", "INPUT", "-p", "tcp", "--dport", "443", "-j", "ACCEPT"}},
			closedBy: map[int]string{80: "iptables"},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.legacy {
				t.Setenv("PATH", legacyDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			}
			resetFirewall(t, legacyDir)
			t.Cleanup(func() { resetFirewall(t, legacyDir) })
			if sc.nft != "" {
				file := filepath.Join(t.TempDir(), "rules.nft")
				if err := os.WriteFile(file, []byte(sc.nft), 0o644); err != nil {
					t.Fatal(err)
				}
				mustRun(t, "nft", "-f", file)
			}
			for _, args := range sc.ipt {
				mustRun(t, "iptables", args...)
			}
			read := readFirewalls(context.Background())
			for _, fr := range read {
				t.Logf("%s (nf_tables %v):\n%s", fr.Tool, fr.NFTables, fr.Text)
			}
			if sc.legacy {
				for _, fr := range read {
					if fr.Tool == "iptables" && (fr.NFTables || !strings.Contains(fr.Text, "-P INPUT DROP")) {
						t.Fatalf("the legacy iptables was not the one read: %+v", fr)
					}
				}
			}
			cfg := Config{HTTPSAddr: ":443", HTTPAddr: ":80"}
			rs := checkFirewall(context.Background(), cfg, Env{}.withDefaults(cfg))
			if len(rs) != 2 {
				t.Fatalf("want a result for each of 443 and 80, got %v", rs)
			}
			for i, port := range []int{443, 80} {
				r := rs[i]
				t.Logf("%v", r)
				if want := "firewall port " + strconv.Itoa(port); r.Check != want {
					t.Errorf("check %q, want %q", r.Check, want)
				}
				closed, open := sc.closedBy[port], kernelLetsIn(t, port)
				if closed == "" {
					if r.Status != OK || !strings.HasPrefix(r.Message, "open as far as ") {
						t.Errorf("port %d: %v, want OK open", port, r)
					}
				} else {
					if r.Status != Warn || r.Message != closed+" seems to drop incoming connections to it (best effort reading of the rules)" ||
						!strings.Contains(r.Fix, "ufw allow "+strconv.Itoa(port)+"/tcp") ||
						!strings.Contains(r.Fix, "nft add rule inet filter input tcp dport "+strconv.Itoa(port)+" accept") {
						t.Errorf("port %d: %v, want WARN closed by %s with the fix", port, r, closed)
					}
				}
				// The ground truth: what the kernel does with a connection.
				if open != (closed == "") {
					t.Errorf("port %d: the kernel lets a connection in: %v; the scenario says closed by %q", port, open, closed)
				}
			}
		})
	}
}

// kernelLetsIn connects to the port's listener through loopback (the rule
// sets here do not accept loopback as such) and reports whether the
// connection was made. A dropped SYN is seen as the dial's timeout.
func kernelLetsIn(t *testing.T, port int) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err == nil {
		c.Close()
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	t.Fatalf("connect to port %d: %v", port, err)
	return false
}

// resetFirewall empties this namespace's rule sets: nftables (iptables-nft's
// tables included) and the legacy iptables filter table.
func resetFirewall(t *testing.T, legacyDir string) {
	t.Helper()
	mustRun(t, "nft", "flush", "ruleset")
	legacy := filepath.Join(legacyDir, "iptables")
	mustRun(t, legacy, "-F", "INPUT")
	mustRun(t, legacy, "-P", "INPUT", "ACCEPT")
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// runFirewallChild runs TestFirewallRealRules again in a network namespace
// of its own and fails when that run fails or cannot start.
func runFirewallChild(t *testing.T) {
	for _, tool := range append([]string{"unshare"}, firewallTools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run make test-deps (%v)", tool, err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	flag := "-rn"
	if os.Geteuid() == 0 {
		flag = "-n"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", flag, self, "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=110s")
	cmd.Env = append(os.Environ(), firewallChildEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	if err != nil && !strings.Contains(out.String(), "=== RUN") {
		t.Fatalf("could not run the test in a network namespace of its own (unshare %s): %v\n%s", flag, err, out.String())
	}
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in its own network namespace: %v\n%s", t.Name(), err, out.String())
	}
	if testing.Verbose() {
		t.Logf("in its own network namespace (%s):\n%s", time.Since(start).Round(time.Millisecond), out.String())
	}
}
