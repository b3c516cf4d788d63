-- What the gateway needs beyond 0002. Additive only; applied live (see 0002).

-- `POST /emoji/create` accepts image URLs of up to 1024 characters (signed storage URLs
-- run long). Widening a varchar is a catalog change: no table rewrite, no index rebuild.
-- galley:step
ALTER TABLE emoji_tasks ALTER COLUMN source_image_url TYPE varchar(1024);

-- `GET /order/list`: the caller's orders, newest first.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_user_created ON orders (user_id, created_at DESC, id DESC);
