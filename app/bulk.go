package app

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
)

// MaxBulkShops is the most shops one bulk decision names.
const MaxBulkShops = 200

// BulkShopsInput is a decision on many shops at once: the body of POST
// /admin/shops/bulk-confirm and the admin shop list's bulk form.
type BulkShopsInput struct {
	ShopIDs []string `json:"shop_ids" validate:"required,min=1,max=200,dive,uuid"`
	// Verified is a pointer so that a missing decision differs from false.
	Verified *bool `json:"verified" validate:"required"`
	// Reason is what the students read when their shops are rejected.
	Reason string `json:"reason" validate:"max=500,nocontrol"`
}

// ShopOutcome is what a bulk decision did to one shop: its new status, or
// the problem that left it as it was.
type ShopOutcome struct {
	ShopID string
	// Status is the shop's status after the decision; "" when refused.
	Status string
	// Problem says why the shop was left as it was; nil when decided.
	Problem *Problem
}

// BulkConfirmShops decides every shop of in as ConfirmShop decides one,
// each in its own unit of work: one shop that cannot be decided (claimed
// by another student, decided already, not found) must not hold back the
// others, and short transactions keep each shop's lock brief. The outcome
// lists each shop once, in the order given.
func (a *App) BulkConfirmShops(ctx context.Context, actor Actor, in BulkShopsInput) ([]ShopOutcome, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := a.validate(in); err != nil {
		return nil, err
	}
	if !*in.Verified && strings.TrimSpace(in.Reason) == "" {
		return nil, workflows.Invalid("reason", msg.ShopRejectReasonRequired)
	}
	one := ConfirmShopInput{Verified: in.Verified, Reason: in.Reason}
	out := make([]ShopOutcome, 0, len(in.ShopIDs))
	seen := map[string]bool{}
	for _, id := range in.ShopIDs {
		id = strings.ToLower(id)
		if seen[id] {
			continue
		}
		seen[id] = true
		shop, err := a.ConfirmShop(ctx, actor, id, one)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			p := ProblemOf(err)
			if p.Status >= http.StatusInternalServerError {
				a.log.ErrorContext(ctx, "bulk shop decision", "shop", id, "err", err)
			}
			out = append(out, ShopOutcome{ShopID: id, Problem: &p})
			continue
		}
		out = append(out, ShopOutcome{ShopID: id, Status: shop.Status})
	}
	return out, nil
}

// MaxImportRows is the most results one import holds.
const MaxImportRows = 5000

// resultsHeader is the header row of a course-results file.
var resultsHeader = []string{"enrollment_id", "score"}

// ResultRow is one row of a course-results file.
type ResultRow struct {
	// Row is the row's number in the file, the header being row 1.
	Row          int
	EnrollmentID string
	Score        int
}

// RowError is what is wrong with one row of an imported file: its number
// (the header is row 1), the field ("" for the whole row) and why.
type RowError struct {
	Row   int
	Field string
	Msg   msg.Message
}

// ParseResults reads a course-results file: a header row enrollment_id,score
// (a UTF-8 byte-order mark before it is allowed) and one row per result.
// It checks every row and returns the rows and every row's errors; the rows
// are to be applied only when there are no errors.
func ParseResults(r io.Reader) ([]ResultRow, []RowError) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var rows []ResultRow
	var errs []RowError
	first := map[string]int{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, RowError{Row: line, Msg: msg.New(msg.ImportMalformed)})
			var perr *csv.ParseError
			if !errors.As(err, &perr) || perr.Err != csv.ErrFieldCount {
				return nil, errs // the reader cannot resync after a broken quote
			}
			continue
		}
		if line == 1 {
			if len(rec) > 0 {
				rec[0] = strings.TrimPrefix(rec[0], bom)
			}
			if !slices.Equal(trimAll(rec), resultsHeader) {
				return nil, []RowError{{Row: 1, Msg: msg.New(msg.ImportHeader, msg.Text("expected", strings.Join(resultsHeader, ",")))}}
			}
			continue
		}
		if len(rows)+len(errs) >= MaxImportRows {
			return nil, append(errs, RowError{Row: line, Msg: msg.New(msg.ImportTooMany, msg.Int("max", MaxImportRows))})
		}
		if len(rec) != len(resultsHeader) {
			errs = append(errs, RowError{Row: line, Msg: msg.New(msg.ImportColumns,
				msg.Int("got", int64(len(rec))), msg.Int("want", int64(len(resultsHeader))))})
			continue
		}
		row, rowErrs := parseResult(line, trimAll(rec), first)
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, RowError{Row: 1, Msg: msg.New(msg.ImportEmpty)})
	}
	return rows, errs
}

