package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// redispatchWorkers is how many enqueues to Redis a recovery runs at once.
const redispatchWorkers = 16

// taskKey is where Asynq keeps task id of queue (a hash whose field state is
// the task's state), as Asynq's internal/base names it.
func taskKey(queue, id string) string { return "asynq:{" + queue + "}:t:" + id }

// stillDue keeps the rows of lost that are still in the outbox, undone.
// A handler completes its row before Asynq deletes the task, so a task
// that finished between the page's read and its look-up in Redis is gone
// from the outbox by now: without this check it would be dispatched again
// (harmlessly, but once more than needed).
func (r *Reconciler) stillDue(ctx context.Context, lost []models.OutboxRow) ([]models.OutboxRow, error) {
	if len(lost) == 0 {
		return nil, nil
	}
	ids := make([]string, len(lost))
	for i, row := range lost {
		ids[i] = row.ID
	}
	var due []string
	err := r.DB.WithContext(ctx).Raw(`SELECT id FROM outbox WHERE id IN ? AND failed_at IS NULL`, ids).Scan(&due).Error
	if err != nil {
		return nil, fmt.Errorf("re-read %d rows Redis does not hold: %w", len(ids), err)
	}
	undone := make(map[string]bool, len(due))
	for _, id := range due {
		undone[id] = true
	}
	return slices.DeleteFunc(lost, func(row models.OutboxRow) bool { return !undone[row.ID] }), nil
}

// recoverPage checks one page of stale rows against Redis in one pipeline
// (the state field of each task's hash), dispatches the lost ones again
// redispatchWorkers at a time, marks them with one statement, and records
// the archived ones as failed.
func (r *Reconciler) recoverPage(ctx context.Context, rows []models.OutboxRow, rep *SweepReport) error {
	pipe := r.Redis.Pipeline()
	states := make([]*redis.StringCmd, len(rows))
	for i, row := range rows {
		states[i] = pipe.HGet(ctx, taskKey(row.Queue, row.ID), "state")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("look up %d tasks: %w", len(rows), err)
	}
	var lost []models.OutboxRow
	for i, row := range rows {
		state, err := states[i].Result()
		switch {
		case errors.Is(err, redis.Nil):
			lost = append(lost, row)
		case err != nil:
			return fmt.Errorf("look up task %s: %w", row.ID, err)
		case state == "archived":
			if err := r.markArchived(ctx, row); err != nil {
				return err
			}
			rep.Archived++
		}
	}
	lost, err := r.stillDue(ctx, lost)
	if err != nil || len(lost) == 0 {
		return err
	}
	if err := r.publishQueues(ctx, lost); err != nil {
		return err
	}
	ids, err := r.redispatch(ctx, lost)
	if len(ids) > 0 {
		if merr := r.DB.WithContext(ctx).Exec(`UPDATE outbox SET dispatched_at = now(), dispatch_count = dispatch_count + 1
			WHERE id IN ?`, ids).Error; merr != nil {
			return fmt.Errorf("mark %d rows dispatched again: %w", len(ids), merr)
		}
		rep.Redispatched += len(ids)
		r.Log.WarnContext(ctx, "reconciler: tasks lost by the broker, dispatched again", "tasks", len(ids))
	}
	return err
}

// allQueuesKey is the set of queue names Asynq's inspector (and Asynqmon)
// lists, as Asynq's internal/base names it.
const allQueuesKey = "asynq:queues"

// publishQueues adds the queues of rows to Asynq's list of queues: an Asynq
// client adds a queue the first time it enqueues to it and never again, so
// after Redis lost its data the queues would stay hidden from Asynqmon
// (their tasks still run) until every process restarted.
func (r *Reconciler) publishQueues(ctx context.Context, rows []models.OutboxRow) error {
	seen := map[string]bool{}
	var queues []any
	for _, row := range rows {
		if !seen[row.Queue] {
			seen[row.Queue] = true
			queues = append(queues, row.Queue)
		}
	}
	if err := r.Redis.SAdd(ctx, allQueuesKey, queues...).Err(); err != nil {
		return fmt.Errorf("publish queues %v: %w", queues, err)
	}
	return nil
}

// redispatch enqueues rows again, redispatchWorkers at a time, and returns
// the ids Redis took.
func (r *Reconciler) redispatch(ctx context.Context, rows []models.OutboxRow) ([]string, error) {
	var mu sync.Mutex
	ids := make([]string, 0, len(rows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(redispatchWorkers)
	for _, row := range rows {
		g.Go(func() error {
			if err := EnqueueRow(gctx, r.Client, row); err != nil {
				return fmt.Errorf("redispatch: %w", err)
			}
			mu.Lock()
			ids = append(ids, row.ID)
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	return ids, err
}

// markArchived records an archived task's row as failed, with Asynq's last
// error.
func (r *Reconciler) markArchived(ctx context.Context, row models.OutboxRow) error {
	info, err := r.Inspector.GetTaskInfo(row.Queue, row.ID)
	if errors.Is(err, asynq.ErrTaskNotFound) {
		return nil // deleted meanwhile: the next sweep sees it lost
	}
	if err != nil {
		return fmt.Errorf("look up archived task %s: %w", row.ID, err)
	}
	sqlDB, err := r.DB.DB()
	if err == nil {
		_, err = sqlDB.ExecContext(ctx, markFailed, row.ID, truncate("archived: "+info.LastErr, 2000))
	}
	if err != nil {
		return fmt.Errorf("mark task %s failed: %w", row.ID, err)
	}
	return nil
}
