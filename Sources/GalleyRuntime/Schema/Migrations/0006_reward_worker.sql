-- The weekly VIP reward (RewardWorker). Applied live (see 0002).

-- A reward run walks the VIP users in id order, a batch at a time (keyset pagination).
-- Half the users or fewer are VIP, so a partial index keeps the scan off the others, and
-- the included columns let the eligibility test run on the index alone.
-- galley:step concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_vip_id ON users (id) INCLUDE (vip_type, vip_expire_time) WHERE is_vip;

-- One row per reward run that writes (dry runs write nothing), so operators see what
-- ran, where and with what result; a row left at 'running' is a run that died, and
-- running the same week again finishes its work.
-- galley:step
CREATE TABLE IF NOT EXISTS reward_runs (
    id bigint PRIMARY KEY,
    reward_week varchar(8) NOT NULL,
    host varchar(255) NOT NULL,
    -- The moment VIP validity was judged at.
    as_of timestamptz NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    outcome varchar(16) NOT NULL DEFAULT 'running',
    batches integer NOT NULL DEFAULT 0,
    eligible integer NOT NULL DEFAULT 0,
    credited integer NOT NULL DEFAULT 0,
    already_credited integer NOT NULL DEFAULT 0,
    points bigint NOT NULL DEFAULT 0,
    CONSTRAINT ck_reward_runs_outcome CHECK (outcome IN ('running', 'succeeded', 'failed'))
);
CREATE INDEX IF NOT EXISTS ix_reward_runs_week ON reward_runs (reward_week, started_at DESC);
