package models

import "time"

// Course is a training course of the programme. Scores run from 0 to 100.
type Course struct {
	ID          string `gorm:"type:uuid;primaryKey"`
	Title       string
	Description string
	PassScore   int
	CreatedAt   time.Time
}

// Enrollment is a student taking a course, and its result.
type Enrollment struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	AccountID string `gorm:"type:uuid"`
	CourseID  string `gorm:"type:uuid"`
	Status    string
	// Score is set when the training platform posts the result.
	Score *int
	// Reasons say why the enrollment failed or why its certificate could
	// not be issued.
	Reasons   []Reason `gorm:"serializer:json;type:jsonb"`
	ResultBy  *string  `gorm:"type:uuid"`
	ResultAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Certificate is a signed certificate issued for one passed enrollment.
type Certificate struct {
	ID           string `gorm:"type:uuid;primaryKey"`
	Serial       string
	EnrollmentID string `gorm:"type:uuid"`
	AccountID    string `gorm:"type:uuid"`
	CourseID     string `gorm:"type:uuid"`
	Status       string
	// Credential is the RFC 8785 canonical JSON that was signed.
	Credential []byte
	KeyID      string
	Signature  string
	IssuedAt   time.Time
	// PDF is the printable certificate rendered at issuance.
	PDF          []byte
	RevokedAt    *time.Time
	RevokedBy    *string `gorm:"type:uuid"`
	RevokeReason string
	CreatedAt    time.Time
}
