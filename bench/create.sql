-- pgbench script: the SQL of one POST /emoji/create transaction, statement for statement
-- (EmojiCreation.swift and Ledger.applySQL), for bench/gateway.sh. Client n debits bench
-- user n (as the wrk run spreads its users); ids come from a sequence instead of Snowflake.
-- Its outbox rows are dated 'infinity' so the gateway's relay (still running) never sends
-- them; the script deletes them between rounds. One difference, against the gateway:
-- its debit also records ref_key 'consume:task:<id>' (one more unique-index entry).
\set uid 100000000000 + :client_id + 1
BEGIN;
INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost,
                         created_at, updated_at, idempotency_key, request_hash)
VALUES (nextval('bench_ids'), :uid, 'mengwa_kaixin', 'https://img.example/bench.jpg',
        '{"face_bbox":[10,20,110,120],"ext_bbox":[0,0,200,200],"raw": null}'::json, 'pending', 200, now(), now(), NULL, NULL)
RETURNING created_at;
WITH acct AS (
    SELECT user_id, balance FROM user_points WHERE user_id = :uid FOR UPDATE
), dup AS (
    SELECT 1 FROM point_transactions WHERE NULL::varchar IS NOT NULL AND ref_key = NULL::varchar
), calc AS (
    SELECT user_id, balance AS before,
           CASE WHEN false AND -200 < 0 THEN GREATEST(-200, -balance) ELSE -200 END AS delta
    FROM acct WHERE NOT EXISTS (SELECT 1 FROM dup)
), upd AS (
    UPDATE user_points up SET balance = calc.before + calc.delta, updated_at = now()
    FROM calc WHERE up.user_id = calc.user_id AND calc.before + calc.delta >= 0
    RETURNING up.balance, calc.delta
), ins AS (
    INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, ref_key, created_at)
    SELECT nextval('bench_ids'), :uid, 'consume', upd.delta, upd.balance, 'emoji', NULL, NULL, NULL, now() FROM upd
    RETURNING id, amount, balance_after
)
SELECT (SELECT balance FROM acct) AS balance, EXISTS (SELECT 1 FROM dup) AS duplicate, ins.id, ins.amount, ins.balance_after
FROM (SELECT 1) AS one LEFT JOIN ins ON true;
INSERT INTO outbox (id, stream, fields, created_at)
VALUES (nextval('bench_ids'), 'emoji_tasks',
        '{"task_id":"1","user_id":"1","image_url":"https://img.example/bench.jpg","driven_id":"mengwa_kaixin","detect_result":"{}"}'::jsonb, 'infinity');
COMMIT;
