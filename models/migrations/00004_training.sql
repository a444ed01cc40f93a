-- +goose Up
-- Training: courses, enrollments and the signed certificates they earn.
CREATE TABLE courses (
    id          uuid PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    pass_score  integer NOT NULL CHECK (pass_score BETWEEN 0 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Seeding is idempotent by title; two courses with one title would confuse students.
CREATE UNIQUE INDEX courses_title_key ON courses (title);

CREATE TABLE enrollments (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    course_id  uuid NOT NULL REFERENCES courses (id),
    status     text NOT NULL CHECK (status IN ('enrolled', 'passed', 'failed', 'certified')),
    score      integer CHECK (score BETWEEN 0 AND 100),
    -- Why the enrollment failed, or why its certificate could not be issued.
    reasons    jsonb NOT NULL DEFAULT '[]',
    result_by  uuid REFERENCES accounts (id),
    result_at  timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open enrollment per student and course; after a failure they may enrol again.
CREATE UNIQUE INDEX enrollments_open_key ON enrollments (account_id, course_id) WHERE status <> 'failed';
-- GET /enrollments pages by id: a student's own, or (the training platform)
-- by course, by course and status, or by status.
CREATE INDEX enrollments_account ON enrollments (account_id, id);
CREATE INDEX enrollments_course ON enrollments (course_id, id);
CREATE INDEX enrollments_course_status ON enrollments (course_id, status, id);
CREATE INDEX enrollments_status ON enrollments (status, id);

CREATE TABLE certificates (
    id             uuid PRIMARY KEY,
    -- 128 random bits in Crockford base32 (workflows/certificates.NewSerial).
    serial         text NOT NULL,
    enrollment_id  uuid NOT NULL REFERENCES enrollments (id),
    account_id     uuid NOT NULL REFERENCES accounts (id),
    course_id      uuid NOT NULL REFERENCES courses (id),
    status         text NOT NULL CHECK (status IN ('valid', 'revoked')),
    -- The RFC 8785 canonical JSON credential: exactly the bytes that were signed.
    credential     bytea NOT NULL,
    key_id         text NOT NULL,
    signature      text NOT NULL,
    issued_at      timestamptz NOT NULL,
    -- The printable certificate, rendered once at issuance (about 8 KB with a
    -- Chinese name); stored out of line by TOAST, read only by the PDF endpoint.
    pdf            bytea NOT NULL,
    revoked_at     timestamptz,
    revoked_by     uuid REFERENCES accounts (id),
    revoke_reason  text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX certificates_serial_key ON certificates (serial);
-- Issued once: a second issuance for the same enrollment cannot commit.
CREATE UNIQUE INDEX certificates_enrollment_key ON certificates (enrollment_id);
-- Certificates a student earned (internship matching scores count them).
CREATE INDEX certificates_account ON certificates (account_id, id);
CREATE INDEX certificates_status ON certificates (status, id);

-- +goose Down
DROP TABLE certificates;
DROP TABLE enrollments;
DROP TABLE courses;
