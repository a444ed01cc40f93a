-- +goose Up
-- Notifications are read on a page: read_at marks them (NULL: unread), and
-- the header's unread count reads the partial index. Each account keeps the
-- language its person last used on the pages, so that e-mails about their
-- workflows speak it. Both columns are added without rewriting the tables.
ALTER TABLE notifications ADD COLUMN read_at timestamptz;
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read_at IS NULL;
ALTER TABLE accounts ADD COLUMN lang text NOT NULL DEFAULT 'zh';

-- +goose Down
ALTER TABLE accounts DROP COLUMN lang;
DROP INDEX notifications_unread;
ALTER TABLE notifications DROP COLUMN read_at;
