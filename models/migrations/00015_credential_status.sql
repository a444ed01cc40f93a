-- +goose Up
-- Certificates as W3C Verifiable Credentials with revocation (issue 16).
-- Each certificate owns one bit in a Bitstring Status List: status_index is
-- its global position (list = status_index / 131072, bit = the remainder),
-- taken from a sequence, so it is unique and never reused, not even after a
-- rolled-back issuance. Certificates issued before this migration get theirs
-- now (they are re-signed as credentials by `campusbiz` at start, see
-- app.UpgradeCertificates).
CREATE SEQUENCE certificate_status_index_seq AS bigint MINVALUE 0 START WITH 0;
ALTER TABLE certificates ADD COLUMN status_index bigint;
UPDATE certificates SET status_index = nextval('certificate_status_index_seq');
ALTER TABLE certificates ALTER COLUMN status_index SET NOT NULL;
ALTER TABLE certificates ADD CONSTRAINT certificates_status_index_check CHECK (status_index >= 0);
CREATE UNIQUE INDEX certificates_status_index_key ON certificates (status_index);
-- The revoked bits of a list, read when the list is signed again.
CREATE INDEX certificates_revoked_index ON certificates (status_index) WHERE status = 'revoked';
COMMENT ON COLUMN certificates.credential IS 'The signed credential JSON (W3C VC 2.0 with its eddsa-rdfc-2022 proof), as served.';
COMMENT ON COLUMN certificates.signature IS 'The proof''s proofValue, copied for lists and the JSON view.';

-- The signed BitstringStatusListCredential of each list, as served: signed
-- again when a certificate in it is revoked (under a lock of its row, so
-- concurrent revocations both land) or when the signing key changed.
CREATE TABLE certificate_status_lists (
    list        bigint PRIMARY KEY CHECK (list >= 0),
    credential  bytea NOT NULL,
    -- The verification method that signed it.
    key_id      text NOT NULL,
    signed_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE certificate_status_lists;
COMMENT ON COLUMN certificates.signature IS NULL;
COMMENT ON COLUMN certificates.credential IS NULL;
DROP INDEX certificates_revoked_index;
DROP INDEX certificates_status_index_key;
ALTER TABLE certificates DROP COLUMN status_index;
DROP SEQUENCE certificate_status_index_seq;
