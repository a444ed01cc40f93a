package workers

import (
	"context"
	"testing"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestSplitIDs(t *testing.T) {
	t.Parallel()
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	require.Empty(t, splitIDs(""))
	require.Equal(t, []string{a}, splitIDs(a))
	require.Equal(t, []string{a, b, c}, splitIDs(a+","+b+","+c))
}

func TestSplitSkills(t *testing.T) {
	t.Parallel()
	require.Nil(t, splitSkills(""), "no skills")
	require.Equal(t, []string{"social media", "a,b"}, splitSkills("social media\x1fa,b"), "spaces and commas stay inside a skill")
}

// TestCandidatesQueryRuns runs every form of the candidates query, as a
// deployment with or without the training and shop tables would.
func TestCandidatesQueryRuns(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	for _, certs := range []bool{false, true} {
		for _, shops := range []bool{false, true} {
			rows, err := db.Statement.ConnPool.QueryContext(context.Background(), candidatesQuery(certs, shops))
			require.NoError(t, err, "certificates %v, shops %v", certs, shops)
			cols, err := rows.Columns()
			require.NoError(t, err)
			require.Len(t, cols, 7)
			require.NoError(t, rows.Close())
		}
	}
}
