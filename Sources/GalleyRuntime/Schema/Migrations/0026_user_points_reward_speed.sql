-- The weekly reward updates one user_points row per paid user. Two things made each of
-- those updates cost three index entries and a new page (docs: BENCHMARKS.md, reward):
--
-- 1. user_id is unique twice over. The original's alembic revision 3f3b0d1a9c61 wrote
--    both UNIQUE (user_id) as constraint uq_user_points_user_id and the unique index
--    ix_user_points_user_id; its model (Column(index=True, unique=True)) declares only
--    the index, so the original's own autogenerate would drop the constraint too. The
--    original never names the constraint (no ON CONFLICT ON CONSTRAINT, no error
--    matched by name; its downgrade drops the table), and Galley's statements infer
--    ON CONFLICT (user_id) from any unique index. Uniqueness stays enforced by
--    ix_user_points_user_id; the constraint is dropped only when that index is there,
--    valid, unique, on (user_id) alone and without a predicate, and when no foreign key
--    rests on the constraint. Dropping a constraint is a catalog change (no scan, no
--    rewrite) under the runner's short lock_timeout, retried: nothing queues behind it
--    for longer than that. (A constraint's index cannot be dropped CONCURRENTLY.)
-- 2. fillfactor 65 leaves room on each page for a new version of half its rows, so an
--    update that changes no indexed column (the balance) is HOT: no index entry at all,
--    even when half the users of a page are credited in one run (at 80, measured with
--    half the users VIPs, only 52 % of the reward's updates were HOT; at 65, all).
--    It applies to pages written from now on (and rewritten by VACUUM FULL or
--    pg_repack); ALTER TABLE ... SET takes SHARE UPDATE EXCLUSIVE, which blocks no read
--    or write.

-- galley:step
DO $$
DECLARE
    spare regclass := to_regclass('ix_user_points_user_id');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint
               WHERE conname = 'uq_user_points_user_id' AND conrelid = 'user_points'::regclass AND contype = 'u')
       AND spare IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_index i
                   WHERE i.indexrelid = spare AND i.indrelid = 'user_points'::regclass
                     AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                     AND i.indnatts = 1
                     AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                        WHERE attrelid = 'user_points'::regclass AND attname = 'user_id'))
       AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                       JOIN pg_constraint u ON u.conname = 'uq_user_points_user_id' AND u.conrelid = 'user_points'::regclass
                       WHERE f.contype = 'f' AND f.conindid = u.conindid) THEN
        ALTER TABLE user_points DROP CONSTRAINT uq_user_points_user_id;
    END IF;
END
$$;

-- galley:step
ALTER TABLE user_points SET (fillfactor = 65);
