package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// redoclyPath is the @redocly/cli that tools/openapi/package-lock.json pins
// (scripts/services.sh installs it).
const redoclyPath = "../tools/openapi/node_modules/.bin/redocly"

// TestOpenAPIPassesRedoclyLint runs @redocly/cli lint on the document with
// api/redocly.yaml (the recommended rules, an operationId on every
// operation): no error may remain. It fails, never skips, when the tool is
// missing.
func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(redoclyPath); err != nil {
		t.Fatalf("@redocly/cli is not installed at %s: run `bash scripts/services.sh` (npm ci in tools/openapi)", redoclyPath)
	}
	cmd := exec.Command(redoclyPath, "lint", "--config", "redocly.yaml", "--format", "stylish", "openapi.yaml")
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true",
		"npm_config_cache="+filepath.Join(t.TempDir(), "npm"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "redocly lint:\n%s", out)
}
