package tls

import (
	cryptotls "crypto/tls"
	"slices"
)

// tls12CipherSuites are the only TLS 1.2 suites dashbox offers: ECDHE key
// exchange (forward secrecy) with an AEAD cipher. Go's default list still
// has the ECDHE CBC-SHA suites (flagged by testssl as LUCKY13-prone), so the
// list is explicit. TLS 1.3 suites are not configurable in Go and are all
// AEAD. RSA suites are kept for RSA certificates (an ACME CA or an admin's
// files may give one); the local CA issues ECDSA.
var tls12CipherSuites = []uint16{
	cryptotls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	cryptotls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	cryptotls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	cryptotls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	cryptotls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	cryptotls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// curvePreferences are the key exchanges dashbox accepts. Go intersects
// this list with its own default (and keeps its own order), so the
// post-quantum hybrid X25519MLKEM768 is used when Go's default has it and
// dropped when GODEBUG=tlsmlkem=0 turns it off. X25519 and P-256 cover every
// current client; P-384 is kept for clients restricted to NSA Suite B
// curves. P-521 (slow, unused by browsers) is left out.
var curvePreferences = []cryptotls.CurveID{
	cryptotls.X25519MLKEM768,
	cryptotls.X25519,
	cryptotls.CurveP256,
	cryptotls.CurveP384,
}

// httpProtos are the application protocols dashbox serves, in order of
// preference; they go ahead of certmagic's acme-tls/1, which only an ACME
// CA asks for, alone.
var httpProtos = []string{"h2", "http/1.1"}

// harden sets dashbox's protocol policy on a TLS config from certmagic:
// TLS 1.2 and 1.3 only, AEAD suites with forward secrecy, HTTP ALPN
// protocols first. It keeps GetCertificate and the acme-tls/1 protocol.
func harden(cfg *cryptotls.Config) *cryptotls.Config {
	cfg.MinVersion = cryptotls.VersionTLS12
	cfg.CipherSuites = slices.Clone(tls12CipherSuites)
	cfg.CurvePreferences = slices.Clone(curvePreferences)
	protos := slices.Clone(httpProtos)
	for _, p := range cfg.NextProtos {
		if !slices.Contains(protos, p) {
			protos = append(protos, p)
		}
	}
	cfg.NextProtos = protos
	return cfg
}
