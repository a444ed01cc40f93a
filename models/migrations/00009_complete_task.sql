-- +goose Up
-- A task's outbox row lives until the task completes: completing it deletes
-- the row, in the transaction of the task's effects. The outbox then holds
-- only unfinished work (due, in flight, or failed), however long the
-- programme runs; what each task did stays in workflow_events (task_id).
-- A delete also costs Postgres less than an update: no new row version and
-- no index entry.
DELETE FROM outbox WHERE completed_at IS NOT NULL;
DROP INDEX outbox_in_flight;
DROP INDEX outbox_failed;
ALTER TABLE outbox DROP COLUMN completed_at;
CREATE INDEX outbox_in_flight ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;

-- complete_task completes a task by deleting its outbox row, and raises
-- CB001 when there is none: an earlier delivery completed the task (or it
-- was never written). The task runner sends it before the step's first
-- statement, which also takes the row's lock for the whole transaction, so a
-- duplicate delivery waits, then finds no row; the error aborts its
-- transaction, and it commits nothing.
-- +goose StatementBegin
CREATE FUNCTION complete_task(task uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM outbox WHERE id = task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % has no outbox row: already completed', task USING ERRCODE = 'CB001';
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION complete_task(uuid);
DROP INDEX outbox_in_flight;
DROP INDEX outbox_failed;
ALTER TABLE outbox ADD COLUMN completed_at timestamptz;
CREATE INDEX outbox_in_flight ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL AND completed_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL AND completed_at IS NULL;
