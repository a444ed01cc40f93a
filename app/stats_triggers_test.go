package app_test

import (
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

// Admin stats (App.Stats) read the counts that migration 00007's triggers
// keep: every workflow table WorkflowTables names must have them, or its
// counts stay empty.
func TestEveryStatsTableIsCounted(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	for workflow, table := range app.WorkflowTables {
		var args []string
		require.NoError(t, db.Raw(`SELECT encode(tgargs, 'escape') FROM pg_trigger
			WHERE tgrelid = to_regclass(?) AND tgname LIKE '%_count_%' ORDER BY tgname`, table).Scan(&args).Error)
		require.Len(t, args, 3, "%s (%s): insert, update and delete triggers", table, workflow)
		for _, a := range args {
			require.Equal(t, workflow+`\000`, a, table) // tgargs: NUL-terminated
		}
	}
}
