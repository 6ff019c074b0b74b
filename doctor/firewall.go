package doctor

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FirewallRules is what one firewall tool printed of its rules.
type FirewallRules struct {
	// Tool is "nft", "iptables", "ip6tables" or "ufw".
	Tool string
	// Text is the tool's output: nft list ruleset, iptables -S INPUT,
	// ufw status.
	Text string
}

// firewallCommands are the read-only commands whose output is checked.
var firewallCommands = []struct {
	tool string
	args []string
}{
	{"nft", []string{"list", "ruleset"}},
	{"iptables", []string{"-S", "INPUT"}},
	{"ip6tables", []string{"-S", "INPUT"}},
	{"ufw", []string{"status"}},
}

// readFirewalls runs each firewall tool that is installed, read only. A
// tool missing or refusing (not root) is left out.
func readFirewalls(ctx context.Context) []FirewallRules {
	var out []FirewallRules
	for _, c := range firewallCommands {
		path, err := exec.LookPath(c.tool)
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		text, err := exec.CommandContext(cctx, path, c.args...).Output()
		cancel()
		if err != nil {
			continue
		}
		out = append(out, FirewallRules{Tool: c.tool, Text: string(text)})
	}
	return out
}

// checkFirewall reads the firewall rules (best effort: it reads what the
// tools print, it does not evaluate them as the kernel does) and warns for
// each port serve listens on that a rule set seems to close.
func checkFirewall(ctx context.Context, cfg Config, env Env) []Result {
	var ports []int
	for _, addr := range []string{cfg.HTTPSAddr, cfg.HTTPAddr} {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			if n, err := strconv.Atoi(p); err == nil && n > 0 {
				ports = append(ports, n)
			}
		}
	}
	if len(ports) == 0 {
		return nil
	}
	rules := env.Firewall(ctx)
	if len(rules) == 0 {
		return []Result{{Check: "firewall", Message: "no rules read (nft, iptables and ufw missing, or not run as root): not checked"}}
	}
	var rs []Result
	for _, port := range ports {
		r := Result{Check: fmt.Sprintf("firewall port %d", port)}
		var closedBy, tools []string
		for _, fr := range rules {
			tools = append(tools, fr.Tool)
			if !firewallOpen(fr, port) {
				closedBy = append(closedBy, fr.Tool)
			}
		}
		if len(closedBy) == 0 {
			r.Message = "open as far as " + strings.Join(tools, ", ") + " show"
		} else {
			r.Status = Warn
			r.Message = fmt.Sprintf("%s seems to drop incoming connections to it (best effort reading of the rules)", strings.Join(closedBy, ", "))
			r.Fix = fmt.Sprintf("allow it in: ufw allow %d/tcp, or nft add rule inet filter input tcp dport %d accept", port, port)
		}
		rs = append(rs, r)
	}
	return rs
}

// firewallOpen reports whether a rule set seems to let TCP connections to
// port in: its input policy accepts and nothing drops, or a rule accepts
// the port.
func firewallOpen(fr FirewallRules, port int) bool {
	switch fr.Tool {
	case "ufw":
		if !strings.Contains(fr.Text, "Status: active") {
			return true
		}
		re := regexp.MustCompile(`(?m)^(\S*[ ,:]?)?` + strconv.Itoa(port) + `(/tcp)?(,\S*)?\s.*\bALLOW\b`)
		return re.MatchString(fr.Text) || regexp.MustCompile(`(?m)^Anywhere\s+ALLOW`).MatchString(fr.Text)
	case "iptables", "ip6tables":
		closed := strings.Contains(fr.Text, "-P INPUT DROP") || strings.Contains(fr.Text, "-P INPUT REJECT") ||
			regexp.MustCompile(`(?m)^-A INPUT( -p tcp)? -j (DROP|REJECT)`).MatchString(fr.Text)
		if !closed {
			return true
		}
		for _, line := range strings.Split(fr.Text, "\n") {
			if strings.Contains(line, "-j ACCEPT") && portInList(line, `--dports? `, port) {
				return true
			}
		}
		return false
	case "nft":
		closed := regexp.MustCompile(`hook input[^;]*;[^}]*policy drop`).MatchString(fr.Text) ||
			regexp.MustCompile(`(?m)^\s*(meta l4proto tcp |ip protocol tcp )?(drop|reject)\s*$`).MatchString(fr.Text)
		if !closed {
			return true
		}
		for _, line := range strings.Split(fr.Text, "\n") {
			if strings.Contains(line, "accept") && portInList(line, `dport `, port) {
				return true
			}
		}
		return false
	}
	return true
}

// portInList reports whether line names port after prefix, alone, in a
// comma-separated list, a {set} or a range.
func portInList(line, prefix string, port int) bool {
	m := regexp.MustCompile(prefix + `(\{[^}]*\}|[0-9:,-]+)`).FindStringSubmatch(line)
	if m == nil {
		return false
	}
	for _, item := range strings.FieldsFunc(strings.Trim(m[1], "{}"), func(r rune) bool { return r == ',' || r == ' ' }) {
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			lo, hi, isRange = strings.Cut(item, ":")
		}
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && a <= port && port <= b {
			return true
		}
	}
	return false
}
