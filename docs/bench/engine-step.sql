-- The statements of one onboarding:verify transaction as the runner and the step send them
-- (the profile is set back to pending so that the script can run repeatedly).
\set n random(1, 20000)
SELECT outbox_id, profile_id, account_id FROM bench_map WHERE n = :n \gset
BEGIN;
UPDATE outbox SET completed_at = now(), failed_at = NULL, last_error = NULL WHERE id = ':outbox_id'::uuid AND completed_at IS NULL;
SELECT p.*, c.email_domains, EXISTS (SELECT 1 FROM student_profiles d WHERE d.college_id = p.college_id AND d.student_number = p.student_number AND d.status = 'verified' AND d.id <> p.id) AS duplicate FROM student_profiles p JOIN colleges c ON c.id = p.college_id WHERE p.id = ':profile_id'::uuid FOR UPDATE OF p;
UPDATE student_profiles SET status = 'pending', reasons = '[]'::jsonb, updated_at = now() WHERE id = ':profile_id'::uuid;
WITH ev AS (INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reason, task_id, attempt) VALUES ('onboarding', ':profile_id'::uuid, 'pending', 'verified', 'task:onboarding:verify', '', ':outbox_id'::uuid, 0) RETURNING id) INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, title, body) SELECT gen_random_uuid(), ':account_id'::uuid, ev.id, 'onboarding', ':profile_id'::uuid, 'Student verification: verified', 'Your student verification is now verified.' FROM ev RETURNING event_id;
END;
