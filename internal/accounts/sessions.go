package accounts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Sessions issues, checks and revokes sign-in tokens.
//
// A token is signed: it carries its session id, account id, role and expiry
// under an HMAC-SHA256, so checking one needs no database round trip. A
// session is still a row (created at sign-in, revoked at sign-out), and each
// process keeps the set of revoked, unexpired sessions in memory: a sign-out
// takes effect at once in the process that served it and within RefreshEvery
// (1 s) in the others, which re-read the recent revocations. If that re-read
// keeps failing for MaxStale, tokens are refused with the error rather than
// accepted on an old list.
type Sessions struct {
	// DB holds the sessions and the signing key.
	DB *gorm.DB
	// Secret, when set, is mixed into the key kept in the database
	// (SESSION_SECRET), so that reading the database does not suffice to
	// forge a token. Every process must use the same.
	Secret []byte
	// RefreshEvery is how often revocations by other processes are
	// re-read. Defaults to 1 s.
	RefreshEvery time.Duration
	// MaxStale is how long a failing re-read is tolerated. Defaults to 5 s.
	MaxStale time.Duration

	keyOnce sync.Mutex
	key     []byte

	refreshing sync.Mutex // held by the one request re-reading revocations
	mu         sync.RWMutex
	revoked    map[string]time.Time // session id → its expiry
	syncedAt   time.Time            // every revocation committed before this is in revoked
	watermark  time.Time            // the latest revoked_at read
	prunedAt   time.Time
}

// Token is a new session's bearer token.
type Token struct {
	Value     string
	ExpiresAt time.Time
}

const tokenPrefix = "v1."

// revocationOverlap re-reads revocations this far behind the latest one
// seen, so that one committed late with an earlier timestamp is not missed.
const revocationOverlap = 30 * time.Second

// Start creates a session for acct lasting ttl and returns its token.
func (s *Sessions) Start(ctx context.Context, acct models.Account, ttl time.Duration) (Token, error) {
	toks, err := s.StartMany(ctx, []models.Account{acct}, ttl)
	if err != nil {
		return Token{}, err
	}
	return toks[0], nil
}

// StartMany creates one session per account in accts, in bulk (seeding and
// benchmarks sign in thousands at once), and returns their tokens in order.
func (s *Sessions) StartMany(ctx context.Context, accts []models.Account, ttl time.Duration) ([]Token, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	expires := time.Now().UTC().Add(ttl).Truncate(time.Second)
	rows := make([]models.Session, len(accts))
	toks := make([]Token, len(accts))
	for i, acct := range accts {
		rows[i] = models.Session{ID: models.NewID(), AccountID: acct.ID, ExpiresAt: expires}
		tok, err := sign(key, rows[i].ID, acct.ID, acct.Role, expires)
		if err != nil {
			return nil, fmt.Errorf("start session for %s: %w", acct.ID, err)
		}
		sum := sha256.Sum256([]byte(tok))
		rows[i].TokenHash = sum[:]
		toks[i] = Token{Value: tok, ExpiresAt: expires}
	}
	if err := s.DB.WithContext(ctx).CreateInBatches(rows, 1000).Error; err != nil {
		return nil, fmt.Errorf("start %d sessions: %w", len(rows), err)
	}
	return toks, nil
}

// Resolve returns the account (its id and role) and the session id behind a
// live token, or ErrInvalidToken.
func (s *Sessions) Resolve(ctx context.Context, token string) (models.Account, string, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return models.Account{}, "", ErrInvalidToken
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return models.Account{}, "", err
	}
	c, ok := verify(key, token)
	if !ok || !time.Now().Before(c.expiresAt) {
		return models.Account{}, "", ErrInvalidToken
	}
	if err := s.refresh(ctx); err != nil {
		return models.Account{}, "", err
	}
	s.mu.RLock()
	_, revoked := s.revoked[c.sessionID]
	s.mu.RUnlock()
	if revoked {
		return models.Account{}, "", ErrInvalidToken
	}
	return models.Account{ID: c.accountID, Role: c.role}, c.sessionID, nil
}

// Revoke ends a session: at once in this process, within RefreshEvery in
// the others.
func (s *Sessions) Revoke(ctx context.Context, sessionID string) error {
	var expires []time.Time
	err := s.DB.WithContext(ctx).Raw(`UPDATE sessions SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL
		RETURNING expires_at`, sessionID).Scan(&expires).Error
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", sessionID, err)
	}
	s.mu.Lock()
	if s.revoked == nil {
		s.revoked = map[string]time.Time{}
	}
	for _, e := range expires {
		s.revoked[sessionID] = e
	}
	s.mu.Unlock()
	return nil
}

