-- WeChat Pay API v3 (docs/payments.md): what a WeChat Pay order adds to its `orders`
-- row, and every notification as received. New tables only, so applying them live
-- locks nothing the original uses.

-- One row per order paid through WeChat Pay. `out_trade_no` is Galley's own short
-- number (WeChat Pay allows 6–32 characters; the original's order numbers are longer).
-- The points are credited once per order through the ledger (references
-- `wechatpay:pay:<out_trade_no>` / `wechatpay:refund:<out_trade_no>`), and
-- `transaction_id` is unique: one WeChat Pay transaction pays one order.
-- galley:step
CREATE TABLE IF NOT EXISTS wechatpay_orders (
    order_no varchar(64) PRIMARY KEY REFERENCES orders (order_no) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    out_trade_no varchar(32) NOT NULL UNIQUE,
    product_id varchar(64) NOT NULL,
    points integer NOT NULL CHECK (points > 0),
    amount_fen integer NOT NULL CHECK (amount_fen > 0),
    currency varchar(8) NOT NULL DEFAULT 'CNY',
    trade_type varchar(8) NOT NULL,
    openid varchar(128),
    prepay_id varchar(64),
    prepay_expires_at timestamptz,
    -- pending, paid, refunded, closed, flagged (amount or currency mismatch: nothing credited)
    state varchar(16) NOT NULL DEFAULT 'pending',
    transaction_id varchar(64) UNIQUE,
    paid_at timestamptz,
    out_refund_no varchar(64) UNIQUE,
    refund_id varchar(64),
    refund_requested_at timestamptz,
    refunded_at timestamptz,
    flag_reason text,
    last_queried_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The sweep: prepaid orders still pending, oldest first.
-- galley:step
CREATE INDEX IF NOT EXISTS ix_wechatpay_orders_pending ON wechatpay_orders (created_at) WHERE state = 'pending';

-- Every verified notification, stored before the gateway answers: WeChat Pay's `id`
-- is unique per notification (its retries repeat it), `resource` is the decrypted
-- plaintext, `body` the request as received.
-- galley:step
CREATE TABLE IF NOT EXISTS wechatpay_notifications (
    id bigint PRIMARY KEY,
    notification_id varchar(64) NOT NULL UNIQUE,
    event_type varchar(32) NOT NULL,
    body text NOT NULL,
    resource jsonb NOT NULL,
    out_trade_no varchar(32),
    -- received, processed, ignored, flagged, failed
    status varchar(16) NOT NULL,
    reason text,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    processed_at timestamptz,
    updated_at timestamptz NOT NULL
);

-- galley:step
CREATE INDEX IF NOT EXISTS ix_wechatpay_notifications_received ON wechatpay_notifications (created_at)
    WHERE status = 'received';
