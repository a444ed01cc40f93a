package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// signInFrom posts a sign-in from the client address ip with the cookies
// given: its status and the device cookie it set, if any.
func signInFrom(t *testing.T, a *app, ip, email, password string, cookies ...*http.Cookie) (int, *http.Cookie) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == application.DeviceCookie {
			return rec.Code, ck
		}
	}
	return rec.Code, nil
}

// A stranger guessing an account's password from many addresses is
// stopped, and cannot lock the owner out: the owner's device keeps its
// own budget. The attack: with LOGIN_RATE 4, sixty wrong passwords from
// sixty addresses, as a botnet would send them.
func TestSignInThrottlingStopsGuessingButNotTheOwner(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) {
		d.App.Config.LoginRate = 4
		d.API.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	})
	owner := fixtures.Account(t, a.schema.DB, models.RoleAdmin)

	status, device := signInFrom(t, a, "198.51.100.1", owner.Email, fixtures.Password)
	require.Equal(t, http.StatusOK, status)
	require.NotNil(t, device, "a first sign-in gives the device a token")
	require.True(t, device.HttpOnly)

	refused, tried := 0, 0
	for i := range 60 {
		status, _ := signInFrom(t, a, fmt.Sprintf("203.0.113.%d", i+1), owner.Email, "not-the-password")
		switch status {
		case http.StatusUnauthorized:
			tried++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("attempt %d answered %d", i, status)
		}
	}
	require.LessOrEqual(t, tried, 4, "the stranger gets a few guesses, not sixty")
	require.Equal(t, 60, tried+refused)

	// The owner, on the device they used before, is not locked out, from
	// any address; even a mistyped password first does not lock them out.
	status, again := signInFrom(t, a, "198.51.100.77", owner.Email, "mistyped-password", device)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Nil(t, again)
	status, again = signInFrom(t, a, "198.51.100.77", owner.Email, fixtures.Password, device)
	require.Equal(t, http.StatusOK, status)
	require.Nil(t, again, "a known device keeps its token")

	// A new device waits while the attack lasts (answered 429 with
	// Retry-After before any password is hashed).
	status, _ = signInFrom(t, a, "198.51.100.78", owner.Email, fixtures.Password)
	require.Equal(t, http.StatusTooManyRequests, status)

	// A device token is the device's for one account: the stranger's own
	// token does not lift the throttle on the owner's account, and a made-up
	// one is an unknown device.
	stranger := fixtures.Account(t, a.schema.DB, models.RoleApplicant)
	status, theirs := signInFrom(t, a, "203.0.113.200", stranger.Email, fixtures.Password)
	require.Equal(t, http.StatusOK, status)
	for _, ck := range []*http.Cookie{theirs, {Name: application.DeviceCookie, Value: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}} {
		status, _ = signInFrom(t, a, "203.0.113.201", owner.Email, "not-the-password", ck)
		require.Equal(t, http.StatusTooManyRequests, status)
	}

	// The device's own budget stops guessing with a stolen device token
	// too: a few failures, then 429 for that device.
	failures := 0
	for range 10 {
		status, _ := signInFrom(t, a, "198.51.100.79", owner.Email, "not-the-password", device)
		if status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusUnauthorized, status)
		failures++
	}
	require.Less(t, failures, 10)
}
