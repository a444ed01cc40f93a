package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"gorm.io/gorm"
)

// workflowKind is one workflow the run counts: the table of its entities
// and the states where the system's own work on one ends. Most are the
// machine's final states; some workflows then wait for a person (an
// internship offer for the applicant's answer, a waitlisted application for
// money to be released), which the run does not play.
type workflowKind struct {
	name    string
	table   string
	machine engine.Machine
	settled []string
}

// kinds lists the workflows a chaos run drives.
var kinds = []workflowKind{
	// A profile awaiting its e-mail code waits for the applicant (loadgen
	// confirms the codes it reads; one whose mail came after its patience
	// waits).
	{"onboarding", "student_profiles", workflows.OnboardingMachine,
		append(slices.Clone(workflows.OnboardingMachine.Final), workflows.OnboardingAwaitingEmail)},
	{"shop", "shops", workflows.ShopMachine, workflows.ShopMachine.Final},
	{"fund", "fund_applications", workflows.FundMachine,
		append(slices.Clone(workflows.FundMachine.Final), workflows.FundWaitlisted)},
	{"internship", "internship_applications", workflows.InternshipMachine,
		append(slices.Clone(workflows.InternshipMachine.Final), workflows.InternshipOffered, workflows.InternshipUnmatched)},
	{"enrollment", "enrollments", workflows.EnrollmentMachine, workflows.EnrollmentMachine.Final},
	{"match round", "match_rounds", workflows.MatchRoundMachine, []string{workflows.RoundDone}},
}

// WorkflowCount is how many entities of one workflow were submitted and
// how many reached a settled state.
type WorkflowCount struct {
	Name               string
	Submitted, Settled int64
}

// quoted is states as a SQL list of literals (the states are constants of
// the workflows package, never input).
func quoted(states []string) string {
	q := make([]string, len(states))
	for i, s := range states {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// CountWorkflows counts every workflow's entities and the settled ones.
func CountWorkflows(ctx context.Context, db *gorm.DB) ([]WorkflowCount, error) {
	out := make([]WorkflowCount, 0, len(kinds))
	for _, k := range kinds {
		var c WorkflowCount
		c.Name = k.name
		q := fmt.Sprintf(`SELECT count(*) AS submitted, count(*) FILTER (WHERE status IN (%s)) AS settled FROM %s`,
			quoted(k.settled), k.table)
		if err := db.WithContext(ctx).Raw(q).Row().Scan(&c.Submitted, &c.Settled); err != nil {
			return nil, fmt.Errorf("count %s: %w", k.name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// OutboxBacklog counts due outbox rows that have not failed (completing a
// task deletes its row): work the system still owes. Rows scheduled for later (review deadlines,
// offer expiries) are not due.
func OutboxBacklog(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT count(*) FROM outbox WHERE failed_at IS NULL AND process_at <= now()`).
		Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("outbox backlog: %w", err)
	}
	return n, nil
}

// Checks is what the invariant queries found once the system settled.
type Checks struct {
	// DoubleFinal counts entities with more than one event into a final state.
	DoubleFinal int64
	// DoubleNotified counts (event, account) pairs notified more than once.
	DoubleNotified int64
	// DoubleLedger counts (application, kind) pairs moved more than once.
	DoubleLedger int64
	// DoubleCertificates counts enrollments with more than one certificate.
	DoubleCertificates int64
	// FailedTasks counts outbox rows Asynq gave up on (archived).
	FailedTasks int64
	// VerifiedWithoutCode counts verified profiles with no confirmed
	// e-mail code: students the system verified without proof (must be 0).
	VerifiedWithoutCode int64
	// LedgerMismatch lists programmes whose totals disagree with their
	// ledger, and Overspent those whose reserved plus disbursed money
	// exceeds the budget.
	LedgerMismatch, Overspent []string
}

// Duplicated is the number of effects that happened twice.
func (c Checks) Duplicated() int64 {
	return c.DoubleFinal + c.DoubleNotified + c.DoubleLedger + c.DoubleCertificates
}

// Check runs the invariant queries on a settled system's database.
func Check(ctx context.Context, db *gorm.DB) (Checks, error) {
	var c Checks
	var finals []string
	for _, k := range kinds {
		for _, s := range k.machine.Final {
			finals = append(finals, fmt.Sprintf("('%s', '%s')", k.machine.Entity, s))
		}
	}
	counts := []struct {
		dst *int64
		q   string
	}{
		{&c.DoubleFinal, `SELECT count(*) FROM (SELECT entity_id FROM workflow_events WHERE (entity_type, to_state) IN (` +
			strings.Join(finals, ", ") + `) GROUP BY entity_type, entity_id HAVING count(*) > 1) d`},
		{&c.DoubleNotified, `SELECT count(*) FROM (SELECT 1 FROM notifications GROUP BY event_id, account_id HAVING count(*) > 1) d`},
		{&c.DoubleLedger, `SELECT count(*) FROM (SELECT 1 FROM fund_ledger GROUP BY application_id, kind HAVING count(*) > 1) d`},
		{&c.DoubleCertificates, `SELECT count(*) FROM (SELECT 1 FROM certificates GROUP BY enrollment_id HAVING count(*) > 1) d`},
		{&c.FailedTasks, `SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL`},
		{&c.VerifiedWithoutCode, `SELECT count(*) FROM student_profiles p WHERE p.status = 'verified'
			AND NOT EXISTS (SELECT 1 FROM email_codes c WHERE c.profile_id = p.id AND c.used_at IS NOT NULL)`},
	}
	for _, q := range counts {
		if err := db.WithContext(ctx).Raw(q.q).Scan(q.dst).Error; err != nil {
			return c, fmt.Errorf("invariant query %q: %w", q.q, err)
		}
	}
	var programs []struct {
		Name                                 string
		BudgetFen, ReservedFen, DisbursedFen int64
		Reserve, Release, Disburse           int64
	}
	err := db.WithContext(ctx).Raw(`SELECT p.name, p.budget_fen, p.reserved_fen, p.disbursed_fen,
		coalesce(sum(l.amount_fen) FILTER (WHERE l.kind = 'reserve'), 0) AS reserve,
		coalesce(sum(l.amount_fen) FILTER (WHERE l.kind = 'release'), 0) AS release,
		coalesce(sum(l.amount_fen) FILTER (WHERE l.kind = 'disburse'), 0) AS disburse
		FROM fund_programs p LEFT JOIN fund_ledger l ON l.program_id = p.id GROUP BY p.id ORDER BY p.name`).Scan(&programs).Error
	if err != nil {
		return c, fmt.Errorf("ledger query: %w", err)
	}
	for _, p := range programs {
		if p.ReservedFen != p.Reserve-p.Release-p.Disburse || p.DisbursedFen != p.Disburse {
			c.LedgerMismatch = append(c.LedgerMismatch, fmt.Sprintf("%s: reserved %d disbursed %d, ledger reserve %d release %d disburse %d",
				p.Name, p.ReservedFen, p.DisbursedFen, p.Reserve, p.Release, p.Disburse))
		}
		if p.ReservedFen+p.DisbursedFen > p.BudgetFen {
			c.Overspent = append(c.Overspent, fmt.Sprintf("%s: reserved %d + disbursed %d > budget %d",
				p.Name, p.ReservedFen, p.DisbursedFen, p.BudgetFen))
		}
	}
	return c, nil
}
