package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"gorm.io/gorm"
)

// FirstProgram is the programme the seed creates: the announcement's
// 200,000 yuan fund.
var FirstProgram = models.FundProgram{
	Name:                    "Tomorrow's Online Merchants",
	BudgetFen:               20_000_000, // 200,000 yuan
	MaxGrantFen:             2_000_000,  // 20,000 yuan
	ReviewersPerApplication: 2,
	ApprovalsRequired:       2,
	MinMeanScore:            6,
	ReviewHours:             workflows.DefaultReviewHours,
}

// FundProgram creates FirstProgram, open for a year from now, unless a
// programme with its name exists (whatever its settings: admins may have
// changed them), with the default rubric. It reports whether it created it.
func FundProgram(ctx context.Context, db *gorm.DB, now time.Time) (bool, error) {
	p, id := FirstProgram, models.NewID()
	created := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO fund_programs (id, name, budget_fen, max_grant_fen,
			reviewers_per_application, approvals_required, min_mean_score, review_hours, opens_at, closes_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			id, p.Name, p.BudgetFen, p.MaxGrantFen, p.ReviewersPerApplication, p.ApprovalsRequired,
			p.MinMeanScore, p.ReviewHours, now.UTC(), now.UTC().AddDate(1, 0, 0))
		if res.Error != nil {
			return fmt.Errorf("seed fund programme %q: %w", p.Name, res.Error)
		}
		if created = res.RowsAffected == 1; !created {
			return nil
		}
		return workflows.GiveDefaultRubric(tx, id)
	})
	return created && err == nil, err
}
