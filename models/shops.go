package models

import "time"

// Shop is a student's online shop on the partner marketplace and the state
// of the proof that it is theirs.
type Shop struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	AccountID string `gorm:"type:uuid"`
	// PlatformShopID is the marketplace's id of the shop.
	PlatformShopID string
	// ShopURL is the shop's public page, as the student gave it.
	ShopURL string
	// URLKey is ShopURL normalised; verified shops have unique keys.
	URLKey   string
	ShopName string
	Category string
	// VerificationCode is what the student places in the shop's public
	// description to prove it is theirs.
	VerificationCode string
	Status           string
	Reasons          []Reason `gorm:"serializer:json;type:jsonb"`
	// Revision counts checks: a recheck starts a new one.
	Revision   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	VerifiedAt *time.Time
}
