-- +goose Up
-- complete_task completes a task's outbox row, and raises CB001 when there
-- is none to complete (already completed by an earlier delivery, or never
-- written). The task runner sends it in the same pipeline as BEGIN and, for
-- steps whose writes are all deferred, as the writes and COMMIT: the error
-- aborts the transaction, so a duplicate delivery commits nothing.
-- +goose StatementBegin
CREATE FUNCTION complete_task(task uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox SET completed_at = now(), failed_at = NULL, last_error = NULL
    WHERE id = task AND completed_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % has no outbox row to complete', task USING ERRCODE = 'CB001';
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION complete_task(uuid);
