package loadgen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// With Retry, a request answered 503 is tried again (each failed try
// counted) and the run goes on; a 500 is not tried again, and without
// Retry a 503 is final.
func TestRetryTriesAgainOnlyTryLater(t *testing.T) {
	t.Parallel()
	var colleges atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/colleges":
			if colleges.Add(1)%3 != 0 {
				http.Error(w, `{"error":{"code":"unavailable"}}`, http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(`{"items":[{"id":"c1","email_domains":["example.edu"]}]}`))
		case "/api/v1/auth/register":
			http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte(`{"items":[]}`))
		}
	}))
	t.Cleanup(srv.Close)

	_, err := Run(context.Background(), Config{BaseURL: srv.URL, Count: 1})
	require.ErrorContains(t, err, "status 503", "without Retry the first 503 is final")

	colleges.Store(0)
	s, err := Run(context.Background(), Config{BaseURL: srv.URL, Count: 1, Retry: 5 * time.Second})
	require.NoError(t, err, "the third try of GET /colleges answered")
	e := s.Endpoint("GET /colleges")
	require.EqualValues(t, 3, e.Requests)
	require.EqualValues(t, 2, e.Errors)
	require.EqualValues(t, 2, e.Statuses[http.StatusServiceUnavailable])
	require.Len(t, e.Refused, 2, "each failed try is a refused request")
	reg := s.Endpoint("register")
	require.EqualValues(t, 1, reg.Requests, "a 500 is not tried again")
	require.EqualValues(t, 1, s.Failed)
}

// twoMails is a mailbox where every address got two codes: 111111, then
// 222222 (the first mailed by a task that failed to commit).
type twoMails struct{}

func (twoMails) WaitCode(_ context.Context, _ string, seen int) (string, int, error) {
	if seen == 0 {
		return "111111", 1, nil
	}
	return "222222", 2, nil
}

// A code answered "wrong" sends the applicant back to the mailbox for a
// newer one; any other refusal of the code stops it.
func TestWrongCodeWaitsForTheNewerMail(t *testing.T) {
	t.Parallel()
	var tried []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/colleges":
			_, _ = w.Write([]byte(`{"items":[{"id":"c1","email_domains":["example.edu"]}]}`))
		case r.URL.Path == "/api/v1/auth/register":
			w.WriteHeader(http.StatusCreated)
		case r.URL.Path == "/api/v1/auth/login":
			_, _ = w.Write([]byte(`{"token":"t"}`))
		case r.URL.Path == "/api/v1/onboarding":
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"id":"p1","status":"pending"}`))
		case r.URL.Path == "/api/v1/onboarding/p1":
			_, _ = w.Write([]byte(`{"id":"p1","status":"awaiting_email"}`))
		case r.URL.Path == "/api/v1/onboarding/p1/email-code":
			var in struct{ Code string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			tried = append(tried, in.Code)
			if in.Code != "222222" {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = w.Write([]byte(`{"error":{"code":"validation","message":"` + strings.Repeat("x", 300) +
					`","field_reasons":{"code":{"code":"onboarding.email_code_wrong"}}}}`))
				return
			}
			_, _ = w.Write([]byte(`{"id":"p1","status":"verified"}`))
		case r.URL.Path == "/api/v1/shops":
			w.WriteHeader(http.StatusTeapot) // ends the applicant here
		default:
			_, _ = w.Write([]byte(`{"items":[]}`))
		}
	}))
	t.Cleanup(srv.Close)
	s, err := Run(context.Background(), Config{BaseURL: srv.URL, Count: 1, Mailbox: twoMails{}})
	require.NoError(t, err)
	require.Equal(t, []string{"111111", "222222"}, tried, "the newer code was typed after the first was wrong")
	require.EqualValues(t, 1, s.Endpoint("shop").Requests, "the applicant went on once verified")
	require.Contains(t, s.Failures, "shop: status 418, want 202: ")
}
