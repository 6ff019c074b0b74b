// Package testbind runs BIND 9 (Debian's named) for tests: an authoritative
// server for one temporary zone that takes RFC 2136 dynamic updates signed
// with a TSIG key allowed to change the zone's _acme-challenge TXT records
// and nothing else. It is imported only from _test.go files.
package testbind

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/miekg/dns"
)

// Options configure a BIND run.
type Options struct {
	// Addr is the address named listens on (UDP and TCP), such as
	// "127.0.0.1:53" inside a network namespace. Empty means a free port
	// on 127.0.0.1.
	Addr string
	// Zone is the zone served, such as "dash.test". Its apex and ns.<zone>
	// have the address 127.0.0.1; ns.<zone> is its only name server.
	Zone string
	// ChallengeNames are the names under Zone whose _acme-challenge TXT
	// records the key may change; empty means the zone's apex.
	ChallengeNames []string
}

// Server is a running named.
type Server struct {
	// Addr is where it answers (host:port).
	Addr string
	// Zone is the zone, fully qualified ("dash.test.").
	Zone string
	// KeyFile is the key allowed to change the zone's _acme-challenge TXT
	// records (hmac-sha256, named "dashbox-acme"), as tsig-keygen wrote it.
	KeyFile string
	// KeyFile512 is a second key with the same grants, hmac-sha512.
	KeyFile512 string
	// OtherKeyFile is a key named known to the server but granted nothing
	// ("other-key").
	OtherKeyFile string
	// Dir holds the configuration, zone and journal.
	Dir string

	cmd      *exec.Cmd
	waitExit chan struct{} // closed when named has exited
	log      *syncBuffer
	once     sync.Once
}

// Start starts named with opts and stops it when the test ends. Missing
// BIND fails the test, saying how to get it.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	for _, bin := range []string{"named", "tsig-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err := os.Stat(filepath.Join("/usr/sbin", bin)); err != nil {
				tb.Fatalf("%s not found: install BIND 9 (Debian: apt-get install bind9 bind9-utils, or 'make test-deps')", bin)
			}
		}
	}
	if opts.Zone == "" {
		opts.Zone = "dash.test"
	}
	zone := dns.Fqdn(opts.Zone)
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:" + strconv.Itoa(testenv.FreeDNSPort(tb))
	}
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	dir := testenv.WorldDir(tb)
	s := &Server{Addr: opts.Addr, Zone: zone, Dir: dir, log: &syncBuffer{}}
	s.KeyFile = s.keygen(tb, "hmac-sha256", "dashbox-acme")
	s.KeyFile512 = s.keygen(tb, "hmac-sha512", "dashbox-acme-512")
	s.OtherKeyFile = s.keygen(tb, "hmac-sha256", "other-key")

	names := opts.ChallengeNames
	if len(names) == 0 {
		names = []string{zone}
	}
	var grants strings.Builder
	for _, key := range []string{"dashbox-acme", "dashbox-acme-512"} {
		for _, n := range names {
			fmt.Fprintf(&grants, "    grant %s name _acme-challenge.%s TXT;\n", key, dns.Fqdn(n))
		}
	}
	conf := fmt.Sprintf(`include "%[1]s/dashbox-acme.key";
include "%[1]s/dashbox-acme-512.key";
include "%[1]s/other-key.key";
options {
  directory "%[1]s";
  pid-file "%[1]s/named.pid";
  session-keyfile "%[1]s/session.key";
  managed-keys-directory "%[1]s";
  listen-on port %[2]s { %[3]s; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { any; };
  notify no;
};
controls { };
zone "%[4]s" {
  type primary;
  file "%[1]s/zone.db";
  update-policy {
%[5]s  };
};
`, dir, port, host, zone, grants.String())
	zoneText := fmt.Sprintf(`$TTL 60
@ IN SOA ns.%[1]s hostmaster.%[1]s 1 3600 600 86400 60
@ IN NS ns.%[1]s
ns IN A 127.0.0.1
@ IN A 127.0.0.1
`, zone)
	writeFile(tb, filepath.Join(dir, "named.conf"), conf)
	writeFile(tb, filepath.Join(dir, "zone.db"), zoneText)

	args := []string{"-g", "-c", filepath.Join(dir, "named.conf")}
	if os.Geteuid() == 0 {
		// named refuses nothing as root, but drops to the package's user,
		// as it does in production.
		args = append(args, "-u", "bind")
		chownBind(tb, dir)
	}
	s.cmd = exec.Command(namedPath(), args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("named: %v", err)
	}
	exited := make(chan struct{})
	s.waitExit = exited
	go func() {
		s.cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if s.answers() {
			break
		}
		select {
		case <-exited:
			tb.Fatalf("named exited:\n%s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("named does not answer on %s after 20 s:\n%s", s.Addr, s.log.String())
		}
		time.Sleep(20 * time.Millisecond) // polling an outside process
	}
	return s
}

// answers reports whether named answers the zone's SOA.
func (s *Server) answers() bool {
	m := new(dns.Msg)
	m.SetQuestion(s.Zone, dns.TypeSOA)
	c := &dns.Client{Net: "tcp", Timeout: time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	return err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0
}

// Stop stops named (SIGTERM, then SIGKILL after 10 s) and waits for it.
// It may be called more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.waitExit:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.waitExit
		}
	})
}

// Log returns named's output so far.
func (s *Server) Log() string { return s.log.String() }

// TXT returns the texts of the TXT records at name (fully qualified or
// not), asking named directly.
func (s *Server) TXT(tb testing.TB, name string) []string {
	tb.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.ExchangeContext(context.Background(), m, s.Addr)
	if err != nil {
		tb.Fatalf("TXT %s at %s: %v", name, s.Addr, err)
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		tb.Fatalf("TXT %s at %s: %s", name, s.Addr, dns.RcodeToString[r.Rcode])
	}
	var texts []string
	for _, rr := range r.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			texts = append(texts, strings.Join(t.Txt, ""))
		}
	}
	return texts
}

// keygen writes a key with tsig-keygen into dir/<name>.key.
func (s *Server) keygen(tb testing.TB, algorithm, name string) string {
	tb.Helper()
	out, err := exec.Command(tsigKeygenPath(), "-a", algorithm, name).Output()
	if err != nil {
		tb.Fatalf("tsig-keygen: %v", err)
	}
	file := filepath.Join(s.Dir, name+".key")
	writeFile(tb, file, string(out))
	return file
}

func namedPath() string      { return binPath("named") }
func tsigKeygenPath() string { return binPath("tsig-keygen") }

// binPath finds a BIND program in $PATH or /usr/sbin (not in a normal
// user's $PATH on Debian).
func binPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

// chownBind gives dir and its files to the bind user: named writes its
// journal and session key there.
func chownBind(tb testing.TB, dir string) {
	tb.Helper()
	u, err := user.Lookup("bind")
	if err != nil {
		tb.Fatalf("user bind: %v (install Debian's bind9 package)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func writeFile(tb testing.TB, name, text string) {
	tb.Helper()
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for named's two output pipes and the
// test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
