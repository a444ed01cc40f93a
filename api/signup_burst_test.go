package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/stretchr/testify/require"
)

// TestSignUpBurstSucceedsOrIsRefusedFast sends 100 sign-ups at once (the
// per-IP budget set out of the way): each one either succeeds or is
// refused with 503 and Retry-After once it has waited HashWait for a
// hashing slot; none runs on until the request timeout, and the ones that
// get a slot are not slowed by the others.
func TestSignUpBurstSucceedsOrIsRefusedFast(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.LoginRate = 100_000 })
	const n = 100
	type result struct {
		status     int
		took       time.Duration
		retryAfter string
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			r := a.do(http.MethodPost, "/api/v1/auth/register", "",
				map[string]any{"email": fmt.Sprintf("burst%d@example.com", i), "password": "a-long-password", "name": "同学"})
			results[i] = result{r.Status, time.Since(t0), r.Header.Get("Retry-After")}
		})
	}
	close(start)
	wg.Wait()
	created, refused := 0, 0
	var slowest time.Duration
	for _, r := range results {
		slowest = max(slowest, r.took)
		switch r.status {
		case http.StatusCreated:
			created++
		case http.StatusServiceUnavailable:
			refused++
			require.Equal(t, "1", r.retryAfter)
		default:
			t.Fatalf("a sign-up answered %d", r.status)
		}
	}
	t.Logf("100 sign-ups at once: %d created, %d refused with 503, slowest answer %s", created, refused, slowest)
	require.Positive(t, created, "the burst is served, not refused wholesale")
	require.Less(t, slowest, accounts.HashWait+5*time.Second, "nobody waits for the request timeout")
	require.Equal(t, created, a.count(`SELECT count(*) FROM accounts WHERE email LIKE 'burst%'`))
}
