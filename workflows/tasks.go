package workflows

import "github.com/campusbiz/campusbiz/workflows/engine"

// Task type names. They are part of the contract and show in Asynqmon;
// workers.Registry says how each is queued and run.
const (
	TypeOnboardingVerify   = "onboarding:verify"
	TypeShopVerify         = "shop:verify"
	TypeFundScreen         = "fund:screen"
	TypeFundReviewDeadline = "fund:review_deadline"
	TypeFundDecide         = "fund:decide"
	TypeFundDisburse       = "fund:disburse"
	TypeInternshipMatch    = "internship:match"
	TypeCertificateIssue   = "certificate:issue"
)

// OnboardingVerifyPayload names the profile and the submission (revision) to verify.
type OnboardingVerifyPayload struct {
	ProfileID string `json:"profile_id"`
	Revision  int    `json:"revision"`
}

// NewOnboardingVerifyTask verifies revision of the profile profileID.
func NewOnboardingVerifyTask(profileID string, revision int) engine.Task {
	return engine.Task{Type: TypeOnboardingVerify, Payload: OnboardingVerifyPayload{ProfileID: profileID, Revision: revision}}
}
