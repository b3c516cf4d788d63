-- Tasks still waiting for a worker, oldest first: the reconciler's query of `pending`
-- tasks whose stream entry may be lost, without scanning every task. Applied live.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_pending_created ON emoji_tasks (created_at)
    WHERE status = 'pending';
