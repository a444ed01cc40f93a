// Package models holds campusbiz's GORM models, its versioned SQL migrations
// and the few helpers that open and prepare the database.
package models

import (
	"time"

	"github.com/google/uuid"
)

// NewID returns a new time-ordered (UUIDv7) id. Ordered ids keep index pages
// hot and make "WHERE id > cursor ORDER BY id" the natural cursor.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Roles of an account.
const (
	RoleApplicant = "applicant"
	RoleReviewer  = "reviewer"
	RoleAdmin     = "admin"
)

// College is a partner college.
type College struct {
	ID           string    `gorm:"type:uuid;primaryKey"`
	Name         string    `gorm:"not null"`
	NameEN       string    `gorm:"column:name_en;not null"`
	Province     string    `gorm:"not null"`
	EmailDomains []string  `gorm:"serializer:json;type:jsonb;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// Account is a person who can sign in: an applicant, a reviewer or an admin.
type Account struct {
	ID           string  `gorm:"type:uuid;primaryKey"`
	Email        string  `gorm:"not null"`
	PasswordHash string  `gorm:"not null"`
	Name         string  `gorm:"not null"`
	Role         string  `gorm:"not null"`
	CollegeID    *string `gorm:"type:uuid"`
	// Lang is the language ("zh", "en") the person last used on the pages;
	// their e-mails speak it.
	Lang      string `gorm:"not null;default:zh"`
	CreatedAt time.Time
}

// Session is a login. Only the SHA-256 of its token is stored.
type Session struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	AccountID string `gorm:"type:uuid;not null"`
	TokenHash []byte `gorm:"not null"`
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// OutboxRow is one unit of background work written in the transaction of the
// state change that needs it. The row lives until its task completes (the
// completion deletes it, with the task's effects) or gives up (FailedAt).
type OutboxRow struct {
	ID             string `gorm:"type:uuid;primaryKey"`
	TaskType       string
	Payload        []byte `gorm:"type:jsonb"`
	Queue          string
	ProcessAt      time.Time
	MaxRetry       int
	TimeoutSeconds int
	CreatedAt      time.Time
	DispatchedAt   *time.Time
	DispatchCount  int
	FailedAt       *time.Time
	LastError      *string
	// FairKey is the fairness key (the college whose work it is; "" is the
	// default key): with fair dispatch on, the fair admitter hands rows to
	// Asynq per key (engine.Fairness).
	FairKey string
	// TraceParent is the W3C traceparent of the span that wrote the row
	// (nil when tracing is off); its task continues that trace.
	TraceParent *string
}

// TableName is the outbox table's name.
func (OutboxRow) TableName() string { return "outbox" }

// WorkflowEvent is one state change of one workflow entity.
type WorkflowEvent struct {
	ID         int64 `gorm:"primaryKey;->"`
	EntityType string
	EntityID   string `gorm:"type:uuid"`
	FromState  string
	ToState    string
	Actor      string
	// Reason is the English text of events written before reasons became
	// codes; newer events leave it empty and carry Reasons.
	Reason  string
	Reasons []Reason `gorm:"serializer:json;type:jsonb"`
	TaskID  *string  `gorm:"type:uuid"`
	Attempt int
	At      time.Time
}

// Notification is an in-app message to one account about one event.
type Notification struct {
	ID         string `gorm:"type:uuid;primaryKey"`
	AccountID  string `gorm:"type:uuid"`
	EventID    int64
	EntityType string
	EntityID   string `gorm:"type:uuid"`
	// Code and Params say what the notification tells (rendered at the
	// edge); Title and Body hold the English text of notifications written
	// before codes.
	Code      string
	Params    map[string]any `gorm:"serializer:json;type:jsonb"`
	Title     string
	Body      string
	CreatedAt time.Time
	EmailedAt *time.Time
	// ReadAt is when its reader marked it read; nil: unread.
	ReadAt *time.Time
}

// Reason explains one problem found while checking a submission: the
// field it concerns, if any, and a message code (workflows/msg) with its
// parameters, which the edge renders in the reader's language.
type Reason struct {
	Field  string         `json:"field,omitempty"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
	// Legacy is the English text of a reason written before codes (its
	// "message"); the edge shows it when its code has no sentence. New
	// reasons leave it empty.
	Legacy string `json:"message,omitempty"`
}

// StudentProfile is an applicant's onboarding submission and its state.
type StudentProfile struct {
	ID             string `gorm:"type:uuid;primaryKey"`
	AccountID      string `gorm:"type:uuid"`
	CollegeID      string `gorm:"type:uuid"`
	StudentNumber  string
	FullName       string
	EnrollmentYear int
	Major          string
	CollegeEmail   string
	Phone          string
	Status         string
	Reasons        []Reason `gorm:"serializer:json;type:jsonb"`
	Revision       int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	VerifiedAt     *time.Time
}

// EmailCode is one one-time code mailed to a profile's college address
// (onboarding's proof of the mailbox). CodeHash is the code's HMAC, set when
// the code is mailed; the code itself is never stored.
type EmailCode struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	ProfileID string `gorm:"type:uuid"`
	AccountID string `gorm:"type:uuid"`
	Email     string
	CodeHash  []byte
	Attempts  int
	CreatedAt time.Time
	SentAt    *time.Time
	ExpiresAt *time.Time
	UsedAt    *time.Time
	BurntAt   *time.Time
}

// Dispute is a student's claim to a college and student number that
// another account's verified profile holds, and an admin's decision on it.
type Dispute struct {
	ID                string `gorm:"type:uuid;primaryKey"`
	ClaimantProfileID string `gorm:"type:uuid"`
	ClaimantAccountID string `gorm:"type:uuid"`
	OtherProfileID    string `gorm:"type:uuid"`
	Statement         string
	// EmailProven: the claimant confirmed a code mailed to their profile's
	// college address.
	EmailProven    bool
	Status         string
	DecisionReason *string
	DecidedBy      *string `gorm:"type:uuid"`
	DecidedAt      *time.Time
	CreatedAt      time.Time
}
