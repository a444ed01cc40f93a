package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// The student list filters by status and college, searches by the start of
// a name, student number or e-mail, pages by cursor without repeating or
// skipping a row, and counts what the filter selects.
func TestAdminStudentsFilterSearchPageCount(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	students, college := fixtures.VerifiedStudents(t, db, 7)
	other, _ := fixtures.VerifiedStudent(t, db, "王小明")
	require.NoError(t, db.Exec(`UPDATE student_profiles SET status = 'pending' WHERE account_id = ?`, students[0].ID).Error)

	all, err := a.AdminStudents(ctx, admin, app.ListFilter{CollegeID: college.ID}, app.Page{Limit: 3})
	require.NoError(t, err)
	require.EqualValues(t, 7, all.Total)
	require.False(t, all.TotalCapped)
	seen := map[string]bool{}
	for p := (app.Page{Limit: 3}); ; {
		l, err := a.AdminStudents(ctx, admin, app.ListFilter{CollegeID: college.ID}, p)
		require.NoError(t, err)
		require.EqualValues(t, 7, l.Total, "the count is of the filter, not of the page")
		for _, r := range l.Items {
			require.False(t, seen[r.ID], "row %s twice", r.ID)
			seen[r.ID] = true
			require.Equal(t, college.ID, r.CollegeID)
		}
		if l.NextCursor == "" {
			break
		}
		p.Cursor = l.NextCursor
	}
	require.Len(t, seen, 7)

	pending, err := a.AdminStudents(ctx, admin, app.ListFilter{CollegeID: college.ID, Status: "pending"}, app.Page{})
	require.NoError(t, err)
	require.Len(t, pending.Items, 1)
	require.Equal(t, students[0].ID, pending.Items[0].AccountID)

	byName, err := a.AdminStudents(ctx, admin, app.ListFilter{Q: "王小"}, app.Page{})
	require.NoError(t, err)
	require.Len(t, byName.Items, 1)
	require.Equal(t, other.ID, byName.Items[0].AccountID)
	num := byName.Items[0].StudentNumber
	byNumber, err := a.AdminStudents(ctx, admin, app.ListFilter{Q: num}, app.Page{})
	require.NoError(t, err)
	require.Equal(t, other.ID, byNumber.Items[0].AccountID)
	byEmail, err := a.AdminStudents(ctx, admin, app.ListFilter{Q: strings.ToUpper(byName.Items[0].Email[:6])}, app.Page{})
	require.NoError(t, err)
	require.NotEmpty(t, byEmail.Items)
	none, err := a.AdminStudents(ctx, admin, app.ListFilter{Q: "%"}, app.Page{})
	require.NoError(t, err)
	require.Empty(t, none.Items, "LIKE wildcards in the search match literally")
	require.EqualValues(t, 0, none.Total)
}

// Bad filters are validation errors naming the field; other roles are
// refused.
func TestAdminListsRefuseBadFiltersAndOtherRoles(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	for field, f := range map[string]app.ListFilter{
		"status": {Status: "lost"}, "college_id": {CollegeID: "x"}, "program_id": {ProgramID: "1"},
		"from": {From: "2026-13-01"}, "to": {To: "yesterday"}, "q": {Q: strings.Repeat("a", 101)},
	} {
		_, err := a.AdminFundApplications(ctx, admin, f, app.Page{})
		var verr *workflows.ValidationError
		require.ErrorAs(t, err, &verr, field)
		require.Contains(t, verr.Fields, field)
	}
	_, err := a.AdminShops(ctx, admin, app.ListFilter{}, app.Page{Cursor: "nope"})
	var verr *workflows.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Contains(t, verr.Fields, "cursor")
	for _, role := range []string{models.RoleApplicant, models.RoleReviewer} {
		x := app.ActorOf(fixtures.Account(t, db, role))
		_, err := a.AdminCertificates(ctx, x, app.ListFilter{}, app.Page{})
		require.ErrorIs(t, err, workflows.ErrForbidden)
		_, err = a.Audit(ctx, x, app.AuditFilter{}, app.Page{})
		require.ErrorIs(t, err, workflows.ErrForbidden)
		require.ErrorIs(t, a.Export(ctx, x, "ledger", &bytes.Buffer{}), workflows.ErrForbidden)
	}
}

