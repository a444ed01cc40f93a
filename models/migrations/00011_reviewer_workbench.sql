-- +goose Up
-- The reviewer's workbench (issue 14). A reviewer may declare a conflict of
-- interest on an assignment: it becomes 'conflict', keeps the reviewer's
-- note and when they declared it, and the application goes to another
-- reviewer. The queue is read by due date, so its index leads with it.
ALTER TABLE fund_reviews DROP CONSTRAINT fund_reviews_status_check;
ALTER TABLE fund_reviews ADD CONSTRAINT fund_reviews_status_check
    CHECK (status IN ('assigned', 'done', 'expired', 'cancelled', 'conflict'));
ALTER TABLE fund_reviews ADD COLUMN conflict_note text NOT NULL DEFAULT '';
ALTER TABLE fund_reviews ADD COLUMN conflict_at timestamptz;
ALTER TABLE fund_reviews ADD CONSTRAINT fund_reviews_conflict_check
    CHECK ((status = 'conflict') = (conflict_at IS NOT NULL));
CREATE INDEX fund_reviews_reviewer_due ON fund_reviews (reviewer_id, status, due_at, id);
CREATE INDEX fund_reviews_reviewer_reviewed ON fund_reviews (reviewer_id, reviewed_at, id) WHERE status = 'done';

-- +goose Down
DROP INDEX fund_reviews_reviewer_reviewed;
DROP INDEX fund_reviews_reviewer_due;
ALTER TABLE fund_reviews DROP CONSTRAINT fund_reviews_conflict_check;
ALTER TABLE fund_reviews DROP COLUMN conflict_at;
ALTER TABLE fund_reviews DROP COLUMN conflict_note;
ALTER TABLE fund_reviews DROP CONSTRAINT fund_reviews_status_check;
ALTER TABLE fund_reviews ADD CONSTRAINT fund_reviews_status_check
    CHECK (status IN ('assigned', 'done', 'expired', 'cancelled'));
