-- WebhookWorker: applying RevenueCat events exactly once and in any order.
-- Additive only, like every Galley migration; applied live (see 0002).

-- Each applied event remembers what it was applied to. A subscription row and a pack
-- order are recomputed from the set of their processed events, so the result does not
-- depend on the order in which RevenueCat's deliveries arrived.
-- galley:step
ALTER TABLE revenuecat_events
    ADD COLUMN IF NOT EXISTS user_id bigint,
    ADD COLUMN IF NOT EXISTS applied_kind varchar(16),
    ADD COLUMN IF NOT EXISTS product_id varchar(128),
    ADD COLUMN IF NOT EXISTS transaction_id varchar(128),
    ADD COLUMN IF NOT EXISTS rc_ids varchar(255)[];

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_subscription ON revenuecat_events (user_id, product_id)
    WHERE applied_kind = 'subscription';

-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_pack ON revenuecat_events (transaction_id)
    WHERE applied_kind = 'pack';

-- TRANSFER finds the events of the RevenueCat ids it moves.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_rc_ids ON revenuecat_events USING gin (rc_ids);

-- The parked sweep: due events first (0002's pending index also covers received/failed).
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_revenuecat_events_parked ON revenuecat_events (next_attempt_at)
    WHERE status = 'parked';

-- RevenueCat ids (anonymous ids, old app user ids) seen together with one of our users,
-- so that an event carrying only such an id still finds its user. (The foreign key of a
-- new, empty table locks `users` against writes for the instant of this step only.)
-- galley:step
CREATE TABLE IF NOT EXISTS revenuecat_aliases (
    app_user_id varchar(255) PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_revenuecat_aliases_user ON revenuecat_aliases (user_id);

-- TRANSFER events by RevenueCat id: an event of `from` that happened at or before the
-- transfer belongs to `to`, whichever of the two arrived first.
-- galley:step
CREATE TABLE IF NOT EXISTS revenuecat_transfers (
    event_id varchar(64) NOT NULL,
    from_app_user_id varchar(255) NOT NULL,
    to_app_user_id varchar(255) NOT NULL,
    event_timestamp_ms bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, from_app_user_id, to_app_user_id)
);
CREATE INDEX IF NOT EXISTS ix_revenuecat_transfers_from ON revenuecat_transfers (from_app_user_id, event_timestamp_ms);

-- Subscriptions: where the row came from. `last_event_ms` is set only on rows Galley
-- computes from events; rows the original wrote keep it NULL and are never deleted.
-- galley:step
ALTER TABLE subscriptions
    ADD COLUMN IF NOT EXISTS last_event_ms bigint,
    ADD COLUMN IF NOT EXISTS original_transaction_id varchar(128),
    ADD COLUMN IF NOT EXISTS store varchar(32),
    ADD COLUMN IF NOT EXISTS environment varchar(16);
