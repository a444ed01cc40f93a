-- +goose Up
-- Session tokens are signed (HMAC-SHA256) so that a request is authenticated
-- without a database round trip. The signing key is kept here, one row,
-- created by the first process that needs it, so every process on this
-- database shares it; SESSION_SECRET, when set, is mixed in so that a read
-- of the database alone cannot forge a token.
CREATE TABLE session_keys (
    id         integer PRIMARY KEY CHECK (id = 1),
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every process re-reads the recent revocations each second.
CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- +goose Down
DROP INDEX sessions_revoked;
DROP TABLE session_keys;
