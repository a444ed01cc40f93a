package workflows

import (
	"time"

	"github.com/campusbiz/campusbiz/workflows/engine"
)

// Fund application states.
const (
	FundSubmitted  = "submitted"
	FundScreening  = "screening"
	FundInReview   = "in_review"
	FundApproved   = "approved"
	FundDisbursed  = "disbursed"
	FundRejected   = "rejected"
	FundWaitlisted = "waitlisted"
	FundWithdrawn  = "withdrawn"
)

// FundMachine is the fund application's workflow. in_review → in_review
// records a review received or reviews reassigned at the deadline;
// approved → rejected is a payment that failed for good; waitlisted →
// approved is a move up the waitlist when money is released.
var FundMachine = engine.Machine{
	Entity:  "fund",
	Initial: FundSubmitted,
	Transitions: map[string][]string{
		FundSubmitted:  {FundScreening, FundWithdrawn},
		FundScreening:  {FundInReview, FundRejected, FundWithdrawn},
		FundInReview:   {FundInReview, FundApproved, FundRejected, FundWaitlisted, FundWithdrawn},
		FundApproved:   {FundDisbursed, FundRejected, FundWithdrawn},
		FundWaitlisted: {FundApproved, FundWithdrawn},
	},
	Final: []string{FundDisbursed, FundRejected, FundWithdrawn},
}

// Review assignment states (fund_reviews.status).
const (
	ReviewAssigned  = "assigned"
	ReviewDone      = "done"
	ReviewExpired   = "expired"
	ReviewCancelled = "cancelled"
	// ReviewConflict: the reviewer declared a conflict of interest and the
	// application went to another reviewer.
	ReviewConflict = "conflict"
)

// Review decisions.
const (
	ReviewApprove = "approve"
	ReviewReject  = "reject"
)

// ActorReviewer is the actor of a review on the timeline: reviewers stay
// anonymous to the applicant and to each other.
const ActorReviewer = "reviewer"

// TypeFundPromote moves a programme's waitlist up after money was released.
const TypeFundPromote = "fund:promote"

// FundApplicationPayload names the application a fund task works on.
type FundApplicationPayload struct {
	ApplicationID string `json:"application_id"`
}

// FundProgramPayload names the programme a fund task works on.
type FundProgramPayload struct {
	ProgramID string `json:"program_id"`
}

func fundTask(typ, applicationID string, at time.Time) engine.Task {
	return engine.Task{Type: typ, Payload: FundApplicationPayload{ApplicationID: applicationID}, ProcessAt: at}
}

// NewFundScreenTask screens the application: eligibility, automatic score,
// reviewer assignment.
func NewFundScreenTask(applicationID string) engine.Task {
	return fundTask(TypeFundScreen, applicationID, time.Time{})
}

// NewFundReviewDeadlineTask reassigns, at the review deadline, the reviews
// still missing.
func NewFundReviewDeadlineTask(applicationID string, at time.Time) engine.Task {
	return fundTask(TypeFundReviewDeadline, applicationID, at)
}

// NewFundDecideTask decides the application once its reviews allow it.
func NewFundDecideTask(applicationID string) engine.Task {
	return fundTask(TypeFundDecide, applicationID, time.Time{})
}

// NewFundDisburseTask pays an approved application's grant.
func NewFundDisburseTask(applicationID string) engine.Task {
	return fundTask(TypeFundDisburse, applicationID, time.Time{})
}

// NewFundPromoteTask moves the programme's waitlist up, oldest first, as far
// as the remaining budget allows.
func NewFundPromoteTask(programID string) engine.Task {
	return engine.Task{Type: TypeFundPromote, Payload: FundProgramPayload{ProgramID: programID}}
}
