package grafana

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The dashboard is JSON Grafana imports: a title and uid, every panel on
// the Prometheus datasource variable, and queries on every panel but rows.
func TestDashboardIsWellFormed(t *testing.T) {
	t.Parallel()
	var d map[string]any
	require.NoError(t, json.Unmarshal(Dashboard, &d))
	require.NotEmpty(t, d["title"])
	require.NotEmpty(t, d["uid"])
	for _, p := range d["panels"].([]any) {
		p := p.(map[string]any)
		if p["type"] == "row" {
			continue
		}
		require.Equal(t, "${datasource}", p["datasource"].(map[string]any)["uid"], p["title"])
		require.NotEmpty(t, p["targets"], p["title"])
		require.NotEmpty(t, p["gridPos"], p["title"])
	}
	qs, err := Queries()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(qs), 20)
	for _, q := range qs {
		require.NotEmpty(t, MetricNames(q.Expr), "%s: %s reads no campusbiz metric", q.Panel, q.Expr)
	}
}

// promtool parses every query: each becomes a recording rule of a rules
// file that `promtool check rules` checks. It fails, never skips, when
// promtool is missing (scripts/services.sh installs it).
func TestDashboardQueriesParse(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is not on PATH: run `bash scripts/services.sh` (apt-get install prometheus)")
	}
	qs, err := Queries()
	require.NoError(t, err)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range qs {
		expr, err := json.Marshal(Evaluable(q.Expr)) // a JSON string is a YAML string
		require.NoError(t, err)
		fmt.Fprintf(&rules, "      - record: dashboard:query_%d\n        expr: %s\n", i, expr)
	}
	path := filepath.Join(t.TempDir(), "dashboard_rules.yml")
	require.NoError(t, os.WriteFile(path, []byte(rules.String()), 0o600))
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "%s", out)

	// And promtool does refuse a broken one: the check can fail.
	require.NoError(t, os.WriteFile(path, []byte("groups:\n  - name: x\n    rules:\n      - record: x:y\n        expr: \"sum(rate(x[5m])\"\n"), 0o600))
	_, err = exec.Command(promtool, "check", "rules", path).CombinedOutput()
	require.Error(t, err)
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"campusbiz_task_duration_seconds_bucket"},
		MetricNames(`histogram_quantile(0.95, sum by (le, type) (rate(campusbiz_task_duration_seconds_bucket[5m])))`))
	require.Equal(t, []string{"asynq_queue_size", "campusbiz_outbox_waiting"},
		MetricNames(`sum(campusbiz_outbox_waiting{queue="x"}) + sum(asynq_queue_size) + sum(campusbiz_outbox_waiting)`))
}
