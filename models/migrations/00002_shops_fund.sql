-- +goose Up
-- A student's online shop and the proof that it is theirs.
CREATE TABLE shops (
    id                uuid PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id),
    platform_shop_id  text NOT NULL,
    shop_url          text NOT NULL,
    -- url_key is shop_url normalised (lower-case host, no default port, no
    -- query, fragment or trailing slash): two spellings of one page collide.
    url_key           text NOT NULL,
    shop_name         text NOT NULL,
    category          text NOT NULL,
    verification_code text NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    reasons           jsonb NOT NULL DEFAULT '[]',
    revision          integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    verified_at       timestamptz
);
-- A shop belongs to one student: no two verified shops share the platform's
-- shop id or the page. A concurrent second verification fails here.
CREATE UNIQUE INDEX shops_verified_platform_id_key ON shops (platform_shop_id) WHERE status = 'verified';
CREATE UNIQUE INDEX shops_verified_url_key ON shops (url_key) WHERE status = 'verified';
-- A student submits a shop once while it is pending or verified.
CREATE UNIQUE INDEX shops_open_per_account_key ON shops (account_id, platform_shop_id) WHERE status IN ('pending', 'verified');
CREATE INDEX shops_status ON shops (status, id);

-- Fund programmes. Money is integer fen; the budget can never be overspent:
-- reserved (approved, not yet paid) plus disbursed stays within the budget.
CREATE TABLE fund_programs (
    id                        uuid PRIMARY KEY,
    name                      text NOT NULL,
    budget_fen                bigint NOT NULL CHECK (budget_fen > 0),
    reserved_fen              bigint NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    disbursed_fen             bigint NOT NULL DEFAULT 0 CHECK (disbursed_fen >= 0),
    max_grant_fen             bigint NOT NULL CHECK (max_grant_fen > 0 AND max_grant_fen <= budget_fen),
    reviewers_per_application integer NOT NULL CHECK (reviewers_per_application BETWEEN 1 AND 10),
    approvals_required        integer NOT NULL CHECK (approvals_required BETWEEN 1 AND reviewers_per_application),
    min_mean_score            numeric(4, 2) NOT NULL CHECK (min_mean_score BETWEEN 1 AND 10),
    review_hours              integer NOT NULL DEFAULT 72 CHECK (review_hours BETWEEN 1 AND 720),
    opens_at                  timestamptz NOT NULL,
    closes_at                 timestamptz NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    CHECK (reserved_fen + disbursed_fen <= budget_fen),
    CHECK (opens_at < closes_at)
);
CREATE UNIQUE INDEX fund_programs_name_key ON fund_programs (name);

-- A programme's review panel; a programme without rows uses every reviewer.
CREATE TABLE fund_panel (
    program_id  uuid NOT NULL REFERENCES fund_programs (id) ON DELETE CASCADE,
    reviewer_id uuid NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (program_id, reviewer_id)
);

CREATE TABLE fund_applications (
    id             uuid PRIMARY KEY,
    program_id     uuid NOT NULL REFERENCES fund_programs (id),
    account_id     uuid NOT NULL REFERENCES accounts (id),
    shop_id        uuid NOT NULL REFERENCES shops (id),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    business_plan  text NOT NULL,
    status         text NOT NULL CHECK (status IN ('submitted', 'screening', 'in_review', 'approved', 'disbursed',
                                                   'rejected', 'waitlisted', 'withdrawn')),
    reasons        jsonb NOT NULL DEFAULT '[]',
    score          integer CHECK (score BETWEEN 0 AND 100),
    score_factors  jsonb NOT NULL DEFAULT '[]',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    disbursed_at   timestamptz
);
-- One open application per student and programme once screening starts; a
-- concurrent second screening fails here and its retry rejects it.
CREATE UNIQUE INDEX fund_applications_open_key ON fund_applications (program_id, account_id)
    WHERE status IN ('screening', 'in_review', 'approved', 'waitlisted');
-- The waitlist moves up oldest first.
CREATE INDEX fund_applications_waitlist ON fund_applications (program_id, id) WHERE status = 'waitlisted';
CREATE INDEX fund_applications_shop ON fund_applications (shop_id);
CREATE INDEX fund_applications_account ON fund_applications (account_id, id);
CREATE INDEX fund_applications_status ON fund_applications (status, id);

-- Review assignments and the reviews themselves. status: assigned (waiting),
-- done (reviewed), expired (missed the deadline, given to someone else),
-- cancelled (the application was decided or withdrawn first).
CREATE TABLE fund_reviews (
    id             uuid PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES fund_applications (id),
    reviewer_id    uuid NOT NULL REFERENCES accounts (id),
    status         text NOT NULL CHECK (status IN ('assigned', 'done', 'expired', 'cancelled')),
    decision       text CHECK (decision IN ('approve', 'reject')),
    score          integer CHECK (score BETWEEN 1 AND 10),
    comment        text NOT NULL DEFAULT '',
    assigned_at    timestamptz NOT NULL DEFAULT now(),
    due_at         timestamptz NOT NULL,
    reviewed_at    timestamptz,
    CHECK ((status = 'done') = (decision IS NOT NULL AND score IS NOT NULL AND reviewed_at IS NOT NULL))
);
-- A reviewer is assigned to an application at most once, so reviews once.
CREATE UNIQUE INDEX fund_reviews_assignment_key ON fund_reviews (application_id, reviewer_id);
-- "Waiting for me" lists and the open-assignment counts of reviewer assignment.
CREATE INDEX fund_reviews_reviewer_status ON fund_reviews (reviewer_id, status, id);
CREATE INDEX fund_reviews_reviewer_assigned ON fund_reviews (reviewer_id, assigned_at);

-- Every movement of a programme's money. The programme's reserved_fen is the
-- sum of reserve minus release minus disburse entries, its disbursed_fen the
-- sum of disburse entries. An application reserves, releases and is paid at
-- most once each; the idempotency key is the task (or request) that moved it.
CREATE TABLE fund_ledger (
    id              uuid PRIMARY KEY,
    program_id      uuid NOT NULL REFERENCES fund_programs (id),
    application_id  uuid NOT NULL REFERENCES fund_applications (id),
    kind            text NOT NULL CHECK (kind IN ('reserve', 'release', 'disburse')),
    amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
    idempotency_key text NOT NULL,
    reference       text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX fund_ledger_idempotency_key ON fund_ledger (idempotency_key);
CREATE UNIQUE INDEX fund_ledger_application_kind_key ON fund_ledger (application_id, kind);
CREATE INDEX fund_ledger_program ON fund_ledger (program_id, kind);

-- +goose Down
DROP TABLE fund_ledger;
DROP TABLE fund_reviews;
DROP TABLE fund_applications;
DROP TABLE fund_panel;
DROP TABLE fund_programs;
DROP TABLE shops;
