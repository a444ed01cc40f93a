-- +goose Up
-- Each waiting outbox row now sits in exactly one waiting index: rows of the
-- default key (fair_key = '') in outbox_unkeyed_waiting, rows with a key in
-- outbox_fair_waiting (00016). outbox_undispatched held both, which cost
-- the fair backlog twice:
-- - with fair dispatch on, the relay sweeps only default-key rows, but its
--   look-up stepped over (or scanned the table past) every waiting row with a
--   key, every 250 ms: about 16 ms idle at 50,000 waiting rows, far more on a
--   loaded machine;
-- - the fair admitter's per-key look-ups (count, claim) were planned on
--   outbox_undispatched, filtering by key: a small college's look-up walked
--   the whole backlog of a large one.
-- Without fair dispatch the relay reads both indexes (engine.Relay.claim).
DROP INDEX outbox_undispatched;
CREATE INDEX outbox_unkeyed_waiting ON outbox (created_at) WHERE dispatched_at IS NULL AND fair_key = '';

-- +goose Down
DROP INDEX outbox_unkeyed_waiting;
CREATE INDEX outbox_undispatched ON outbox (created_at) WHERE dispatched_at IS NULL;
