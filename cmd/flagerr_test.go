package cmd

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/server"
	"github.com/dashbox/dashbox/static"
	dashtls "github.com/dashbox/dashbox/tls"
)

// TestFlagErrors: the packages' errors, which name no flag, come out of
// the helpers naming the flag that set the value, in one line.
func TestFlagErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := func(https, http string) error {
		ln, err := server.Listen(https, http)
		if err == nil {
			ln.Close()
		}
		return err
	}
	loadRoots := func() error { _, err := dashtls.LoadCARoots(file); return err }
	openCA := func() error { _, err := dashtls.OpenLocalCA(context.Background(), "", nil); return err }
	loadPair := func(cert, key string) error { _, err := dashtls.LoadKeyPair(cert, key); return err }

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"https in use", listenError(listen(taken.Addr().String(), "")), "--https-addr: cannot listen on " + taken.Addr().String() + " for HTTPS: the address is already in use"},
		{"http in use", listenError(listen("127.0.0.1:0", taken.Addr().String())), "--http-addr: cannot listen on " + taken.Addr().String() + " for the HTTP redirect"},
		{"same address", listenError(listen("127.0.0.1:8443", "127.0.0.1:8443")), "--https-addr and --http-addr: "},
		{"malformed address", usageFlagError("--http-addr", server.ValidateAddr("8080")), `invalid --http-addr "8080": give host:port`},
		{"domain", usageFlagError("--domain", dashtls.ValidateDomain("a b")), `invalid --domain "a b": contains spaces`},
		{"ACME CA", usageFlagError("--acme-ca", dashtls.ValidateACMEDirectory("http://ca/dir")), `invalid --acme-ca "http://ca/dir": ACME directories are served over https://`},
		{"CA root", valueFlagError("--acme-ca-root", loadRoots()), "--acme-ca-root " + file + " holds no PEM certificate"},
		{"state dir", stateDirError(dashtls.CheckStateDir(file)), "--state-dir: state directory " + file + " is a file"},
		{"local CA", stateDirError(openCA()), "--state-dir: no state directory given"},
		{"certificate file", keyPairError(loadPair(filepath.Join(dir, "c.pem"), file), filepath.Join(dir, "c.pem"), file), "--tls-cert: cannot read certificate file"},
		{"static dir", staticDirError(func() error { _, err := static.New(static.Options{Dir: file}); return err }()), "--static-dir: static dir " + file + " is not a directory"},
		{"shutdown", serveError(errors.Join(server.ErrShutdownTimeout)), "--shutdown-timeout: graceful shutdown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.HasPrefix(tt.err.Error(), tt.want) || strings.Contains(tt.err.Error(), "\n") {
				t.Errorf("err = %v, want one line starting with %q", tt.err, tt.want)
			}
		})
	}
	if _, ok := usageFlagError("--domain", dashtls.ValidateDomain("a b")).(usageError); !ok {
		t.Error("a refused flag value is not a usage error (exit status 2)")
	}
	if err := errors.New("other"); listenError(err) != err || stateDirError(err) != err || staticDirError(err) != err || serveError(err) != err {
		t.Error("an error about something else was changed")
	}
}
