-- +goose Up
-- An outbox row keeps the W3C traceparent of the span that wrote it (NULL
-- when tracing is off), so the task's span continues the request's trace.
-- The overdue-review gauge counts assigned reviews past due at each scrape
-- through a partial index (done reviews, the bulk, are not in it). Neither
-- rewrites a table.
ALTER TABLE outbox ADD COLUMN trace_parent text;
CREATE INDEX fund_reviews_assigned_due ON fund_reviews (due_at) WHERE status = 'assigned';

-- +goose Down
DROP INDEX fund_reviews_assigned_due;
ALTER TABLE outbox DROP COLUMN trace_parent;
