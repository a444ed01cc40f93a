package models

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// StateCount is the number of one workflow's entities in one state.
type StateCount struct {
	Workflow string
	State    string
	N        int64
}

// StateCounts returns every workflow's entities counted by state, as the
// triggers of migration 00007 keep them: the folded totals plus the deltas
// appended since the last CompactStateCounts, and how many delta rows it
// read (what a fold would remove). States whose count is zero are left out.
// It never reads the workflow tables themselves.
func StateCounts(ctx context.Context, db *gorm.DB) (counts []StateCount, deltas int64, err error) {
	var rows []struct {
		StateCount
		Deltas int64
	}
	err = db.WithContext(ctx).Raw(`SELECT workflow, state, sum(n)::bigint AS n, count(*) FILTER (WHERE delta) AS deltas FROM (
			SELECT workflow, state, n, false AS delta FROM workflow_state_counts
			UNION ALL
			SELECT workflow, state, n, true FROM workflow_state_deltas
		) c GROUP BY workflow, state ORDER BY workflow, state`).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("read state counts: %w", err)
	}
	for _, r := range rows {
		deltas += r.Deltas
		if r.N != 0 {
			counts = append(counts, r.StateCount)
		}
	}
	return counts, deltas, nil
}

// CountInState returns how many entities of workflow are in state, from the
// same counts as StateCounts (a few rows, whatever the table's size).
func CountInState(ctx context.Context, db *gorm.DB, workflow, state string) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(n), 0)::bigint FROM (
			SELECT n FROM workflow_state_counts WHERE workflow = ? AND state = ?
			UNION ALL
			SELECT n FROM workflow_state_deltas WHERE workflow = ? AND state = ?
		) c`, workflow, state, workflow, state).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", workflow, state, err)
	}
	return n, nil
}

// CompactStateCounts folds the appended deltas into the per-state totals in
// one transaction and returns how many delta rows it folded. Several
// callers may run it at once: a transaction-scoped advisory lock lets one
// fold while the others return 0 at once, and writers are never blocked
// (they only append). The lock is keyed by schema, so programmes (and tests)
// in other schemas of one database fold independently.
func CompactStateCounts(ctx context.Context, db *gorm.DB) (int64, error) {
	var folded int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var locked bool
		if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('workflow_state_counts_' || current_schema()))`).Scan(&locked).Error; err != nil {
			return err
		}
		if !locked {
			return nil
		}
		return tx.Raw(`WITH gone AS (
				DELETE FROM workflow_state_deltas RETURNING workflow, state, n
			), net AS (
				SELECT workflow, state, sum(n)::bigint AS n, count(*) AS rows FROM gone GROUP BY workflow, state
			), fold AS (
				INSERT INTO workflow_state_counts AS c (workflow, state, n)
				SELECT workflow, state, n FROM net
				ON CONFLICT (workflow, state) DO UPDATE SET n = c.n + excluded.n
			)
			SELECT coalesce(sum(rows), 0)::bigint FROM net`).Scan(&folded).Error
	})
	if err != nil {
		return 0, fmt.Errorf("compact state counts: %w", err)
	}
	return folded, nil
}

// CompactStateCountsEvery runs CompactStateCounts every interval until ctx
// ends, so the deltas a stats call reads stay few however rarely stats are
// read. Failures are logged and retried at the next tick.
func CompactStateCountsEvery(ctx context.Context, db *gorm.DB, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := CompactStateCounts(ctx, db); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "state counts: compaction failed", "err", err)
		}
	}
}
