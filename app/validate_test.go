package app_test

import (
	"context"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// Text of spaces only is as good as none: a required field that is blank
// is refused with field.blank, and nothing is written.
func TestBlankRequiredTextIsRefused(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	college, domain := fixtures.College(t, db)
	applicant := fixtures.Account(t, db, models.RoleApplicant)
	in := fixtures.OnboardingForm(college, domain)
	in.FullName, in.Major = "   ", "\t "
	_, err := a.SubmitOnboarding(ctx, app.ActorOf(applicant), in)
	var ve *workflows.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, map[string]msg.Message{"full_name": msg.New(msg.FieldBlank), "major": msg.New(msg.FieldBlank)}, ve.Fields)

	_, err = a.Register(ctx, "192.0.2.1", app.RegisterInput{Email: "blank@example.com", Password: "a-long-password", Name: "  "})
	require.ErrorAs(t, err, &ve)
	require.Equal(t, msg.FieldBlank, ve.Fields["name"].Code)

	var n int64
	require.NoError(t, db.Model(&models.StudentProfile{}).Count(&n).Error)
	require.Zero(t, n)
	require.NoError(t, db.Model(&models.Account{}).Where("email = ?", "blank@example.com").Count(&n).Error)
	require.Zero(t, n)
}
