package models

import "time"

// FundProgram is an entrepreneurship fund programme. Money is integer fen;
// ReservedFen + DisbursedFen never exceeds BudgetFen (a CHECK constraint).
type FundProgram struct {
	ID           string `gorm:"type:uuid;primaryKey"`
	Name         string
	BudgetFen    int64
	ReservedFen  int64
	DisbursedFen int64
	// MaxGrantFen caps one application's amount.
	MaxGrantFen             int64
	ReviewersPerApplication int
	ApprovalsRequired       int
	// MinMeanScore is the bar (1 to 10, two decimals) the reviews' mean
	// score must reach for an approval.
	MinMeanScore float64
	// ReviewHours is how long a reviewer has before a review is reassigned.
	ReviewHours int
	OpensAt     time.Time
	ClosesAt    time.Time
	CreatedAt   time.Time
}

// RemainingFen is the budget neither reserved nor disbursed.
func (p FundProgram) RemainingFen() int64 { return p.BudgetFen - p.ReservedFen - p.DisbursedFen }

// FundPanelMember puts a reviewer on a programme's review panel.
type FundPanelMember struct {
	ProgramID  string `gorm:"type:uuid;primaryKey"`
	ReviewerID string `gorm:"type:uuid;primaryKey"`
}

// TableName is the panel table's name.
func (FundPanelMember) TableName() string { return "fund_panel" }

// ScoreFactor is one part of an application's automatic score. Code and
// Params (a workflows/msg message) say what it counted, for the edge to
// render; rows written before codes hold an English "note" instead, which
// decoding ignores.
type ScoreFactor struct {
	Name   string         `json:"name"`
	Points int            `json:"points"`
	Max    int            `json:"max"`
	Code   string         `json:"code,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// FundApplication is a student's application for a grant and its state.
type FundApplication struct {
	ID           string `gorm:"type:uuid;primaryKey"`
	ProgramID    string `gorm:"type:uuid"`
	AccountID    string `gorm:"type:uuid"`
	ShopID       string `gorm:"type:uuid"`
	AmountFen    int64
	BusinessPlan string
	Status       string
	Reasons      []Reason `gorm:"serializer:json;type:jsonb"`
	// Score is the automatic score (0 to 100) screening gives reviewers.
	Score        *int
	ScoreFactors []ScoreFactor `gorm:"serializer:json;type:jsonb"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DecidedAt    *time.Time
	DisbursedAt  *time.Time
}

// FundReview is a reviewer's assignment to an application and, once done,
// their review.
type FundReview struct {
	ID            string `gorm:"type:uuid;primaryKey"`
	ApplicationID string `gorm:"type:uuid"`
	ReviewerID    string `gorm:"type:uuid"`
	// Status is assigned, done, expired, cancelled or conflict.
	Status     string
	Decision   *string
	Score      *int
	Comment    string
	AssignedAt time.Time
	DueAt      time.Time
	ReviewedAt *time.Time
	// ConflictNote and ConflictAt are the reviewer's declared conflict of
	// interest (status conflict).
	ConflictNote string
	ConflictAt   *time.Time
}

// FundLedgerEntry is one movement of a programme's money: a reservation, its
// release, or a disbursement.
type FundLedgerEntry struct {
	ID             string `gorm:"type:uuid;primaryKey"`
	ProgramID      string `gorm:"type:uuid"`
	ApplicationID  string `gorm:"type:uuid"`
	Kind           string
	AmountFen      int64
	IdempotencyKey string
	// Reference is the payment provider's reference of a disbursement.
	Reference string
	CreatedAt time.Time
}

// TableName is the ledger table's name.
func (FundLedgerEntry) TableName() string { return "fund_ledger" }

// FundCriterion is one criterion of a programme's rubric.
type FundCriterion struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	ProgramID string `gorm:"type:uuid"`
	// Position orders the rubric, from 1.
	Position int
	NameZH   string `gorm:"column:name_zh"`
	NameEN   string `gorm:"column:name_en"`
	// Weight is the criterion's share of the review's score; MaxPoints the
	// most a review may give it.
	Weight    int
	MaxPoints int
}

// TableName is the rubric table's name.
func (FundCriterion) TableName() string { return "fund_criteria" }

// FundReviewScore is a review's points and comment on one criterion.
type FundReviewScore struct {
	ReviewID    string `gorm:"type:uuid;primaryKey"`
	CriterionID string `gorm:"type:uuid;primaryKey"`
	Points      int
	Comment     string
}
