package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testpki"
	dashtls "github.com/dashbox/dashbox/tls"
)

// TestServeCertificateFiles: an administrator's certificate and key are
// served for their names, with HSTS; a renewed pair dropped in place is
// served to the next connection while an open keep-alive connection keeps
// working; a broken replacement is logged and the old certificate stays.
func TestServeCertificateFiles(t *testing.T) {
	ca := testpki.NewRoot(t, "Corp Root")
	dir := t.TempDir()
	certFile, keyFile, first := ca.WritePair(t, dir, testpki.Leaf{Names: []string{"files.test"}})
	useTLSTuning(t, dashtls.Tuning{FilePollInterval: 20 * time.Millisecond}, nil)
	d := mustStart(t, "--tls-cert", certFile, "--tls-key", keyFile, "--domain", "files.test")

	client := nameClient(t, d, "files.test", ca.Pool())
	resp, err := client.Get("https://files.test/")
	if err != nil {
		t.Fatalf("GET with the administrator's certificate: %v", err)
	}
	resp.Body.Close()
	if !resp.TLS.PeerCertificates[0].Equal(first) {
		t.Error("not the file's certificate")
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS with the administrator's certificate: %q", got)
	}
	resp, _ = getURL(t, d.client, d.localhostURL("/healthz")) // localhost: still the local CA
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS with the local CA's certificate: %q", got)
	}

	// A kept-alive HTTP/1.1 connection made before the replacement.
	conn, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{ServerName: "files.test", RootCAs: ca.Pool(), NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	keepAliveGet := func() int {
		t.Helper()
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: files.test\r\n\r\n"); err != nil {
			t.Fatalf("kept-alive connection: %v", err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("kept-alive connection: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := keepAliveGet(); code != 200 {
		t.Fatalf("first request: %d", code)
	}

	_, _, second := ca.WritePair(t, dir, testpki.Leaf{Names: []string{"files.test"}, NotAfter: time.Now().Add(20 * time.Hour)})
	poll(t, "the renewed certificate on a new connection", func() bool { return servedLeaf(t, d, "files.test", ca.Pool()).Equal(second) })
	if code := keepAliveGet(); code != 200 {
		t.Errorf("request on the connection opened before the swap: %d", code)
	}
	if !conn.ConnectionState().PeerCertificates[0].Equal(first) {
		t.Error("the open connection changed certificate")
	}

	// Broken: the key of another certificate.
	_, otherKey, _ := ca.Issue(t, testpki.Leaf{Names: []string{"files.test"}})
	testpki.ReplaceFile(t, keyFile, otherKey)
	ev := waitLogEvent(t, d, "the refusal of the broken files", 1, func(ev map[string]any) bool {
		return ev["msg"] == "certificate files changed but cannot be served; still serving the previous certificate"
	})
	if !strings.Contains(str(ev["error"]), "does not match") {
		t.Errorf("logged reason: %v", ev["error"])
	}
	if !servedLeaf(t, d, "files.test", ca.Pool()).Equal(second) {
		t.Error("a broken replacement replaced the certificate")
	}
	var line string
	poll(t, "dashbox certs to show the refusal", func() bool {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"dashbox", "certs", "--state-dir", d.stateDir}, noEnv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		line = lineWith(out.String(), "files.test")
		return strings.Contains(line, "replacement refused")
	})
	if !strings.Contains(line, "file "+certFile) || !strings.Contains(line, "does not match") {
		t.Errorf("dashbox certs: %q", line)
	}
}

// TestSIGHUPReloadsCertificateFiles: SIGHUP reloads the files at once.
func TestSIGHUPReloadsCertificateFiles(t *testing.T) {
	ca := testpki.NewRoot(t, "Corp Root")
	dir := t.TempDir()
	certFile, keyFile, _ := ca.WritePair(t, dir, testpki.Leaf{Names: []string{"files.test"}})
	p := mustStartProcess(t, "--tls-cert", certFile, "--tls-key", keyFile)
	_, _, renewed := ca.WritePair(t, dir, testpki.Leaf{Names: []string{"files.test"}, NotAfter: time.Now().Add(20 * time.Hour)})
	p.signal(t, syscall.SIGHUP)
	p.waitLog(t, "certificate files reloaded; new connections get the new certificate")
	conn, err := tls.Dial("tcp", p.httpsAddr, &tls.Config{ServerName: "files.test", RootCAs: ca.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.ConnectionState().PeerCertificates[0]; !got.Equal(renewed) {
		t.Errorf("after SIGHUP: serial %s, want the renewed %s", got.SerialNumber, renewed.SerialNumber)
	}
	p.signal(t, syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestServeHSTSOff: --hsts=false keeps HSTS off, even with a publicly
// trusted certificate.
func TestServeHSTSOff(t *testing.T) {
	ca := testpki.NewRoot(t, "Corp Root")
	certFile, keyFile, _ := ca.WritePair(t, t.TempDir(), testpki.Leaf{Names: []string{"files.test"}})
	d := mustStart(t, "--tls-cert", certFile, "--tls-key", keyFile, "--hsts=false")
	resp, err := nameClient(t, d, "files.test", ca.Pool()).Get("https://files.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS with --hsts=false: %q", got)
	}
}

// TestServeInternalNamesStayOnTheLocalCA: with Let's Encrypt as the default
// CA, names it would refuse (internal, single-label, IP addresses) get
// local-CA certificates at once, say why, and nothing asks a CA.
func TestServeInternalNamesStayOnTheLocalCA(t *testing.T) {
	d := mustStart(t, "--domain", "dash.internal", "--domain", "box", "--domain", "10.0.0.9")
	for _, name := range []string{"dash.internal", "box", "10.0.0.9"} {
		ev := waitLogEvent(t, d, name+" on the local CA", 1, func(ev map[string]any) bool {
			return ev["msg"] == "name stays on the local CA" && ev["name"] == name
		})
		if str(ev["reason"]) == "" {
			t.Errorf("%s: no reason logged", name)
		}
		if name == "10.0.0.9" {
			continue // not an address of this machine: no client can reach it here
		}
		conn, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{ServerName: name, RootCAs: d.roots})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		conn.Close()
	}
	if strings.Contains(d.logs.String(), "letsencrypt") {
		t.Errorf("Let's Encrypt was involved:\n%s", d.logs)
	}
}
