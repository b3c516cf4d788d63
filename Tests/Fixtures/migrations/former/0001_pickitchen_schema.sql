-- The PicKitchen schema as the original's Alembic migrations left it. Every
-- statement is IF NOT EXISTS, so an existing PicKitchen database is adopted as is.

CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY,
    device_id varchar(128) NOT NULL,
    nickname varchar(64),
    is_vip boolean NOT NULL DEFAULT false,
    vip_type varchar(16),
    vip_expire_time timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT uq_users_device_id UNIQUE (device_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_users_device_id ON users (device_id);

CREATE TABLE IF NOT EXISTS user_points (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    balance integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL,
    CONSTRAINT uq_user_points_user_id UNIQUE (user_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_user_points_user_id ON user_points (user_id);

CREATE TABLE IF NOT EXISTS point_transactions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type varchar(16) NOT NULL,
    amount integer NOT NULL,
    balance_after integer NOT NULL,
    task_type varchar(32),
    order_no varchar(64),
    reward_week varchar(8),
    created_at timestamptz NOT NULL,
    CONSTRAINT uq_points_reward_week UNIQUE (user_id, type, reward_week)
);
CREATE INDEX IF NOT EXISTS ix_point_transactions_user_id ON point_transactions (user_id);

CREATE TABLE IF NOT EXISTS subscriptions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rc_subscriber_id varchar(128) NOT NULL,
    product_id varchar(64) NOT NULL,
    plan_type varchar(16) NOT NULL,
    status varchar(16) NOT NULL,
    will_renew boolean NOT NULL DEFAULT true,
    current_period_start timestamptz,
    current_period_end timestamptz,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT uq_subscriptions_user_product UNIQUE (user_id, product_id)
);
CREATE INDEX IF NOT EXISTS ix_subscriptions_user_id ON subscriptions (user_id);

CREATE TABLE IF NOT EXISTS orders (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    order_no varchar(64) NOT NULL,
    product_type varchar(16) NOT NULL,
    product_id varchar(64) NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    amount numeric(10, 2) NOT NULL DEFAULT 0,
    currency varchar(8) NOT NULL DEFAULT 'USD',
    status varchar(16) NOT NULL,
    payment_channel varchar(32),
    transaction_id varchar(128),
    created_at timestamptz NOT NULL,
    paid_at timestamptz,
    updated_at timestamptz NOT NULL,
    CONSTRAINT uq_orders_order_no UNIQUE (order_no)
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_orders_order_no ON orders (order_no);
CREATE INDEX IF NOT EXISTS ix_orders_user_id ON orders (user_id);

CREATE TABLE IF NOT EXISTS emoji_tasks (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    driven_id varchar(64) NOT NULL,
    style_name varchar(64),
    source_image_url varchar(512) NOT NULL,
    detect_result json,
    aliyun_task_id varchar(128),
    result_url varchar(512),
    status varchar(16) NOT NULL,
    points_cost integer NOT NULL DEFAULT 0,
    error_message text,
    created_at timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS ix_emoji_tasks_user_id ON emoji_tasks (user_id);

CREATE TABLE IF NOT EXISTS revenuecat_events (
    id bigint PRIMARY KEY,
    event_id varchar(64) NOT NULL,
    event_type varchar(64) NOT NULL,
    payload json,
    created_at timestamptz NOT NULL,
    CONSTRAINT uq_revenuecat_events_event_id UNIQUE (event_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_revenuecat_events_event_id ON revenuecat_events (event_id);
