package msg

// The reviewer's workbench: conflicts of interest, and the ranking's
// calibration.
const (
	// FundConflictDeclared: the reviewer has declared a conflict of
	// interest with the application already.
	FundConflictDeclared = "fund.conflict_declared"
	// FundConflictReassigned: a reviewer declared a conflict of interest
	// and another reviewer took the application over (timeline).
	FundConflictReassigned = "fund.conflict_reassigned"
	// FundConflictUnreplaced: a reviewer declared a conflict of interest
	// and no other reviewer was free to take it over; the application is
	// decided on the other reviews (timeline).
	FundConflictUnreplaced = "fund.conflict_unreplaced"
)

// Rubric scoring.
const (
	// FundRubricIncomplete: score each of the programme's {criteria}
	// criteria once.
	FundRubricIncomplete = "fund.rubric_incomplete"
	// FundRubricOrScore: send the criteria's points or, on the default
	// rubric, a score, not both.
	FundRubricOrScore = "fund.rubric_or_score"
	// FundCriterionUnknown: {criterion_id} is no criterion of the programme.
	FundCriterionUnknown = "fund.criterion_unknown"
	// FundCriterionPoints: {criterion} takes 0 to {max} points.
	FundCriterionPoints = "fund.criterion_points"
	// FundRubricReviewed: the rubric cannot change once a review is in.
	FundRubricReviewed = "fund.rubric_reviewed"
)