// Every list answers for an admin, filtered by programme, college and
// date, and the reviewer list shows each reviewer's load.
func TestAdminListsEachKind(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	students, college := fixtures.VerifiedStudents(t, db, 2)
	shops := fixtures.VerifiedShops(t, db, students)
	program := fixtures.FundProgram(t, db, nil, nil)
	rev := fixtures.Reviewer(t, db, college.ID)
	for i, s := range students {
		id := models.NewID()
		require.NoError(t, db.Exec(`INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan, status)
			VALUES (?, ?, ?, ?, 5000, 'plan', 'in_review')`, id, program.ID, s.ID, shops[i].ID).Error)
		require.NoError(t, db.Exec(`INSERT INTO fund_reviews (id, application_id, reviewer_id, status, due_at)
			VALUES (?, ?, ?, 'assigned', now() - interval '1 hour')`, models.NewID(), id, rev.ID).Error)
	}
	f, err := a.AdminFundApplications(ctx, admin, app.ListFilter{ProgramID: program.ID, CollegeID: college.ID, Status: "in_review"}, app.Page{})
	require.NoError(t, err)
	require.EqualValues(t, 2, f.Total)
	require.Equal(t, program.Name, f.Items[0].Program)
	f, err = a.AdminFundApplications(ctx, admin, app.ListFilter{From: "2000-01-01", To: "2000-01-02"}, app.Page{})
	require.NoError(t, err)
	require.EqualValues(t, 0, f.Total)
	f, err = a.AdminFundApplications(ctx, admin, app.ListFilter{Q: strings.ToLower(students[1].Email)}, app.Page{})
	require.NoError(t, err)
	require.EqualValues(t, 1, f.Total)

	s, err := a.AdminShops(ctx, admin, app.ListFilter{CollegeID: college.ID, Status: "verified"}, app.Page{})
	require.NoError(t, err)
	require.EqualValues(t, 2, s.Total)

	r, err := a.AdminReviewers(ctx, admin, app.ListFilter{CollegeID: college.ID}, app.Page{})
	require.NoError(t, err)
	require.Len(t, r.Items, 1)
	require.EqualValues(t, 2, r.Items[0].Open)
	require.EqualValues(t, 2, r.Items[0].Overdue)

	_, err = a.AdminInternshipApplications(ctx, admin, app.ListFilter{Status: "offered"}, app.Page{})
	require.NoError(t, err)
	_, err = a.AdminCertificates(ctx, admin, app.ListFilter{Status: "valid"}, app.Page{})
	require.NoError(t, err)
}

