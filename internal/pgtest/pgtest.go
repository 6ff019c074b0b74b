// Package pgtest runs a real PostgreSQL 15 server for tests: the Debian
// package's initdb and pg_ctl, in a temporary folder, on a free loopback
// port, as the postgres user when the tests run as root (PostgreSQL refuses
// to run as root). It is imported only from _test.go files.
package pgtest

import (
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
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir is where Debian's postgresql-15 package puts the server's
// programs.
var BinDir = "/usr/lib/postgresql/15/bin"

// Server is a PostgreSQL server a test started. Its URL and Port stay the
// same across Stop and Start.
type Server struct {
	// Dir is the server's folder: data/, the log and the Unix socket.
	Dir string
	// Port is the loopback TCP port it listens on.
	Port int

	// CA is the test CA of a TLS server (NewTLS), which issued its
	// certificate and whose client certificates it trusts; nil without
	// TLS. RootFile is CA's certificate in PEM (sslrootcert=).
	CA       *CA
	RootFile string

	cred *syscall.Credential // postgres user's, when running as root

	mu      sync.Mutex
	running bool
}

// New starts a server that is stopped and removed when the test ends, and
// returns it. It fails the test if PostgreSQL 15 is not installed
// (apt-get install postgresql) or does not start.
func New(tb testing.TB) *Server {
	tb.Helper()
	s, err := Launch()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Launch starts a server that the caller stops with Close: for one server
// shared by a package's tests (started on first use, closed in TestMain).
// Tests that stop or crash the server need one of their own (New).
func Launch() (*Server, error) {
	return launch(nil)
}

// launch is Launch, with TLS (NewTLS) unless withTLS is nil.
func launch(withTLS *serverTLS) (s *Server, err error) {
	if _, err := os.Stat(filepath.Join(BinDir, "initdb")); err != nil {
		return nil, fmt.Errorf("PostgreSQL 15 is needed: %v (apt-get install postgresql, or make test-deps)", err)
	}
	dir, err := os.MkdirTemp("", "dashbox-pgtest-")
	if err != nil {
		return nil, err
	}
	s = &Server{Dir: dir}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("tests run as root and PostgreSQL refuses root: the postgres user is needed: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The postgres user must own its folder and reach it.
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if out, err := s.command("initdb", "-D", s.dataDir(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if withTLS != nil {
		if err := s.setUpTLS(withTLS); err != nil {
			return nil, fmt.Errorf("setting up TLS: %v", err)
		}
	}
	// A free port may be taken between choosing and binding it: retry.
	for range 5 {
		if s.Port, err = freePort(); err != nil {
			return nil, err
		}
		if err = s.start(); err == nil {
			if withTLS != nil {
				if err := s.createCertUser(); err != nil {
					return nil, fmt.Errorf("creating role %s: %v", CertUser, err)
				}
			}
			return s, nil
		}
	}
	return nil, fmt.Errorf("starting PostgreSQL: %v", err)
}

// Close stops the server at once (no clean shutdown: its data is thrown
// away) and removes its folder.
func (s *Server) Close() {
	_ = s.stop("immediate")
	os.RemoveAll(s.Dir)
}

// URL returns the connection URL of database name on s (trust
// authentication as the postgres user, no TLS).
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

// NewDatabase creates an empty database on s and returns its URL. Each test
// (or each cluster in a test) should have its own.
func (s *Server) NewDatabase(tb testing.TB, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		tb.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	return s.URL(name)
}

// Stop shuts the server down (fast: connections are closed), as a database
// outage does; Start brings it back on the same port.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	if err := s.stop("fast"); err != nil {
		tb.Fatalf("stopping PostgreSQL: %v", err)
	}
}

// Crash kills the server without a clean shutdown (pg_ctl -m immediate).
func (s *Server) Crash(tb testing.TB) {
	tb.Helper()
	if err := s.stop("immediate"); err != nil {
		tb.Fatalf("crashing PostgreSQL: %v", err)
	}
}

// Start starts a stopped server again, on the same port.
func (s *Server) Start(tb testing.TB) {
	tb.Helper()
	if err := s.start(); err != nil {
		tb.Fatalf("restarting PostgreSQL: %v", err)
	}
}

// Log returns the server's log so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logFile())
	return string(b)
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.Dir, "log") }

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100", s.Port, s.Dir) + s.tlsOptions()
	out, err := s.command("pg_ctl", "-D", s.dataDir(), "-w", "-t", "60", "-l", s.logFile(), "-o", opts, "start").CombinedOutput()
	if err != nil {
		// pg_ctl's own message says little; the server's log says why.
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(s.Log(), 2000))
	}
	s.running = true
	return nil
}

func (s *Server) stop(mode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil
	}
	out, err := s.command("pg_ctl", "-D", s.dataDir(), "-w", "-t", "60", "-m", mode, "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	s.running = false
	return nil
}

// command runs one of PostgreSQL's programs as the postgres user when the
// tests run as root.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		cmd.Env = append(cmd.Env, "HOME="+s.Dir, "USER=postgres")
	}
	return cmd
}

// freePort returns a loopback TCP port free at the time of the call.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
