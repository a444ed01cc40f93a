-- Data for the pgbench scripts beside this file: 20,000 pending onboardings
-- in a database migrated by `campusbiz migrate`. See docs/BENCHMARKS.md, "Engine".
INSERT INTO colleges (id, name, province, email_domains) VALUES ('01a21680-0000-7000-8000-000000000001', 'Bench U', 'Zhejiang', '["bench.edu.cn"]');
INSERT INTO accounts (id, email, password_hash, name, role) SELECT gen_random_uuid(), 'b' || i || '@example.com', 'x', 'B', 'applicant' FROM generate_series(1, 20000) i;
INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name, enrollment_year, major, college_email, phone, status)
  SELECT gen_random_uuid(), a.id, '01a21680-0000-7000-8000-000000000001', '2024' || lpad(row_number() OVER ()::text, 6, '0'), 'Z', 2024, 'E', 'x@bench.edu.cn', '13812345678', 'pending' FROM accounts a;
INSERT INTO outbox (id, task_type, payload, queue, max_retry, timeout_seconds)
  SELECT gen_random_uuid(), 'onboarding:verify', jsonb_build_object('profile_id', id, 'revision', 1), 'critical', 10, 30 FROM student_profiles;
CREATE TABLE bench_map AS SELECT row_number() OVER () AS n, o.id AS outbox_id, (o.payload->>'profile_id')::uuid AS profile_id, p.account_id
  FROM outbox o JOIN student_profiles p ON p.id = (o.payload->>'profile_id')::uuid;
CREATE UNIQUE INDEX ON bench_map (n);
CREATE TABLE bare_results (id bigserial PRIMARY KEY, task_id text NOT NULL, at timestamptz NOT NULL DEFAULT now());
ANALYZE;