// An admin action writes its audit row in its own unit of work: who, what,
// the entity, before and after, the client's address; the log refuses
// updates and deletes.
func TestAuditRecordsActionsAndIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	admin.IP = "203.0.113.7"
	student, _ := fixtures.VerifiedStudent(t, db, "张三")
	shop := fixtures.VerifiedShops(t, db, []models.Account{student})[0]
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending' WHERE id = ?`, shop.ID).Error)
	no := false
	_, err := a.ConfirmShop(ctx, admin, shop.ID, app.ConfirmShopInput{Verified: &no, Reason: "not yours"})
	require.NoError(t, err)

	l, err := a.Audit(ctx, admin, app.AuditFilter{EntityID: shop.ID}, app.Page{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	e := l.Items[0]
	require.Equal(t, admin.ID, e.ActorID)
	require.Equal(t, app.AuditRejectShop, e.Action)
	require.Equal(t, "shop", e.EntityType)
	require.Equal(t, "203.0.113.7", e.IP)
	var before, after models.Shop
	require.NoError(t, json.Unmarshal(e.Before, &before))
	require.NoError(t, json.Unmarshal(e.After, &after))
	require.Equal(t, workflows.ShopPending, before.Status)
	require.Equal(t, workflows.ShopRejected, after.Status)

	// A refused action leaves no audit row.
	_, err = a.ConfirmShop(ctx, admin, shop.ID, app.ConfirmShopInput{Verified: &no, Reason: "again"})
	require.ErrorIs(t, err, workflows.ErrConflict)
	l, err = a.Audit(ctx, admin, app.AuditFilter{ActorID: admin.ID}, app.Page{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)

	require.Error(t, db.Exec(`UPDATE audit_log SET action = 'x'`).Error)
	require.Error(t, db.Exec(`DELETE FROM audit_log`).Error)
	require.Error(t, db.Exec(`TRUNCATE audit_log`).Error)
	_, err = a.Audit(ctx, admin, app.AuditFilter{ActorID: "me"}, app.Page{})
	var verr *workflows.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Contains(t, verr.Fields, "actor_id")
}

// Exports start with a byte-order mark and a header, keep Chinese intact,
// and defuse cells a spreadsheet would run as formulas.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	require.NoError(t, db.Exec(`UPDATE accounts SET name = '=HYPERLINK("x")' WHERE id = ?`, students[0].ID).Error)
	shop := fixtures.VerifiedShops(t, db, students)[0]
	program := fixtures.FundProgram(t, db, nil, func(p *models.FundProgram) { p.Name = "明日网商" })
	require.NoError(t, db.Exec(`INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan, status)
		VALUES (?, ?, ?, ?, 123456, 'plan', 'submitted')`, models.NewID(), program.ID, students[0].ID, shop.ID).Error)
	var buf bytes.Buffer
	require.NoError(t, a.Export(ctx, admin, "fund-applications", &buf))
	require.True(t, strings.HasPrefix(buf.String(), "\uFEFF"), "BOM first")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, "id", recs[0][0])
	require.Equal(t, "明日网商", recs[1][1])
	require.Equal(t, `'=HYPERLINK("x")`, recs[1][2])
	require.Equal(t, "1234.56", recs[1][6])
	for _, name := range []string{"ledger", "certificates", "audit"} {
		buf.Reset()
		require.NoError(t, a.Export(ctx, admin, name, &buf), name)
	}
	require.ErrorIs(t, a.Export(ctx, admin, "secrets", &buf), workflows.ErrNotFound)
	require.Equal(t, "'-1", app.SafeCell("-1"))
	require.Equal(t, "'@a", app.SafeCell("@a"))
	require.Equal(t, "a=b", app.SafeCell("a=b"))
}

