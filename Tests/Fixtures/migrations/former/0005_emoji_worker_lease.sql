-- The emoji worker's lease on a task: which worker process may submit and poll it,
-- and until when. A live worker renews it; an expired one lets another worker resume
-- the task (from its stored provider task id), so two workers never submit one task.
ALTER TABLE emoji_tasks
    ADD COLUMN worker varchar(160),
    ADD COLUMN worker_lease_until timestamptz;

-- Tasks still in the worker's hands, for the lease renewal and the sweep of abandoned ones.
CREATE INDEX ix_emoji_tasks_processing_lease ON emoji_tasks (worker_lease_until)
    WHERE status = 'processing';
