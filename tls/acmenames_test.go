package tls

import (
	"slices"
	"testing"
)

// TestACMENames: the names doctor checks are those the manager sends to
// the ACME CA.
func TestACMENames(t *testing.T) {
	domains := []string{"Dash.Example.com", "localhost", "127.0.0.1", "intranet", "box.internal", "dash.test", "bad name"}
	if got, want := ACMENames("", domains), []string{"dash.example.com"}; !slices.Equal(got, want) {
		t.Errorf("Let's Encrypt: %q, want %q", got, want)
	}
	if got, want := ACMENames("https://ca.internal/acme/directory", domains), []string{"dash.example.com", "intranet", "box.internal", "dash.test"}; !slices.Equal(got, want) {
		t.Errorf("private CA: %q, want %q", got, want)
	}
}
