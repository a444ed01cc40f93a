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
	// Credential is the signed credential JSON (W3C VC 2.0 with its
	// eddsa-rdfc-2022 proof), as served.
	Credential []byte
	// KeyID is the key id (certificates.KeyID) of the key that signed it.
	KeyID string
	// Signature is the proof's proofValue, copied for lists and views.
	Signature string
	// StatusIndex is the certificate's bit in the revocation status lists:
	// list StatusIndex/131072, bit StatusIndex%131072. Unique, never reused.
	StatusIndex int64
	IssuedAt    time.Time
	// PDF is the printable certificate rendered at issuance.
	PDF          []byte
	RevokedAt    *time.Time
	RevokedBy    *string `gorm:"type:uuid"`
	RevokeReason string
	CreatedAt    time.Time
}

// CertificateStatusList is the signed revocation list credential of one
// status list, as served.
type CertificateStatusList struct {
	List       int64 `gorm:"primaryKey;autoIncrement:false"`
	Credential []byte
	// KeyID is the key id of the key that signed it.
	KeyID    string
	SignedAt time.Time
}
