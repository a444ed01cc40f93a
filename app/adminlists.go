package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
)

// ListFilter narrows an admin list. Every field is optional; the adapters
// pass the query string's (or the filter form's) text as it came, and the
// use case checks it. A filter a list does not know (a programme on the
// student list) is ignored.
type ListFilter struct {
	// Status is one of the list's states.
	Status string `json:"status" validate:"max=32"`
	// CollegeID is the student's college (the reviewer's, on the reviewer list).
	CollegeID string `json:"college_id" validate:"omitempty,uuid"`
	// ProgramID is the fund programme (fund applications) or the course
	// (certificates).
	ProgramID string `json:"program_id" validate:"omitempty,uuid"`
	// Q searches by the start of a name, an e-mail address or a student
	// number (and a shop's name or a certificate's serial), ignoring case.
	Q string `json:"q" validate:"max=100,nocontrol"`
	// From and To bound the creation date (YYYY-MM-DD, UTC, To inclusive).
	From string `json:"from" validate:"omitempty,datetime=2006-01-02"`
	To   string `json:"to" validate:"omitempty,datetime=2006-01-02"`
}

// ListFilterOf reads a filter from named text values (a query string's
// or a form's Get), as both adapters take it.
func ListFilterOf(get func(string) string) ListFilter {
	return ListFilter{Status: get("status"), CollegeID: get("college_id"), ProgramID: get("program_id"), Q: get("q"),
		From: get("from"), To: get("to")}
}

// AdminListStates are the states each admin list filters by, by the
// list's name in the API's paths.
func AdminListStates(list string) []string {
	switch list {
	case "students":
		return studentList.states
	case "shops":
		return shopList.states
	case "fund-applications":
		return fundList.states
	case "internship-applications":
		return internshipList.states
	case "certificates":
		return certificateList.states
	}
	return nil
}

// listSpec is what one admin list reads: its table (aliased x), the
// joins and columns of its rows, and how the filter applies to it. The
// joins only add columns to show: the filter names x's columns alone, so
// that the count reads x alone (an index-only scan where an index covers
// the filter).
type listSpec struct {
	table, joins, columns string
	// states are the values Status may take.
	states []string
	// dateCol is the column From and To bound.
	dateCol string
	// programCol is the column ProgramID filters ("" ignores it).
	programCol string
	// collegeCol is the college column when the row has one; otherwise the
	// row's x.account_id is matched to its student profile's college.
	collegeCol string
	// searchCols are the row's own columns searched besides its account's
	// name, e-mail and student number.
	searchCols []string
	// noAccount: the rows are accounts themselves (x.id), not owned by one.
	noAccount bool
	// ownSearch: search only searchCols, not the owner's account.
	ownSearch bool
}

// rows is q (a query) with the joins and columns of spec's rows.
func (spec listSpec) rows(q *gorm.DB) *gorm.DB {
	if spec.joins != "" {
		q = q.Joins(spec.joins)
	}
	return q.Select(spec.columns)
}

