package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
)

// PROXY protocol (HAProxy's spec, versions 1 and 2): a TCP load balancer
// writes the client's address in a header ahead of the client's bytes, so
// that the server behind it sees the client rather than the balancer.
//
// The header is trusted from the listed balancers only, and required from
// them: anyone else could otherwise claim any address, and a balancer that
// stops sending it would make every client look like the balancer (one
// address: --allow, the login limiter and the access log would all be
// wrong). A header from any other address closes the connection.
//
// github.com/pires/go-proxyproto was the intended parser; its pinned
// version (v0.16.0) requires Go 1.26.9, newer than the toolchain dashbox
// builds with, so the two header formats are read here; they are small and
// fixed.

const (
	// proxyHeaderTimeout bounds the wait for a balancer's header. A
	// balancer writes it with the connection, before any client byte.
	proxyHeaderTimeout = 5 * time.Second

	// proxyV1MaxLen is the longest v1 header, CRLF included (the spec's
	// 107 bytes).
	proxyV1MaxLen = 107

	// proxyV2MaxPayload bounds the addresses and TLVs after a v2 header's
	// 16 bytes. Addresses take at most 216 bytes (AF_UNIX); the rest are
	// TLVs (ALPN, authority, unique id, SSL details) that dashbox ignores.
	// The spec allows 64 KiB; a listed balancer sends far less, and no
	// connection may make dashbox hold more.
	proxyV2MaxPayload = 2048

	// proxyBufSize is the reader a header is parsed from; bytes the client
	// sent right behind the header stay in it until read.
	proxyBufSize = 256
)

