package tls

// acmeAttempt tells Config.OnACMEAttempt of an ACME obtain or renewal
// attempt that just ended, from certmagic's events: cert_obtained, or
// cert_failed with its error. certmagic emits one of them per attempt (the
// first obtain runs one attempt per call, see obtainWithRetry; renewals
// retry on certmagic's schedule, each emitting). Local-CA certificates
// pass through certmagic too and are not counted.
func (m *Manager) acmeAttempt(event, name string, renewal bool, data map[string]any) {
	if m.onACME == nil || !m.acmeNames[name] {
		return
	}
	switch event {
	case "cert_obtained":
		m.onACME(renewal, nil)
	case "cert_failed":
		err, _ := data["error"].(error)
		if err == nil {
			err = errACMEAttemptFailed
		}
		m.onACME(renewal, err)
	}
}
