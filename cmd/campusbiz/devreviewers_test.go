package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// dev's demo reviewers are made once, can sign in with the printed
// password, and a restart keeps both them and the password.
func TestDevReviewersAreMadeOnceAndCanSignIn(t *testing.T) {
	t.Parallel()
	schema := testenv.Postgres(t)
	cfg := config.Config{DatabaseURL: schema.DSN, DevDir: filepath.Join(t.TempDir(), ".dev")}
	ctx := context.Background()

	emails, pw, err := seedDevReviewers(ctx, cfg, testenv.Logger(t))
	require.NoError(t, err)
	require.Len(t, emails, devReviewers)
	for _, email := range emails {
		acct, err := accounts.Authenticate(ctx, schema.DB, email, pw)
		require.NoError(t, err, email)
		require.Equal(t, models.RoleReviewer, acct.Role)
		require.Nil(t, acct.CollegeID, "no college: eligible for every applicant")
	}

	again, pw2, err := seedDevReviewers(ctx, cfg, testenv.Logger(t))
	require.NoError(t, err)
	require.Equal(t, emails, again)
	require.Equal(t, pw, pw2, "the password is kept in DEV_DIR")
	var n int64
	require.NoError(t, schema.DB.Model(&models.Account{}).Where("role = ?", models.RoleReviewer).Count(&n).Error)
	require.EqualValues(t, devReviewers, n)
}
