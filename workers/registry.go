package workers

import (
	"time"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// Registry is every task type of campusbiz, written once: how it is queued
// and retried, what runs it and what records its failure. The worker
// registers its handlers from it, every process's engine takes its queueing
// options from it (Registry.Options), the tests run the same table, and
// docs/TASKS.md is generated from it (a test fails when they differ).
var Registry = engine.Registry[*Handlers]{
	{
		Type: workflows.TypeOnboardingVerify, Queue: engine.QueueCritical, MaxRetry: 10,
		Does: "partner college, e-mail on one of its domains, student-number format, plausible enrollment year, " +
			"no other verified profile with the same number; then awaiting_email (and a code is mailed), rejected or " +
			"needs_info with reasons",
		Step: (*Handlers).VerifyOnboarding,
	},
	{
		Type: workflows.TypeOnboardingEmailCode, Queue: engine.QueueCritical, MaxRetry: 10, Timeout: time.Minute,
		Does: "draws a six-digit code, mails it to the college address and keeps only its keyed hash; once per code " +
			"(a newer code or a resubmission burns it)",
		Prepare: (*Handlers).PrepareEmailCode,
	},
	{
		Type: workflows.TypeShopVerify, Queue: engine.QueueShops, MaxRetry: 8, Timeout: time.Minute,
		Does: "owner is a verified student, shop unclaimed; fetches the shop's page (no transaction open) and looks " +
			"for the code, or waits for an admin in manual mode; rejects after the last retry",
		Prepare: (*Handlers).PrepareShopCheck, OnFailure: (*Handlers).ShopCheckFailed,
	},
	{
		Type: workflows.TypeFundScreen, Queue: engine.QueueCritical, MaxRetry: 10,
		Does: "eligibility, automatic score, reviewers from the panel (never the applicant, never their college), " +
			"review deadline; waits in screening when too few reviewers are free",
		Step: (*Handlers).ScreenFund, OnFailure: (*Handlers).ScreenFundFailed,
	},
	{
		Type: workflows.TypeFundReviewDeadline, Queue: engine.QueueLow, MaxRetry: 10,
		Does: "reviews still missing at the deadline go to other reviewers, or keep the deadline extended",
		Step: (*Handlers).FundReviewDeadline,
	},
	{
		Type: workflows.TypeFundDecide, Queue: engine.QueueCritical, MaxRetry: 10,
		Does: "once the quorum allows: approve (reserve the grant in one conditional update; waitlist when the " +
			"budget cannot cover it) or reject",
		Step: (*Handlers).DecideFund,
	},
	{
		Type: workflows.TypeFundDisburse, Queue: engine.QueueCritical, MaxRetry: 10, Timeout: time.Minute,
		Does: "pays through the payment port with the task id as idempotency key; a payment refused for good " +
			"releases the money and rejects",
		Step: (*Handlers).DisburseFund, OnFailure: (*Handlers).DisburseFundFailed,
	},
	{
		Type: workflows.TypeFundPromote, Queue: engine.QueueCritical, MaxRetry: 10, Timeout: time.Minute,
		Does: "after money is released, approves the programme's waitlist oldest first while the budget covers it",
		Step: (*Handlers).PromoteFund,
	},
	{
		Type: workflows.TypeInternshipMatch, Queue: engine.QueueLow, MaxRetry: 5, Timeout: 15 * time.Minute,
		Does:    "one matching round (student-proposing deferred acceptance) over the pending applications and open places",
		Prepare: (*Handlers).PrepareMatch, OnFailure: (*Handlers).MatchFailed,
	},
	{
		Type: workflows.TypeInternshipExpireOffers, Queue: engine.QueueLow, MaxRetry: 20, Timeout: 5 * time.Minute,
		Does: "lapses a round's offers left unanswered; their places return to the next round",
		Step: (*Handlers).ExpireOffers,
	},
	{
		Type: workflows.TypeCertificateIssue, Queue: engine.QueueDefault, MaxRetry: 10, Timeout: time.Minute,
		Does: "random serial, signed credential, PDF with the verify URL's QR code; the enrollment is certified",
		Step: (*Handlers).IssueCertificate, OnFailure: (*Handlers).IssueCertificateFailed,
	},
	{
		Type: engine.TypeNotifySend, Queue: engine.QueueLow, MaxRetry: 20,
		Does: "e-mails one in-app notification, once (only when SMTP is configured)",
		Step: (*Handlers).SendNotification,
	},
}
