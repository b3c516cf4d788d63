-- RevenueCat's `environment` (SANDBOX / PRODUCTION) on what a webhook event wrote:
-- sandbox purchases are applied like production ones (as the original does: App Review
-- and TestFlight buy in the sandbox), so the rows say which they were. Nullable: rows
-- written before, or by the app's own order flow, have none. Applied live (see 0002).
-- galley:step
ALTER TABLE orders ADD COLUMN IF NOT EXISTS environment varchar(16);

-- galley:step
ALTER TABLE point_transactions ADD COLUMN IF NOT EXISTS environment varchar(16);
