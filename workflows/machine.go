package workflows

import "github.com/campusbiz/campusbiz/workflows/engine"

// Onboarding states.
const (
	OnboardingPending   = "pending"
	OnboardingVerified  = "verified"
	OnboardingRejected  = "rejected"
	OnboardingNeedsInfo = "needs_info"
)

// OnboardingMachine is the student profile's workflow. Rejected and
// needs_info profiles may be resubmitted, which takes them back to pending.
var OnboardingMachine = engine.Machine{
	Entity:  "onboarding",
	Initial: OnboardingPending,
	Transitions: map[string][]string{
		OnboardingPending:   {OnboardingVerified, OnboardingRejected, OnboardingNeedsInfo},
		OnboardingRejected:  {OnboardingPending},
		OnboardingNeedsInfo: {OnboardingPending},
	},
	Final: []string{OnboardingVerified, OnboardingRejected, OnboardingNeedsInfo},
}
