-- +goose Up
-- The audit log: who did what to which entity, from where, with the entity
-- before and after. Rows are written in the unit of work of the action they
-- record, so an action and its audit row commit or roll back together. The
-- log is append-only: a trigger refuses every UPDATE, DELETE and TRUNCATE.
-- Ids are UUIDv7 (models.NewID), so id order is time order and keyset pages
-- work as on every other list.
CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid NOT NULL REFERENCES accounts (id),
    actor_role  text NOT NULL,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    before      jsonb,
    after       jsonb,
    ip          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_entity ON audit_log (entity_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Admin lists (app/adminlists.go). Filters by college and status page by id
-- from one index; search is by prefix of lower-case text (text_pattern_ops
-- serves LIKE 'abc%' whatever the collation), so it needs no extension.
CREATE INDEX student_profiles_college_status ON student_profiles (college_id, status, id);
CREATE INDEX student_profiles_name_prefix ON student_profiles (lower(full_name) text_pattern_ops);
CREATE INDEX student_profiles_number_prefix ON student_profiles (lower(student_number) text_pattern_ops);
CREATE INDEX student_profiles_email_prefix ON student_profiles (lower(college_email) text_pattern_ops);
CREATE INDEX accounts_name_prefix ON accounts (lower(name) text_pattern_ops);
CREATE INDEX accounts_email_prefix ON accounts (lower(email) text_pattern_ops);
CREATE INDEX fund_applications_program_status ON fund_applications (program_id, status, id);

-- +goose Down
DROP INDEX fund_applications_program_status;
DROP INDEX accounts_email_prefix;
DROP INDEX accounts_name_prefix;
DROP INDEX student_profiles_email_prefix;
DROP INDEX student_profiles_number_prefix;
DROP INDEX student_profiles_name_prefix;
DROP INDEX student_profiles_college_status;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
