-- +goose Up
CREATE TABLE colleges (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    name_en       text NOT NULL DEFAULT '',
    province      text NOT NULL,
    email_domains jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX colleges_name_key ON colleges (name);
-- Trigram-free search: names are short and the table is small (thousands of rows).
CREATE INDEX colleges_name_lower ON colleges (lower(name) text_pattern_ops);

CREATE TABLE accounts (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('applicant', 'reviewer', 'admin')),
    college_id    uuid REFERENCES colleges (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE INDEX accounts_role ON accounts (role, id);

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_account ON sessions (account_id);

-- The transactional outbox: work written in the same transaction as the state
-- change that needs it. The relay hands rows to Asynq (task id = row id); the
-- handler marks the row completed in the transaction that applies its effect.
CREATE TABLE outbox (
    id              uuid PRIMARY KEY,
    task_type       text NOT NULL,
    payload         jsonb NOT NULL,
    queue           text NOT NULL,
    process_at      timestamptz NOT NULL DEFAULT now(),
    max_retry       integer NOT NULL,
    timeout_seconds integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    dispatched_at   timestamptz,
    dispatch_count  integer NOT NULL DEFAULT 0,
    completed_at    timestamptz,
    failed_at       timestamptz,
    last_error      text
);
CREATE INDEX outbox_undispatched ON outbox (created_at) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_in_flight ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL AND completed_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL AND completed_at IS NULL;

-- Every state change of every workflow, the timeline users and ops read.
CREATE TABLE workflow_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    from_state  text NOT NULL DEFAULT '',
    to_state    text NOT NULL,
    actor       text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    task_id     uuid,
    attempt     integer NOT NULL DEFAULT 0,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_events_entity ON workflow_events (entity_id, id);

CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_id    bigint NOT NULL REFERENCES workflow_events (id),
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    emailed_at  timestamptz
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);
-- One notification per event: a task delivered twice cannot notify twice.
CREATE UNIQUE INDEX notifications_event_key ON notifications (event_id, account_id);

CREATE TABLE student_profiles (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id),
    college_id      uuid NOT NULL REFERENCES colleges (id),
    student_number  text NOT NULL,
    full_name       text NOT NULL,
    enrollment_year integer NOT NULL,
    major           text NOT NULL,
    college_email   text NOT NULL,
    phone           text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'verified', 'rejected', 'needs_info')),
    reasons         jsonb NOT NULL DEFAULT '[]',
    revision        integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    verified_at     timestamptz
);
CREATE UNIQUE INDEX student_profiles_account_key ON student_profiles (account_id);
-- No two verified students share a college and a student number.
CREATE UNIQUE INDEX student_profiles_verified_number_key ON student_profiles (college_id, student_number) WHERE status = 'verified';
CREATE INDEX student_profiles_status ON student_profiles (status, id);

-- +goose Down
DROP TABLE student_profiles;
DROP TABLE notifications;
DROP TABLE workflow_events;
DROP TABLE outbox;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE colleges;
