package service

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestServeExecArgsCredentials(t *testing.T) {
	words, creds, err := serveExecArgs(serveOf(
		"--auth-file", "/etc/dashbox/old", "-tls-cert=/etc/ssl/c.pem", "--domain=d.test",
		"--auth-file=/etc/dashbox/htpasswd", "--tls-key", "/etc/ssl/c.pem",
	).Args)
	if err != nil {
		t.Fatal(err)
	}
	wantWords := []string{"--auth-file=%d/htpasswd", "--tls-cert=%d/tls-cert", "--domain=d.test", "--auth-file=%d/htpasswd", "--tls-key=%d/tls-key"}
	if !slices.Equal(words, wantWords) {
		t.Errorf("words %q\nwant  %q", words, wantWords)
	}
	var lines []string
	for _, c := range creds {
		lines = append(lines, c.loadLine())
	}
	// The last --auth-file wins, as with the flag package; a key in the
	// certificate's file is loaded twice under two names.
	want := []string{"LoadCredential=tls-cert:/etc/ssl/c.pem", "LoadCredential=htpasswd:/etc/dashbox/htpasswd", "LoadCredential=tls-key:/etc/ssl/c.pem"}
	if !slices.Equal(lines, want) {
		t.Errorf("credentials %q\nwant        %q", lines, want)
	}
}

// TestInstalledCredentialFiles reads the files an installed unit loads
// back, and the paths into its serve arguments.
func TestInstalledCredentialFiles(t *testing.T) {
	cfg := Config{Serve: serveOf("--auth-file=/etc/dashbox/htpasswd", "--tls-cert=/etc/c.pem", "--tls-key=/etc/k.pem")}
	unit, err := Unit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashbox.service")
	os.WriteFile(path, []byte(unit), 0o644)
	u, err := readInstalledUnit(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.serveArgs, cfg.Serve.words()) {
		t.Errorf("serve args %q, want %q", u.serveArgs, cfg.Serve.words())
	}
	var files []string
	for _, f := range u.credentials {
		files = append(files, f)
	}
	slices.Sort(files)
	if strings.Join(files, " ") != "/etc/c.pem /etc/dashbox/htpasswd /etc/k.pem" {
		t.Errorf("credential files %q", files)
	}
	if got := InstalledCredentialFiles(Config{Name: "surely-not-installed-here"}); len(got) != 0 {
		t.Errorf("files of a unit that is not installed: %q", got)
	}
}

// TestCredentialsChanged: install restarts the service when a file it loads
// differs from the copy systemd made at its start, and only then.
func TestCredentialsChanged(t *testing.T) {
	dir := t.TempDir()
	old := credentialsDir
	credentialsDir = filepath.Join(dir, "run")
	defer func() { credentialsDir = old }()
	src := filepath.Join(dir, "htpasswd")
	creds := []credential{{flag: "auth-file", name: "htpasswd", source: src}}
	os.WriteFile(src, []byte("ann:x\n"), 0o600)
	if credentialsChanged("dashbox.service", creds) {
		t.Error("changed, while the service runs with no copy (not running)")
	}
	os.MkdirAll(filepath.Join(credentialsDir, "dashbox.service"), 0o700)
	os.WriteFile(filepath.Join(credentialsDir, "dashbox.service", "htpasswd"), []byte("ann:x\n"), 0o400)
	if credentialsChanged("dashbox.service", creds) {
		t.Error("changed, while the copy is the file")
	}
	os.WriteFile(src, []byte("ann:x\nbob:y\n"), 0o600)
	if !credentialsChanged("dashbox.service", creds) {
		t.Error("not changed, while the file has a new user")
	}
}
