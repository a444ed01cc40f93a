// Package prometheus holds campusbiz's Prometheus alert rules; its test
// checks them with promtool.
package prometheus

import (
	"os/exec"
	"testing"
)

// TestAlertRules checks alerts.yml and runs its unit tests (alerts_test.yml)
// with promtool, which scripts/services.sh installs (Debian's prometheus
// package). It fails, never skips, when promtool is missing.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is not on PATH: run `bash scripts/services.sh` (apt-get install prometheus)")
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
