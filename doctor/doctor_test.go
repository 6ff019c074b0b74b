package doctor

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
	"github.com/miekg/dns"
)

// testDNS is a real DNS server on loopback (UDP) answering from a table
// of records the test sets.
type testDNS struct {
	addr string
	mu   sync.Mutex
	rrs  map[string][]dns.RR // by "name. TYPE"
	fail map[string]bool     // names answered with SERVFAIL
}

func startTestDNS(t *testing.T) *testDNS {
	t.Helper()
	d := &testDNS{rrs: map[string][]dns.RR{}, fail: map[string]bool{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		d.mu.Lock()
		for _, q := range req.Question {
			if d.fail[q.Name] {
				m.Rcode = dns.RcodeServerFailure
				continue
			}
			m.Answer = append(m.Answer, d.rrs[q.Name+" "+dns.TypeToString[q.Qtype]]...)
		}
		d.mu.Unlock()
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return d
}

// add adds records in zone-file syntax, such as "a.test. 60 IN A 192.0.2.1".
func (d *testDNS) add(t *testing.T, records ...string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		key := rr.Header().Name + " " + dns.TypeToString[rr.Header().Rrtype]
		d.rrs[key] = append(d.rrs[key], rr)
	}
}

func addrs(s ...string) func() ([]netip.Addr, error) {
	return func() ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
}

// TestAddresses: a name must point at this machine; elsewhere fails when
// this machine has a public address of its own, and warns when it has
// none (behind NAT or a load balancer, which may forward).
func TestAddresses(t *testing.T) {
	d := startTestDNS(t)
	d.add(t,
		"here.example.com. 60 IN A 198.51.100.5",
		"elsewhere.example.com. 60 IN A 203.0.113.9",
		"both.example.com. 60 IN A 198.51.100.5",
		"both.example.com. 60 IN A 203.0.113.9",
		"v6.example.com. 60 IN AAAA 2001:db8::5",
		"loop.example.com. 60 IN A 127.0.0.1",
	)
	public := addrs("127.0.0.1", "198.51.100.5", "2001:db8::5")
	natted := addrs("127.0.0.1", "10.0.0.5")
	cases := []struct {
		name    string
		local   func() ([]netip.Addr, error)
		caLocal bool
		want    Status
		says    string
	}{
		{"here.example.com", public, false, OK, "an address of this machine"},
		{"v6.example.com", public, false, OK, "2001:db8::5"},
		{"elsewhere.example.com", public, false, Fail, "not an address of this machine (198.51.100.5"},
		{"elsewhere.example.com", natted, false, Warn, "behind NAT or a load balancer"},
		{"both.example.com", public, false, Warn, "203.0.113.9 is not an address of this machine"},
		{"none.example.com", public, false, Fail, "no A or AAAA record"},
		{"loop.example.com", public, false, Fail, "loopback"},
		{"loop.example.com", public, true, OK, "127.0.0.1"},
	}
	for _, c := range cases {
		r := checkAddresses(context.Background(), c.name, c.caLocal, Env{DNS: NewResolver(d.addr), LocalAddrs: c.local})
		if r.Status != c.want || !strings.Contains(r.Message, c.says) {
			t.Errorf("%s: %v, want %v saying %q", c.name, r, c.want, c.says)
		}
		if r.Status == Fail && r.Fix == "" {
			t.Errorf("%s: FAIL without a fix: %v", c.name, r)
		}
	}
}

// TestCAA: the records of the name, else of its nearest parent with any,
// decide; the CA is known by its issuer domain.
func TestCAA(t *testing.T) {
	d := startTestDNS(t)
	d.add(t,
		`le.test. 60 IN CAA 0 issue "letsencrypt.org"`,
		`other.test. 60 IN CAA 0 issue "other-ca.example"`,
		`nobody.test. 60 IN CAA 0 issue ";"`,
		`crit.test. 60 IN CAA 128 tbs "x"`,
		`crit.test. 60 IN CAA 0 issue "letsencrypt.org"`,
		`wild.test. 60 IN CAA 0 issue "letsencrypt.org"`,
		`wild.test. 60 IN CAA 0 issuewild ";"`,
		`iodef.test. 60 IN CAA 0 iodef "mailto:sec@iodef.test"`,
		`params.test. 60 IN CAA 0 issue "letsencrypt.org; validationmethods=dns-01"`,
	)
	d.mu.Lock()
	d.fail["broken.test."] = true
	d.mu.Unlock()
	ids := []string{"letsencrypt.org"}
	cases := []struct {
		domain string
		ids    []string
		want   Status
		says   string
	}{
		{"dash.le.test", ids, OK, "CAA at le.test allows the CA"},
		{"le.test", ids, OK, "allows the CA"},
		{"dash.other.test", ids, Fail, `allows only "other-ca.example", not the CA (letsencrypt.org)`},
		{"nobody.test", ids, Fail, "allows only"},
		{"crit.test", ids, Fail, "critical"},
		{"dash.wild.test", ids, OK, "allows the CA"},
		{"*.wild.test", ids, Fail, "issuewild"},
		{"iodef.test", ids, OK, "no issue property"},
		{"none.example", ids, OK, "no CAA record"},
		{"dash.other.test", nil, Warn, "issuer domain is unknown"},
		{"dash.broken.test", ids, Fail, "SERVFAIL"},
		{"params.test", ids, OK, "check that its parameters allow"},
	}
	for _, c := range cases {
		r := checkCAA(context.Background(), c.domain, c.ids, Env{DNS: NewResolver(d.addr)})
		if r.Status != c.want || !strings.Contains(r.String(), c.says) {
			t.Errorf("%s: %v, want %v saying %q", c.domain, r, c.want, c.says)
		}
		if r.Status == Fail && r.Fix == "" {
			t.Errorf("%s: FAIL without a fix: %v", c.domain, r)
		}
	}
}

// TestClockFromDate: the clock's offset is read from the Date header of
// the CA's answer; the test server's clock is skewed by offset.
func TestClockFromDate(t *testing.T) {
	var skew time.Duration
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now().Add(skew)
		mu.Unlock()
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		json.NewEncoder(w).Encode(map[string]any{
			"newNonce": "https://ca/nonce", "newOrder": "https://ca/order",
			"meta": map[string]any{"caaIdentities": []string{"ca.example"}},
		})
	}))
	t.Cleanup(srv.Close)
	cases := []struct {
		skew time.Duration
		want Status
		says string
	}{
		{0, OK, "within a second of the CA's clock"},
		{5 * time.Second, OK, "behind the CA's clock (its Date header): within 10s"},
		{30 * time.Second, Warn, "behind the CA's"},
		{-40 * time.Second, Warn, "ahead of the CA's"},
		{10 * time.Minute, Fail, "10m0s behind the CA's"},
	}
	for _, c := range cases {
		mu.Lock()
		skew = c.skew
		mu.Unlock()
		dir, rs := checkDirectory(context.Background(), srv.URL+"/dir", Env{HTTPClient: srv.Client(), Now: time.Now})
		if len(rs) != 2 || rs[0].Status != OK || len(dir.Meta.CAAIdentities) != 1 {
			t.Fatalf("directory: %v, %+v", rs, dir)
		}
		if r := rs[1]; r.Status != c.want || !strings.Contains(r.Message, c.says) {
			t.Errorf("skew %v: %v, want %v saying %q", c.skew, r, c.want, c.says)
		}
	}

	// No ACME directory there.
	_, rs := checkDirectory(context.Background(), srv.URL+"/dir", Env{HTTPClient: http.DefaultClient, Now: time.Now})
	if rs[0].Status != Fail || !strings.Contains(rs[0].Message, "unreachable") {
		t.Errorf("untrusted CA: %v, want FAIL unreachable", rs[0])
	}
}

