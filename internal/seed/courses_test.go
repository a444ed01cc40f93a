package seed

import (
	"context"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestLoadCourses(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	n, err := LoadCourses(ctx, db)
	require.NoError(t, err)
	require.Equal(t, len(Courses()), n)
	n, err = LoadCourses(ctx, db)
	require.NoError(t, err)
	require.Zero(t, n, "seeding is idempotent")

	var titles []string
	require.NoError(t, db.Raw(`SELECT title FROM courses WHERE pass_score BETWEEN 1 AND 100 AND description <> ''`).Scan(&titles).Error)
	require.Len(t, titles, 5)
	all := strings.Join(titles, "|")
	for _, topic := range []string{"Opening Your Online Shop", "Product Photography", "Customer Service", "Logistics", "Marketing"} {
		require.Contains(t, all, topic, "the programme's %s course", topic)
	}
}
