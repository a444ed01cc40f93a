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

-- Rubrics: a programme's criteria, each named in Chinese and English, with
-- a weight and a maximum; a review scores each criterion with a comment,
-- and its score (1 to 10, what the quorum and the mean-score bar use) is
-- the weighted result. Every existing programme gets the default rubric:
-- one criterion, "Overall" (总体评价), weight 1, at most 10 points, so that
-- its reviews so far (one score of 1 to 10) read as scored on it.
CREATE TABLE fund_criteria (
    id         uuid PRIMARY KEY,
    program_id uuid NOT NULL REFERENCES fund_programs (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    name_zh    text NOT NULL,
    name_en    text NOT NULL,
    weight     integer NOT NULL CHECK (weight BETWEEN 1 AND 100),
    max_points integer NOT NULL CHECK (max_points BETWEEN 1 AND 100),
    UNIQUE (program_id, position)
);
INSERT INTO fund_criteria (id, program_id, position, name_zh, name_en, weight, max_points)
    SELECT gen_random_uuid(), id, 1, '总体评价', 'Overall', 1, 10 FROM fund_programs;
CREATE TABLE fund_review_scores (
    review_id    uuid NOT NULL REFERENCES fund_reviews (id),
    criterion_id uuid NOT NULL REFERENCES fund_criteria (id),
    points       integer NOT NULL CHECK (points >= 0),
    comment      text NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, criterion_id)
);

-- +goose Down
DROP TABLE fund_review_scores;
DROP TABLE fund_criteria;
DROP INDEX fund_reviews_reviewer_reviewed;
DROP INDEX fund_reviews_reviewer_due;
ALTER TABLE fund_reviews DROP CONSTRAINT fund_reviews_conflict_check;
ALTER TABLE fund_reviews DROP COLUMN conflict_at;
ALTER TABLE fund_reviews DROP COLUMN conflict_note;
ALTER TABLE fund_reviews DROP CONSTRAINT fund_reviews_status_check;
ALTER TABLE fund_reviews ADD CONSTRAINT fund_reviews_status_check
    CHECK (status IN ('assigned', 'done', 'expired', 'cancelled'));
