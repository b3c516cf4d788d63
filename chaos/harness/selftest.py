"""The checker can fail: a scratch database gets the migrations, a consistent data set
(every invariant holds), then one deliberate violation per invariant, each of which the
matching check must report. Run by chaos/run before any scenario; also `chaos/check --selftest`."""
import glob
import os

from . import doubles, invariants, stack
from .pg import psql

DB = "chaos_selftest"

GOOD = """
INSERT INTO users (id, device_id, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES
  (1, 'st-1', false, NULL, NULL, now(), now()),
  (2, 'st-2', true, 'weekly', now() + interval '3 days', now(), now()),
  (3, 'st-3', true, 'lifetime', NULL, now(), now());
INSERT INTO user_points (id, user_id, balance, updated_at) VALUES (11, 1, 800, now()), (12, 2, 1500, now()), (13, 3, 500, now());
INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at, ref_key, order_no, reward_week) VALUES
  (101, 1, 'purchase', 1000, 1000, now(), 'purchase:txn:t1', 't1', NULL),
  (102, 1, 'consume', -200, 800, now(), 'consume:task:501', NULL, NULL),
  (103, 1, 'consume', -200, 600, now(), 'consume:task:502', NULL, NULL),
  (104, 1, 'refund', 200, 800, now(), 'refund:task:502', NULL, NULL),
  (105, 2, 'reward', 1500, 1500, now(), NULL, NULL, '2026-W47'),
  (106, 3, 'reward', 500, 500, now(), NULL, NULL, '2026-W47');
INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, status, points_cost, created_at) VALUES
  (501, 1, 'd', 'u1', 'completed', 200, now()), (502, 1, 'd', 'u2', 'failed', 200, now());
INSERT INTO orders (id, user_id, order_no, product_type, product_id, status, transaction_id, created_at, updated_at)
  VALUES (601, 1, 't1', 'points_pack', 'points_1000', 'paid', 't1', now(), now());
INSERT INTO revenuecat_events (id, event_id, event_type, created_at, status, app_user_id) VALUES
  (701, 'e1', 'NON_RENEWING_PURCHASE', now(), 'processed', '1'),
  (702, 'e2', 'INITIAL_PURCHASE', now(), 'parked', '999999');
INSERT INTO reward_runs (id, reward_week, host, as_of, started_at, finished_at, outcome)
  VALUES (801, '2026-W47', 'st', now(), now(), now(), 'succeeded');
"""

# (description, SQL that breaks it, invariant index that must fail, extra kwargs)
BREAKS = [
    ("balance differs from the ledger", "UPDATE user_points SET balance = balance + 1 WHERE user_id = 1", 0, {}),
    ("a task left pending", "UPDATE emoji_tasks SET status = 'pending' WHERE id = 501", 1, {}),
    ("a failed task without its refund", "DELETE FROM point_transactions WHERE id = 104; "
     "UPDATE user_points SET balance = 600 WHERE user_id = 1", 1, {}),
    ("a completed task refunded", "UPDATE emoji_tasks SET status = 'completed' WHERE id = 502", 1, {}),
    ("a task without its charge", "DELETE FROM point_transactions WHERE id = 102; "
     "UPDATE user_points SET balance = 1000 WHERE user_id = 1", 1, {}),
    ("a charge no task accounts for", "INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at) "
     "VALUES (108, 1, 'consume', -200, 600, now()); UPDATE user_points SET balance = 600 WHERE user_id = 1", 1, {}),
    ("an accepted task with no row", "SELECT 1", 1, {"accepted_tasks": [501, 502, 503]}),
    ("an event parked although its user exists", "UPDATE revenuecat_events SET app_user_id = '2' WHERE id = 702", 2, {}),
    ("an accepted event with no row", "SELECT 1", 2, {"accepted_events": ["e1", "e3"]}),
    ("a pack purchase credited twice (two purchase rows for one order_no)",
     "INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at, order_no) "
     "VALUES (107, 1, 'purchase', 1000, 1800, now(), 't1'); UPDATE user_points SET balance = 1800 WHERE user_id = 1", 2, {}),
    ("an accepted pack never credited", "SELECT 1", 2, {"packs": {"t1": 1, "t2": 1}}),
    ("an eligible VIP without the week's reward", "DELETE FROM point_transactions WHERE id = 106; "
     "UPDATE user_points SET balance = 0 WHERE user_id = 3", 3, {}),
]


