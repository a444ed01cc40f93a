-- The baseline: one insert in its own transaction.
BEGIN;
INSERT INTO bare_results (task_id) VALUES (1);
END;
