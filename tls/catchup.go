package tls

import (
	"context"
	"sync"
)

// catchUpState makes CatchUp run once at a time, again if asked while it
// ran, and never after Close.
type catchUpState struct {
	mu      sync.Mutex
	running bool
	again   bool
	closed  bool
}

// CatchUp renews, in the background and at once, the certificates that are
// due for renewal, and swaps the renewed ones in. The CLI calls it when a
// shared storage is reachable again after an outage: a renewal that failed
// for want of the storage would otherwise wait for certmagic's backoff (a
// minute after the first failure, growing to half an hour) and its next
// maintenance check (every 10 minutes). A call while one runs makes it run
// once more when done (the storage may have gone and come back meanwhile);
// a call after Close does nothing.
func (m *Manager) CatchUp() {
	m.catchUp.mu.Lock()
	defer m.catchUp.mu.Unlock()
	if m.catchUp.closed {
		return
	}
	if m.catchUp.running {
		m.catchUp.again = true
		return
	}
	m.catchUp.running = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for {
			m.renewDue(m.ctx)
			m.catchUp.mu.Lock()
			if !m.catchUp.again || m.catchUp.closed {
				m.catchUp.running, m.catchUp.again = false, false
				m.catchUp.mu.Unlock()
				return
			}
			m.catchUp.again = false
			m.catchUp.mu.Unlock()
		}
	}()
}

// renewDue makes one renewal attempt for each served certificate that is
// due, through the certmagic config that manages it (one that never
// prompts, for ACME), then lets certmagic's maintenance load the renewed
// ones from the storage into its cache. Certificates another instance
// renewed meanwhile are only loaded: certmagic checks the storage under
// the name's lock first.
func (m *Manager) renewDue(ctx context.Context) {
	renewed := 0
	for _, name := range m.names {
		if m.fileDomain[name] {
			continue
		}
		manager, renewer := m.local, m.local
		if m.acmeNames[name] {
			manager, renewer = m.acme, m.acmeObtainer
		}
		due := false
		for _, c := range m.cache.AllMatchingCertificates(name) {
			due = due || c.NeedsRenewal(manager)
		}
		if !due {
			continue
		}
		if err := renewer.RenewCertSync(ctx, name, false); err != nil {
			if ctx.Err() != nil {
				return
			}
			m.logger.Error("renewing a certificate that fell due while the storage was unreachable; certmagic retries it later",
				"name", name, "error", oneLine(err))
			continue
		}
		renewed++
	}
	if renewed == 0 {
		return
	}
	// Swaps in the renewed certificates (its reload path has no backoff).
	if err := m.cache.RenewManagedCertificates(ctx); err != nil && ctx.Err() == nil {
		m.logger.Error("loading the renewed certificates", "error", err)
	}
	m.logger.Info("renewed the certificates that fell due while the storage was unreachable", "certificates", renewed)
}