# Doubled provider submissions (row l): one worker process killed at t=110, its successor
# started at 110.5 and not killed; the window is measured from the committed ids (0.2 s).
# The consistent image A was sent 0.2 s before the kill and its first id never committed.
DOUBLE_GENERATIONS = [doubles.Generation(100.0, 110.0), doubles.Generation(110.5, None)]
DOUBLE_GOOD = [("A", "a1", 109.8, None), ("A", "a2", 111.0, 111.2), ("Z", "z1", 104.0, 104.1)]
DOUBLE_BREAKS = [
    ("a resubmission although the first task id had been committed",
     [("B", "b1", 109.9, 110.0), ("B", "b2", 111.0, 111.1)]),
    ("a resubmission with no kill within the window after the first submission",
     [("C", "c1", 105.0, None), ("C", "c2", 111.0, 111.1)]),
    ("a resubmission by a process that was never killed",
     [("D", "d1", 112.0, None), ("D", "d2", 113.0, 113.1)]),
]


def _double_check(entries):
    submissions = [{"image_url": image, "task_id": tid, "at": at} for image, tid, at, _ in entries]
    stored_ids = {tid: committed for _, tid, _, committed in entries if committed is not None}
    window = max(doubles.window(submissions, stored_ids))
    return doubles.classify(submissions, stored_ids, DOUBLE_GENERATIONS, window)


def _doubles_selftest(db):
    """The classification of doubled submissions can fail, and the trigger logs committed ids only."""
    failures = []
    base = _double_check(DOUBLE_GOOD)
    if base["unexplained"] or base["explained"] != {"A": 1}:
        failures.append(f"a resubmission after a kill not explained: {base}")
    for description, extra in DOUBLE_BREAKS:
        if not _double_check(DOUBLE_GOOD + extra)["unexplained"]:
            failures.append(f"not detected: {description}")
    doubles.install(db)
    psql(stack.PG_PORT, db, """
        INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES (9, 'st-9', false, now(), now());
        INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, status, points_cost, created_at)
        VALUES (901, 9, 'd', 'u9', 'processing', 0, now());
        BEGIN; UPDATE emoji_tasks SET aliyun_task_id = 'rolled-back' WHERE id = 901; ROLLBACK;
        UPDATE emoji_tasks SET aliyun_task_id = 'committed' WHERE id = 901;
        UPDATE emoji_tasks SET status = 'completed' WHERE id = 901;""")
    logged = doubles.stored(db)
    if set(logged) != {"committed"}:
        failures.append(f"stored task ids logged wrongly (want only the committed one): {sorted(logged)}")
    return failures


def _migrate(db):
    root = stack.ROOT
    for path in sorted(glob.glob(os.path.join(root, "Sources", "GalleyRuntime", "Schema", "Migrations", "*.sql"))):
        with open(path) as f:
            psql(stack.PG_PORT, db, f.read())


def _check(db, **kw):
    return invariants.check_all(stack.PG_PORT, db, kw.get("accepted_tasks"), kw.get("accepted_events"), kw.get("packs"))


def run():
    """Answers a list of failure strings (empty: the checker passes and can fail)."""
    failures = []
    stack.create_database(DB)
    try:
        _migrate(DB)
        psql(stack.PG_PORT, DB, GOOD)
        base = _check(DB, accepted_tasks=[501, 502], accepted_events=["e1", "e2"], packs={"t1": 1})
        for i, result in enumerate(base):
            if not result["ok"]:
                failures.append(f"consistent data reported as broken: {result['summary']}")
        for description, sql, index, kw in BREAKS:
            psql(stack.PG_PORT, DB, sql + ";")
            results = _check(DB, **kw)
            if results[index]["ok"]:
                failures.append(f"not detected: {description}")
            # Undo: rebuild the consistent data set.
            psql(stack.PG_PORT, DB, "TRUNCATE users, user_points, point_transactions, emoji_tasks, orders, "
                                    "revenuecat_events, reward_runs CASCADE;\n" + GOOD)
        failures += _doubles_selftest(DB)
    finally:
        stack.drop_database(DB)
    return failures
