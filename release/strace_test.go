package main

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// connectAttempt is one connect(2) call in the log of
// `strace -f -e trace=connect -o FILE`.
type connectAttempt struct {
	pid    int
	family string // AF_INET, AF_INET6, AF_UNIX, ...
	addr   string // the IP address, or the socket path for AF_UNIX
	port   int
	line   string
}

// local reports whether the attempt cannot leave the machine: a Unix
// socket, a netlink socket, a UDP disconnect (AF_UNSPEC), or a loopback
// address.
func (c connectAttempt) local() bool {
	switch c.family {
	case "AF_UNIX", "AF_UNSPEC", "AF_NETLINK":
		return true
	case "AF_INET", "AF_INET6":
		ip := net.ParseIP(c.addr)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

func (c connectAttempt) String() string {
	if c.family == "AF_INET" || c.family == "AF_INET6" {
		return fmt.Sprintf("%s %s (pid %d)", c.family, net.JoinHostPort(c.addr, strconv.Itoa(c.port)), c.pid)
	}
	return fmt.Sprintf("%s %q (pid %d)", c.family, c.addr, c.pid)
}

var (
	// 1234  connect(3, {sa_family=AF_INET, ...}, 16) = 0
	// 1234  connect(3, {sa_family=AF_INET, ...}, 16 <unfinished ...>
	straceConnect = regexp.MustCompile(`^(\d+)\s+connect\(\d+, \{sa_family=(\w+)(.*?)\}, \d+`)
	straceInet    = regexp.MustCompile(`sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)`)
	straceInet6   = regexp.MustCompile(`sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"`)
	straceUnix    = regexp.MustCompile(`sun_path=@?"((?:[^"\\]|\\.)*)"`)
)

// parseConnects reads every connect(2) call in an strace log. A connect
// line it cannot decode is an error: an attempt it skipped could be the
// one that leaves the machine.
func parseConnects(log string) ([]connectAttempt, error) {
	var out []connectAttempt
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "connect(") || strings.Contains(line, "<... connect resumed>") {
			continue
		}
		m := straceConnect.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("cannot read the connect call in %q", line)
		}
		pid, _ := strconv.Atoi(m[1])
		c := connectAttempt{pid: pid, family: m[2], line: line}
		rest := m[3]
		var am []string
		switch c.family {
		case "AF_INET":
			am = straceInet.FindStringSubmatch(rest)
		case "AF_INET6":
			am = straceInet6.FindStringSubmatch(rest)
		case "AF_UNIX":
			if um := straceUnix.FindStringSubmatch(rest); um != nil {
				c.addr = um[1]
			}
		}
		if am != nil {
			c.port, _ = strconv.Atoi(am[1])
			c.addr = am[2]
		} else if c.family == "AF_INET" || c.family == "AF_INET6" {
			return nil, fmt.Errorf("cannot read the address in %q", line)
		}
		out = append(out, c)
	}
	return out, nil
}

func TestParseConnects(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		want  string // connectAttempt.String(), "" for no attempt
		local bool
		err   bool
	}{
		{
			name:  "IPv4 loopback",
			line:  `4242  connect(7, {sa_family=AF_INET, sin_port=htons(8443), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)`,
			want:  "AF_INET 127.0.0.1:8443 (pid 4242)",
			local: true,
		},
		{
			name:  "IPv4 elsewhere in 127/8",
			line:  `1  connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.3.4.5")}, 16) = 0`,
			want:  "AF_INET 127.3.4.5:80 (pid 1)",
			local: true,
		},
		{
			name: "IPv4 on the network",
			line: `17  connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("192.0.2.1")}, 16) = -1 ENETUNREACH (Network is unreachable)`,
			want: "AF_INET 192.0.2.1:53 (pid 17)",
		},
		{
			name:  "IPv6 loopback",
			line:  `9  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`,
			want:  "AF_INET6 [::1]:443 (pid 9)",
			local: true,
		},
		{
			name:  "IPv4-mapped loopback",
			line:  `9  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0`,
			want:  "AF_INET6 [::ffff:127.0.0.1]:443 (pid 9)",
			local: true,
		},
		{
			name: "IPv6 on the network, unfinished",
			line: `9  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>`,
			want: "AF_INET6 [2001:db8::1]:443 (pid 9)",
		},
		{
			name:  "Unix socket",
			line:  `3  connect(4, {sa_family=AF_UNIX, sun_path="/run/systemd/notify"}, 22) = 0`,
			want:  `AF_UNIX "/run/systemd/notify" (pid 3)`,
			local: true,
		},
		{
			name:  "abstract Unix socket",
			line:  `3  connect(4, {sa_family=AF_UNIX, sun_path=@"/tmp/x"}, 9) = 0`,
			want:  `AF_UNIX "/tmp/x" (pid 3)`,
			local: true,
		},
		{
			name:  "UDP disconnect",
			line:  `3  connect(4, {sa_family=AF_UNSPEC, sa_data="\0\0\0\0\0\0\0\0\0\0\0\0\0\0"}, 16) = 0`,
			want:  `AF_UNSPEC "" (pid 3)`,
			local: true,
		},
		{
			name: "unknown family",
			line: `3  connect(4, {sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL)}, 20) = 0`,
			want: `AF_PACKET "" (pid 3)`,
		},
		{name: "resumed", line: `9  <... connect resumed>) = 0`},
		{name: "exit", line: `9  +++ exited with 0 +++`},
		{name: "undecoded address", line: `9  connect(5, 0xc000123456, 16) = -1 EFAULT (Bad address)`, err: true},
		{name: "IPv4 without address", line: `9  connect(5, {sa_family=AF_INET, sa_data=...}, 16) = 0`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConnects(tt.line + "\n")
			if tt.err {
				if err == nil {
					t.Fatalf("no error; got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("got %v, want nothing", got)
				}
				return
			}
			if len(got) != 1 || got[0].String() != tt.want || got[0].local() != tt.local {
				t.Fatalf("got %v (local %v), want %s (local %v)", got, len(got) == 1 && got[0].local(), tt.want, tt.local)
			}
		})
	}
}
