package monitoring

import (
	"os/exec"
	"testing"
)

// promtool runs Debian's promtool with args in this folder.
func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (Debian's prometheus package; make test-deps): %v", err)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %v: %v\n%s", args, err, out)
	}
}

// TestAlertRulesValid: Prometheus would load the rule file.
func TestAlertRulesValid(t *testing.T) {
	promtool(t, "check", "rules", "dashbox-alerts.yml")
}

// TestAlertRulesFire: each alert fires on the series that should trigger it
// and not on the others (dashbox-alerts_test.yml says which).
func TestAlertRulesFire(t *testing.T) {
	promtool(t, "test", "rules", "dashbox-alerts_test.yml")
}
