-- The weekly reward updates one user_points row per paid user. At the default fillfactor
-- (100) a page has no room for a row's new version, so each update wrote a new page and an
-- entry in every index of the table (BENCHMARKS.md, reward). fillfactor 65 leaves room on
-- each page for a new version of about half its rows, so an update that changes no indexed
-- column (the balance) is HOT: no index entry at all, even when half the users of a page
-- are credited in one run (at 80, measured with half the users VIPs, only 52 % of the
-- reward's updates were HOT; at 65, all).
--
-- It applies to pages written from now on (and rewritten by VACUUM FULL or pg_repack).
-- ALTER TABLE ... SET takes SHARE UPDATE EXCLUSIVE, which blocks no read or write, so the
-- original keeps serving the table meanwhile.
--
-- The original's schema has user_id unique twice over (the constraint
-- uq_user_points_user_id and the unique index ix_user_points_user_id). With HOT updates
-- the reward touches neither, so both stay: migrations only add (API.md, Database).

-- galley:step
ALTER TABLE user_points SET (fillfactor = 65);
