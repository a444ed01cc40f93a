package workflows

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// EmailCodeKeyPurpose names the key onboarding codes are hashed with,
// derived from the session key (accounts.Sessions.DeriveKey) by every
// process alike.
const EmailCodeKeyPurpose = "onboarding email codes"

// EmailCodeDigits is how many decimal digits an onboarding e-mail code has.
const EmailCodeDigits = 6

// EmailCodePolicy bounds the one-time codes that prove a college mailbox.
type EmailCodePolicy struct {
	// TTL is how long a mailed code may be confirmed (EMAIL_CODE_TTL).
	// Defaults to 30 minutes.
	TTL time.Duration
	// MaxAttempts is how many wrong tries burn a code; a new one must be
	// sent then (EMAIL_CODE_ATTEMPTS). Defaults to 5.
	MaxAttempts int
	// Cooldown is the least time between two codes to one account or one
	// address (EMAIL_CODE_RESEND_COOLDOWN). Defaults to 60 seconds.
	Cooldown time.Duration
	// HourlyCap is the most codes an account, and an address, gets in any
	// hour (EMAIL_CODE_RESEND_HOURLY). Defaults to 5.
	HourlyCap int
}

// WithDefaults fills in the zero fields.
func (p EmailCodePolicy) WithDefaults() EmailCodePolicy {
	if p.TTL <= 0 {
		p.TTL = 30 * time.Minute
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.Cooldown <= 0 {
		p.Cooldown = time.Minute
	}
	if p.HourlyCap <= 0 {
		p.HourlyCap = 5
	}
	return p
}

// NewEmailCode draws a code of EmailCodeDigits digits from crypto/rand,
// uniformly (leading zeros kept).
func NewEmailCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("draw an e-mail code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// HashEmailCode is the keyed hash (HMAC-SHA256 under key) stored for the
// code of the code row codeID; binding the row's id makes a hash useless
// for any other row.
func HashEmailCode(key []byte, codeID, code string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("campusbiz email code\x00" + codeID + "\x00" + code))
	return mac.Sum(nil)
}

// EmailCodeMatches reports whether code hashes to stored, comparing the
// hashes in constant time (hmac.Equal).
func EmailCodeMatches(key []byte, codeID, code string, stored []byte) bool {
	return len(stored) > 0 && hmac.Equal(HashEmailCode(key, codeID, code), stored)
}

// ParseEmailCode checks what an applicant typed: six ASCII digits, spaces
// around them ignored; anything else is a validation error on "code".
func ParseEmailCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != EmailCodeDigits {
		return "", Invalid("code", msg.OnboardingEmailCodeFormat)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", Invalid("code", msg.OnboardingEmailCodeFormat)
		}
	}
	return s, nil
}

// EmailCodeState is what the confirmation knows of the latest code of a
// profile.
type EmailCodeState struct {
	// Exists is false when no code was ever made for the profile.
	Exists bool
	// Sent is false while the code's mail has not gone out.
	Sent      bool
	ExpiresAt time.Time
	Used      bool
	Burnt     bool
	Attempts  int
}

// EmailCodeVerdict is the outcome of one confirmation attempt.
type EmailCodeVerdict struct {
	// OK: the code matches; the profile may be verified and the code is used.
	OK bool
	// CountAttempt: a wrong try to record on the code.
	CountAttempt bool
	// Burn: the code can never be confirmed now (attempts spent).
	Burn bool
	// Err is the validation error on "code" when not OK.
	Err error
}

// JudgeEmailCode decides one confirmation attempt of the code in st at now;
// matches says whether the typed code hashes to the stored one (computed by
// the caller with EmailCodeMatches whatever the state, so that every answer
// costs the same).
func JudgeEmailCode(p EmailCodePolicy, st EmailCodeState, now time.Time, matches bool) EmailCodeVerdict {
	p = p.WithDefaults()
	switch {
	case !st.Exists || !st.Sent || st.Used:
		return EmailCodeVerdict{Err: Invalid("code", msg.OnboardingEmailCodeMissing)}
	case st.Burnt || st.Attempts >= p.MaxAttempts:
		return EmailCodeVerdict{Err: Invalid("code", msg.OnboardingEmailCodeAttempts)}
	case !now.Before(st.ExpiresAt):
		return EmailCodeVerdict{Err: Invalid("code", msg.OnboardingEmailCodeExpired)}
	case matches:
		return EmailCodeVerdict{OK: true}
	case st.Attempts+1 >= p.MaxAttempts:
		return EmailCodeVerdict{CountAttempt: true, Burn: true, Err: Invalid("code", msg.OnboardingEmailCodeAttempts)}
	default:
		return EmailCodeVerdict{CountAttempt: true, Err: Invalid("code", msg.OnboardingEmailCodeWrong,
			msg.Int("left", int64(p.MaxAttempts-st.Attempts-1)))}
	}
}

// ResendWait is how long before another code may go to an account and an
// address, given when the codes of the last hour were made for each
// (accountSends, addressSends); zero allows one now.
func ResendWait(p EmailCodePolicy, now time.Time, accountSends, addressSends []time.Time) time.Duration {
	p = p.WithDefaults()
	var wait time.Duration
	for _, sends := range [][]time.Time{accountSends, addressSends} {
		var inHour []time.Time
		for _, t := range sends {
			if now.Sub(t) < time.Hour {
				inHour = append(inHour, t)
			}
		}
		for _, t := range inHour {
			if w := p.Cooldown - now.Sub(t); w > wait {
				wait = w
			}
		}
		if len(inHour) >= p.HourlyCap {
			// A slot frees when a send turns an hour old; with more sends
			// than the cap, the later ones must age too.
			slices.SortFunc(inHour, time.Time.Compare)
			if w := inHour[len(inHour)-p.HourlyCap].Add(time.Hour).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}
