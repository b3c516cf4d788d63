-- The operator console and galleyctl (issue 14): one row per operator action, written in
-- the same transaction as the change when the change is in PostgreSQL. A new table, so
-- nothing live is locked. Its id is a sequence (an audit row needs no Snowflake lease).
-- galley:step
CREATE TABLE IF NOT EXISTS admin_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor varchar(128) NOT NULL,
    action varchar(64) NOT NULL,
    target varchar(255) NOT NULL,
    before jsonb,
    after jsonb
);

-- The audit page filtered by target or actor, newest first (the unfiltered page walks the key).
-- galley:step
CREATE INDEX IF NOT EXISTS ix_admin_audit_target ON admin_audit (target, id DESC);

-- galley:step
CREATE INDEX IF NOT EXISTS ix_admin_audit_actor ON admin_audit (actor, id DESC);

-- galley:step
CREATE INDEX IF NOT EXISTS ix_admin_audit_action ON admin_audit (action, id DESC);
