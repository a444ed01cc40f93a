-- +goose Up
-- Internship matching: places, applications, and the rounds that match one
-- to the other (applicant-proposing deferred acceptance, workflows/matching).

CREATE TABLE internship_places (
    id         uuid PRIMARY KEY,
    company    text NOT NULL,
    title      text NOT NULL,
    city       text NOT NULL,
    skills     text[] NOT NULL DEFAULT '{}',
    capacity   integer NOT NULL CHECK (capacity BETWEEN 0 AND 10000),
    status     text NOT NULL CHECK (status IN ('open', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- GET /internships pages through open places by id.
CREATE INDEX internship_places_open ON internship_places (id) WHERE status = 'open';

-- A matching round. At most one is queued or running at any time, and a
-- scheduled tick starts at most one round however many workers see it.
CREATE TABLE match_rounds (
    id               uuid PRIMARY KEY,
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- The tie-break lottery seed (matching.Draw): with the round's stored
    -- inputs it reproduces the result.
    seed             bigint NOT NULL,
    trigger          text NOT NULL CHECK (trigger IN ('admin', 'schedule')),
    requested_by     uuid REFERENCES accounts (id),
    scheduled_for    timestamptz,
    applicants       integer NOT NULL DEFAULT 0,
    places           integer NOT NULL DEFAULT 0,
    seats            integer NOT NULL DEFAULT 0,
    matched          integer NOT NULL DEFAULT 0,
    unmatched        integer NOT NULL DEFAULT 0,
    proposals        bigint NOT NULL DEFAULT 0,
    expired_offers   integer NOT NULL DEFAULT 0,
    load_ms          integer NOT NULL DEFAULT 0,
    match_ms         integer NOT NULL DEFAULT 0,
    save_ms          integer NOT NULL DEFAULT 0,
    duration_ms      integer NOT NULL DEFAULT 0,
    offers_expire_at timestamptz,
    error            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE UNIQUE INDEX match_rounds_one_active ON match_rounds ((true)) WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX match_rounds_scheduled_for_key ON match_rounds (scheduled_for) WHERE scheduled_for IS NOT NULL;

CREATE TABLE internship_applications (
    id               uuid PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id),
    -- Place ids, best first (1 to 10, no repeats).
    preferences      uuid[] NOT NULL CHECK (cardinality(preferences) BETWEEN 1 AND 10),
    skills           text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL CHECK (status IN ('pending', 'offered', 'accepted', 'declined', 'unmatched')),
    -- The last round that decided this application (its explanation). No
    -- foreign key: a round sets it on every candidate, and 100,000 key
    -- checks would cost the round a third of a second.
    round_id         uuid,
    offer_place_id   uuid REFERENCES internship_places (id),
    offer_expires_at timestamptz,
    answered_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('offered', 'accepted')) = (offer_place_id IS NOT NULL) OR status = 'declined')
);
-- One application in play per applicant: pending, offered, unmatched, or
-- accepted (an applicant who declined may apply again).
CREATE UNIQUE INDEX internship_applications_active_key ON internship_applications (account_id)
    WHERE status IN ('pending', 'offered', 'unmatched', 'accepted');
CREATE INDEX internship_applications_account ON internship_applications (account_id, id);
-- Seats held at each place (GET /internships "filled", a round's free seats).
CREATE INDEX internship_applications_held ON internship_applications (offer_place_id) WHERE status IN ('offered', 'accepted');
-- Offers waiting for their expiry.
CREATE INDEX internship_applications_offers ON internship_applications (offer_expires_at) WHERE status = 'offered';
-- No index on status: a round reads every candidate anyway, stats group the
-- whole table, and an admin's list by status walks the primary key, where
-- every status is common enough to fill a page quickly. Each index more
-- would be written 100,000 times per round.

-- Each place's outcome in a round: seats it offered and the lowest-ranked
-- applicant it admitted when it filled up (the explanation's cutoff).
CREATE TABLE match_round_places (
    round_id         uuid NOT NULL REFERENCES match_rounds (id) ON DELETE CASCADE,
    place_id         uuid NOT NULL REFERENCES internship_places (id),
    seats            integer NOT NULL,
    admitted         integer NOT NULL,
    cutoff_score     integer,
    cutoff_applicant integer,
    PRIMARY KEY (round_id, place_id)
);

-- Each applicant's inputs and outcome in a round: its index (which fixes its
-- lottery draw), the score every preference gave it (-1: the place was not
-- open), and the place offered. With the round's places and seed, these
-- rows replay the round exactly.
CREATE TABLE match_round_entries (
    round_id       uuid NOT NULL REFERENCES match_rounds (id) ON DELETE CASCADE,
    application_id uuid NOT NULL,
    applicant      integer NOT NULL,
    scores         integer[] NOT NULL,
    place_id       uuid,
    choice         integer,
    PRIMARY KEY (round_id, application_id)
);

-- +goose Down
DROP TABLE match_round_entries;
DROP TABLE match_round_places;
DROP TABLE internship_applications;
DROP TABLE match_rounds;
DROP TABLE internship_places;
