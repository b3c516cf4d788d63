-- What the console's searches need to answer in milliseconds on a large database
-- (1 000 000 users, 5 000 000 ledger rows; bench/console.sh times them). Every list is
-- paged by key, newest first, so each index ends in the row's id. Built CONCURRENTLY:
-- these tables are live.

-- A user's tasks, hidden ones included (0002's index leaves them out).
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_user_id_desc ON emoji_tasks (user_id, id DESC);

-- A task by DashScope's task id.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_aliyun_task_id ON emoji_tasks (aliyun_task_id)
    WHERE aliyun_task_id IS NOT NULL;

-- Throughput per minute over the last hour: tasks created and finished.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_created_at ON emoji_tasks (created_at);

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_completed_at ON emoji_tasks (completed_at)
    WHERE completed_at IS NOT NULL;

-- Webhook events by the user they resolved to, by transaction, by status; and per minute.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_user_id_desc ON revenuecat_events (user_id, id DESC)
    WHERE user_id IS NOT NULL;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_transaction ON revenuecat_events (transaction_id, id DESC)
    WHERE transaction_id IS NOT NULL;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_status_id ON revenuecat_events (status, id DESC);

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_created_at ON revenuecat_events (created_at);

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_processed_at ON revenuecat_events (processed_at)
    WHERE processed_at IS NOT NULL;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_failed_updated ON revenuecat_events (updated_at)
    WHERE status IN ('failed', 'parked');
