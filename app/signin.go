package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
)

// Sign-in throttling that a stranger cannot turn against the owner.
//
// Every attempt spends the client IP's budget (LOGIN_RATE a minute), so
// one address cannot guess quickly. Failed attempts, and only those, also
// spend a budget of the account, and which budget depends on the client:
//
//   - a client that signed in to this account before carries a device
//     token (DeviceCookie, given at every sign-in without one) and spends
//     the budget of that device alone;
//   - every other client spends the account's shared budget for unknown
//     devices.
//
// A stranger guessing from any number of addresses exhausts only the
// shared budget: the owner signs in from a device they have used before as
// if nothing happened, and from a new device once the shared budget
// refills (one attempt per minute / LOGIN_RATE), answered 429 with
// Retry-After meanwhile. A stranger who stole a device token gets that
// device's budget, no more. Successful sign-ins spend nothing but the IP's
// budget, so the owner never locks themselves out by signing in often.
// The budgets are checked before the password is (a refused attempt costs
// no argon2 hash) and spent after a failure; attempts racing each other may
// all pass the check, which the IP budget bounds.

// DeviceCookie carries a device token: proof that this browser or client
// signed in to an account before, so that failed attempts by others do not
// throttle it.
const DeviceCookie = "campusbiz_device"

// DeviceTTL is how long a device token is remembered after it was given.
const DeviceTTL = 180 * 24 * time.Hour

// deviceKeyPrefix starts the Redis key of a device token (a hash of it).
const deviceKeyPrefix = "campusbiz:device:"

// Client is who asks to sign in: their address and the device token they
// carry (empty if none).
type Client struct {
	IP     string
	Device string
}

// Login checks an e-mail and password and starts a session. It spends the
// client IP's budget and, on a failure, the budget of the account on this
// device (a *RateLimitedError beyond them; see above); wrong credentials
// are ErrBadCredentials. A client without a device token for the account
// gets one in Session.Device.
func (a *App) Login(ctx context.Context, client Client, in LoginInput) (Session, error) {
	if err := a.validate(in); err != nil {
		return Session{}, err
	}
	if err := allow(ctx, a.limits.loginIP, client.IP); err != nil {
		return Session{}, err
	}
	email := accounts.NormalizeEmail(in.Email)
	known := a.knownDevice(ctx, client.Device, email)
	budget := "unknown-devices:" + email
	if known {
		budget = "device:" + client.Device
	}
	if ok, wait := a.limits.loginFail.Check(ctx, budget); !ok {
		return Session{}, &RateLimitedError{Wait: wait}
	}
	acct, err := accounts.Authenticate(ctx, a.db, in.Email, in.Password)
	if errors.Is(err, accounts.ErrBadCredentials) {
		a.limits.loginFail.Allow(ctx, budget)
	}
	if err != nil {
		return Session{}, err
	}
	sess, err := a.startSession(ctx, acct)
	if err != nil {
		return Session{}, err
	}
	if !known {
		sess.Device = a.rememberDevice(ctx, email)
	}
	return sess, nil
}

// knownDevice reports whether token is a device token given to a client
// that signed in as email.
func (a *App) knownDevice(ctx context.Context, token, email string) bool {
	if a.redis == nil || token == "" || len(token) > 64 {
		return false
	}
	owner, err := a.redis.Get(ctx, deviceKey(token)).Result()
	if err != nil {
		return false // unknown, expired, or Redis down: an unknown device
	}
	return owner == emailHash(email)
}

// rememberDevice gives a new device token for email; empty when there is
// no Redis to remember it (the client then counts as an unknown device).
func (a *App) rememberDevice(ctx context.Context, email string) string {
	if a.redis == nil {
		return ""
	}
	token := rand.Text()
	if err := a.redis.Set(ctx, deviceKey(token), emailHash(accounts.NormalizeEmail(email)), DeviceTTL).Err(); err != nil {
		a.log.WarnContext(ctx, "sign-in: device token not remembered", "err", fmt.Errorf("set device token: %w", err))
		return ""
	}
	return token
}

// deviceKey is token's Redis key: a hash, so Redis holds no usable token.
func deviceKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return deviceKeyPrefix + hex.EncodeToString(sum[:16])
}

// emailHash keeps e-mail addresses out of Redis in the clear.
func emailHash(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:16])
}
