package tls

import (
	cryptotls "crypto/tls"
	"net"
	"testing"
	"time"
)

// BenchmarkHandshake measures one full TLS handshake (no session
// resumption) against TLSConfig over loopback TCP, client and server in
// this process: ns/op is the CPU of both sides plus the loopback round
// trips. Compare with nginx on the same machine using the same client.
func BenchmarkHandshake(b *testing.B) {
	m := mustNewManager(b, Config{}, managerOptions{})
	srv := startTLSServer(b, "tcp4", m.TLSConfig())
	roots := rootPool(b, m.CA())
	cases := []struct {
		name   string
		client *cryptotls.Config
	}{
		{"TLS1.3-X25519MLKEM768", &cryptotls.Config{}},
		{"TLS1.3-X25519", &cryptotls.Config{CurvePreferences: []cryptotls.CurveID{cryptotls.X25519}}},
		{"TLS1.2-ECDHE-ECDSA-AES128-GCM", &cryptotls.Config{MaxVersion: cryptotls.VersionTLS12,
			CipherSuites: []uint16{cryptotls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cfg := c.client.Clone()
			cfg.ServerName, cfg.RootCAs = "localhost", roots
			dialer := &net.Dialer{Timeout: 10 * time.Second}
			b.ReportAllocs()
			for b.Loop() {
				conn, err := cryptotls.DialWithDialer(dialer, "tcp", srv.addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				conn.Close()
				<-srv.hellos // the server finished its side
			}
		})
	}
}
