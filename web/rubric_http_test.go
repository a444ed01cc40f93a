package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// TestAdminSetsTheRubricFromTheRankingPage: the admin replaces a
// programme's rubric with the form on its ranking page (blank rows
// dropped), a row out of range is refused beside the form as typed with
// nothing changed, and only admins may post it.
func TestAdminSetsTheRubricFromTheRankingPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	prog := fixtures.FundProgram(t, db, nil, nil)
	page := "/admin/fund/programs/" + prog.ID + "/ranking?lang=en"
	status, body := admin.get(page)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `name="name_zh_1" value="总体评价"`, "the default rubric")

	form := url.Values{"name_zh_1": {"商业计划"}, "name_en_1": {"Business plan"}, "weight_1": {"2"}, "max_points_1": {"10"},
		"name_zh_3": {"网店经营"}, "name_en_3": {"Shop record"}, "weight_3": {"1"}, "max_points_3": {"5"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("weight_3", "0")
	status, body = admin.post("/admin/fund/programs/"+prog.ID+"/rubric?lang=en", bad)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `value="网店经营"`, "the form as typed")
	require.Contains(t, body, "Weight: must be at least 1")
	rubric, err := s.app.Rubric(context.Background(), prog.ID)
	require.NoError(t, err)
	require.Len(t, rubric, 1, "nothing changed")

	status, _ = admin.post("/admin/fund/programs/"+prog.ID+"/rubric", form)
	require.Equal(t, http.StatusSeeOther, status)
	rubric, err = s.app.Rubric(context.Background(), prog.ID)
	require.NoError(t, err)
	require.Len(t, rubric, 2)
	require.Equal(t, "Business plan", rubric[0].NameEN)
	require.Equal(t, 5, rubric[1].MaxPoints)

	applicant := signIn(t, s, fixtures.Account(t, db, models.RoleApplicant))
	status, _ = applicant.post("/admin/fund/programs/"+prog.ID+"/rubric", form)
	require.Equal(t, http.StatusForbidden, status)
}
