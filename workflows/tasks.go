package workflows

import (
	"encoding/json"
	"fmt"
	"time"
)

// Task type names. They are part of the contract and show in Asynqmon.
const (
	TypeOnboardingVerify   = "onboarding:verify"
	TypeShopVerify         = "shop:verify"
	TypeFundScreen         = "fund:screen"
	TypeFundReviewDeadline = "fund:review_deadline"
	TypeFundDecide         = "fund:decide"
	TypeFundDisburse       = "fund:disburse"
	TypeInternshipMatch    = "internship:match"
	TypeCertificateIssue   = "certificate:issue"
	TypeNotifySend         = "notify:send"
)

// Queue names and their weights.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// QueueWeights are the Asynq queue priorities (critical 6, default 3, low 1).
var QueueWeights = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// Task is background work to be written to the outbox with Enqueue.
type Task struct {
	// Type is one of the Type* constants.
	Type string
	// Payload is marshalled to JSON; it carries ids only, never personal data.
	Payload any
	// Queue is one of the Queue* constants.
	Queue string
	// ProcessAt delays the task; zero means now.
	ProcessAt time.Time
	// MaxRetry is how many times Asynq retries a failing task.
	MaxRetry int
	// Timeout bounds one run of the task.
	Timeout time.Duration
}

// OnboardingVerifyPayload names the profile and the submission (revision) to verify.
type OnboardingVerifyPayload struct {
	ProfileID string `json:"profile_id"`
	Revision  int    `json:"revision"`
}

// NewOnboardingVerifyTask verifies revision of the profile profileID.
func NewOnboardingVerifyTask(profileID string, revision int) Task {
	return Task{
		Type:     TypeOnboardingVerify,
		Payload:  OnboardingVerifyPayload{ProfileID: profileID, Revision: revision},
		Queue:    QueueCritical,
		MaxRetry: 10,
		Timeout:  30 * time.Second,
	}
}

// NotifySendPayload names the notification (by its event and account) to
// deliver by e-mail.
type NotifySendPayload struct {
	EventID   int64  `json:"event_id"`
	AccountID string `json:"account_id"`
}

// NewNotifySendTask e-mails accountID the notification of event eventID.
func NewNotifySendTask(eventID int64, accountID string) Task {
	return Task{
		Type:     TypeNotifySend,
		Payload:  NotifySendPayload{EventID: eventID, AccountID: accountID},
		Queue:    QueueLow,
		MaxRetry: 20,
		Timeout:  30 * time.Second,
	}
}

// DecodePayload decodes a task payload strictly; a payload that does not
// decode is a permanent error.
func DecodePayload(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return Permanent(fmt.Errorf("decode payload: %w", err))
	}
	return nil
}
