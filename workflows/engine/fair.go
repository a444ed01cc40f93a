package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// Fairness is the fair admitter: with fair dispatch on (Engine.Fair), rows
// with a fairness key (a college) wait in the outbox, and Fairness hands them
// to Asynq per key. Every round it counts each key's tasks in flight
// (admitted, not completed, not failed) and its due waiting rows, gives each
// key a share of Capacity by weighted max-min (water-filling: a key that
// needs less than its share leaves the rest to the others, so a lone key gets
// all of it), and fills the free slots in deficit round robin (each key in
// turn earns its weight in credit, one slot costs one credit). A college with
// a huge backlog then holds at most its share of the tasks in Redis, and
// work of another college goes in ahead of the backlog as soon as slots
// come free.
//
// One round runs at a time across every process (a transaction-scoped
// advisory lock); the claim takes rows FOR UPDATE SKIP LOCKED and marks them
// dispatched in one statement, and they are enqueued (the row id as the
// Asynq task id) once the round has committed, so a row is never admitted
// twice. Rows Asynq refuses are released (waiting again) for a later round;
// rows left marked by a crash after the commit are the reconciler's, as
// with any dispatched task Redis does not hold.
type Fairness struct {
	// DB holds the outbox.
	DB *gorm.DB
	// Client enqueues admitted rows.
	Client *asynq.Client
	// Log receives failed rounds (required).
	Log *slog.Logger
	// Capacity bounds the tasks with a fairness key in flight at once, all
	// keys together. Set it well above the workers' total concurrency (four
	// times by default in production): the workers' own tasks and as many
	// again waiting in Redis, so that no worker finds its queue empty (and
	// sleeps) between rounds. A new key's first tasks wait behind at most
	// Capacity less the workers' tasks. Defaults to 80.
	Capacity int
	// Weights are the keys' weights (a key's share is proportional to its
	// weight); a key not listed weighs DefaultWeight.
	Weights map[string]int
	// DefaultWeight defaults to 1.
	DefaultWeight int
	// PollInterval is the longest time between rounds; a Nudge (a task
	// completed here) starts one sooner. Defaults to 50ms.
	PollInterval time.Duration
	// VacuumEvery is how many rows Run admits between two vacuums of the
	// outbox (defaults to 5,000; negative never vacuums). Every round reads
	// each key's waiting rows oldest first, and a row admitted leaves its
	// entry in outbox_fair_waiting, dead, until a vacuum removes it: the
	// rounds' look-ups step over every row admitted since the last one
	// (autovacuum comes at most once a minute, after 20 % of the table
	// changed). A vacuum of the queue table takes 10-30 ms at a 50,000-row
	// backlog and needs the table's owner; it is skipped while another
	// holds the table (SKIP_LOCKED).
	VacuumEvery int

	once  sync.Once
	nudge chan struct{}
	// free estimates the free slots between rounds: set by each round,
	// raised by each Nudge. A round starts early only once a batch of
	// slots (a quarter of Capacity) is free, so that a busy admitter runs a
	// few rounds of many rows rather than a round per completed task.
	free atomic.Int64
	mu   sync.Mutex
	drr  drr
}

func (f *Fairness) init() {
	f.once.Do(func() {
		f.nudge = make(chan struct{}, 1)
	})
}

func (f *Fairness) capacity() int {
	if f.Capacity <= 0 {
		return 80
	}
	return f.Capacity
}

func (f *Fairness) weight(key string) int {
	if w, ok := f.Weights[key]; ok && w > 0 {
		return w
	}
	if f.DefaultWeight > 0 {
		return f.DefaultWeight
	}
	return 1
}

// Nudge tells the admitter a task completed here (Engine.Wake): once a
// batch of slots is free it starts a round at once. It never blocks.
func (f *Fairness) Nudge() {
	f.init()
	if f.free.Add(1) < int64(max(1, f.capacity()/4)) {
		return
	}
	select {
	case f.nudge <- struct{}{}:
	default:
	}
}

// Run admits in rounds until ctx ends: every PollInterval, and after nudges.
func (f *Fairness) Run(ctx context.Context) error {
	f.init()
	poll := f.PollInterval
	if poll <= 0 {
		poll = 50 * time.Millisecond
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	var vacuuming sync.WaitGroup
	defer vacuuming.Wait()
	var busy atomic.Bool
	admitted := 0 // rows admitted since the last vacuum
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-f.nudge:
		}
		n, err := f.Admit(ctx)
		if err != nil && ctx.Err() == nil {
			f.Log.WarnContext(ctx, "fair admitter: round failed; will retry", "err", err)
		}
		admitted += n
		if f.VacuumEvery >= 0 && admitted >= cmp.Or(f.VacuumEvery, 5000) && busy.CompareAndSwap(false, true) {
			admitted = 0
			vacuuming.Go(func() {
				defer busy.Store(false)
				f.vacuum(ctx)
			})
		}
		timer.Reset(poll)
	}
}

