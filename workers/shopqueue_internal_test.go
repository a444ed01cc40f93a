package workers

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/stretchr/testify/require"
)

func TestShopRetryDelayBacksOffWithJitter(t *testing.T) {
	timeout := fmt.Errorf("check the page: %w", shopcheck.ErrUnreachable)
	for n := range 15 {
		want := min(shopRetryBase<<min(n, 12), time.Hour)
		seen := map[time.Duration]bool{}
		for range 50 {
			d := shopRetryDelay(n, timeout, nil)
			require.GreaterOrEqual(t, d, want/2, "attempt %d", n)
			require.LessOrEqual(t, d, want, "attempt %d", n)
			seen[d] = true
		}
		require.Greater(t, len(seen), 1, "attempt %d: the delay is jittered", n)
	}
	require.Equal(t, retryDelay(3, errors.New("ours"), nil), shopRetryDelay(3, errors.New("ours"), nil),
		"a failure of ours retries as on the main pool")
}
