package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// listKinds are the admin lists, by their name in the path, in the order
// the pages link them.
var listKinds = []string{"students", "shops", "fund-applications", "internship-applications", "certificates", "reviewers"}

// listExports names each list's CSV export, when it has one.
var listExports = map[string]string{"fund-applications": "fund-applications", "certificates": "certificates"}

// listPage is an admin list page: the filter, the count, one page of rows
// as text cells under their headings, and the next page's link.
type listPage struct {
	Kind   string
	Kinds  []string
	States []string
	// Heads are the columns' catalog keys.
	Heads  []string
	Rows   []listRow
	Total  int64
	Capped bool
	// Next is the next page's URL; "" on the last.
	Next string
	// Export is the list's CSV export's name; "" when it has none.
	Export string
	// Bulk: the rows can be decided together (shops).
	Bulk bool
	// Outcomes are a bulk decision's outcomes, shown above the list.
	Outcomes []string
}

// listRow is one row: its id (for the bulk form), status and cells.
type listRow struct {
	ID, Status string
	Cells      []string
}

// fill reads one counted page of list into p under the headings heads,
// each row turned into cells by row; it returns the next page's cursor.
func fill[R any](ctx context.Context, p *listPage, q listQuery, list func(context.Context, app.Actor, app.ListFilter, app.Page) (app.Counted[R], error),
	heads []string, row func(R) listRow) (string, error) {
	l, err := list(ctx, q.actor, q.filter, q.page)
	if err != nil {
		return "", err
	}
	p.Heads, p.Total, p.Capped = heads, l.Total, l.TotalCapped
	for _, r := range l.Items {
		p.Rows = append(p.Rows, row(r))
	}
	return l.NextCursor, nil
}

