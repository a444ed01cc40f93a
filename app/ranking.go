package app

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// Ranking is a programme's applications by their reviews, raw and
// calibrated (workflows.Calibrate), and each reviewer's offset against
// their panels.
type Ranking struct {
	Program   models.FundProgram
	Reviewers []RankedReviewer
	Items     []RankedApplication
}

// RankedReviewer is a reviewer's offset with their name.
type RankedReviewer struct {
	workflows.ReviewerSeverity
	Name string
}

// RankedApplication is an application's raw and calibrated scores with
// what an admin needs to tell it.
type RankedApplication struct {
	workflows.CalibratedScore
	Status    string
	AmountFen int64
	Applicant string
}

// ProgramRanking is the programme's ranking for admins: every application
// with a review in, by calibrated mean review score, the raw mean beside
// it, and every reviewer's offset (docs/REVIEWING.md says how).
func (a *App) ProgramRanking(ctx context.Context, actor Actor, programID string) (Ranking, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Ranking{}, err
	}
	prog, err := public[models.FundProgram](ctx, a, programID)
	if err != nil {
		return Ranking{}, err
	}
	db := a.db.WithContext(ctx)
	var scores []workflows.ReviewScore
	err = db.Raw(`SELECT r.reviewer_id, r.application_id, r.score FROM fund_reviews r
		JOIN fund_applications x ON x.id = r.application_id
		WHERE x.program_id = ? AND r.status = ?`, prog.ID, workflows.ReviewDone).Scan(&scores).Error
	if err != nil {
		return Ranking{}, fmt.Errorf("load the reviews of programme %s: %w", prog.ID, err)
	}
	sev, ranked := workflows.Calibrate(scores)
	out := Ranking{Program: prog, Reviewers: make([]RankedReviewer, len(sev)), Items: make([]RankedApplication, len(ranked))}
	names, err := byID(db, "id", pluck(sev, func(s workflows.ReviewerSeverity) string { return s.ReviewerID }),
		func(acct models.Account) string { return acct.ID })
	if err != nil {
		return Ranking{}, err
	}
	for i, s := range sev {
		out.Reviewers[i] = RankedReviewer{ReviewerSeverity: s, Name: names[s.ReviewerID].Name}
	}
	var apps []rankedRow
	err = db.Raw(`SELECT x.id, x.status, x.amount_fen, coalesce(p.full_name, '') AS full_name FROM fund_applications x
		LEFT JOIN student_profiles p ON p.account_id = x.account_id
		WHERE x.id IN (SELECT application_id FROM fund_reviews WHERE status = ?) AND x.program_id = ?`,
		workflows.ReviewDone, prog.ID).Scan(&apps).Error
	if err != nil {
		return Ranking{}, fmt.Errorf("load the reviewed applications of programme %s: %w", prog.ID, err)
	}
	byApp := make(map[string]rankedRow, len(apps))
	for _, x := range apps {
		byApp[x.ID] = x
	}
	for i, c := range ranked {
		x := byApp[c.ApplicationID]
		out.Items[i] = RankedApplication{CalibratedScore: c, Status: x.Status, AmountFen: x.AmountFen, Applicant: x.FullName}
	}
	return out, nil
}

// rankedRow is what the ranking shows of an application.
type rankedRow struct {
	ID, Status, FullName string
	AmountFen            int64
}
