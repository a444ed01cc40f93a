package chaos

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Reviewer decisions, by how an assignment's (application, reviewer) pair
// hashes: one in conflictEvery is declared a conflict of interest, one in
// rejectEvery of the rest rejected, the others approved. Fixed by the pair,
// so a retried step (its answer lost to a fault) decides the same way.
const (
	conflictEvery = 15
	rejectEvery   = 4
)

// decisionOf is what a reviewer does with an assignment.
func decisionOf(applicationID string, reviewer int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", applicationID, reviewer)
	n := h.Sum32()
	switch {
	case n%conflictEvery == 0:
		return "conflict"
	case (n/conflictEvery)%rejectEvery == 0:
		return "reject"
	default:
		return "approve"
	}
}

// review has every reviewer work through what is assigned to them, as a
// person does on the workbench: declare a conflict of interest now and
// then, reject some, approve the rest (each through the API and its use
// case). A 409 means the decision landed already (its answer was lost) or
// the assignment moved on. Then it samples the budgets: reserved plus
// disbursed money must never exceed one while faults run.
func (p *people) review(ctx context.Context) error {
	for i, tok := range p.reviewers {
		var assigned struct {
			Items []struct {
				Application struct {
					ID string `json:"id"`
				} `json:"application"`
			} `json:"items"`
		}
		if err := p.api.do(ctx, http.MethodGet, "/api/v1/reviews/assigned?limit=200", tok, nil, &assigned, http.StatusOK); err != nil {
			return err
		}
		for _, it := range assigned.Items {
			id := it.Application.ID
			path, body, want := "/api/v1/fund-applications/"+id+"/reviews",
				map[string]any{"decision": "approve", "score": 8, "comment": "Clear plan, realistic numbers."}, http.StatusCreated
			switch decisionOf(id, i) {
			case "conflict":
				path, body, want = "/api/v1/fund-applications/"+id+"/conflict",
					map[string]any{"note": "I advised this student's shop last term."}, http.StatusOK
			case "reject":
				body = map[string]any{"decision": "reject", "score": 3, "comment": "The plan does not show who would buy."}
			}
			a, err := p.api.call(ctx, http.MethodPost, path, tok, body)
			if err != nil {
				return err
			}
			if a.status != want && a.status != http.StatusConflict {
				return fmt.Errorf("review %s: status %d: %.200s", id, a.status, a.body)
			}
		}
	}
	return p.sampleBudgets(ctx)
}

// sampleBudgets records every programme found over its budget.
func (p *people) sampleBudgets(ctx context.Context) error {
	var over []string
	err := p.db.WithContext(ctx).Raw(`SELECT name || ': reserved ' || reserved_fen || ' + disbursed ' || disbursed_fen ||
		' > budget ' || budget_fen FROM fund_programs WHERE reserved_fen + disbursed_fen > budget_fen`).Scan(&over).Error
	if err != nil {
		return fmt.Errorf("sample budgets: %w", err)
	}
	p.overspentSeen = append(p.overspentSeen, over...)
	return nil
}

// FundChecks is what the run found about fund decisions and money once the
// system settled.
type FundChecks struct {
	// Reviews counts the reviewers' decisions: approve, reject, conflict.
	Reviews map[string]int64
	// Approved counts applications that were ever approved (waitlisted ones
	// promoted included); Disbursed, Rejected and Waitlisted those in that
	// state at the end; Promoted those approved from the waitlist.
	Approved, Disbursed, Rejected, Waitlisted, Promoted int64
	// DisbursedFen is the money paid out.
	DisbursedFen int64
	// NotDisbursedOnce lists applications that are disbursed without
	// exactly one disbursement in the ledger, or have one without being
	// disbursed.
	NotDisbursedOnce []string
	// StuckInReview counts applications still short of a decision at the
	// end (submitted, screening, in review, or approved and not paid).
	StuckInReview int64
	// OverspentSeen lists budgets found exceeded while faults ran.
	OverspentSeen []string
}