// A bulk decision decides each shop on its own and reports each outcome.
func TestBulkConfirmShops(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	students, _ := fixtures.VerifiedStudents(t, db, 3)
	shops := fixtures.VerifiedShops(t, db, students)
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending' WHERE id IN ?`, []string{shops[0].ID, shops[1].ID}).Error)
	yes := true
	missing := models.NewID()
	out, err := a.BulkConfirmShops(ctx, admin, app.BulkShopsInput{
		ShopIDs: []string{shops[0].ID, shops[1].ID, shops[2].ID, missing, shops[0].ID}, Verified: &yes})
	require.NoError(t, err)
	require.Len(t, out, 4, "each shop once")
	require.Equal(t, workflows.ShopVerified, out[0].Status)
	require.Equal(t, workflows.ShopVerified, out[1].Status)
	require.NotNil(t, out[2].Problem, "verified already")
	require.Equal(t, 409, out[2].Problem.Status)
	require.Equal(t, 404, out[3].Problem.Status)
	var n int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_log WHERE action = ?`, app.AuditConfirmShop).Scan(&n).Error)
	require.EqualValues(t, 2, n)

	no := false
	_, err = a.BulkConfirmShops(ctx, admin, app.BulkShopsInput{ShopIDs: []string{shops[0].ID}, Verified: &no})
	var verr *workflows.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Contains(t, verr.Fields, "reason")
	_, err = a.BulkConfirmShops(ctx, admin, app.BulkShopsInput{ShopIDs: []string{"x"}, Verified: &yes})
	require.ErrorAs(t, err, &verr)
}

// A results import reports every bad row and records nothing, or records
// every row.
func TestImportResultsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	course := fixtures.Course(t, db, 60)
	students, _ := fixtures.VerifiedStudents(t, db, 3)
	var ids []string
	for _, s := range students {
		e, err := a.Enroll(ctx, app.ActorOf(s), course.ID)
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	enrolled := func() int64 {
		var n int64
		require.NoError(t, db.Raw(`SELECT count(*) FROM enrollments WHERE status = 'enrolled' AND id IN ?`, ids).Scan(&n).Error)
		return n
	}

	bad := fmt.Sprintf("enrollment_id,score\n%s,80\nnot-an-id,70\n%s,101\n%s,55\n%s,abc\n", ids[0], ids[1], ids[0], ids[2])
	rep, err := a.ImportResults(ctx, admin, strings.NewReader(bad), nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Applied)
	codes := map[string]string{}
	for _, e := range rep.Errors {
		codes[fmt.Sprintf("%d/%s", e.Row, e.Field)] = e.Msg.Code
	}
	require.Equal(t, map[string]string{"3/enrollment_id": msg.FieldID, "4/score": msg.FieldRange,
		"5/enrollment_id": msg.ImportDuplicate, "6/score": msg.FieldWholeNumber}, codes)
	require.EqualValues(t, 3, enrolled())

	// Rows well-formed but refused by the database: nothing is applied.
	unknown := models.NewID()
	rep, err = a.ImportResults(ctx, admin, strings.NewReader(fmt.Sprintf("\uFEFFenrollment_id,score\n%s,80\n%s,70\n", ids[0], unknown)), nil)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Applied)
	require.Len(t, rep.Errors, 1)
	require.Equal(t, 3, rep.Errors[0].Row)
	require.EqualValues(t, 3, enrolled(), "the good row was rolled back with the bad one")

	var seen []int
	rep, err = a.ImportResults(ctx, admin, strings.NewReader(fmt.Sprintf("enrollment_id,score\n%s,80\n%s,40\n%s,60\n", ids[0], ids[1], ids[2])),
		func(done, total int) {
			require.Equal(t, 3, total)
			seen = append(seen, done)
		})
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2}, seen, "progress before each row")
	require.Empty(t, rep.Errors)
	require.Equal(t, 3, rep.Applied)
	require.EqualValues(t, 0, enrolled())
	var n int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_log WHERE action IN ?`, []string{app.AuditRecordResult, app.AuditImportResults}).Scan(&n).Error)
	require.EqualValues(t, 4, n)

	// A second import of the same rows: each is refused as recorded already.
	rep, err = a.ImportResults(ctx, admin, strings.NewReader(fmt.Sprintf("enrollment_id,score\n%s,80\n", ids[0])), nil)
	require.NoError(t, err)
	require.Equal(t, msg.TrainingResultRecorded, rep.Errors[0].Msg.Code)
	_, err = a.ImportResults(ctx, app.ActorOf(students[0]), strings.NewReader(""), nil)
	require.True(t, errors.Is(err, workflows.ErrForbidden))
}

// The parser reports the header, the column count and an empty file.
func TestParseResultsShape(t *testing.T) {
	t.Parallel()
	_, errs := app.ParseResults(strings.NewReader("id,score\n"))
	require.Equal(t, msg.ImportHeader, errs[0].Msg.Code)
	_, errs = app.ParseResults(strings.NewReader("enrollment_id,score\n"))
	require.Equal(t, msg.ImportEmpty, errs[0].Msg.Code)
	_, errs = app.ParseResults(strings.NewReader("enrollment_id,score\na,b,c\n"))
	require.Equal(t, msg.ImportColumns, errs[0].Msg.Code)
	require.Equal(t, 2, errs[0].Row)
	_, errs = app.ParseResults(strings.NewReader("enrollment_id,score\n\"a,1\n"))
	require.Equal(t, msg.ImportMalformed, errs[0].Msg.Code)
}
