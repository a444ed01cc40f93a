package accounts

import (
	"testing"
	"time"
)

// FuzzVerifyToken: no input makes the token parser panic, and what it
// accepts is exactly what the key signed.
func FuzzVerifyToken(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	good, err := sign(key, "0194f7a2-1c3e-7d4b-9a1f-2b3c4d5e6f70", "0194f7a2-1c3e-7d4b-9a1f-2b3c4d5e6f71", "applicant", time.Unix(1900000000, 0))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, "", "v1.", "v1..", "v1.AAAA.AAAA", good[:len(good)-1], good + "=", "v1.%%%.@@@"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if len(token) < len(tokenPrefix) || token[:len(tokenPrefix)] != tokenPrefix {
			return
		}
		c, ok := verify(key, token)
		if !ok {
			return
		}
		again, err := sign(key, c.sessionID, c.accountID, c.role, c.expiresAt)
		if err != nil || again != token {
			t.Fatalf("accepted %q, which re-signs as %q (%v)", token, again, err)
		}
	})
}