// listQuery is who reads a list, with which filter, which page.
type listQuery struct {
	actor  app.Actor
	filter app.ListFilter
	page   app.Page
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// loadList reads the list kind that the filter and page select.
func (s *site) loadList(ctx context.Context, v view, kind string, q listQuery) (listPage, string, error) {
	p := listPage{Kind: kind, Kinds: listKinds, States: app.AdminListStates(kind), Export: listExports[kind], Bulk: kind == "shops"}
	var next string
	var err error
	switch kind {
	case "students":
		next, err = fill(ctx, &p, q, s.app.AdminStudents,
			[]string{"list.name", "list.number", "list.email", "list.college", "list.status", "list.created"},
			func(r app.StudentRow) listRow {
				return listRow{r.ID, r.Status, []string{r.FullName, r.StudentNumber, r.Email, r.College, v.State(r.Status), day(r.CreatedAt)}}
			})
	case "shops":
		next, err = fill(ctx, &p, q, s.app.AdminShops,
			[]string{"list.shop", "list.name", "list.email", "list.url", "list.status", "list.created"},
			func(r app.ShopRow) listRow {
				return listRow{r.ID, r.Status, []string{r.ShopName, r.Student, r.Email, r.ShopURL, v.State(r.Status), day(r.CreatedAt)}}
			})
	case "fund-applications":
		next, err = fill(ctx, &p, q, s.app.AdminFundApplications,
			[]string{"list.program", "list.name", "list.email", "list.amount", "list.status", "list.created"},
			func(r app.FundRow) listRow {
				return listRow{r.ID, r.Status, []string{r.Program, r.Student, r.Email, v.Money(r.AmountFen), v.State(r.Status), day(r.CreatedAt)}}
			})
	case "internship-applications":
		next, err = fill(ctx, &p, q, s.app.AdminInternshipApplications,
			[]string{"list.name", "list.email", "list.status", "list.created"},
			func(r app.InternshipRow) listRow {
				return listRow{r.ID, r.Status, []string{r.Student, r.Email, v.State(r.Status), day(r.CreatedAt)}}
			})
	case "certificates":
		next, err = fill(ctx, &p, q, s.app.AdminCertificates,
			[]string{"list.serial", "list.name", "list.email", "list.course", "list.status", "list.issued"},
			func(r app.CertificateRow) listRow {
				return listRow{r.ID, r.Status, []string{r.Serial, r.Student, r.Email, r.Course, v.State(r.Status), day(r.IssuedAt)}}
			})
	case "reviewers":
		next, err = fill(ctx, &p, q, s.app.AdminReviewers,
			[]string{"list.name", "list.email", "list.open", "list.overdue", "list.done", "list.created"},
			func(r app.ReviewerRow) listRow {
				return listRow{r.ID, "", []string{r.Name, r.Email, strconv.FormatInt(r.Open, 10),
					strconv.FormatInt(r.Overdue, 10), strconv.FormatInt(r.Done, 10), day(r.CreatedAt)}}
			})
	default:
		return p, "", workflows.ErrNotFound
	}
	return p, next, err
}

// adminList shows one admin list with its filter form; a bad filter shows
// beside its field (422).
func (s *site) adminList(c echo.Context) error {
	return s.showList(c, c.Param("kind"), nil)
}

// showList renders the list kind for the request's query, with a bulk
// decision's outcomes when there are some.
func (s *site) showList(c echo.Context, kind string, outcomes []string) error {
	q := c.Request().URL.Query()
	v := s.newView(c, "list."+kind)
	v.Form = url.Values{}
	for k, vals := range q {
		v.Form[k] = vals
	}
	limit, _ := strconv.Atoi(q.Get("limit")) // 0, the default, when absent or not a number
	p, next, err := s.loadList(c.Request().Context(), v, kind,
		listQuery{actor(c), app.ListFilterOf(q.Get), app.Page{Limit: limit, Cursor: q.Get("cursor")}})
	var verr *workflows.ValidationError
	if errors.As(err, &verr) {
		p.Rows, p.Total = nil, 0
		v.Data = p
		return s.formProblem(c, "admin_list", v, verr.Fields)
	}
	if err != nil {
		return s.failWith(c, err)
	}
	if next != "" {
		nq := url.Values{}
		for k, vals := range q {
			nq[k] = vals
		}
		nq.Set("cursor", next)
		p.Next = "/admin/lists/" + kind + "?" + nq.Encode()
	}
	p.Outcomes = outcomes
	v.Data = p
	return s.render(c, http.StatusOK, "admin_list", v)
}

// bulkShops decides the shops ticked on the shop list, as POST
// /api/v1/admin/shops/bulk-confirm does, and shows the list again with
// each shop's outcome.
func (s *site) bulkShops(c echo.Context) error {
	var in app.BulkShopsInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems == nil {
		var out []app.ShopOutcome
		out, err = s.app.BulkConfirmShops(c.Request().Context(), actor(c), in)
		if err == nil {
			pr := i18n.NewPrinter(i18n.Lang(c.Get(ctxLang).(string)), s.cfg.Zone)
			lines := []string{pr.Render(msg.New(msg.BulkDone, msg.Int("ok", int64(decided(out))), msg.Int("n", int64(len(out)))))}
			for _, o := range out {
				if o.Problem != nil {
					lines = append(lines, o.ShopID+": "+pr.Render(o.Problem.Msg))
				}
			}
			return s.showList(c, "shops", lines)
		}
		var verr *workflows.ValidationError
		if !errors.As(err, &verr) {
			return s.failWith(c, err)
		}
		problems = verr.Fields
	}
	v := s.newView(c, "list.shops")
	v.Form = withoutSecrets(form)
	p, _, lerr := s.loadList(c.Request().Context(), v, "shops", listQuery{actor: actor(c)})
	if lerr != nil {
		return s.failWith(c, lerr)
	}
	v.Data = p
	return s.formProblem(c, "admin_list", v, problems)
}

// decided counts the shops a bulk decision decided.
func decided(out []app.ShopOutcome) int {
	n := 0
	for _, o := range out {
		if o.Problem == nil {
			n++
		}
	}
	return n
}

// adminExport streams an export as GET /api/v1/admin/exports/{name}.csv
// does, for a signed-in admin's browser.
func (s *site) adminExport(c echo.Context) error {
	if err := s.app.ServeExport(c.Request().Context(), actor(c), c.Param("file"), c.Response()); err != nil {
		return s.failWith(c, err)
	}
	return nil
}

// auditPage is the audit log page: the filter and one page of entries.
type auditPage struct {
	Entries []app.AuditEntry
	Next    string
}

// adminAudit shows the audit log, filtered by actor or entity.
func (s *site) adminAudit(c echo.Context) error {
	q := c.Request().URL.Query()
	v := s.newView(c, "audit.title")
	v.Form = url.Values{"actor_id": {q.Get("actor_id")}, "entity_id": {q.Get("entity_id")}}
	l, err := s.app.Audit(c.Request().Context(), actor(c), app.AuditFilter{ActorID: q.Get("actor_id"), EntityID: q.Get("entity_id")},
		app.Page{Cursor: q.Get("cursor")})
	var verr *workflows.ValidationError
	if errors.As(err, &verr) {
		v.Data = auditPage{}
		return s.formProblem(c, "admin_audit", v, verr.Fields)
	}
	if err != nil {
		return s.failWith(c, err)
	}
	p := auditPage{Entries: l.Items}
	if l.NextCursor != "" {
		nq := url.Values{"actor_id": {q.Get("actor_id")}, "entity_id": {q.Get("entity_id")}, "cursor": {l.NextCursor}}
		p.Next = "/admin/audit?" + nq.Encode()
	}
	v.Data = p
	return s.render(c, http.StatusOK, "admin_audit", v)
}

// maxImportFile bounds an uploaded results file.
const maxImportFile = 1 << 20

// importPage is the results import page: the upload form.
func (s *site) importPage(c echo.Context) error {
	v := s.newView(c, "import.title")
	v.Data = importState{}
	return s.render(c, http.StatusOK, "admin_import", v)
}

// importResults starts recording the results of an uploaded CSV file, as
// POST /api/v1/admin/enrollments/import records them, in the background,
// and sends the admin to its progress page.
func (s *site) importResults(c echo.Context) error {
	v := s.newView(c, "import.title")
	v.Data = importState{}
	fh, err := c.FormFile("file")
	if err != nil {
		return s.formProblem(c, "admin_import", v, map[string]msg.Message{"file": msg.New(msg.FieldRequired)})
	}
	if fh.Size > maxImportFile {
		return s.formProblem(c, "admin_import", v, map[string]msg.Message{"file": msg.New(msg.ErrorBodyTooLarge, msg.Int("max", maxImportFile))})
	}
	f, err := fh.Open()
	if err != nil {
		return s.failWith(c, err)
	}
	defer func() { _ = f.Close() }()
	body, err := io.ReadAll(io.LimitReader(f, maxImportFile))
	if err != nil {
		return s.failWith(c, err)
	}
	who := actor(c)
	id := s.imports.start(s.log, who.ID, func(ctx context.Context, progress func(done, total int)) (app.ImportReport, error) {
		return s.app.ImportResults(ctx, who, bytes.NewReader(body), progress)
	})
	return c.Redirect(http.StatusSeeOther, "/admin/import/"+id)
}

// importProgress shows an import: a progress bar, the page reloading each
// second (Refresh header) while it runs; then what it did, with each bad
// row. Only the admin who started it sees it.
func (s *site) importProgress(c echo.Context) error {
	st, ok := s.imports.state(actor(c).ID, c.Param("id"))
	if !ok {
		return s.failWith(c, workflows.ErrNotFound)
	}
	v := s.newView(c, "import.title")
	v.Data = st
	switch {
	case st.Running:
		c.Response().Header().Set("Refresh", "1")
	case st.Failed:
		v.Notice = v.T("error.internal")
	case len(st.Report.Errors) > 0:
		v.Notice = v.Say(msg.New(msg.ImportRejected, msg.Int("n", int64(len(st.Report.Errors)))))
	default:
		v.Notice = v.Say(msg.New(msg.ImportApplied, msg.Int("n", int64(st.Report.Applied))))
	}
	return s.render(c, http.StatusOK, "admin_import", v)
}
