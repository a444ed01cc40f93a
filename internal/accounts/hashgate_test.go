package accounts

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// At most one hash per core runs at once; a request that finds every slot
// taken for HashWait is refused with ErrBusy, and one whose context ends
// first with the context's error.
func TestHashSlotsBoundTheHashesRunning(t *testing.T) {
	var running, most atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	cores := runtime.GOMAXPROCS(0)
	for range cores {
		wg.Go(func() {
			require.NoError(t, withHashSlot(context.Background(), func() {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				<-release
				running.Add(-1)
			}))
		})
	}
	require.Eventually(t, func() bool { return running.Load() == int64(cores) }, 5*time.Second, time.Millisecond)

	start := time.Now()
	err := withHashSlot(context.Background(), func() { t.Error("ran without a slot") })
	require.ErrorIs(t, err, ErrBusy)
	require.InDelta(t, HashWait, time.Since(start), float64(time.Second), "refused after HashWait, not at once, not later")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = withHashSlot(ctx, func() { t.Error("ran without a slot") })
	require.True(t, errors.Is(err, context.DeadlineExceeded))

	close(release)
	wg.Wait()
	require.Equal(t, int64(cores), most.Load())
	require.NoError(t, withHashSlot(context.Background(), func() {}), "the slots are free again")
}