// TestFirewallRules reads the rule sets as nft, iptables and ufw print
// them.
func TestFirewallRules(t *testing.T) {
	nftDrop := `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 accept
		tcp dport { 80, 443 } accept
	}
}
`
	nftVmap := `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state vmap { invalid : drop, established : accept, related : accept }
		iif "lo" accept
		ip saddr 192.0.2.0/24 drop
		tcp dport vmap { 22 : accept, 80 : drop, 443 : accept }
	}
}
`
	nftSet := `table ip fw {
	set web {
		type inet_service
		elements = { 443,
			     8443 }
	}

	chain in {
		type filter hook input priority 0; policy accept;
		iifname "lo" drop
		tcp dport @web accept
		meta l4proto tcp counter packets 3 bytes 180 reject with tcp reset
	}
}
`
	nftOnly22 := strings.Replace(nftDrop, "tcp dport { 80, 443 } accept\n", "", 1)
	cases := []struct {
		rules FirewallRules
		port  int
		open  bool
	}{
		{FirewallRules{Tool: "nft", Text: nftDrop}, 443, true},
		{FirewallRules{Tool: "nft", Text: nftDrop}, 80, true},
		{FirewallRules{Tool: "nft", Text: nftOnly22}, 443, false},
		{FirewallRules{Tool: "nft", Text: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n"}, 80, true},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n"}, 80, true},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"}, 80, false},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT DROP\n-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT\n"}, 443, true},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"}, 8443, true},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"}, 8443, false},
		// Read in order, as nft list ruleset and iptables -S print what the
		// real tools load (TestFirewallRealRules checks more with the tools).
		{FirewallRules{Tool: "nft", Text: nftVmap}, 80, false},
		{FirewallRules{Tool: "nft", Text: nftVmap}, 443, true},
		{FirewallRules{Tool: "nft", Text: nftVmap}, 8443, false},
		{FirewallRules{Tool: "nft", Text: nftSet}, 443, true},
		{FirewallRules{Tool: "nft", Text: nftSet}, 80, false},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n-A INPUT -s 192.0.2.1/32 -j DROP\n-A INPUT -i lo -j DROP\n-A INPUT -p udp -m udp --dport 80 -j DROP\n"}, 80, true},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp ! --dport 443 -j DROP\n"}, 80, false},
		{FirewallRules{Tool: "iptables", Text: "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp ! --dport 443 -j DROP\n"}, 443, true},
		{FirewallRules{Tool: "ufw", Text: "Status: inactive\n"}, 80, true},
		{FirewallRules{Tool: "ufw", Text: "Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n"}, 80, false},
		{FirewallRules{Tool: "ufw", Text: "Status: active\n\nTo                         Action      From\n--                         ------      ----\n80/tcp                     ALLOW       Anywhere\n443                        ALLOW       Anywhere\n"}, 443, true},
	}
	for i, c := range cases {
		if got := firewallOpen(c.rules, c.port); got != c.open {
			t.Errorf("case %d (%s, port %d): open = %v, want %v", i, c.rules.Tool, c.port, got, c.open)
		}
	}
	cfg := Config{HTTPSAddr: ":443", HTTPAddr: ":80"}
	rs := checkFirewall(context.Background(), cfg, Env{Firewall: func(context.Context) []FirewallRules {
		return []FirewallRules{{Tool: "nft", Text: nftOnly22}}
	}})
	if len(rs) != 2 || rs[0].Status != Warn || !strings.Contains(rs[0].Fix, "443") {
		t.Errorf("closed ports: %v", rs)
	}
}

