package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	dashtls "github.com/dashbox/dashbox/tls"
)

// TestACMEExternalAccountBinding runs against a Pebble that requires
// External Account Binding, as ZeroSSL and most commercial CAs do.
func TestACMEExternalAccountBinding(t *testing.T) {
	const kid, key = "kid-1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
	p := startPebble(t, pebbleOptions{eabKeys: map[string]string{kid: key}})
	useTLSTuning(t, dashtls.Tuning{}, []string{dashtls.ChallengeHTTP01})
	keyFile := func(text string) string {
		f := filepath.Join(t.TempDir(), "eab.key")
		writeTestFile(t, f, []byte(text))
		return f
	}
	failure := func(t *testing.T, d *dashbox, want string) {
		t.Helper()
		ev := waitLogEvent(t, d, "the refused account", 1, func(ev map[string]any) bool {
			return ev["msg"] == "certificate problem" && ev["name"] == "dash.test"
		})
		if msg := str(ev["error"]); !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		} else {
			t.Log(msg)
		}
	}

	t.Run("without EAB refused", func(t *testing.T) {
		d := mustStart(t, p.dashboxArgs("dash.test")...)
		failure(t, d, "externalAccountRequired")
	})
	t.Run("wrong key", func(t *testing.T) {
		wrong := "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH"
		d := mustStart(t, append(p.dashboxArgs("dash.test"), "--acme-eab-kid", kid, "--acme-eab-hmac-key", keyFile(wrong+"\n"))...)
		failure(t, d, "external account binding JWS verification error")
	})
	t.Run("right kid and key", func(t *testing.T) {
		d := mustStart(t, append(p.dashboxArgs("dash.test"), "--acme-eab-kid", kid, "--acme-eab-hmac-key", keyFile(key+"\n"))...)
		waitCertificate(t, d, "dash.test")
		servedLeaf(t, d, "dash.test", p.roots(t))
	})
}