// vacuum removes the outbox's dead rows and their index entries, beside
// the rounds (a vacuum cannot run in a transaction, and does not block
// writes). A failure is logged: the rounds only get slower without it.
func (f *Fairness) vacuum(ctx context.Context) {
	if err := f.DB.WithContext(ctx).Exec(`VACUUM (INDEX_CLEANUP ON, SKIP_LOCKED) outbox`).Error; err != nil && ctx.Err() == nil {
		f.Log.WarnContext(ctx, "fair admitter: vacuum of the outbox failed", "err", err)
	}
}

// KeyLoad is one fairness key's work in the outbox.
type KeyLoad struct {
	// Key is the fairness key ("" the default key).
	Key string `json:"key"`
	// Weight is the key's weight.
	Weight int `json:"weight"`
	// Waiting counts due rows not yet admitted.
	Waiting int `json:"waiting"`
	// InFlight counts rows admitted and not completed nor failed.
	InFlight int `json:"in_flight"`
}

// Admit runs one round: it admits what the keys' shares and the free
// capacity allow, and returns how many rows it handed to Asynq. It returns
// 0 at once when another round holds the lock.
//
// The round's transaction only decides and marks: the rows are enqueued
// after it commits, as a unit of work dispatches its own rows. Enqueued
// before the commit, a task reached a worker while the round still held its
// row's lock, and the worker's completion waited for the round to end (half
// the workers' time with a large backlog).
func (f *Fairness) Admit(ctx context.Context) (int, error) {
	f.init()
	var rows []models.OutboxRow
	free := 0
	start, locked := time.Now(), false
	err := f.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('campusbiz_fair_' || current_schema()))`).Row().Scan(&locked)
		if err != nil {
			return fmt.Errorf("take the admitter's lock: %w", err)
		}
		if !locked {
			return nil
		}
		loads, err := f.loads(tx)
		if err != nil {
			return err
		}
		f.mu.Lock()
		plan := f.drr.plan(loads, f.capacity())
		f.mu.Unlock()
		free = f.capacity()
		for _, l := range loads {
			free -= l.InFlight
		}
		if len(plan) > 0 {
			rows, err = f.claim(tx, plan)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if locked {
		fairRounds.Observe(time.Since(start).Seconds())
	}
	f.free.Store(int64(free - len(rows)))
	if len(rows) == 0 {
		return 0, nil
	}
	// Oldest first across keys, so that the order in Redis follows the
	// order of submission within the round.
	slices.SortFunc(rows, func(a, b models.OutboxRow) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return enqueueOrRelease(ctx, f.DB, f.Client, "fair", rows)
}

// loads reads, for each key with due waiting rows or tasks in flight, both
// counts; waiting is counted up to Capacity, which is all a round can admit.
// Every look-up of waiting rows walks outbox_fair_waiting, which holds
// rows with a key only (migration 00018 took them out of the relay's
// index): the keys are found by a skip scan, one probe per key, and each
// key's count reads at most Capacity entries in index order (without the
// ORDER BY the planner scanned the table, stepping over every row admitted
// since the last vacuum), so a round's cost does not grow with the backlog.
func (f *Fairness) loads(tx *gorm.DB) ([]KeyLoad, error) {
	var rows []struct {
		Key      string
		Waiting  int
		InFlight int
	}
	err := tx.Raw(`WITH RECURSIVE keys AS (
			(SELECT fair_key FROM outbox WHERE dispatched_at IS NULL AND fair_key <> '' ORDER BY fair_key LIMIT 1)
			UNION ALL
			SELECT (SELECT o.fair_key FROM outbox o WHERE o.dispatched_at IS NULL AND o.fair_key <> ''
				AND o.fair_key > keys.fair_key ORDER BY o.fair_key LIMIT 1)
			FROM keys WHERE keys.fair_key IS NOT NULL),
		waiting AS (
			SELECT k.fair_key AS key, (SELECT count(*) FROM (SELECT 1 FROM outbox o WHERE o.fair_key = k.fair_key
				AND o.fair_key <> '' AND o.dispatched_at IS NULL AND o.process_at <= now()
				ORDER BY o.created_at LIMIT ?) s) AS n
			FROM keys k WHERE k.fair_key IS NOT NULL),
		flying AS (
			SELECT fair_key AS key, count(*) AS n FROM outbox
			WHERE dispatched_at IS NOT NULL AND failed_at IS NULL AND fair_key <> '' AND process_at <= now()
			GROUP BY fair_key)
		SELECT coalesce(w.key, fl.key) AS key, coalesce(w.n, 0) AS waiting, coalesce(fl.n, 0) AS in_flight
		FROM waiting w FULL JOIN flying fl ON fl.key = w.key`, f.capacity()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the keys' loads: %w", err)
	}
	loads := make([]KeyLoad, 0, len(rows))
	for _, r := range rows {
		loads = append(loads, KeyLoad{Key: r.Key, Weight: f.weight(r.Key), Waiting: r.Waiting, InFlight: r.InFlight})
	}
	return loads, nil
}

// claim marks each planned key's oldest due waiting rows dispatched, in
// tx, and returns them (one statement: the rows are locked FOR UPDATE SKIP
// LOCKED, so a row is never claimed twice).
func (f *Fairness) claim(tx *gorm.DB, plan map[string]int) ([]models.OutboxRow, error) {
	type quota struct {
		Key string `json:"key"`
		N   int    `json:"n"`
	}
	quotas := make([]quota, 0, len(plan))
	for k, n := range plan {
		quotas = append(quotas, quota{Key: k, N: n})
	}
	// JSON, not arrays: GORM expands a slice argument into a list.
	quotasJSON, err := json.Marshal(quotas)
	if err != nil {
		return nil, fmt.Errorf("encode the round's quotas: %w", err)
	}
	var rows []models.OutboxRow
	err = tx.Raw(`UPDATE outbox SET dispatched_at = now(), dispatch_count = outbox.dispatch_count + 1
		FROM (SELECT c.id FROM jsonb_to_recordset(?::jsonb) AS q(key text, n int),
			LATERAL (SELECT id FROM outbox WHERE fair_key = q.key AND fair_key <> '' AND dispatched_at IS NULL
				AND process_at <= now()
				ORDER BY created_at LIMIT q.n FOR UPDATE SKIP LOCKED) c) picked
		WHERE outbox.id = picked.id
		RETURNING outbox.*`, string(quotasJSON)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("claim admitted rows: %w", err)
	}
	return rows, nil
}

// Loads reads every key's waiting and in-flight counts (waiting in full,
// not capped as a round reads it), heaviest first, for stats and metrics.
func (f *Fairness) Loads(ctx context.Context) ([]KeyLoad, error) {
	return ReadKeyLoads(ctx, f.DB, f.weight)
}

// ReadKeyLoads reads every fairness key's due waiting and in-flight counts
// from the outbox, heaviest first; weight gives each key's weight.
func ReadKeyLoads(ctx context.Context, db *gorm.DB, weight func(string) int) ([]KeyLoad, error) {
	var loads []KeyLoad
	err := db.WithContext(ctx).Raw(`SELECT fair_key AS key,
		count(*) FILTER (WHERE dispatched_at IS NULL AND process_at <= now()) AS waiting,
		count(*) FILTER (WHERE dispatched_at IS NOT NULL AND failed_at IS NULL AND process_at <= now()) AS in_flight
		FROM outbox WHERE failed_at IS NULL GROUP BY fair_key`).Scan(&loads).Error
	if err != nil {
		return nil, fmt.Errorf("read the fairness keys' loads: %w", err)
	}
	for i := range loads {
		loads[i].Weight = weight(loads[i].Key)
	}
	slices.SortFunc(loads, func(a, b KeyLoad) int {
		return cmp.Or(cmp.Compare(b.Waiting+b.InFlight, a.Waiting+a.InFlight), cmp.Compare(a.Key, b.Key))
	})
	return loads, nil
}

// FairTopKeys is how many keys metrics and admin stats name; the rest are
// summed as one.
const FairTopKeys = 10

// TopLoads keeps the n heaviest keys and folds the rest into one entry
// keyed other (bounded label cardinality for metrics).
func TopLoads(loads []KeyLoad, n int, other string) []KeyLoad {
	if len(loads) <= n {
		return loads
	}
	top := slices.Clone(loads[:n])
	rest := KeyLoad{Key: other}
	for _, l := range loads[n:] {
		rest.Waiting += l.Waiting
		rest.InFlight += l.InFlight
	}
	return append(top, rest)
}
