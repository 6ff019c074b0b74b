package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"
)

// proxyV2 builds a v2 PROXY header for TCP over IPv4 (cmd 1) or LOCAL
// (cmd 0), with extra bytes of TLVs.
func proxyV2(cmd byte, src, dst netip.AddrPort, tlvs int) []byte {
	var b bytes.Buffer
	b.Write(proxyV2Sig)
	b.WriteByte(0x20 | cmd)
	b.WriteByte(0x11)
	binary.Write(&b, binary.BigEndian, uint16(12+tlvs))
	s, d := src.Addr().As4(), dst.Addr().As4()
	b.Write(s[:])
	b.Write(d[:])
	binary.Write(&b, binary.BigEndian, src.Port())
	binary.Write(&b, binary.BigEndian, dst.Port())
	b.Write(make([]byte, tlvs))
	return b.Bytes()
}

// echoAddrServer serves plain HTTP on 127.0.0.1 behind a proxyListener
// trusting trusted, answering each request with its RemoteAddr.
func echoAddrServer(t *testing.T, trusted ...string) (addr string, log *testenv.SyncBuffer) {
	t.Helper()
	var prefixes []netip.Prefix
	for _, s := range trusted {
		p, err := ParseProxySource(s)
		if err != nil {
			t.Fatal(err)
		}
		prefixes = append(prefixes, p)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log = &testenv.SyncBuffer{}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.RemoteAddr) }),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          newErrorLog(slog.New(slog.DiscardHandler), nil),
	}
	go srv.Serve(newProxyListener(ln, prefixes, slog.New(slog.NewTextHandler(log, nil))))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), log
}

// roundTrip sends header then a GET on a new connection to addr and
// returns the body, or the error of a connection the server closed.
func roundTrip(t *testing.T, addr string, header []byte) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := append(append([]byte{}, header...), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"...)
	if _, err := c.Write(req); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func TestProxyProtocolTakesClientAddressFromBalancer(t *testing.T) {
	addr, _ := echoAddrServer(t, "127.0.0.1")
	client := netip.MustParseAddrPort("203.0.113.7:40001")
	dst := netip.MustParseAddrPort("127.0.0.1:443")
	for name, header := range map[string][]byte{
		"v1":          []byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 443\r\n"),
		"v2":          proxyV2(1, client, dst, 0),
		"v2 with TLV": proxyV2(1, client, dst, 100),
	} {
		got, err := roundTrip(t, addr, header)
		if err != nil || got != "203.0.113.7:40001" {
			t.Errorf("%s: RemoteAddr = %q, %v; want the client's 203.0.113.7:40001", name, got, err)
		}
	}
	got, err := roundTrip(t, addr, []byte("PROXY TCP6 2001:db8::1 ::1 5000 443\r\n"))
	if err != nil || got != "[2001:db8::1]:5000" {
		t.Errorf("v1 TCP6: RemoteAddr = %q, %v", got, err)
	}
	// Health checks: the balancer speaks for itself.
	for name, header := range map[string][]byte{
		"v2 LOCAL":   proxyV2(0, client, dst, 0),
		"v1 UNKNOWN": []byte("PROXY UNKNOWN\r\n"),
	} {
		got, err := roundTrip(t, addr, header)
		if err != nil || !strings.HasPrefix(got, "127.0.0.1:") {
			t.Errorf("%s: RemoteAddr = %q, %v; want the balancer's own", name, got, err)
		}
	}
}

func TestProxyProtocolRequiredFromBalancer(t *testing.T) {
	addr, log := echoAddrServer(t, "127.0.0.0/8")
	for name, header := range map[string][]byte{
		"none":          nil,
		"v1 bad":        []byte("PROXY TCP4 203.0.113.7 nowhere 1 2\r\n"),
		"v1 too long":   []byte("PROXY TCP4 " + strings.Repeat("1", 120) + "\r\n"),
		"v2 too long":   proxyV2(1, netip.MustParseAddrPort("1.2.3.4:5"), netip.MustParseAddrPort("1.2.3.4:5"), proxyV2MaxPayload),
		"v2 truncated":  proxyV2Sig,
		"v1 wrong fam":  []byte("PROXY TCP4 2001:db8::1 ::1 5000 443\r\n"),
		"v1 lower case": []byte("proxy TCP4 203.0.113.7 127.0.0.1 1 2\r\n"),
	} {
		if got, err := roundTrip(t, addr, header); err == nil {
			t.Errorf("%s: served (RemoteAddr %q); want the connection closed", name, got)
		}
	}
	if !strings.Contains(log.String(), "PROXY protocol header refused") {
		t.Errorf("refusal not logged:\n%s", log)
	}
}

func TestProxyProtocolRefusedFromOthers(t *testing.T) {
	addr, log := echoAddrServer(t, "10.0.0.0/8", "192.0.2.1")
	header := proxyV2(1, netip.MustParseAddrPort("203.0.113.7:1"), netip.MustParseAddrPort("127.0.0.1:443"), 0)
	for name, h := range map[string][]byte{"v2": header, "v1": []byte("PROXY TCP4 203.0.113.7 127.0.0.1 1 443\r\n")} {
		if got, err := roundTrip(t, addr, h); err == nil {
			t.Errorf("%s header from an unlisted address served (RemoteAddr %q); want the connection closed", name, got)
		}
	}
	if !strings.Contains(log.String(), "not listed as a load balancer") {
		t.Errorf("refusal not logged:\n%s", log)
	}
	// Without a header, an unlisted address is an ordinary client, even
	// one whose request starts like a header (POST, PROXY-less "PROX").
	if got, err := roundTrip(t, addr, nil); err != nil || !strings.HasPrefix(got, "127.0.0.1:") {
		t.Errorf("direct client: RemoteAddr = %q, %v; want its own address", got, err)
	}
}

func TestParseProxySource(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.5": "10.0.0.5/32", "10.0.0.9/24": "10.0.0.0/24", "::1": "::1/128", "::ffff:10.0.0.1": "10.0.0.1/32", " fd00::/8 ": "fd00::/8",
	} {
		got, err := ParseProxySource(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseProxySource(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lb.example", "10.0.0.0/33", "fe80::1%eth0"} {
		if _, err := ParseProxySource(in); err == nil || !strings.Contains(err.Error(), "load balancer's IP address") {
			t.Errorf("ParseProxySource(%q) = %v; want an error saying what to give", in, err)
		}
	}
}

// TestServeProxyProtocolOverTLS: through Serve, the HTTPS handler sees the
// client's address and the connection limiter still tracks the connection's
// state (its ConnState hook sees through both wrappers).
func TestServeProxyProtocolOverTLS(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.RemoteAddr) })
	ln, _, _ := startServer(t, h, Config{ProxyProtocol: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	_, cliTLS := testTLS(t)
	cliTLS.InsecureSkipVerify = true
	header := proxyV2(1, netip.MustParseAddrPort("198.51.100.9:7777"), netip.MustParseAddrPort("127.0.0.1:443"), 0)
	tr := &http.Transport{
		TLSClientConfig: cliTLS,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				_, err = c.Write(header)
			}
			return c, err
		},
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + ln.HTTPSAddr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "198.51.100.9:7777" {
		t.Errorf("RemoteAddr through TLS = %q; want 198.51.100.9:7777", body)
	}
	// Without the header the balancer's TLS connection is closed.
	c, err := tls.Dial("tcp", ln.HTTPSAddr().String(), cliTLS)
	if err == nil {
		c.Close()
		t.Error("TLS handshake from the balancer without a PROXY header succeeded")
	}
}

