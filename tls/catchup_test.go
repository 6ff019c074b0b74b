package tls

import (
	cryptotls "crypto/tls"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"github.com/caddyserver/certmagic"
)

// TestCatchUpAfterStorageOutage: certificates that fell due while the
// storage was down cannot be renewed then (CatchUp says why and leaves
// them); CatchUp once the storage is back renews them at once and the
// renewed ones are served before the old ones expire. certmagic's own
// maintenance is off here (hourly): a renewal it attempted during the
// outage would back off for a minute, in a schedule global to the process
// that would hold up the other tests' renewals of localhost.
func TestCatchUpAfterStorageOutage(t *testing.T) {
	// Due at once: certmagic counts a certificate that expires within
	// five maintenance intervals as due.
	const life = 5 * time.Second
	st := &flakyStorage{Storage: &certmagic.FileStorage{Path: t.TempDir()}}
	log := &testenv.SyncBuffer{}
	m := mustNewManager(t, Config{Storage: st, Logger: slog.New(slog.NewTextHandler(log, nil)),
		Tuning: Tuning{LocalLeafLifetime: life, RenewCheckInterval: time.Hour}}, managerOptions{hostname: noHostname})
	srv := startTLSServer(t, "tcp4", m.TLSConfig())
	serial := func() *big.Int {
		state, hello, err := srv.dial(t, &cryptotls.Config{ServerName: "localhost", RootCAs: rootPool(t, m.CA())})
		if err != nil {
			t.Fatalf("handshake: %v (server: %v)\n%s", err, hello.err, log)
		}
		return state.PeerCertificates[0].SerialNumber
	}
	first := serial()
	issued := time.Now()
	expires := m.cache.AllMatchingCertificates("localhost")[0].Leaf.NotAfter

	st.down.Store(true)
	for !m.cache.AllMatchingCertificates("localhost")[0].NeedsRenewal(m.local) {
		if time.Since(issued) > life {
			t.Fatal("localhost's certificate never fell due")
		}
		time.Sleep(20 * time.Millisecond) // waiting for the clock
	}
	m.CatchUp()
	for strings.Count(log.String(), "renewing a certificate that fell due while the storage was unreachable") < len(m.Names()) {
		if time.Now().After(expires) {
			t.Fatalf("CatchUp with the storage down reported no failure for each of %v:\n%s", m.Names(), log)
		}
		time.Sleep(20 * time.Millisecond) // polling the log
	}
	if serial().Cmp(first) != 0 {
		t.Fatal("renewed with the storage down")
	}

	st.down.Store(false)
	back := time.Now()
	m.CatchUp()
	for serial().Cmp(first) == 0 {
		if time.Now().After(expires) {
			t.Fatalf("the certificate was not renewed before it expired, %s after the storage came back:\n%s", time.Since(back).Round(time.Millisecond), log)
		}
		time.Sleep(20 * time.Millisecond) // polling the renewal
	}
	t.Logf("renewed %s after the storage came back", time.Since(back).Round(time.Millisecond))
	if !strings.Contains(log.String(), "renewed the certificates that fell due while the storage was unreachable") {
		t.Errorf("the catch-up was not logged:\n%s", log)
	}
}
