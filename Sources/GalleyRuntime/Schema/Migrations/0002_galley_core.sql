-- What Galley adds to the PicKitchen schema. Additive only: new columns are
-- nullable or have a constant default (no table rewrite), new tables and indexes stand
-- beside the old ones. Applied live, step by step (see MigrationStep): each ALTER holds
-- its table's lock for an instant under a short lock_timeout, indexes are built
-- CONCURRENTLY, the CHECK is added NOT VALID and validated without blocking writes.
-- Same resulting schema as the first text of this file (whose checksum stays accepted).

-- The ledger: a balance can never go negative, and a reference (a task refund, an
-- order, a pack refund) makes a credit or debit happen at most once.
-- galley:step check
SELECT 'user_points has negative balances, which ck_user_points_balance_nonnegative refuses;'
    || ' list them with: SELECT user_id, balance FROM user_points WHERE balance < 0;'
    || ' settle each (a ledger row bringing it to 0), then start Galley again'
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conname = 'ck_user_points_balance_nonnegative' AND conrelid = 'user_points'::regclass AND convalidated)
  AND EXISTS (SELECT 1 FROM user_points WHERE balance < 0);

-- galley:step
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'ck_user_points_balance_nonnegative' AND conrelid = 'user_points'::regclass) THEN
        ALTER TABLE user_points ADD CONSTRAINT ck_user_points_balance_nonnegative CHECK (balance >= 0) NOT VALID;
    END IF;
END
$$;

-- galley:step
ALTER TABLE user_points VALIDATE CONSTRAINT ck_user_points_balance_nonnegative;

-- galley:step
ALTER TABLE point_transactions ADD COLUMN IF NOT EXISTS ref_key varchar(160);

-- galley:step concurrently
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_point_transactions_ref_key ON point_transactions (ref_key) WHERE ref_key IS NOT NULL;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_point_transactions_user_created ON point_transactions (user_id, created_at DESC, id DESC);

-- Emoji tasks: idempotent creation, soft deletion, the provider's progress and refunds.
-- galley:step
ALTER TABLE emoji_tasks
    ADD COLUMN IF NOT EXISTS idempotency_key varchar(128),
    ADD COLUMN IF NOT EXISTS request_hash varchar(64),
    ADD COLUMN IF NOT EXISTS hidden_at timestamptz,
    ADD COLUMN IF NOT EXISTS error_code varchar(64),
    ADD COLUMN IF NOT EXISTS provider_status varchar(32),
    ADD COLUMN IF NOT EXISTS submitted_at timestamptz,
    ADD COLUMN IF NOT EXISTS started_at timestamptz,
    ADD COLUMN IF NOT EXISTS refunded_at timestamptz,
    ADD COLUMN IF NOT EXISTS updated_at timestamptz;

-- galley:step concurrently
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_emoji_tasks_user_idempotency ON emoji_tasks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_emoji_tasks_user_created ON emoji_tasks (user_id, created_at DESC, id DESC)
    WHERE hidden_at IS NULL;

-- The outbox: a stream entry written in the same transaction as the row it points
-- at. The writer XADDs it after commit and deletes the row; a relay sends whatever
-- is left (Redis was down, the process died), each row at most once.
-- galley:step
CREATE TABLE IF NOT EXISTS outbox (
    id bigint PRIMARY KEY,
    stream varchar(64) NOT NULL,
    fields jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX IF NOT EXISTS ix_outbox_created ON outbox (created_at);

-- RevenueCat events: the gateway stores them, the WebhookWorker applies them.
-- Rows from the original were applied inside its request, so they default to processed
-- (a constant default: PostgreSQL stores it in the catalog, the table is not rewritten).
-- galley:step
ALTER TABLE revenuecat_events
    ADD COLUMN IF NOT EXISTS status varchar(16) NOT NULL DEFAULT 'processed',
    ADD COLUMN IF NOT EXISTS reason text,
    ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz,
    ADD COLUMN IF NOT EXISTS processed_at timestamptz,
    ADD COLUMN IF NOT EXISTS app_user_id varchar(255),
    ADD COLUMN IF NOT EXISTS event_timestamp_ms bigint,
    ADD COLUMN IF NOT EXISTS updated_at timestamptz;

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_pending ON revenuecat_events (status, next_attempt_at)
    WHERE status IN ('received', 'parked', 'failed');

-- Orders: pack refunds.
-- galley:step
ALTER TABLE orders ADD COLUMN IF NOT EXISTS refunded_at timestamptz;
