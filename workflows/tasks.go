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
	// TypeOnboardingEmailCode mails one onboarding code to a college address.
	TypeOnboardingEmailCode = "onboarding:email_code"
)

// OnboardingVerifyPayload names the profile and the submission (revision) to verify.
type OnboardingVerifyPayload struct {
	ProfileID string `json:"profile_id"`
	Revision  int    `json:"revision"`
}

// OnboardingEmailCodePayload names the code row whose code to draw and mail.
type OnboardingEmailCodePayload struct {
	CodeID string `json:"code_id"`
}

// NewOnboardingEmailCodeTask draws and mails the code of the code row codeID.
func NewOnboardingEmailCodeTask(codeID string) engine.Task {
	return engine.Task{Type: TypeOnboardingEmailCode, Payload: OnboardingEmailCodePayload{CodeID: codeID}}
}

// NewOnboardingVerifyTask verifies revision of the profile profileID.
func NewOnboardingVerifyTask(profileID string, revision int) engine.Task {
	return engine.Task{Type: TypeOnboardingVerify, Payload: OnboardingVerifyPayload{ProfileID: profileID, Revision: revision}}
}
