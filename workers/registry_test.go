package workers_test

import (
	"os"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/workers"
	"github.com/stretchr/testify/require"
)

func TestRegistryIsWellFormed(t *testing.T) {
	t.Parallel()
	require.NoError(t, workers.Registry.Check())
}

// The documentation's task table is the registry's: docs/TASKS.md holds it
// between two markers. UPDATE_DOCS=1 rewrites it from the registry.
func TestTaskTableInDocsIsTheRegistry(t *testing.T) {
	t.Parallel()
	const path, begin, end = "../docs/TASKS.md", "<!-- registry:begin -->\n", "<!-- registry:end -->"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(raw)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "docs/TASKS.md must hold the table between %q and %q", begin, end)
	want := workers.Registry.Markdown()
	if os.Getenv("UPDATE_DOCS") == "1" {
		doc = doc[:i+len(begin)] + want + doc[j:]
		require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
		return
	}
	require.Equal(t, want, doc[i+len(begin):j],
		"docs/TASKS.md's task table differs from workers.Registry; run UPDATE_DOCS=1 go test -run TestTaskTableInDocsIsTheRegistry ./workers/")
}
