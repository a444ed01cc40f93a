-- +goose Up
-- Fair dispatch (issue 17): each outbox row carries a fairness key (the
-- college whose work it is; '' is the default key, for work of no college).
-- With fairness on, rows with a key are not handed to Asynq by their unit of
-- work: the fair admitter (engine.Fairness) admits them per key, in deficit
-- round robin, with a bounded number in flight per key. A constant default
-- adds the column without rewriting the table; rows of the default key stay
-- out of both partial indexes, so the busiest inserts pay nothing for them.
ALTER TABLE outbox ADD COLUMN fair_key text NOT NULL DEFAULT '';
-- The admitter's look-ups: the keys that have waiting rows (a skip scan) and
-- each key's oldest waiting rows.
CREATE INDEX outbox_fair_waiting ON outbox (fair_key, created_at) WHERE dispatched_at IS NULL AND fair_key <> '';
-- Each key's tasks in flight: admitted, not completed, not failed.
CREATE INDEX outbox_fair_in_flight ON outbox (fair_key) WHERE dispatched_at IS NOT NULL AND failed_at IS NULL AND fair_key <> '';

-- +goose Down
DROP INDEX outbox_fair_in_flight;
DROP INDEX outbox_fair_waiting;
ALTER TABLE outbox DROP COLUMN fair_key;