// parseResult checks one row's cells; first maps the enrollments seen to
// their first row.
func parseResult(line int, rec []string, first map[string]int) (ResultRow, []RowError) {
	var errs []RowError
	row := ResultRow{Row: line}
	id, err := uuid.Parse(rec[0])
	if err != nil {
		errs = append(errs, RowError{Row: line, Field: "enrollment_id", Msg: msg.New(msg.FieldID)})
	} else {
		row.EnrollmentID = id.String()
		if at, dup := first[row.EnrollmentID]; dup {
			errs = append(errs, RowError{Row: line, Field: "enrollment_id", Msg: msg.New(msg.ImportDuplicate, msg.Int("row", int64(at)))})
		} else {
			first[row.EnrollmentID] = line
		}
	}
	score, err := strconv.Atoi(rec[1])
	switch {
	case err != nil:
		errs = append(errs, RowError{Row: line, Field: "score", Msg: msg.New(msg.FieldWholeNumber)})
	case score < 0 || score > workflows.MaxScore:
		errs = append(errs, RowError{Row: line, Field: "score", Msg: msg.New(msg.FieldRange, msg.Int("min", 0), msg.Int("max", workflows.MaxScore))})
	}
	row.Score = score
	return row, errs
}

// trimAll trims the spaces around every cell.
func trimAll(rec []string) []string {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = strings.TrimSpace(c)
	}
	return out
}

// ImportReport is what an import did: the results recorded, or every bad
// row's error and nothing recorded.
type ImportReport struct {
	Rows    int
	Applied int
	Errors  []RowError
}

// errImportRejected rolls an import back once a row is refused.
var errImportRejected = errors.New("import rejected")

// ImportResults records the course results of a CSV file (ParseResults) as
// RecordResult records one, all in one unit of work: every row is checked
// first, and a row the file or the database refuses (no such enrollment,
// a result already recorded) is reported with the others while nothing is
// recorded. The import is audited once (its own id as the entity), and
// each result as RecordResult audits it. progress, when not nil, is told
// after each row is applied how many of how many are done (the rows stay
// uncommitted until the last).
func (a *App) ImportResults(ctx context.Context, actor Actor, file io.Reader, progress func(done, total int)) (ImportReport, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return ImportReport{}, err
	}
	rows, errs := ParseResults(file)
	report := ImportReport{Rows: len(rows) + len(errs), Errors: errs}
	if len(errs) > 0 {
		return report, nil
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		for i, r := range rows {
			if progress != nil {
				progress(i, len(rows))
			}
			_, err := a.recordResult(w, actor, r.EnrollmentID, r.Score)
			var refusal *workflows.Refusal
			switch {
			case errors.Is(err, workflows.ErrNotFound):
				report.Errors = append(report.Errors, RowError{Row: r.Row, Field: "enrollment_id", Msg: msg.New(msg.ErrorNotFound)})
			case errors.As(err, &refusal):
				report.Errors = append(report.Errors, RowError{Row: r.Row, Field: "enrollment_id", Msg: refusal.Msg})
			case err != nil:
				return err
			}
		}
		if len(report.Errors) > 0 {
			return errImportRejected
		}
		return a.audit(w, actor, AuditImportResults, "import", models.NewID(), nil, map[string]any{"results": len(rows)})
	})
	if errors.Is(err, errImportRejected) {
		return report, nil
	}
	if err != nil {
		return ImportReport{}, fmt.Errorf("import results: %w", err)
	}
	report.Applied = len(rows)
	return report, nil
}
