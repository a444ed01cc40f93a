-- +goose Up
-- Onboarding proves the college mailbox: after the automatic checks a
-- profile waits in awaiting_email for the one-time code mailed to its
-- college address. A code row is one code: only its keyed hash (HMAC) is
-- kept, set by the onboarding:email_code task when it mails the code, never
-- the code itself. Rows stay after use: the re-send limits count the rows
-- of an account and of an address in the last hour.
ALTER TABLE student_profiles DROP CONSTRAINT student_profiles_status_check;
ALTER TABLE student_profiles ADD CONSTRAINT student_profiles_status_check
    CHECK (status IN ('pending', 'awaiting_email', 'verified', 'rejected', 'needs_info', 'revoked'));

CREATE TABLE email_codes (
    id          uuid PRIMARY KEY,
    profile_id  uuid NOT NULL REFERENCES student_profiles (id),
    account_id  uuid NOT NULL REFERENCES accounts (id),
    email       text NOT NULL,
    code_hash   bytea,
    attempts    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    expires_at  timestamptz,
    -- used_at: confirmed (single use); burnt_at: replaced by a newer code or
    -- too many wrong attempts.
    used_at     timestamptz,
    burnt_at    timestamptz
);
CREATE INDEX email_codes_profile ON email_codes (profile_id, created_at DESC);
CREATE INDEX email_codes_account ON email_codes (account_id, created_at);
CREATE INDEX email_codes_email ON email_codes (email, created_at);

-- Disputes: a student whose college and student number another account
-- verified claims them, with a statement; an admin upholds the claim
-- (revoking the other verification) or dismisses it. One open dispute per
-- claimant profile.
CREATE TABLE disputes (
    id                 uuid PRIMARY KEY,
    claimant_profile_id uuid NOT NULL REFERENCES student_profiles (id),
    claimant_account_id uuid NOT NULL REFERENCES accounts (id),
    other_profile_id   uuid NOT NULL REFERENCES student_profiles (id),
    statement          text NOT NULL,
    -- email_proven: the claimant confirmed a code mailed to the college
    -- address of their profile (the evidence the mailbox is theirs).
    email_proven       boolean NOT NULL DEFAULT false,
    status             text NOT NULL CHECK (status IN ('pending', 'upheld', 'dismissed')),
    decision_reason    text,
    decided_by         uuid REFERENCES accounts (id),
    decided_at         timestamptz,
    created_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX disputes_open_claim ON disputes (claimant_profile_id) WHERE status = 'pending';
CREATE INDEX disputes_status ON disputes (status, id);

-- +goose Down
DROP TABLE disputes;
UPDATE student_profiles SET status = 'rejected' WHERE status = 'revoked';
DROP TABLE email_codes;
UPDATE student_profiles SET status = 'pending' WHERE status = 'awaiting_email';
ALTER TABLE student_profiles DROP CONSTRAINT student_profiles_status_check;
ALTER TABLE student_profiles ADD CONSTRAINT student_profiles_status_check
    CHECK (status IN ('pending', 'verified', 'rejected', 'needs_info'));
