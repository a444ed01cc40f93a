-- +goose Up
-- Counts of every workflow's entities by state, kept by triggers so that
-- GET /admin/stats reads a few hundred rows instead of grouping tables that
-- grow to tens of millions.
--
-- Writes never contend: each statement that changes a workflow table appends
-- its net change per state to workflow_state_deltas (an insert takes no row
-- lock, so there is no hot counter row and no deadlock between transactions
-- that touch several workflows). models.CompactStateCounts folds the deltas
-- into workflow_state_counts, one row per (workflow, state); a stats call
-- sums both, so it reads at most the deltas written since the last fold.
CREATE TABLE workflow_state_counts (
    workflow text NOT NULL,
    state    text NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (workflow, state)
);

-- No index and no key: appends are as cheap as an insert gets, and the only
-- readers take every row.
CREATE TABLE workflow_state_deltas (
    workflow text NOT NULL,
    state    text NOT NULL,
    n        bigint NOT NULL
);

-- One statement-level trigger per table and event: the transition tables
-- hold every row the statement touched, so a set-based statement over
-- 100,000 rows appends a handful of deltas, not 100,000. An UPDATE that
-- leaves status alone nets to zero and appends nothing. TG_ARGV[0] is the
-- workflow's name in GET /admin/stats.
-- +goose StatementBegin
CREATE FUNCTION workflow_state_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_state_deltas (workflow, state, n)
    SELECT TG_ARGV[0], status, count(*) FROM new_rows GROUP BY status;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION workflow_state_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_state_deltas (workflow, state, n)
    SELECT TG_ARGV[0], status, sum(d) FROM (
        SELECT status, 1 AS d FROM new_rows
        UNION ALL
        SELECT status, -1 FROM old_rows
    ) changes GROUP BY status HAVING sum(d) <> 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION workflow_state_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_state_deltas (workflow, state, n)
    SELECT TG_ARGV[0], status, -count(*) FROM old_rows GROUP BY status;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    w record;
BEGIN
    FOR w IN SELECT * FROM (VALUES
        ('onboarding', 'student_profiles'), ('shop', 'shops'), ('fund', 'fund_applications'),
        ('internship', 'internship_applications'), ('enrollment', 'enrollments'), ('certificate', 'certificates')
    ) AS t (workflow, tbl) LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION workflow_state_count_insert(%L)', w.tbl || '_count_insert', w.tbl, w.workflow);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION workflow_state_count_update(%L)', w.tbl || '_count_update', w.tbl, w.workflow);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION workflow_state_count_delete(%L)', w.tbl || '_count_delete', w.tbl, w.workflow);
        -- The rows already there, counted once while the migration's
        -- transaction keeps writers out.
        EXECUTE format('LOCK TABLE %I IN SHARE MODE', w.tbl);
        EXECUTE format('INSERT INTO workflow_state_counts (workflow, state, n)
            SELECT %L, status, count(*) FROM %I GROUP BY status', w.workflow, w.tbl);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['student_profiles', 'shops', 'fund_applications', 'internship_applications',
                             'enrollments', 'certificates'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_count_insert', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_count_update', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_count_delete', t);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION workflow_state_count_delete();
DROP FUNCTION workflow_state_count_update();
DROP FUNCTION workflow_state_count_insert();
DROP TABLE workflow_state_deltas;
DROP TABLE workflow_state_counts;
