package cmd

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCheck: serve --check exits 0 on a good configuration without
// binding (its ports may be taken), writes no access log, and fails with
// serve's own one-line error on a bad one.
func TestServeCheck(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	state := filepath.Join(t.TempDir(), "state")
	logs := t.TempDir()
	base := []string{"dashbox", "serve", "--https-addr=" + taken.Addr().String(), "--http-addr=",
		"--state-dir=" + state, "--access-log=" + filepath.Join(logs, "access.log")}

	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append(base, "--check"), noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("serve --check on a good configuration: %v", err)
	}
	if !strings.Contains(stdout.String(), "configuration OK") {
		t.Errorf("serve --check printed %q", stdout.String())
	}
	if entries, _ := os.ReadDir(logs); len(entries) != 0 {
		t.Errorf("serve --check wrote into the logs directory: %v", entries)
	}

	bad := []struct {
		name string
		args []string
	}{
		{"missing certificate", []string{"--tls-cert=" + filepath.Join(logs, "none.pem"), "--tls-key=" + filepath.Join(logs, "none.key")}},
		{"access log directory missing", []string{"--access-log=" + filepath.Join(logs, "no", "access.log")}},
		{"state directory is a file", []string{"--state-dir=" + os.Args[0]}},
		{"bad address", []string{"--https-addr=8443"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tt.args...)
			checkErr := run(context.Background(), append(args, "--check"), noEnv, &bytes.Buffer{}, &bytes.Buffer{})
			if checkErr == nil {
				t.Fatal("serve --check accepted it")
			}
			if strings.Contains(checkErr.Error(), "\n") {
				t.Errorf("error is not one line: %q", checkErr)
			}
			// serve itself, on a free port, fails with the same sentence.
			for i, a := range args {
				if strings.HasPrefix(a, "--https-addr=") && a != "--https-addr=8443" {
					args[i] = "--https-addr=127.0.0.1:0"
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // serve must fail before it would serve
			serveErr := run(ctx, args, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
			if serveErr == nil || serveErr.Error() != checkErr.Error() {
				t.Errorf("serve --check: %v\nserve:         %v", checkErr, serveErr)
			}
		})
	}
}
