package accounts

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// Password hashing is bounded. An argon2id hash keeps a core busy for tens
// of milliseconds; started for every request at once, hundreds of them
// share the cores, each takes hundreds of times longer, and every request
// runs out of time together (about 100 sign-ups at once all answered 503
// after some 17 s). So at most one hash per core runs at a time; a request
// waits for a free slot at most HashWait, then is refused at once with
// ErrBusy (the adapters answer 503 with Retry-After), and the requests
// that got a slot finish at the speed of an idle machine.

// HashWait is how long a sign-up or sign-in waits for a hashing slot
// before it is refused with ErrBusy.
const HashWait = 2 * time.Second

// HashRetryAfter is when a request refused with ErrBusy should try again.
const HashRetryAfter = time.Second

// ErrBusy: every hashing slot stayed taken for HashWait.
var ErrBusy = errors.New("password hashing is busy: try again shortly")

// hashSlots holds one token per hash running; its size is the cores Go
// may use.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// withHashSlot runs fn (a hash) in a slot, waiting for one at most
// HashWait, or until ctx ends.
func withHashSlot(ctx context.Context, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(HashWait)
		defer t.Stop()
		select {
		case hashSlots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-hashSlots }()
	fn()
	return nil
}
