//go:build linux

package service

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// guestCredentials runs inside the container (see guestAfterReboot): the
// administrator's files, root's alone (mode 0600), reach the service through
// LoadCredential=: an htpasswd file made with dashbox passwd, and a
// certificate with its key. Pages need a login, /healthz does not; the
// service's copies belong to its user only; a password added later applies
// after `dashbox service install` again restarts the service.
func guestCredentials(t *testing.T) {
	const dir, host = "/etc/dashbox", "files.test"
	htpasswd, certFile, keyFile := dir+"/htpasswd", dir+"/cert.pem", dir+"/key.pem"
	out := dashboxStdin(t, "ann's pass\n", "passwd", htpasswd, "ann")
	if !strings.Contains(out, "created /etc/dashbox") || !strings.Contains(out, "added user ann") {
		t.Errorf("dashbox passwd of a new file:\n%s", out)
	}
	roots := writeSelfSigned(t, host, certFile, keyFile)

	args := []string{"--auth-file=" + htpasswd, "--domain=" + host, "--tls-cert=" + certFile, "--tls-key=" + keyFile}
	out = dashbox(t, append([]string{"service", "install"}, args...)...)
	if !strings.Contains(out, "restarted") {
		t.Errorf("install with new flags does not say it restarted:\n%s", out)
	}
	pid := checkRunning(t, Config{Serve: serveOf(args...)})

	get := func(path, user, pass string) int {
		t.Helper()
		code, header, err := httpsStatus(roots, host, path, user, pass)
		if err != nil {
			t.Fatalf("https://%s%s: %v", host, path, err)
		}
		if code == 401 && !strings.HasPrefix(header.Get("WWW-Authenticate"), `Basic realm="dashbox"`) {
			t.Errorf("401 without the challenge: %q", header.Get("WWW-Authenticate"))
		}
		return code
	}
	if code := get("/apps/app0", "", ""); code != 401 {
		t.Errorf("/apps/app0 without credentials: %d, want 401", code)
	}
	if code := get("/apps/app0", "ann", "wrong"); code != 401 {
		t.Errorf("/apps/app0 with a wrong password: %d, want 401", code)
	}
	if code := get("/apps/app0", "ann", "ann's pass"); code != 200 {
		t.Errorf("/apps/app0 with ann's password: %d, want 200", code)
	}
	if code := get("/healthz", "", ""); code != 200 {
		t.Errorf("/healthz: %d, want 200", code)
	}

	// The originals stay root's alone; the copies are the service's alone.
	uid := processUID(t, pid)
	for _, f := range []string{htpasswd, keyFile} {
		checkOwnerMode(t, f, 0, 0o600)
	}
	for _, name := range []string{"htpasswd", "tls-cert", "tls-key"} {
		checkOwnerMode(t, "/run/credentials/dashbox.service/"+name, uid, 0o400)
	}

	// A password added later: the service reads its copy until it restarts;
	// dashbox passwd says so, and install again restarts it.
	out = dashboxStdin(t, "bob's pass\n", "passwd", "--cost=10", htpasswd, "bob")
	if !strings.Contains(out, "sudo systemctl restart dashbox.service") {
		t.Errorf("dashbox passwd does not say to restart the service:\n%s", out)
	}
	if code := get("/apps/app0", "bob", "bob's pass"); code != 401 {
		t.Errorf("bob before the restart: %d, want 401 (the service reads its copy)", code)
	}
	out = dashbox(t, append([]string{"service", "install"}, args...)...)
	if !strings.Contains(out, "restarted (a file it loads changed since it started)") {
		t.Errorf("install again after the file changed does not restart:\n%s", out)
	}
	if newPID := checkRunning(t, Config{Serve: serveOf(args...)}); newPID == pid {
		t.Errorf("main PID %d unchanged", pid)
	}
	for _, u := range [][2]string{{"ann", "ann's pass"}, {"bob", "bob's pass"}} {
		if code := get("/apps/app0", u[0], u[1]); code != 200 {
			t.Errorf("%s after install again: %d, want 200", u[0], code)
		}
	}
	if out := dashbox(t, append([]string{"service", "install"}, args...)...); !strings.Contains(out, "already running") {
		t.Errorf("a third install with nothing changed restarted:\n%s", out)
	}
}

// checkOwnerMode checks a file's owner and permissions.
func checkOwnerMode(t *testing.T, path string, uid int, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := int(fi.Sys().(*syscall.Stat_t).Uid); got != uid || fi.Mode().Perm() != mode {
		t.Errorf("%s: owner %d mode %v, want owner %d mode %v", path, got, fi.Mode().Perm(), uid, mode)
	}
}

// writeSelfSigned writes a self-signed certificate for host (mode 0644)
// and its key (mode 0600), and returns a pool trusting it.
func writeSelfSigned(t *testing.T, host, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// httpsStatus GETs https://host/path from 127.0.0.1:443, verifying the
// chain against roots, with Basic credentials unless user is "".
func httpsStatus(roots *x509.CertPool, host, path, user, pass string) (int, http.Header, error) {
	client := &http.Client{
		Transport: &http.Transport{DialContext: dialLoopback("443"), TLSClientConfig: &tls.Config{RootCAs: roots}},
		Timeout:   10 * time.Second,
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest("GET", "https://"+host+path, nil)
	if err != nil {
		return 0, nil, err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// dashboxStdin runs the dashbox CLI as root with stdin, failing the test if
// it fails, and returns its combined output.
func dashboxStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/mnt/share/dashbox", args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	t.Logf("$ dashbox %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("dashbox %s: %v", strings.Join(args, " "), err)
	}
	return fmt.Sprint(string(out))
}