// TestCertificates: expired certificates fail, late renewals and errors
// warn.
func TestCertificates(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	certs := []Certificate{
		{Name: "ok.example", Issuer: "Let's Encrypt", NotAfter: now.Add(60 * 24 * time.Hour)},
		{Name: "late.example", Issuer: "Let's Encrypt", NotAfter: now.Add(5 * 24 * time.Hour)},
		{Name: "gone.example", Issuer: "Let's Encrypt", NotAfter: now.Add(-time.Hour)},
		{Name: "none.example", Issuer: "Let's Encrypt", Error: "rate limited"},
	}
	rs := checkCertificates(Config{Certificates: func() ([]Certificate, error) { return certs, nil }}, Env{Now: func() time.Time { return now }})
	want := []Status{OK, Warn, Fail, Warn}
	for i, r := range rs {
		if r.Status != want[i] {
			t.Errorf("%v, want %v", r, want[i])
		}
	}
	if !strings.Contains(rs[0].Message, "in 60 days") || !strings.Contains(rs[3].Message, "rate limited") {
		t.Errorf("messages: %v", rs)
	}
}

// TestServiceUserReads: the installed service's dynamic user reads only
// what any user may read, its parents included.
func TestServiceUserReads(t *testing.T) {
	static := filepath.Join(testenv.WorldDir(t), "static")
	if err := os.Mkdir(static, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Service: true, StaticDir: Path{Label: "static", Path: static}}
	rs := checkStaticDir(cfg)
	if len(rs) != 1 || rs[0].Status != Fail || rs[0].Fix != "chmod o+rx "+static {
		t.Errorf("0700 static directory for the service: %v", rs)
	}
	if err := os.Chmod(static, 0o755); err != nil {
		t.Fatal(err)
	}
	if rs := checkStaticDir(cfg); rs[0].Status != OK {
		t.Errorf("0755 static directory for the service: %v", rs)
	}
}

// TestInstalledVersion compares the installed binary's version with this
// one's.
func TestInstalledVersion(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := Env{BinaryVersion: func(context.Context, string) (string, error) { return "v1.2.0", nil }}
	cfg := Config{InstalledBinary: self, RunningVersion: "v1.2.0"}
	if rs := checkVersion(context.Background(), cfg, env); rs[0].Status != OK {
		t.Errorf("same version: %v", rs)
	}
	cfg.RunningVersion = "v1.3.0"
	if rs := checkVersion(context.Background(), cfg, env); rs[0].Status != Warn || !strings.Contains(rs[0].Message, "v1.2.0; this dashbox is v1.3.0") {
		t.Errorf("other version: %v", rs)
	}
}
