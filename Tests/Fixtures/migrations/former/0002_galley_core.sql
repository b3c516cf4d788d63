-- What Galley adds to the PicKitchen schema. Additive only: new columns are
-- nullable or defaulted, new tables and indexes stand beside the old ones.

-- The ledger: a balance can never go negative, and a reference (a task refund, an
-- order, a pack refund) makes a credit or debit happen at most once.
ALTER TABLE user_points ADD CONSTRAINT ck_user_points_balance_nonnegative CHECK (balance >= 0);
ALTER TABLE point_transactions ADD COLUMN ref_key varchar(160);
CREATE UNIQUE INDEX uq_point_transactions_ref_key ON point_transactions (ref_key) WHERE ref_key IS NOT NULL;
CREATE INDEX ix_point_transactions_user_created ON point_transactions (user_id, created_at DESC, id DESC);

-- Emoji tasks: idempotent creation, soft deletion, the provider's progress and refunds.
ALTER TABLE emoji_tasks
    ADD COLUMN idempotency_key varchar(128),
    ADD COLUMN request_hash varchar(64),
    ADD COLUMN hidden_at timestamptz,
    ADD COLUMN error_code varchar(64),
    ADD COLUMN provider_status varchar(32),
    ADD COLUMN submitted_at timestamptz,
    ADD COLUMN started_at timestamptz,
    ADD COLUMN refunded_at timestamptz,
    ADD COLUMN updated_at timestamptz;
CREATE UNIQUE INDEX uq_emoji_tasks_user_idempotency ON emoji_tasks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_emoji_tasks_user_created ON emoji_tasks (user_id, created_at DESC, id DESC)
    WHERE hidden_at IS NULL;

-- The outbox: a stream entry written in the same transaction as the row it points
-- at. The writer XADDs it after commit and deletes the row; a relay sends whatever
-- is left (Redis was down, the process died), each row at most once.
CREATE TABLE outbox (
    id bigint PRIMARY KEY,
    stream varchar(64) NOT NULL,
    fields jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX ix_outbox_created ON outbox (created_at);

-- RevenueCat events: the gateway stores them, the WebhookWorker applies them.
-- Rows from the original were applied inside its request, so they default to processed.
ALTER TABLE revenuecat_events
    ADD COLUMN status varchar(16) NOT NULL DEFAULT 'processed',
    ADD COLUMN reason text,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN processed_at timestamptz,
    ADD COLUMN app_user_id varchar(255),
    ADD COLUMN event_timestamp_ms bigint,
    ADD COLUMN updated_at timestamptz;
CREATE INDEX ix_revenuecat_events_pending ON revenuecat_events (status, next_attempt_at)
    WHERE status IN ('received', 'parked', 'failed');

-- Orders: pack refunds.
ALTER TABLE orders ADD COLUMN refunded_at timestamptz;