// TestConnLimitBalancerNotCappedPerAddress: a PROXY protocol balancer
// carries many clients, so the per-address share does not apply to it;
// the total cap still does.
func TestConnLimitBalancerNotCappedPerAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimiter(ln, "test", 5, slog.New(slog.DiscardHandler))
	l.perAddr = 2
	l.balancers = []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), ConnState: l.ConnState}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	for range 4 {
		dial(t, l, "127.0.0.3").mustGet(t, "a balancer past the per-address share")
	}
	dial(t, l, "127.0.0.4").mustGet(t, "another address within the total cap")
	refused(t, l, "127.0.0.3", "a balancer past the total cap")
}

// FuzzProxyHeader: any bytes from a trusted balancer give an address or
// an error, never a panic, and reading stops within the bounds.
func FuzzProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 443\r\nGET /"))
	f.Add([]byte("PROXY TCP6 2001:db8::1 ::1 5000 443\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add(proxyV2(1, netip.MustParseAddrPort("1.2.3.4:5"), netip.MustParseAddrPort("5.6.7.8:9"), 7))
	f.Add(proxyV2(0, netip.MustParseAddrPort("1.2.3.4:5"), netip.MustParseAddrPort("5.6.7.8:9"), 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &countingReader{r: bytes.NewReader(data)}
		addr, err := readProxyHeader(bufio.NewReaderSize(r, proxyBufSize))
		if err == nil && addr != nil {
			if _, ok := addr.(*net.TCPAddr); !ok {
				t.Fatalf("address %T", addr)
			}
		}
		if r.n > proxyBufSize+16+proxyV2MaxPayload {
			t.Fatalf("read %d bytes for one header", r.n)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
