-- +goose Up
-- Messages as codes: what an event or a notification tells a person is a
-- code with typed parameters, rendered only at the edge, in the reader's
-- language. Adding a column with a constant default rewrites nothing, so
-- this is instant on tables of any size. Rows written before keep their
-- English text (reason, title, body), which the edge shows when no code is
-- set.
ALTER TABLE workflow_events ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]';
ALTER TABLE notifications ADD COLUMN code text NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN params jsonb NOT NULL DEFAULT '{}';
ALTER TABLE notifications ALTER COLUMN title SET DEFAULT '';
ALTER TABLE notifications ALTER COLUMN body SET DEFAULT '';

-- +goose Down
ALTER TABLE notifications ALTER COLUMN body DROP DEFAULT;
ALTER TABLE notifications ALTER COLUMN title DROP DEFAULT;
ALTER TABLE notifications DROP COLUMN params;
ALTER TABLE notifications DROP COLUMN code;
ALTER TABLE workflow_events DROP COLUMN reasons;