// refresh re-reads the revocations of the last RefreshEvery when the list
// is older than that. One request re-reads; the others go on with the list
// they have unless it is older than MaxStale.
func (s *Sessions) refresh(ctx context.Context) error {
	every, maxStale := s.RefreshEvery, s.MaxStale
	if every <= 0 {
		every = time.Second
	}
	if maxStale < every {
		maxStale = max(5*time.Second, every)
	}
	s.mu.RLock()
	age := time.Since(s.syncedAt)
	s.mu.RUnlock()
	if age < every {
		return nil
	}
	if !s.refreshing.TryLock() {
		if age < maxStale {
			return nil
		}
		s.refreshing.Lock()
	}
	defer s.refreshing.Unlock()
	s.mu.RLock()
	since, age := s.watermark.Add(-revocationOverlap), time.Since(s.syncedAt)
	s.mu.RUnlock()
	if age < every {
		return nil // refreshed while this request waited
	}
	started := time.Now()
	var rows []struct {
		ID        string
		ExpiresAt time.Time
		RevokedAt time.Time
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, expires_at, revoked_at FROM sessions
		WHERE revoked_at > ? AND expires_at > now()`, since).Scan(&rows).Error
	if err != nil {
		if age < maxStale {
			return nil
		}
		return fmt.Errorf("read revoked sessions (the list is %s old): %w", age.Round(time.Second), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked == nil {
		s.revoked = map[string]time.Time{}
	}
	for _, r := range rows {
		s.revoked[r.ID] = r.ExpiresAt
		if r.RevokedAt.After(s.watermark) {
			s.watermark = r.RevokedAt
		}
	}
	if started.Sub(s.prunedAt) > time.Minute {
		for id, exp := range s.revoked {
			if started.After(exp) {
				delete(s.revoked, id)
			}
		}
		s.prunedAt = started
	}
	s.syncedAt = started
	return nil
}

// signingKey loads (creating it on first use) the database's session key,
// mixed with Secret.
func (s *Sessions) signingKey(ctx context.Context) ([]byte, error) {
	s.keyOnce.Lock()
	defer s.keyOnce.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	db := s.DB.WithContext(ctx)
	if err := db.Exec(`INSERT INTO session_keys (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, fresh).Error; err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	var stored []byte
	if err := db.Raw(`SELECT key FROM session_keys WHERE id = 1`).Row().Scan(&stored); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if len(s.Secret) > 0 {
		mac := hmac.New(sha256.New, s.Secret)
		mac.Write(stored)
		stored = mac.Sum(nil)
	}
	s.key = stored
	return s.key, nil
}

// DeriveKey returns a 32-byte key for purpose (the pages' CSRF tokens, say),
// derived from the session key: every process on the database derives the
// same one, and no other purpose's.
func (s *Sessions) DeriveKey(ctx context.Context, purpose string) ([]byte, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	return macOf(key, "campusbiz derived key: "+purpose), nil
}

// claims is what a token carries.
type claims struct {
	sessionID, accountID, role string
	expiresAt                  time.Time
}

// sign encodes "v1." + base64url(session id ‖ account id ‖ expiry ‖ role) +
// "." + base64url(HMAC-SHA256 of everything before the last dot).
func sign(key []byte, sessionID, accountID, role string, expiresAt time.Time) (string, error) {
	sid, err := uuid.Parse(sessionID)
	if err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	aid, err := uuid.Parse(accountID)
	if err != nil {
		return "", fmt.Errorf("account id: %w", err)
	}
	payload := make([]byte, 0, 40+len(role))
	payload = append(payload, sid[:]...)
	payload = append(payload, aid[:]...)
	payload = binary.BigEndian.AppendUint64(payload, uint64(expiresAt.Unix()))
	payload = append(payload, role...)
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(macOf(key, body)), nil
}

// verify checks token's signature and decodes it; expiry is the caller's.
func verify(key []byte, token string) (claims, bool) {
	body, sig, ok := strings.Cut(token[len(tokenPrefix):], ".")
	if !ok {
		return claims{}, false
	}
	mac, err := strictBase64.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, macOf(key, tokenPrefix+body)) {
		return claims{}, false
	}
	payload, err := strictBase64.DecodeString(body)
	if err != nil || len(payload) < 41 || bytes.ContainsFunc(payload[40:], func(r rune) bool { return r < 'a' || r > 'z' }) {
		return claims{}, false
	}
	return claims{
		sessionID: uuid.UUID(payload[0:16]).String(),
		accountID: uuid.UUID(payload[16:32]).String(),
		expiresAt: time.Unix(int64(binary.BigEndian.Uint64(payload[32:40])), 0),
		role:      string(payload[40:]),
	}, true
}

// strictBase64 refuses non-canonical encodings (stray bits in the last
// character), so that exactly one string is the token of a session.
var strictBase64 = base64.RawURLEncoding.Strict()

func macOf(key []byte, body string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return m.Sum(nil)
}
