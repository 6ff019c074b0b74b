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
	// NFTables is set for iptables and ip6tables when they are the
	// nf_tables variant (iptables-nft, Debian's default since 10; their -V
	// says "nf_tables"): their rules are then in the kernel's nftables rule
	// set too, where nft list ruleset shows them as table ip filter and
	// table ip6 filter.
	NFTables bool
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
	run := func(path string, args ...string) (string, error) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		text, err := exec.CommandContext(cctx, path, args...).Output()
		return string(text), err
	}
	for _, c := range firewallCommands {
		path, err := exec.LookPath(c.tool)
		if err != nil {
			continue
		}
		text, err := run(path, c.args...)
		if err != nil {
			continue
		}
		fr := FirewallRules{Tool: c.tool, Text: text}
		if c.tool == "iptables" || c.tool == "ip6tables" {
			v, _ := run(path, "-V")
			fr.NFTables = strings.Contains(v, "nf_tables")
		}
		out = append(out, fr)
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
	// iptables-nft and nft read one kernel rule set: the tables iptables-nft
	// manages (ip filter, ip6 filter) are in nft list ruleset too. They are
	// read once, from iptables -S and ip6tables -S, which print them exactly:
	// nft shows some of their matches only as `xt match "recent"` and drops
	// their comments. So one rule is never read twice, and a port is never
	// said closed by one tool and open by the other for the same rule.
	skip := map[string]bool{}
	for _, fr := range rules {
		if fr.NFTables {
			switch fr.Tool {
			case "iptables":
				skip["ip filter"] = true
			case "ip6tables":
				skip["ip6 filter"] = true
			}
		}
	}
	var rs []Result
	for _, port := range ports {
		r := Result{Check: fmt.Sprintf("firewall port %d", port)}
		var closedBy, tools []string
		for _, fr := range rules {
			tools = append(tools, fr.Tool)
			if !firewallOpenSkip(fr, port, skip) {
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

// firewallOpen reports whether a rule set seems to let new TCP connections
// to port in, from anywhere but loopback: the rules of the input chains are
// read in order, the first one that decides for such a connection wins, and
// else the chain's policy. A drop or reject counts only when nothing but the
// port and the protocol limits it (not a source address or an interface);
// an accept counts when it names the port, whatever else it asks.
func firewallOpen(fr FirewallRules, port int) bool {
	return firewallOpenSkip(fr, port, nil)
}

// firewallOpenSkip is firewallOpen with nft tables ("ip filter") left out.
func firewallOpenSkip(fr FirewallRules, port int, skip map[string]bool) bool {
	switch fr.Tool {
	case "ufw":
		if !strings.Contains(fr.Text, "Status: active") {
			return true
		}
		re := regexp.MustCompile(`(?m)^(\S*[ ,:]?)?` + strconv.Itoa(port) + `(/tcp)?(,\S*)?\s.*\bALLOW\b`)
		return re.MatchString(fr.Text) || regexp.MustCompile(`(?m)^Anywhere\s+ALLOW`).MatchString(fr.Text)
	case "iptables", "ip6tables":
		return iptablesOpen(fr.Text, port)
	case "nft":
		return nftOpen(fr.Text, port, skip)
	}
	return true
}

// match is how a rule's conditions apply to a new TCP connection to the
// port from another host.
type match int

const (
	matchNo    match = iota // it cannot match (another port, UDP, loopback, established)
	matchMaybe              // it depends on what is not known (source, interface, rate)
	matchYes                // it matches every such connection
)

// verdict is what a chain decides for the connection.
type verdict int

const (
	undecided verdict = iota
	accepted
	dropped
)

// iptablesOpen reads iptables -S INPUT. Jumps to other chains are not
// followed (they are not printed); the ufw reading covers ufw's.
func iptablesOpen(text string, port int) bool {
	policy := accepted
	for _, line := range strings.Split(text, "\n") {
		f := shellFields(line)
		if len(f) == 3 && f[0] == "-P" && f[1] == "INPUT" {
			if f[2] == "DROP" || f[2] == "REJECT" {
				policy = dropped
			}
			continue
		}
		if len(f) < 2 || f[0] != "-A" || f[1] != "INPUT" {
			continue
		}
		m, namesPort, target := iptablesMatch(f[2:], port)
		switch target {
		case "ACCEPT":
			if m == matchYes || m == matchMaybe && namesPort {
				return true
			}
		case "DROP", "REJECT":
			if m == matchYes {
				return false
			}
		}
	}
	return policy == accepted
}

// iptablesMatch classifies one rule's options; target is its -j.
func iptablesMatch(f []string, port int) (m match, namesPort bool, target string) {
	m = matchYes
	maybe := func() {
		if m == matchYes {
			m = matchMaybe
		}
	}
	neg := false
	for i := 0; i < len(f); i++ {
		opt := f[i]
		if opt == "!" {
			neg = true
			continue
		}
		arg := ""
		if i+1 < len(f) && !strings.HasPrefix(f[i+1], "-") {
			arg = f[i+1]
		}
		switch opt {
		case "-p", "--protocol":
			i++
			if isTCP := arg == "tcp" || arg == "6" || arg == "all"; isTCP == neg && arg != "all" {
				return matchNo, false, ""
			}
		case "-m", "--match":
			i++
			switch arg {
			case "tcp", "multiport", "comment", "conntrack", "state":
			default:
				maybe()
			}
		case "--dport", "--destination-port", "--dports", "--destination-ports":
			i++
			if portInList(opt+" "+arg, opt+" ", port) == neg {
				return matchNo, false, ""
			}
			namesPort = !neg
		case "--ctstate", "--state":
			i++
			if hasNew := strings.Contains(","+arg+",", ",NEW,"); hasNew == neg {
				return matchNo, false, ""
			}
		case "-i", "--in-interface":
			i++
			if arg == "lo" && !neg {
				return matchNo, false, ""
			}
			maybe()
		case "--comment":
			i++
		case "--syn":
		case "-j", "--jump", "-g", "--goto":
			i++
			target = arg
		case "--reject-with":
			i++
		default:
			// -s, -d, --sport, --limit and the other matches' options:
			// unknown here, they may or may not match.
			maybe()
			for i+1 < len(f) && !strings.HasPrefix(f[i+1], "-") && f[i+1] != "!" {
				i++
			}
		}
		neg = false
	}
	return m, namesPort, target
}

// shellFields splits an iptables -S line, keeping "quoted words" whole.
func shellFields(line string) []string {
	var out []string
	var cur strings.Builder
	inQuote, started := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote = !inQuote
			started = true
		case (r == ' ' || r == '\t') && !inQuote:
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}

// nftChain is one chain of nft list ruleset.
type nftChain struct {
	table  string // "inet filter"
	hook   string // "input"; empty for a regular chain
	policy string
	rules  []string
}

// nftRuleset is nft list ruleset, parsed as far as the input chains need.
type nftRuleset struct {
	chains map[string]*nftChain // by "family table chain"
	order  []*nftChain
	sets   map[string]string // named sets' text by "family table set"
}

var (
	nftHookRe   = regexp.MustCompile(`\bhook (\w+)\b`)
	nftPolicyRe = regexp.MustCompile(`\bpolicy (\w+)`)
)

func parseNft(text string) *nftRuleset {
	rs := &nftRuleset{chains: map[string]*nftChain{}, sets: map[string]string{}}
	depth := 0
	var table, setKey, pending string
	var ch *nftChain
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		net := strings.Count(l, "{") - strings.Count(l, "}")
		f := strings.Fields(l)
		switch {
		case depth == 0 && len(f) >= 3 && f[0] == "table":
			table = f[1] + " " + f[2]
		case depth == 1 && len(f) >= 2 && f[0] == "chain":
			ch = &nftChain{table: table}
			rs.chains[table+" "+f[1]] = ch
			rs.order = append(rs.order, ch)
		case depth == 1 && len(f) >= 2 && (f[0] == "set" || f[0] == "map"):
			setKey = table + " " + f[1]
		case depth >= 2 && ch != nil && (depth > 2 || l != "}"):
			pending += " " + l
		case depth >= 2 && setKey != "":
			rs.sets[setKey] += " " + l
		}
		depth += net
		if ch != nil && depth == 2 && pending != "" {
			rule := strings.TrimSpace(pending)
			pending = ""
			if strings.HasPrefix(rule, "type ") && nftHookRe.MatchString(rule) {
				ch.hook = nftHookRe.FindStringSubmatch(rule)[1]
				ch.policy = "accept"
				if m := nftPolicyRe.FindStringSubmatch(rule); m != nil {
					ch.policy = m[1]
				}
			} else if !strings.HasPrefix(rule, "comment ") {
				ch.rules = append(ch.rules, rule)
			}
		}
		if depth <= 1 {
			ch, setKey, pending = nil, "", ""
		}
		if depth <= 0 {
			depth, table = 0, ""
		}
	}
	return rs
}

// nftOpen reads nft list ruleset: the connection must get through every
// base chain on the input hook of the ip, ip6 and inet tables (an accept
// ends one base chain, not the others; a drop ends all). A port closed for
// IPv4 or for IPv6 counts as closed.
func nftOpen(text string, port int, skip map[string]bool) bool {
	rs := parseNft(text)
	for _, ch := range rs.order {
		family, _, _ := strings.Cut(ch.table, " ")
		if ch.hook != "input" || skip[ch.table] || (family != "ip" && family != "ip6" && family != "inet") {
			continue
		}
		v := rs.eval(ch, port, 0)
		if v == undecided && ch.policy == "drop" || v == dropped {
			return false
		}
	}
	return true
}

var (
	nftVerdictRe = regexp.MustCompile(`\s*\b(accept|drop|reject(?: with .*)?|return|continue|queue.*|(?:jump|goto) (\S+))$`)
	nftVmapRe    = regexp.MustCompile(`\b(?:tcp|th) dport vmap (\{[^}]*\})`)
	nftQuotedRe  = regexp.MustCompile(`"[^"]*"`)
	nftNeutralRe = regexp.MustCompile(`\bcomment ""|\bcounter( packets \d+ bytes \d+)?|\blog( prefix "")?( level \w+)?( flags [\w,]+)?|\bmeta nfproto ipv[46]`)
	nftProtoRe   = regexp.MustCompile(`\b(?:meta l4proto|ip protocol|ip6 nexthdr) (!= )?(\{[^}]*\}|\S+)`)
	nftDportRe   = regexp.MustCompile(`\b(?:tcp|th) dport (!= )?(\{[^}]*\}|\S+)`)
	nftOtherL4Re = regexp.MustCompile(`\b(udp|udplite|sctp|dccp|icmp|icmpv6|igmp|esp|ah) \w`)
	nftCtStateRe = regexp.MustCompile(`\bct state (!= )?(\{[^}]*\}|\S+)`)
	nftIifRe     = regexp.MustCompile(`\biif(?:name)? (!= )?("lo"|lo\b|\S+)`)
)

// eval runs the connection through chain ch: jumps and gotos are followed.
func (rs *nftRuleset) eval(ch *nftChain, port int, depth int) verdict {
	if depth > 16 {
		return undecided
	}
	for _, rule := range ch.rules {
		if vm := nftVmapRe.FindStringSubmatch(rule); vm != nil {
			// tcp dport vmap { 22 : accept, 80 : drop }
			for _, entry := range strings.Split(strings.Trim(vm[1], "{} "), ",") {
				key, val, ok := strings.Cut(entry, ":")
				if !ok || !portInList("dport "+strings.TrimSpace(key), "dport ", port) {
					continue
				}
				switch strings.Fields(val)[0] {
				case "accept":
					return accepted
				case "drop", "reject":
					return dropped
				}
			}
			continue
		}
		vm := nftVerdictRe.FindStringSubmatch(rule)
		if vm == nil {
			continue
		}
		m, namesPort := rs.match(ch.table, strings.TrimSpace(rule[:len(rule)-len(vm[0])]), port)
		if m == matchNo {
			continue
		}
		word := strings.Fields(vm[1])[0]
		switch word {
		case "accept":
			if m == matchYes || namesPort {
				return accepted
			}
		case "drop", "reject":
			if m == matchYes {
				return dropped
			}
		case "return":
			if m == matchYes {
				return undecided
			}
		case "jump", "goto":
			target, ok := rs.chains[ch.table+" "+vm[2]]
			if !ok {
				continue
			}
			if v := rs.eval(target, port, depth+1); v != undecided {
				return v
			}
			if word == "goto" && m == matchYes {
				return undecided
			}
		}
	}
	return undecided
}

// match classifies a rule's conditions (its verdict cut off); namesPort is
// set when it asks for a destination port that includes port.
func (rs *nftRuleset) match(table, rule string, port int) (m match, namesPort bool) {
	// The interface "lo" is the only quoted word that matters.
	if im := nftIifRe.FindStringSubmatch(rule); im != nil {
		if (im[2] == `"lo"` || im[2] == "lo") && im[1] == "" {
			return matchNo, false
		}
	}
	s := nftQuotedRe.ReplaceAllString(rule, `""`)
	m = matchYes
	if nftIifRe.MatchString(s) {
		m = matchMaybe
		s = nftIifRe.ReplaceAllString(s, "")
	}
	s = nftNeutralRe.ReplaceAllString(s, "")
	for _, pm := range nftProtoRe.FindAllStringSubmatch(s, -1) {
		isTCP := regexp.MustCompile(`\b(tcp|6)\b`).MatchString(pm[2])
		if isTCP == (pm[1] != "") {
			return matchNo, false
		}
	}
	s = nftProtoRe.ReplaceAllString(s, "")
	for _, dm := range nftDportRe.FindAllStringSubmatch(s, -1) {
		neg := dm[1] != ""
		var in bool
		if name, ok := strings.CutPrefix(dm[2], "@"); ok {
			elems, known := rs.sets[table+" "+name]
			if !known {
				m = matchMaybe
				continue
			}
			_, elems, _ = strings.Cut(elems, "elements = ")
			in = portInList("dport "+elems, "dport ", port)
		} else {
			in = portInList("dport "+dm[2], "dport ", port)
		}
		if in == neg {
			return matchNo, false
		}
		if !neg {
			namesPort = true
		}
	}
	s = nftDportRe.ReplaceAllString(s, "")
	if nftOtherL4Re.MatchString(s) {
		return matchNo, false
	}
	for _, cm := range nftCtStateRe.FindAllStringSubmatch(s, -1) {
		if hasNew := regexp.MustCompile(`\bnew\b`).MatchString(cm[2]); hasNew == (cm[1] != "") {
			return matchNo, false
		}
	}
	s = nftCtStateRe.ReplaceAllString(s, "")
	if strings.TrimSpace(s) != "" && m == matchYes {
		// A source address, a rate limit, a mark: it depends.
		m = matchMaybe
	}
	return m, namesPort
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
