package seed

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

func TestFundProgram(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	created, err := FundProgram(ctx, db, now)
	require.NoError(t, err)
	require.True(t, created)
	created, err = FundProgram(ctx, db, now.AddDate(0, 1, 0))
	require.NoError(t, err)
	require.False(t, created, "seeding is idempotent")

	var progs []models.FundProgram
	require.NoError(t, db.Find(&progs).Error)
	require.Len(t, progs, 1)
	p := progs[0]
	require.Equal(t, "Tomorrow's Online Merchants", p.Name)
	require.EqualValues(t, 200_000*100, p.BudgetFen, "200,000 yuan in fen")
	require.Zero(t, p.ReservedFen)
	require.Zero(t, p.DisbursedFen)
	require.LessOrEqual(t, p.MaxGrantFen, p.BudgetFen)
	require.Equal(t, 72, p.ReviewHours)
	require.True(t, p.OpensAt.Equal(now), "opened by the first seed, not moved by the second")
	require.True(t, p.ClosesAt.After(p.OpensAt))
}
