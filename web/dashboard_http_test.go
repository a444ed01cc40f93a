package web_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/stretchr/testify/require"
)

// TestDashboardCardsAreTitledByName: each card says what it is about (the
// place ranked first, the course), its state named once in the page's
// language, and the next step fits all the workflows.
func TestDashboardCardsAreTitledByName(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	ctx := context.Background()
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	me := app.ActorOf(students[0])
	place := s.createPlace("京东", "直播运营", "北京", 2)
	intern, err := s.app.SubmitInternship(ctx, me, app.InternshipInput{Preferences: []string{place.ID}, Skills: []string{}})
	require.NoError(t, err)
	course := fixtures.Course(t, db, 60)
	enrolled, err := s.app.Enroll(ctx, me, course.ID)
	require.NoError(t, err)

	_, body := signIn(t, s, students[0]).get("/dashboard?lang=zh")
	card := func(id string) string {
		i := strings.Index(body, `id="`+id+`"`)
		require.GreaterOrEqual(t, i, 0, id)
		rest := body[i:]
		return html.UnescapeString(rest[:strings.Index(rest, "</section>")])
	}
	require.Contains(t, card("wf-internship-"+intern.ID), "<h2>实习申请 · 京东 · 直播运营 · 北京</h2>")
	require.Contains(t, card("wf-enrollment-"+enrolled.ID), "<h2>课程 · "+course.Title+"</h2>")
	require.Contains(t, card("wf-enrollment-"+enrolled.ID), `data-state="enrolled">已报名</span>`, "the state named once")
	require.Contains(t, body, "绑定您开设的网店。", "no shop yet: link one")
}
