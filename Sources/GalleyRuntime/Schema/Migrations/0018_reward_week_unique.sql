-- The weekly reward's uniqueness: UNIQUE (user_id, type, reward_week), which the
-- original's alembic head names uq_points_reward_week and Galley's reward run relies on
-- (ON CONFLICT). An operator who followed the original's advice to run
-- `alembic revision --autogenerate` after its bug fixes has instead a partial unique index
-- idx_user_reward_week (user_id, reward_week) WHERE reward_week IS NOT NULL, and no
-- uq_points_reward_week. Here Galley converges: it builds the unique index concurrently
-- and attaches it as the constraint, or, when rows already break it, stops with one line
-- saying what to run. idx_user_reward_week, where present, is left as it is.

-- galley:step check
SELECT 'point_transactions has rows that break UNIQUE (user_id, type, reward_week), so uq_points_reward_week cannot be built;'
    || ' list them with: SELECT user_id, type, reward_week, count(*) FROM point_transactions'
    || ' WHERE reward_week IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1;'
    || ' delete all but the oldest row of each (and take their amounts off user_points.balance), then start Galley again'
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conname = 'uq_points_reward_week' AND conrelid = 'point_transactions'::regclass)
  AND EXISTS (SELECT 1 FROM point_transactions WHERE reward_week IS NOT NULL
              GROUP BY user_id, type, reward_week HAVING count(*) > 1);

-- galley:step concurrently
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_points_reward_week ON point_transactions (user_id, type, reward_week);

-- Attaching a valid unique index as the constraint is a catalog change (an instant lock).
-- galley:step
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'uq_points_reward_week' AND conrelid = 'point_transactions'::regclass) THEN
        ALTER TABLE point_transactions ADD CONSTRAINT uq_points_reward_week UNIQUE USING INDEX uq_points_reward_week;
    END IF;
END
$$;