var (
	proxyV1Sig = []byte("PROXY ")
	proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// errProxyHeader ends a connection whose PROXY header is missing (from a
// listed balancer), malformed, or unwanted (from anyone else).
var errProxyHeader = errors.New("PROXY protocol header refused")

// ParseProxySource parses one trusted PROXY protocol source: an IP address
// or a CIDR prefix, such as 10.0.0.5 or 10.0.0.0/24.
func ParseProxySource(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("invalid PROXY protocol source %q: give the load balancer's IP address or a CIDR prefix, such as 10.0.0.5 or 10.0.0.0/24", s)
}

// proxyListener reads the PROXY protocol header of connections from the
// trusted sources and refuses it from every other one. The header is read
// by the connection's own goroutine (the server asks for RemoteAddr first
// thing), never in Accept, so a balancer that stalls holds up nobody else.
type proxyListener struct {
	net.Listener
	trusted []netip.Prefix
	logger  *slog.Logger
	warn    *logthrottle.Throttle
}

// newProxyListener wraps ln; trusted must not be empty.
func newProxyListener(ln net.Listener, trusted []netip.Prefix, logger *slog.Logger) *proxyListener {
	return &proxyListener{Listener: ln, trusted: trusted, logger: logger, warn: logthrottle.New(time.Minute, 16)}
}

// Accept wraps the next connection; its header is read later, by its own
// goroutine.
func (l *proxyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &proxyConn{Conn: c, l: l, trusted: l.trusts(c.RemoteAddr())}, nil
}

// trusts reports whether a is a TCP address in one of the trusted prefixes.
func (l *proxyListener) trusts(a net.Addr) bool {
	return prefixesContain(l.trusted, a)
}

// prefixesContain reports whether a is a TCP address within one of ps.
func prefixesContain(ps []netip.Prefix, a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyConn is a connection whose first bytes may be a PROXY header.
type proxyConn struct {
	net.Conn
	l       *proxyListener
	trusted bool

	once   sync.Once
	br     *bufio.Reader // bytes read past the header; nil if none
	remote net.Addr      // the client: from the header, else the peer
	err    error         // set when the connection was refused
}

// RemoteAddr is the client's address: the one in a trusted balancer's
// header, else the TCP peer's. For a trusted balancer it waits for the
// header (at most proxyHeaderTimeout).
func (c *proxyConn) RemoteAddr() net.Addr {
	if c.trusted {
		c.once.Do(c.readHeader)
	}
	if c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

// Read reads the client's bytes, after the header.
func (c *proxyConn) Read(p []byte) (int, error) {
	c.once.Do(c.readHeader)
	if c.err != nil {
		return 0, c.err
	}
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		c.br = nil // drained: read the socket directly from now on
	}
	return c.Conn.Read(p)
}

// readHeader reads a trusted balancer's header, or checks that anyone
// else sent none; either failure closes the connection.
func (c *proxyConn) readHeader() {
	peer := c.Conn.RemoteAddr()
	br := bufio.NewReaderSize(c.Conn, proxyBufSize)
	var err error
	if c.trusted {
		// The server sets its own deadlines after asking RemoteAddr.
		c.Conn.SetReadDeadline(time.Now().Add(proxyHeaderTimeout))
		c.remote, err = readProxyHeader(br)
		c.Conn.SetReadDeadline(time.Time{})
	} else if startsWithProxySig(br) {
		err = errors.New("PROXY protocol header from an address not listed as a load balancer")
	}
	if err != nil {
		c.err = fmt.Errorf("%w: %v", errProxyHeader, err)
		c.remote = nil
		c.l.logRefusal(peer, c.err)
		c.Conn.Close()
		return
	}
	c.br = br
}

// logRefusal logs a refused connection, once a minute per peer address.
func (l *proxyListener) logRefusal(peer net.Addr, err error) {
	host, _, _ := net.SplitHostPort(peer.String())
	if first, _ := l.warn.Event(time.Now(), host); first {
		l.logger.Warn("connection closed: "+err.Error(), "peer", peer.String())
	}
}

// startsWithProxySig reports whether the first bytes in br are a PROXY
// header's signature. It peeks no further than needed to tell: one byte
// for TLS (0x16) and most HTTP methods.
func startsWithProxySig(br *bufio.Reader) bool {
	for _, sig := range [][]byte{proxyV1Sig, proxyV2Sig} {
		for n := 1; n <= len(sig); n++ {
			b, err := br.Peek(n)
			if len(b) < n || !bytes.Equal(b, sig[:n]) || err != nil {
				break
			}
			if n == len(sig) {
				return true
			}
		}
	}
	return false
}

// readProxyHeader reads a v1 or v2 header from br and returns the client's
// address: nil for a header that carries none (v1 UNKNOWN, v2 LOCAL as in
// health checks, or an address family other than TCP over IPv4 and IPv6).
func readProxyHeader(br *bufio.Reader) (net.Addr, error) {
	first, err := br.Peek(1)
	if err != nil {
		return nil, fmt.Errorf("no PROXY protocol header from the load balancer: %v", err)
	}
	switch first[0] {
	case proxyV1Sig[0]:
		return readProxyV1(br)
	case proxyV2Sig[0]:
		return readProxyV2(br)
	}
	return nil, errors.New("no PROXY protocol header from the load balancer: check that it sends one (HAProxy: send-proxy-v2 on the server line)")
}

// readProxyV1 reads "PROXY TCP4|TCP6 src dst sport dport\r\n" or
// "PROXY UNKNOWN ...\r\n".
func readProxyV1(br *bufio.Reader) (net.Addr, error) {
	line, err := br.ReadSlice('\n')
	if err != nil || len(line) > proxyV1MaxLen || !bytes.HasSuffix(line, []byte("\r\n")) {
		return nil, errors.New("malformed PROXY protocol v1 header")
	}
	f := strings.Split(string(line[:len(line)-2]), " ")
	if len(f) < 2 || f[0] != "PROXY" {
		return nil, errors.New("malformed PROXY protocol v1 header")
	}
	if f[1] == "UNKNOWN" {
		return nil, nil
	}
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return nil, errors.New("malformed PROXY protocol v1 header")
	}
	src, err := netip.ParseAddr(f[2])
	if err != nil || src.Zone() != "" || src.Is4() != (f[1] == "TCP4") {
		return nil, errors.New("malformed PROXY protocol v1 header: bad source address")
	}
	if _, err := netip.ParseAddr(f[3]); err != nil {
		return nil, errors.New("malformed PROXY protocol v1 header: bad destination address")
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil || (len(f[4]) > 1 && f[4][0] == '0') {
		return nil, errors.New("malformed PROXY protocol v1 header: bad source port")
	}
	if _, err := strconv.ParseUint(f[5], 10, 16); err != nil {
		return nil, errors.New("malformed PROXY protocol v1 header: bad destination port")
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, uint16(port))), nil
}

// readProxyV2 reads the binary header: signature, version and command,
// family and transport, payload length, then addresses and TLVs.
func readProxyV2(br *bufio.Reader) (net.Addr, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || !bytes.Equal(hdr[:12], proxyV2Sig) {
		return nil, errors.New("malformed PROXY protocol v2 header")
	}
	if hdr[12]>>4 != 2 {
		return nil, errors.New("unsupported PROXY protocol version")
	}
	cmd, fam := hdr[12]&0x0f, hdr[13]
	n := int(binary.BigEndian.Uint16(hdr[14:16]))
	if n > proxyV2MaxPayload {
		return nil, fmt.Errorf("PROXY protocol v2 header too long (%d bytes of addresses and TLVs)", n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return nil, errors.New("truncated PROXY protocol v2 header")
	}
	switch cmd {
	case 0: // LOCAL: the balancer's own connection (health check)
		return nil, nil
	case 1: // PROXY
	default:
		return nil, errors.New("unsupported PROXY protocol v2 command")
	}
	switch fam {
	case 0x11: // TCP over IPv4
		if n < 12 {
			return nil, errors.New("truncated PROXY protocol v2 addresses")
		}
		src := netip.AddrFrom4([4]byte(payload[0:4]))
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, binary.BigEndian.Uint16(payload[8:10]))), nil
	case 0x21: // TCP over IPv6
		if n < 36 {
			return nil, errors.New("truncated PROXY protocol v2 addresses")
		}
		src := netip.AddrFrom16([16]byte(payload[0:16])).Unmap()
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, binary.BigEndian.Uint16(payload[32:34]))), nil
	}
	return nil, nil // UNSPEC, UDP, UNIX: no TCP client address to use
}

// withProxyProtocol wraps ln in a proxyListener when trusted lists
// balancers, and returns it unchanged otherwise.
func withProxyProtocol(ln net.Listener, trusted []netip.Prefix, logger *slog.Logger) net.Listener {
	if len(trusted) == 0 {
		return ln
	}
	return newProxyListener(ln, trusted, logger)
}
