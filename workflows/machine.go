package workflows

import (
	"fmt"
	"slices"
)

// Machine is a workflow's state machine: which transitions are allowed and
// which states are final.
type Machine struct {
	// Entity is the entity type written on events ("onboarding", "shop", ...).
	Entity string
	// Initial is the state a new entity starts in.
	Initial string
	// Transitions maps a state to the states it may move to.
	Transitions map[string][]string
	// Final lists the states that end the workflow.
	Final []string
}

// Allows reports whether the machine may move from one state to another.
// The empty from-state stands for creation and allows only Initial.
func (m Machine) Allows(from, to string) bool {
	if from == "" {
		return to == m.Initial
	}
	return slices.Contains(m.Transitions[from], to)
}

// Check returns an error wrapping ErrConflict when from→to is not allowed.
func (m Machine) Check(from, to string) error {
	if !m.Allows(from, to) {
		return fmt.Errorf("%s: %q to %q: %w", m.Entity, from, to, ErrConflict)
	}
	return nil
}

// IsFinal reports whether state ends the workflow.
func (m Machine) IsFinal(state string) bool {
	return slices.Contains(m.Final, state)
}

// Onboarding states.
const (
	OnboardingPending   = "pending"
	OnboardingVerified  = "verified"
	OnboardingRejected  = "rejected"
	OnboardingNeedsInfo = "needs_info"
)

// OnboardingMachine is the student profile's workflow. Rejected and
// needs_info profiles may be resubmitted, which takes them back to pending.
var OnboardingMachine = Machine{
	Entity:  "onboarding",
	Initial: OnboardingPending,
	Transitions: map[string][]string{
		OnboardingPending:   {OnboardingVerified, OnboardingRejected, OnboardingNeedsInfo},
		OnboardingRejected:  {OnboardingPending},
		OnboardingNeedsInfo: {OnboardingPending},
	},
	Final: []string{OnboardingVerified, OnboardingRejected, OnboardingNeedsInfo},
}
