package tls

import (
	"errors"
	"testing"
)

// TestACMEAttempt: certmagic's events for ACME names become attempts with
// their outcome; local-CA names and other events do not count.
func TestACMEAttempt(t *testing.T) {
	type attempt struct {
		renewal bool
		failed  bool
	}
	var got []attempt
	m := &Manager{acmeNames: map[string]bool{"dash.example.com": true},
		onACME: func(renewal bool, err error) { got = append(got, attempt{renewal, err != nil}) }}
	m.acmeAttempt("cert_obtaining", "dash.example.com", false, nil)
	m.acmeAttempt("cert_obtained", "dash.example.com", false, map[string]any{})
	m.acmeAttempt("cert_failed", "dash.example.com", true, map[string]any{"error": errors.New("rate limited")})
	m.acmeAttempt("cert_failed", "dash.example.com", true, map[string]any{})
	m.acmeAttempt("cert_obtained", "localhost", false, map[string]any{})
	want := []attempt{{false, false}, {true, true}, {true, true}}
	if len(got) != len(want) {
		t.Fatalf("attempts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("attempts %v, want %v", got, want)
		}
	}
}
