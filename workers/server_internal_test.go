package workers

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	failed := errors.New("insert: connection refused")
	for n, want := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 3: 8 * time.Second, 9: 512 * time.Second, 10: 10 * time.Minute, 25: 10 * time.Minute} {
		require.Equal(t, want, retryDelay(n, failed, nil), "after %d failures", n)
	}
	// A killed worker's task comes back after a second, however often it failed.
	for _, n := range []int{0, 5, 25} {
		require.Equal(t, time.Second, retryDelay(n, asynq.ErrLeaseExpired, nil), "lease expired after %d failures", n)
		require.Equal(t, time.Second, retryDelay(n, fmt.Errorf("recovered: %w", asynq.ErrLeaseExpired), nil))
	}
}
