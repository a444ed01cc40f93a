package app

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// An export is a CSV file an admin downloads: UTF-8 with a byte-order mark
// (so that spreadsheet programs read Chinese correctly), a header row, one
// row per entity, streamed from a database cursor straight into the writer,
// so memory stays the same whatever the number of rows.
type export struct {
	header []string
	// query selects one text column per header column. Exports of tables
	// that grow to millions (fund applications) are not ordered: the rows
	// stream in the table's order (insertion order, nearly id order) through
	// hash joins, instead of one index probe per row or a sort.
	query string
}

// utcText is the SQL of a timestamp column as RFC 3339 text in UTC.
func utcText(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
}

// yuanText is the SQL of a fen amount as yuan text (1234.50).
func yuanText(col string) string {
	return `to_char(` + col + ` / 100.0, 'FM999999999990.00')`
}

// Exports are the CSV files by name, as GET /admin/exports/{name}.csv
// names them.
var exports = map[string]export{
	"fund-applications": {
		header: []string{"id", "programme", "student", "email", "student_number", "college", "amount_yuan", "status",
			"score", "submitted_at", "decided_at", "reviews_done", "mean_review_score", "reviews"},
		query: `SELECT x.id::text, g.name, a.name, a.email, sp.student_number, c.name, ` + yuanText("x.amount_fen") + `,
	x.status, x.score::text, ` + utcText("x.created_at") + `, ` + utcText("x.decided_at") + `,
	coalesce(rv.done, 0)::text, to_char(rv.mean, 'FM990.00'), rv.list
FROM fund_applications x
JOIN fund_programs g ON g.id = x.program_id
JOIN accounts a ON a.id = x.account_id
LEFT JOIN student_profiles sp ON sp.account_id = x.account_id
LEFT JOIN colleges c ON c.id = sp.college_id
LEFT JOIN (
	SELECT r.application_id, count(*) FILTER (WHERE r.status = 'done') AS done, avg(r.score) AS mean,
		string_agg(ra.name || ' ' || r.status || coalesce(' ' || r.decision || ' ' || r.score, ''), '; ' ORDER BY r.id) AS list
	FROM fund_reviews r JOIN accounts ra ON ra.id = r.reviewer_id
	GROUP BY r.application_id) rv ON rv.application_id = x.id`,
	},
	"ledger": {
		header: []string{"id", "at", "programme", "application_id", "kind", "amount_yuan", "reference", "idempotency_key"},
		query: `SELECT x.id::text, ` + utcText("x.created_at") + `, g.name, x.application_id::text, x.kind,
	` + yuanText("x.amount_fen") + `, x.reference, x.idempotency_key
FROM fund_ledger x JOIN fund_programs g ON g.id = x.program_id
ORDER BY x.id`,
	},
	"certificates": {
		header: []string{"serial", "student", "email", "course", "status", "issued_at", "revoked_at", "revoke_reason"},
		query: `SELECT x.serial, a.name, a.email, k.title, x.status, ` + utcText("x.issued_at") + `, ` + utcText("x.revoked_at") + `,
	x.revoke_reason
FROM certificates x JOIN accounts a ON a.id = x.account_id JOIN courses k ON k.id = x.course_id
ORDER BY x.id`,
	},
	"audit": {
		header: []string{"id", "at", "actor_id", "actor_role", "action", "entity_type", "entity_id", "ip", "before", "after"},
		query: `SELECT x.id::text, ` + utcText("x.at") + `, x.actor_id::text, x.actor_role, x.action, x.entity_type,
	x.entity_id::text, x.ip, x.before::text, x.after::text
FROM audit_log x ORDER BY x.id`,
	},
}

// ServeExport answers the download of file (an export's name and
// ".csv"): not found for any other file and forbidden for anyone but an
// admin, before anything is written; then the headers (an attachment named
// with today's date, not cached) and the streamed CSV. An error after the
// headers is logged, not returned: the client sees a file cut short.
func (a *App) ServeExport(ctx context.Context, actor Actor, file string, w http.ResponseWriter) error {
	name, isCSV := strings.CutSuffix(file, ".csv")
	if _, ok := exports[name]; !isCSV || !ok {
		return workflows.ErrNotFound
	}
	if err := actor.require(models.RoleAdmin); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+"-"+a.now().UTC().Format("20060102")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := a.Export(ctx, actor, name, w); err != nil {
		a.log.ErrorContext(ctx, "export failed", "export", name, "err", err)
	}
	return nil
}

// exportFlushRows is how many rows are written between flushes to the
// client.
const exportFlushRows = 1000

// flusher is a writer that can push what it buffered to the client (an
// http.ResponseWriter).
type flusher interface{ Flush() }

// bom is UTF-8's byte-order mark.
const bom = "\uFEFF"

// Export streams the export name as CSV into out, for an admin. An unknown
// name is not found. An error after the first row has been written leaves
// the file cut short; the caller can only log it. It reads from the replica
// when there is one (Deps.ReadDB).
func (a *App) Export(ctx context.Context, actor Actor, name string, out io.Writer) error {
	if err := actor.require(models.RoleAdmin); err != nil {
		return err
	}
	ex, ok := exports[name]
	if !ok {
		return workflows.ErrNotFound
	}
	rows, err := a.reads.WithContext(ctx).Raw(ex.query).Rows()
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	defer func() { _ = rows.Close() }()
	if _, err := io.WriteString(out, bom); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	w := csv.NewWriter(out)
	if err := w.Write(ex.header); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	cells := make([]sql.NullString, len(ex.header))
	ptrs := make([]any, len(cells))
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	record := make([]string, len(cells))
	for n := 1; rows.Next(); n++ {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("export %s: row %d: %w", name, n, err)
		}
		for i, c := range cells {
			record[i] = SafeCell(c.String)
		}
		if err := w.Write(record); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		if n%exportFlushRows == 0 {
			if err := flush(w, out); err != nil {
				return fmt.Errorf("export %s: %w", name, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	return flush(w, out)
}

// flush writes what w buffered to out and pushes it to the client.
func flush(w *csv.Writer, out io.Writer) error {
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if f, ok := out.(flusher); ok {
		f.Flush()
	}
	return nil
}

// SafeCell guards a CSV cell against formula injection: text a spreadsheet
// would run as a formula (starting with = + - @, a tab or a carriage
// return) gets a leading apostrophe, which shows it as text.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
