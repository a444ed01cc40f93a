package accounts_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

func TestSessionTokenRoundTripAndTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Postgres(t).DB
	acct := fixtures.Account(t, db, models.RoleReviewer)
	s := &accounts.Sessions{DB: db}
	tok, err := s.Start(ctx, acct, time.Hour)
	require.NoError(t, err)

	got, sessionID, err := s.Resolve(ctx, tok.Value)
	require.NoError(t, err)
	require.Equal(t, acct.ID, got.ID)
	require.Equal(t, models.RoleReviewer, got.Role)
	var stored models.Session
	require.NoError(t, db.Take(&stored, "id = ?", sessionID).Error)
	require.Equal(t, acct.ID, stored.AccountID)

	// Another process on the same database shares the key.
	other := &accounts.Sessions{DB: db}
	_, _, err = other.Resolve(ctx, tok.Value)
	require.NoError(t, err)

	// Any changed character of the payload or signature is refused, as is a
	// token signed with another secret.
	for i := len("v1."); i < len(tok.Value); i++ {
		b := []byte(tok.Value)
		b[i] ^= 1
		_, _, err := s.Resolve(ctx, string(b))
		require.ErrorIs(t, err, accounts.ErrInvalidToken, "changed byte %d", i)
	}
	_, _, err = (&accounts.Sessions{DB: db, Secret: []byte(strings.Repeat("s", 32))}).Resolve(ctx, tok.Value)
	require.ErrorIs(t, err, accounts.ErrInvalidToken)

	// A role cannot be raised by re-encoding the payload without the key.
	body, sig, _ := strings.Cut(strings.TrimPrefix(tok.Value, "v1."), ".")
	payload, err := base64.RawURLEncoding.DecodeString(body)
	require.NoError(t, err)
	forged := "v1." + base64.RawURLEncoding.EncodeToString(append(payload[:40:40], "admin"...)) + "." + sig
	_, _, err = s.Resolve(ctx, forged)
	require.ErrorIs(t, err, accounts.ErrInvalidToken)

	for _, bad := range []string{"", "v1.", "v1..", "v2." + tok.Value[3:], tok.Value + "x", strings.Repeat("v1.A", 60)} {
		_, _, err := s.Resolve(ctx, bad)
		require.ErrorIs(t, err, accounts.ErrInvalidToken, bad)
	}
}

func TestExpiredSessionIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Postgres(t).DB
	s := &accounts.Sessions{DB: db}
	tok, err := s.Start(ctx, fixtures.Account(t, db, models.RoleApplicant), -time.Second)
	require.NoError(t, err)
	_, _, err = s.Resolve(ctx, tok.Value)
	require.ErrorIs(t, err, accounts.ErrInvalidToken)
}

func TestRevocationReachesEveryProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Postgres(t).DB
	here := &accounts.Sessions{DB: db, RefreshEvery: 50 * time.Millisecond}
	there := &accounts.Sessions{DB: db, RefreshEvery: 50 * time.Millisecond}
	acct := fixtures.Account(t, db, models.RoleApplicant)
	tok, err := here.Start(ctx, acct, time.Hour)
	require.NoError(t, err)
	keep, err := here.Start(ctx, acct, time.Hour)
	require.NoError(t, err)
	_, sessionID, err := there.Resolve(ctx, tok.Value)
	require.NoError(t, err)

	require.NoError(t, here.Revoke(ctx, sessionID))
	_, _, err = here.Resolve(ctx, tok.Value)
	require.ErrorIs(t, err, accounts.ErrInvalidToken, "refused at once where it was revoked")
	require.Eventually(t, func() bool {
		_, _, err := there.Resolve(ctx, tok.Value)
		return err != nil
	}, 2*time.Second, 10*time.Millisecond, "refused within RefreshEvery elsewhere")
	_, _, err = there.Resolve(ctx, tok.Value)
	require.ErrorIs(t, err, accounts.ErrInvalidToken)

	// A process started later learns of it on its first look.
	_, _, err = (&accounts.Sessions{DB: db}).Resolve(ctx, tok.Value)
	require.ErrorIs(t, err, accounts.ErrInvalidToken)
	// The account's other session lives on.
	_, _, err = there.Resolve(ctx, keep.Value)
	require.NoError(t, err)
}

// TestStaleRevocationListFailsClosed: when revocations cannot be re-read for
// longer than MaxStale, tokens are refused with the error, not accepted on
// an old list.
func TestStaleRevocationListFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schema := testenv.Postgres(t)
	acct := fixtures.Account(t, schema.DB, models.RoleApplicant)
	tok, err := (&accounts.Sessions{DB: schema.DB}).Start(ctx, acct, time.Hour)
	require.NoError(t, err)

	db, err := models.Open(ctx, schema.DSN, models.PoolConfig{MaxOpenConns: 2})
	require.NoError(t, err)
	s := &accounts.Sessions{DB: db, RefreshEvery: 20 * time.Millisecond, MaxStale: 200 * time.Millisecond}
	_, _, err = s.Resolve(ctx, tok.Value)
	require.NoError(t, err)
	require.NoError(t, models.Close(db)) // the database is gone for this process

	time.Sleep(50 * time.Millisecond)
	_, _, err = s.Resolve(ctx, tok.Value)
	require.NoError(t, err, "a failed re-read is tolerated within MaxStale")
	time.Sleep(250 * time.Millisecond)
	_, _, err = s.Resolve(ctx, tok.Value)
	require.Error(t, err)
	require.NotErrorIs(t, err, accounts.ErrInvalidToken)
	require.Contains(t, err.Error(), "read revoked sessions")
}

func TestDerivedKeysAreSharedAndSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Postgres(t).DB
	a, err := (&accounts.Sessions{DB: db}).DeriveKey(ctx, "csrf")
	require.NoError(t, err)
	b, err := (&accounts.Sessions{DB: db}).DeriveKey(ctx, "csrf")
	require.NoError(t, err)
	require.Equal(t, a, b, "every process on the database derives the same key")
	require.Len(t, a, 32)
	other, err := (&accounts.Sessions{DB: db}).DeriveKey(ctx, "other")
	require.NoError(t, err)
	require.NotEqual(t, a, other)
	peppered, err := (&accounts.Sessions{DB: db, Secret: []byte(strings.Repeat("p", 32))}).DeriveKey(ctx, "csrf")
	require.NoError(t, err)
	require.NotEqual(t, a, peppered)
}
