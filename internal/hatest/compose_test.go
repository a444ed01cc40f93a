package hatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/stretchr/testify/require"
)

// composeSentinelEnv is the REDIS_MODE and REDIS_URL that docker-compose.yml's
// header tells an operator to export for the sentinel profile.
func composeSentinelEnv(t *testing.T) (file string, env map[string]string) {
	t.Helper()
	file = filepath.Join("..", "..", "docker-compose.yml")
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	env = map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^#\s+export (REDIS_MODE|REDIS_URL)='?([^'\n]+)'?$`).FindAllStringSubmatch(string(raw), -1) {
		env[m[1]] = m[2]
	}
	require.Len(t, env, 2, "the header documents REDIS_MODE and REDIS_URL for the sentinel profile")
	return file, env
}

// The documented Sentinel settings are ones campusbiz accepts, and the
// profile's file is valid for docker-compose with them: api and worker get
// them, and the replica and three sentinels exist only under the profile.
func TestComposeSentinelProfile(t *testing.T) {
	t.Parallel()
	file, env := composeSentinelEnv(t)
	cfg, err := config.LoadFrom(env)
	require.NoError(t, err, "the documented REDIS_URL parses for REDIS_MODE=sentinel")
	require.Equal(t, "sentinel", cfg.RedisMode)

	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skipf("docker-compose is not installed (apt-get install docker-compose); the settings were checked, the file was not: %v", err)
	}
	cmd := exec.Command(bin, "-f", file, "--profile", "sentinel", "config")
	cmd.Env = append(os.Environ(), "REDIS_MODE="+env["REDIS_MODE"], "REDIS_URL="+env["REDIS_URL"])
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker-compose --profile sentinel config: %s", out)
	rendered := string(out)
	require.Equal(t, 4, strings.Count(rendered, "REDIS_MODE: sentinel"), "api, worker, migrate and seed get REDIS_MODE")
	for _, svc := range []string{"redis-replica:", "sentinel-1:", "sentinel-2:", "sentinel-3:"} {
		require.Contains(t, rendered, "\n  "+svc)
	}
	require.Contains(t, rendered, "sentinel monitor campusbiz redis 6379 2")

	cmd = exec.Command(bin, "-f", file, "config")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDIS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "docker-compose config: %s", out)
	require.Contains(t, string(out), "REDIS_MODE: single", "without the profile's settings, the single server")
}
