package cmd

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestServeChainVerifiesWithExportedRoot(t *testing.T) {
	d := mustStart(t)
	for _, u := range []string{d.url("/healthz"), d.localhostURL("/healthz")} {
		resp, body := getURL(t, d.client, u)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
			t.Errorf("%s: %d %q", u, resp.StatusCode, body)
		}
		if resp.TLS == nil || len(resp.TLS.VerifiedChains) == 0 {
			t.Errorf("%s: chain not verified", u)
		}
	}
}

func TestServeRefusesOldTLSAndCBC(t *testing.T) {
	d := mustStart(t)
	dial := func(cfg *tls.Config) error {
		cfg.RootCAs = d.roots
		cfg.ServerName = "localhost"
		c, err := tls.Dial("tcp", d.httpsAddr, cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("TLS 1.0/1.1 handshake succeeded")
	}
	cbc := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}
	if err := dial(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: cbc}); err == nil {
		t.Error("TLS 1.2 with only CBC suites succeeded")
	}
	if err := dial(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}); err != nil {
		t.Errorf("TLS 1.2 with an AEAD suite: %v", err)
	}
	if err := dial(&tls.Config{MinVersion: tls.VersionTLS13}); err != nil {
		t.Errorf("TLS 1.3: %v", err)
	}
}

func TestServeRedirectKeepsPathAndQuery(t *testing.T) {
	d := mustStart(t)
	resp, _ := getURL(t, d.client, "http://"+d.httpAddr+"/apps/app1?x=1&y=%20z")
	_, port, _ := net.SplitHostPort(d.httpsAddr)
	want := "https://127.0.0.1:" + port + "/apps/app1?x=1&y=%20z"
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Fatalf("got %d %q, want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestServeHomeAndNotFoundPages(t *testing.T) {
	d := mustStart(t)
	resp, body := d.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<title>Dashboards") {
		t.Fatalf("home: %d %.200q", resp.StatusCode, body)
	}
	css := regexp.MustCompile(`href="(/static/css/dashbox\.[0-9a-f]+\.css)"`).FindSubmatch(body)
	if css == nil {
		t.Fatalf("home page links no fingerprinted stylesheet: %s", body)
	}
	resp, _ = d.get(t, string(css[1]))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("fingerprinted css: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, body = d.get(t, "/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(string(body), `href="/"`) {
		t.Errorf("404 page: %d %.300q", resp.StatusCode, body)
	}
}

func TestServeSecurityHeadersOnEveryResponse(t *testing.T) {
	d := mustStart(t)
	for _, p := range []string{"/", "/healthz", "/static/css/dashbox.css", "/nope"} {
		resp, _ := d.get(t, p)
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") ||
			strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: security headers missing: %v", p, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent with a local-CA certificate", p)
		}
	}
}

func TestServeStaticCachingAndEncodings(t *testing.T) {
	d := mustStart(t)
	const path = "/static/css/dashbox.css"
	resp, plain := d.get(t, path, "Accept-Encoding", "identity")
	if resp.StatusCode != 200 || len(plain) == 0 {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=2592000" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if resp.Header.Get("Expires") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("Expires %q, Content-Type %q", resp.Header.Get("Expires"), resp.Header.Get("Content-Type"))
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") {
		t.Fatalf("want a strong ETag, got %q", etag)
	}
	resp, _ = d.get(t, path, "Accept-Encoding", "identity", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	resp, part := d.get(t, path, "Accept-Encoding", "identity", "Range", "bytes=0-9")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, plain[:10]) {
		t.Errorf("Range: %d %q", resp.StatusCode, part)
	}
	for _, enc := range []string{"gzip", "br"} {
		resp, body := d.get(t, path, "Accept-Encoding", enc)
		if resp.Header.Get("Content-Encoding") != enc || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Content-Encoding %q, Vary %q", enc, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
			continue
		}
		var r io.Reader
		if enc == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else {
			r = brotli.NewReader(bytes.NewReader(body))
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s body does not decode to the asset (err %v)", enc, err)
		}
	}
}

func TestServeStaticDirAndTraversal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "report.txt"), []byte("operator file\n"), 0o644)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("secret\n"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.txt"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	d := mustStart(t, "--static-dir", dir)

	resp, body := d.get(t, "/static/report.txt")
	if resp.StatusCode != 200 || string(body) != "operator file\n" {
		t.Fatalf("operator file: %d %q", resp.StatusCode, body)
	}
	for _, p := range []string{
		"/static/../go.mod", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fetc%2fpasswd",
		"/static/link.txt", "/static/sub/", "/static/sub", "/static/report.txt%00.css", "/static/..\\..\\etc\\passwd",
	} {
		status, body := rawGet(t, d, p)
		if status != 404 && status != 400 {
			t.Errorf("%s: status %d, want 404 or 400", p, status)
		}
		if strings.Contains(body, "secret") || strings.Contains(body, "root:") || strings.Contains(body, "module ") {
			t.Errorf("%s: served a file from outside: %.80q", p, body)
		}
	}
}

// rawGet sends the request line exactly as given, bypassing the client's
// URL cleaning, over TLS with HTTP/1.1.
func rawGet(t *testing.T, d *dashbox, target string) (int, string) {
	t.Helper()
	c, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{RootCAs: d.roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	resp := string(b)
	var status int
	if _, err := fmt.Sscanf(resp, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("%s: unparsable response %.80q", target, resp)
	}
	return status, resp
}

func TestServeSecondStartReusesCAAndCertificate(t *testing.T) {
	state := t.TempDir()
	serial := func() string {
		d := mustStart(t, "--state-dir", state)
		resp, _ := d.get(t, "/healthz")
		s := resp.TLS.PeerCertificates[0].SerialNumber.String() + "/" + string(resp.TLS.PeerCertificates[len(resp.TLS.PeerCertificates)-1].Raw[:16])
		if err := d.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		return s
	}
	if a, b := serial(), serial(); a != b {
		t.Fatalf("second start served another certificate: %s vs %s", a, b)
	}
}

func TestServeStopsCleanlyOnCancel(t *testing.T) {
	d := mustStart(t)
	if err := d.stop(); err != nil {
		t.Fatalf("run returned %v after a graceful stop, want nil", err)
	}
}

func getURL(t *testing.T, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
