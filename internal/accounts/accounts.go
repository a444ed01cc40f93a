package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// Errors of this package.
var (
	// ErrEmailTaken: an account with that e-mail exists.
	ErrEmailTaken = errors.New("e-mail already registered")
	// ErrBadCredentials: unknown e-mail or wrong password (never says which).
	ErrBadCredentials = errors.New("wrong e-mail or password")
	// ErrInvalidToken: unknown, expired or revoked token.
	ErrInvalidToken = errors.New("invalid or expired token")
)

// NewAccount is what creating an account needs.
type NewAccount struct {
	Email, Password, Name, Role string
	CollegeID                   *string
	// Lang is the person's language; "": the database's default (zh).
	Lang string
}

// Create stores a new account with a hashed password (ErrBusy when no
// hashing slot frees up in time).
func Create(ctx context.Context, db *gorm.DB, in NewAccount) (models.Account, error) {
	var hash string
	var err error
	if slotErr := withHashSlot(ctx, func() { hash, err = HashPassword(in.Password) }); slotErr != nil {
		return models.Account{}, slotErr
	}
	if err != nil {
		return models.Account{}, err
	}
	acct := models.Account{
		ID: models.NewID(), Email: NormalizeEmail(in.Email), PasswordHash: hash,
		Name: strings.TrimSpace(in.Name), Role: in.Role, CollegeID: in.CollegeID,
		Lang: in.Lang,
	}
	err = db.WithContext(ctx).Create(&acct).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Account{}, ErrEmailTaken
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("create account: %w", err)
	}
	return acct, nil
}

// NormalizeEmail trims and lower-cases an e-mail address.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// dummyHash is checked against when the e-mail is unknown, so that a login
// takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("campusbiz-dummy-password")
	return h
})

// Authenticate checks an e-mail and password (ErrBusy when no hashing
// slot frees up in time).
func Authenticate(ctx context.Context, db *gorm.DB, email, password string) (models.Account, error) {
	var acct models.Account
	err := db.WithContext(ctx).Where("lower(email) = ?", NormalizeEmail(email)).Take(&acct).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if slotErr := withHashSlot(ctx, func() { _, _ = CheckPassword(dummyHash(), password) }); slotErr != nil {
			return models.Account{}, slotErr
		}
		return models.Account{}, ErrBadCredentials
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("load account: %w", err)
	}
	var ok bool
	if slotErr := withHashSlot(ctx, func() { ok, err = CheckPassword(acct.PasswordHash, password) }); slotErr != nil {
		return models.Account{}, slotErr
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("check password of %s: %w", acct.ID, err)
	}
	if !ok {
		return models.Account{}, ErrBadCredentials
	}
	return acct, nil
}

// Ensure creates the account a describes when no account has its e-mail
// (an existing one is left as it is). It reports whether it created one.
func Ensure(ctx context.Context, db *gorm.DB, a NewAccount) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&models.Account{}).Where("lower(email) = ?", NormalizeEmail(a.Email)).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up %s account: %w", a.Role, err)
	}
	if n > 0 {
		return false, nil
	}
	_, err := Create(ctx, db, a)
	if errors.Is(err, ErrEmailTaken) {
		return false, nil
	}
	return err == nil, err
}