// statesOf is every state of m, sorted.
func statesOf(m engine.Machine) []string {
	set := map[string]bool{m.Initial: true}
	for from, tos := range m.Transitions {
		set[from] = true
		for _, to := range tos {
			set[to] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// likePrefix is the LIKE pattern of the lower-cased text q as a prefix,
// its wildcards escaped.
func likePrefix(q string) string {
	return escapeLike(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// query is the filtered query of spec's table, without its joins and
// columns: a fresh session reusable for the page and its count. Lists read
// from the replica when there is one (Deps.ReadDB): a row may show a few
// milliseconds late.
func (a *App) query(ctx context.Context, spec listSpec, f ListFilter) (*gorm.DB, error) {
	err := a.validate(f)
	if f.Status != "" && !slices.Contains(spec.states, f.Status) {
		var verr *workflows.ValidationError
		if !errors.As(err, &verr) {
			verr = &workflows.ValidationError{Fields: map[string]msg.Message{}}
		}
		verr.Fields["status"] = msg.New(msg.FieldOneOf, msg.Texts("values", spec.states))
		return nil, verr
	}
	if err != nil {
		return nil, err
	}
	q := a.reads.WithContext(ctx).Table(spec.table)
	if f.Status != "" {
		q = q.Where("x.status = ?", f.Status)
	}
	if f.CollegeID != "" {
		if spec.collegeCol != "" {
			q = q.Where(spec.collegeCol+" = ?", f.CollegeID)
		} else {
			q = q.Where("x.account_id IN (SELECT account_id FROM student_profiles WHERE college_id = ?)", f.CollegeID)
		}
	}
	if f.ProgramID != "" && spec.programCol != "" {
		q = q.Where(spec.programCol+" = ?", f.ProgramID)
	}
	if f.From != "" {
		from, _ := time.Parse(time.DateOnly, f.From) // checked by validate
		q = q.Where(spec.dateCol+" >= ?", from)
	}
	if f.To != "" {
		to, _ := time.Parse(time.DateOnly, f.To)
		q = q.Where(spec.dateCol+" < ?", to.AddDate(0, 0, 1))
	}
	if strings.TrimSpace(f.Q) != "" {
		cond, args := searchClause(spec, likePrefix(f.Q))
		q = q.Where(cond, args...)
	}
	return q.Session(&gorm.Session{}), nil
}

// searchClause matches rows whose own search columns, or whose account's
// name, e-mail or student number, start with the pattern like. Each arm is
// served by a prefix index (migration 00012).
func searchClause(spec listSpec, like string) (string, []any) {
	var arms []string
	var args []any
	for _, c := range spec.searchCols {
		arms = append(arms, "lower("+c+") LIKE ?")
		args = append(args, like)
	}
	if spec.ownSearch {
		return "(" + strings.Join(arms, " OR ") + ")", args
	}
	owner := "x.account_id"
	if spec.noAccount {
		owner = "x.id"
	}
	arms = append(arms, owner+` IN (SELECT id FROM accounts WHERE lower(name) LIKE ? OR lower(email) LIKE ?
		UNION ALL SELECT account_id FROM student_profiles WHERE lower(student_number) LIKE ? OR lower(college_email) LIKE ?)`)
	args = append(args, like, like, like, like)
	return "(" + strings.Join(arms, " OR ") + ")", args
}

// adminList is one counted page of spec's rows that f selects, for an
// admin.
func adminList[R any](ctx context.Context, a *App, actor Actor, spec listSpec, f ListFilter, p Page, idOf func(R) string) (Counted[R], error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Counted[R]{}, err
	}
	q, err := a.query(ctx, spec, f)
	if err != nil {
		return Counted[R]{}, err
	}
	return countedRows(spec.rows(q), q, p, "x.id", idOf)
}

// The rows of the admin lists carry their JSON names: the API sends them
// as they are.

// StudentRow is a student profile in the admin's student list.
type StudentRow struct {
	ID            string    `json:"id"`
	AccountID     string    `json:"account_id"`
	CollegeID     string    `json:"college_id"`
	College       string    `json:"college"`
	StudentNumber string    `json:"student_number"`
	FullName      string    `json:"full_name"`
	Email         string    `json:"college_email"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
}

var studentList = listSpec{
	table: "student_profiles x", joins: "LEFT JOIN colleges c ON c.id = x.college_id",
	columns: `x.id, x.account_id, x.college_id, c.name AS college, x.student_number, x.full_name,
		x.college_email AS email, x.status, x.created_at`,
	states: statesOf(workflows.OnboardingMachine), dateCol: "x.created_at", collegeCol: "x.college_id",
	searchCols: []string{"x.full_name", "x.student_number", "x.college_email"}, ownSearch: true,
}

// AdminStudents lists the student profiles, newest first. Searching uses
// the profile's own columns (each has a prefix index), so that a search
// among ten million students stays fast.
func (a *App) AdminStudents(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[StudentRow], error) {
	return adminList(ctx, a, actor, studentList, f, p, func(r StudentRow) string { return r.ID })
}

// ShopRow is a shop in the admin's shop list.
type ShopRow struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	Student        string    `json:"student"`
	Email          string    `json:"email"`
	ShopName       string    `json:"shop_name"`
	PlatformShopID string    `json:"platform_shop_id"`
	ShopURL        string    `json:"shop_url"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
}

var shopList = listSpec{
	table: "shops x", joins: "LEFT JOIN accounts a ON a.id = x.account_id",
	columns: `x.id, x.account_id, a.name AS student, a.email, x.shop_name, x.platform_shop_id, x.shop_url,
		x.status, x.created_at`,
	states: statesOf(workflows.ShopMachine), dateCol: "x.created_at", searchCols: []string{"x.shop_name"},
}

// AdminShops lists the shops, newest first.
func (a *App) AdminShops(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[ShopRow], error) {
	return adminList(ctx, a, actor, shopList, f, p, func(r ShopRow) string { return r.ID })
}

// FundRow is a fund application in the admin's list.
type FundRow struct {
	ID        string    `json:"id"`
	ProgramID string    `json:"program_id"`
	Program   string    `json:"program"`
	AccountID string    `json:"account_id"`
	Student   string    `json:"student"`
	Email     string    `json:"email"`
	AmountFen int64     `json:"amount_fen"`
	Status    string    `json:"status"`
	Score     *int      `json:"score"`
	CreatedAt time.Time `json:"created_at"`
}

var fundList = listSpec{
	table: "fund_applications x", joins: "LEFT JOIN fund_programs g ON g.id = x.program_id LEFT JOIN accounts a ON a.id = x.account_id",
	columns: `x.id, x.program_id, g.name AS program, x.account_id, a.name AS student, a.email, x.amount_fen,
		x.status, x.score, x.created_at`,
	states: statesOf(workflows.FundMachine), dateCol: "x.created_at", programCol: "x.program_id",
}

// AdminFundApplications lists the fund applications, newest first.
func (a *App) AdminFundApplications(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[FundRow], error) {
	return adminList(ctx, a, actor, fundList, f, p, func(r FundRow) string { return r.ID })
}

// InternshipRow is an internship application in the admin's list.
type InternshipRow struct {
	ID           string    `json:"id"`
	AccountID    string    `json:"account_id"`
	Student      string    `json:"student"`
	Email        string    `json:"email"`
	Status       string    `json:"status"`
	OfferPlaceID *string   `json:"offer_place_id"`
	CreatedAt    time.Time `json:"created_at"`
}

var internshipList = listSpec{
	table: "internship_applications x", joins: "LEFT JOIN accounts a ON a.id = x.account_id",
	columns: `x.id, x.account_id, a.name AS student, a.email, x.status, x.offer_place_id, x.created_at`,
	states:  statesOf(workflows.InternshipMachine), dateCol: "x.created_at",
}

// AdminInternshipApplications lists the internship applications, newest
// first.
func (a *App) AdminInternshipApplications(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[InternshipRow], error) {
	return adminList(ctx, a, actor, internshipList, f, p, func(r InternshipRow) string { return r.ID })
}

// CertificateRow is a certificate in the admin's list (without its PDF
// and credential).
type CertificateRow struct {
	ID        string     `json:"id"`
	Serial    string     `json:"serial"`
	AccountID string     `json:"account_id"`
	Student   string     `json:"student"`
	Email     string     `json:"email"`
	CourseID  string     `json:"course_id"`
	Course    string     `json:"course"`
	Status    string     `json:"status"`
	IssuedAt  time.Time  `json:"issued_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

var certificateList = listSpec{
	table: "certificates x", joins: "LEFT JOIN courses k ON k.id = x.course_id LEFT JOIN accounts a ON a.id = x.account_id",
	columns: `x.id, x.serial, x.account_id, a.name AS student, a.email, x.course_id, k.title AS course, x.status,
		x.issued_at, x.revoked_at`,
	states: statesOf(workflows.CertificateMachine), dateCol: "x.issued_at", programCol: "x.course_id",
	searchCols: []string{"x.serial"},
}

// AdminCertificates lists the certificates, newest first; ProgramID
// filters by course.
func (a *App) AdminCertificates(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[CertificateRow], error) {
	return adminList(ctx, a, actor, certificateList, f, p, func(r CertificateRow) string { return r.ID })
}

// ReviewerRow is a reviewer and their load: assignments open (and of those
// overdue) and reviews done.
type ReviewerRow struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CollegeID *string   `json:"college_id"`
	Open      int64     `json:"open"`
	Overdue   int64     `json:"overdue"`
	Done      int64     `json:"done"`
	CreatedAt time.Time `json:"created_at"`
}

var reviewerList = listSpec{
	table: "accounts x",
	columns: `x.id, x.name, x.email, x.college_id, x.created_at,
		(SELECT count(*) FROM fund_reviews r WHERE r.reviewer_id = x.id AND r.status = 'assigned') AS open,
		(SELECT count(*) FROM fund_reviews r WHERE r.reviewer_id = x.id AND r.status = 'assigned' AND r.due_at < now()) AS overdue,
		(SELECT count(*) FROM fund_reviews r WHERE r.reviewer_id = x.id AND r.status = 'done') AS done`,
	dateCol: "x.created_at", collegeCol: "x.college_id", noAccount: true,
}

// AdminReviewers lists the reviewers with their load, newest first. Status
// takes no value on this list.
func (a *App) AdminReviewers(ctx context.Context, actor Actor, f ListFilter, p Page) (Counted[ReviewerRow], error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Counted[ReviewerRow]{}, err
	}
	q, err := a.query(ctx, reviewerList, f)
	if err != nil {
		return Counted[ReviewerRow]{}, err
	}
	q = q.Where("x.role = ?", models.RoleReviewer).Session(&gorm.Session{})
	return countedRows(reviewerList.rows(q), q, p, "x.id", func(r ReviewerRow) string { return r.ID })
}