// checkFund runs the fund invariant queries.
func checkFund(ctx context.Context, db *gorm.DB) (FundChecks, error) {
	f := FundChecks{Reviews: map[string]int64{}}
	var reviews []struct {
		Decision string
		N        int64
	}
	err := db.WithContext(ctx).Raw(`SELECT CASE WHEN status = 'conflict' THEN 'conflict' ELSE decision END AS decision, count(*) AS n
		FROM fund_reviews WHERE status IN ('done', 'conflict') GROUP BY 1`).Scan(&reviews).Error
	if err != nil {
		return f, fmt.Errorf("count reviews: %w", err)
	}
	for _, r := range reviews {
		f.Reviews[r.Decision] = r.N
	}
	counts := []struct {
		dst *int64
		q   string
	}{
		{&f.Approved, `SELECT count(DISTINCT entity_id) FROM workflow_events WHERE entity_type = 'fund' AND to_state = 'approved'`},
		{&f.Promoted, `SELECT count(DISTINCT entity_id) FROM workflow_events WHERE entity_type = 'fund' AND from_state = 'waitlisted' AND to_state = 'approved'`},
		{&f.Disbursed, `SELECT count(*) FROM fund_applications WHERE status = 'disbursed'`},
		{&f.Rejected, `SELECT count(*) FROM fund_applications WHERE status = 'rejected'`},
		{&f.Waitlisted, `SELECT count(*) FROM fund_applications WHERE status = 'waitlisted'`},
		{&f.DisbursedFen, `SELECT coalesce(sum(amount_fen), 0) FROM fund_ledger WHERE kind = 'disburse'`},
		{&f.StuckInReview, `SELECT count(*) FROM fund_applications WHERE status IN ('submitted', 'screening', 'in_review', 'approved')`},
	}
	for _, c := range counts {
		if err := db.WithContext(ctx).Raw(c.q).Scan(c.dst).Error; err != nil {
			return f, fmt.Errorf("fund query %q: %w", c.q, err)
		}
	}
	err = db.WithContext(ctx).Raw(`SELECT a.id || ' (' || a.status || ', ' || count(l.id) || ' disbursements)'
		FROM fund_applications a LEFT JOIN fund_ledger l ON l.application_id = a.id AND l.kind = 'disburse'
		GROUP BY a.id, a.status
		HAVING (a.status = 'disbursed') <> (count(l.id) = 1) OR count(l.id) > 1`).Scan(&f.NotDisbursedOnce).Error
	if err != nil {
		return f, fmt.Errorf("disbursed once: %w", err)
	}
	return f, nil
}

// errs are the fund guarantees f saw broken.
func (f FundChecks) errs() []error {
	var errs []error
	if len(f.NotDisbursedOnce) > 0 {
		errs = append(errs, fmt.Errorf("%d applications not disbursed exactly once: %s", len(f.NotDisbursedOnce),
			strings.Join(f.NotDisbursedOnce[:min(len(f.NotDisbursedOnce), 5)], "; ")))
	}
	if f.StuckInReview > 0 {
		errs = append(errs, fmt.Errorf("%d fund applications still without a decision after the settle time", f.StuckInReview))
	}
	for _, o := range f.OverspentSeen {
		errs = append(errs, fmt.Errorf("budget exceeded while faults ran: %s", o))
	}
	return errs
}

// rows are f's lines of the chaos table.
func (f FundChecks) rows(row func(string, any)) {
	row("fund reviews", fmt.Sprintf("%d approve, %d reject, %d conflict declared",
		f.Reviews["approve"], f.Reviews["reject"], f.Reviews["conflict"]))
	row("fund decisions", fmt.Sprintf("%d approved (%d from the waitlist), %d rejected, %d waitlisted at the end",
		f.Approved, f.Promoted, f.Rejected, f.Waitlisted))
	row("disbursements", fmt.Sprintf("%d (%d yuan)", f.Disbursed, f.DisbursedFen/100))
	row("approved paid exactly once", len(f.NotDisbursedOnce) == 0)
	row("budget never exceeded", len(f.OverspentSeen) == 0)
	row("fund stuck without decision", f.StuckInReview)
}

// grantFen is what loadgen asks for in every fund application.
const grantFen = 100_000

// tightenBudget sets every programme's budget to one grant a second of the
// run (at least 20 grants, never below its largest grant), so that about
// half of what reviewers approve no longer fits: the waitlist runs under
// faults as well as the disbursements. The admin API cannot change a
// budget, so the run writes it, before any application.
func tightenBudget(ctx context.Context, db *gorm.DB, run time.Duration) error {
	budget := int64(max(20, int(run.Seconds()))) * grantFen
	err := db.WithContext(ctx).Exec(`UPDATE fund_programs SET budget_fen = greatest(?::bigint, max_grant_fen)`, budget).Error
	if err != nil {
		return fmt.Errorf("chaos: tighten the budgets: %w", err)
	}
	return nil
}
