-- pgbench script: the one statement a known-device POST /auth/login runs
-- (UserRecord.selectByDevice); client n reads bench device n. The gateway binds the
-- device id as one text value; pgbench builds it ('bench-' || :n, once per execution,
-- the same index lookup).
\set n (:client_id % :users) + 1
SELECT u.id, u.device_id, u.nickname, u.is_vip, u.vip_type, u.vip_expire_time, COALESCE(p.balance, 0) AS points_balance
FROM users u LEFT JOIN user_points p ON p.user_id = u.id WHERE u.device_id = 'bench-' || :n;
