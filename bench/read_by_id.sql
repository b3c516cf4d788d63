-- pgbench script: the one statement GET /points/balance and GET /user/profile run
-- (UserRecord.selectByID, after the token check); client n reads bench user n.
\set uid 100000000000 + (:client_id % :users) + 1
SELECT u.id, u.device_id, u.nickname, u.is_vip, u.vip_type, u.vip_expire_time, COALESCE(p.balance, 0) AS points_balance
FROM users u LEFT JOIN user_points p ON p.user_id = u.id WHERE u.id = :uid;
