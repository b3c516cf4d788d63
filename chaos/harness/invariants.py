"""The contract's four invariants, checked against a database after the drain.

Each check answers a dict with `ok`, a one-line `summary` and the counts behind it;
`lost` and `doubled` sum what the scenario accepted but does not find (or finds
unfinished) and what took effect more than once.
"""
from .pg import psql

TERMINAL_TASK = ("completed", "failed")
TERMINAL_EVENT = ("processed", "ignored")


def _values_bigint(ids):
    ids = sorted({int(i) for i in ids})
    return ",".join(f"({i})" for i in ids) if ids else None


def _values_text(ids):
    ids = sorted({str(i) for i in ids})
    return ",".join("('" + i.replace("'", "''") + "')" for i in ids) if ids else None


def ledger(port, db):
    """1: balance ≥ 0 and balance == SUM(ledger) per user (no account counts as 0)."""
    users, negative, mismatched, orphans = [int(x) for x in psql(port, db, """
        SELECT count(*),
               count(*) FILTER (WHERE COALESCE(up.balance, 0) < 0),
               count(*) FILTER (WHERE COALESCE(up.balance, 0) <> COALESCE(t.total, 0)),
               (SELECT count(*) FROM point_transactions pt WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = pt.user_id))
        FROM users u
        LEFT JOIN user_points up ON up.user_id = u.id
        LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM point_transactions GROUP BY user_id) t ON t.user_id = u.id
    """)[0]]
    ok = negative == 0 and mismatched == 0 and orphans == 0
    return {"ok": ok, "users": users, "negative": negative, "mismatched": mismatched, "orphans": orphans,
            "lost": 0, "doubled": 0,
            "summary": f"inv1 ledger   {'ok ' if ok else 'FAIL'} users={users} negative={negative} "
                       f"balance!=sum={mismatched} orphan_rows={orphans}"}


def tasks(port, db, accepted=None):
    """2: every task terminal; failed → exactly one refund, completed → none; one charge per task."""
    accepted_values = _values_bigint(accepted or [])
    setup = "CREATE TEMP TABLE accepted (id bigint PRIMARY KEY);\n"
    if accepted_values:
        setup += f"INSERT INTO accepted VALUES {accepted_values};\n"
    row = psql(port, db, setup + """
        WITH refunds AS (
            SELECT substring(ref_key FROM 13)::bigint AS task_id, count(*) AS n, SUM(amount) AS amount
            FROM point_transactions WHERE ref_key LIKE 'refund:task:%' GROUP BY 1
        ), consumes AS (
            SELECT substring(ref_key FROM 14)::bigint AS task_id, count(*) AS n
            FROM point_transactions WHERE ref_key LIKE 'consume:task:%' GROUP BY 1
        ), per_user AS (
            SELECT u.user_id,
                   (SELECT count(*) FROM emoji_tasks t WHERE t.user_id = u.user_id AND t.points_cost > 0) AS tasks,
                   (SELECT count(*) FROM point_transactions p WHERE p.user_id = u.user_id AND p.type = 'consume') AS consumes
            FROM (SELECT DISTINCT user_id FROM emoji_tasks UNION SELECT DISTINCT user_id FROM point_transactions WHERE type = 'consume') u
        )
        SELECT
            (SELECT count(*) FROM emoji_tasks),
            (SELECT count(*) FROM emoji_tasks WHERE status NOT IN ('completed', 'failed')),
            (SELECT count(*) FROM emoji_tasks WHERE status = 'completed'),
            (SELECT count(*) FROM emoji_tasks WHERE status = 'failed'),
            (SELECT count(*) FROM emoji_tasks t LEFT JOIN refunds r ON r.task_id = t.id
              WHERE t.status = 'failed' AND t.points_cost > 0 AND COALESCE(r.n, 0) <> 1),
            (SELECT count(*) FROM emoji_tasks t JOIN refunds r ON r.task_id = t.id WHERE t.status = 'failed' AND r.n > 1),
            (SELECT count(*) FROM emoji_tasks t JOIN refunds r ON r.task_id = t.id WHERE t.status <> 'failed'),
            (SELECT count(*) FROM emoji_tasks t JOIN refunds r ON r.task_id = t.id WHERE r.amount <> t.points_cost),
            (SELECT count(*) FROM refunds r WHERE NOT EXISTS (SELECT 1 FROM emoji_tasks WHERE id = r.task_id)),
            (SELECT count(*) FROM point_transactions WHERE ref_key LIKE 'consume:task:%'),
            (SELECT count(*) FROM emoji_tasks t LEFT JOIN consumes c ON c.task_id = t.id
              WHERE t.points_cost > 0 AND COALESCE(c.n, 0) <> 1),
            (SELECT count(*) FROM emoji_tasks t JOIN consumes c ON c.task_id = t.id WHERE c.n > 1),
            (SELECT count(*) FROM point_transactions WHERE type = 'consume' AND (ref_key IS NULL OR ref_key NOT LIKE 'consume:task:%')),
            (SELECT count(*) FROM per_user WHERE consumes > tasks),
            (SELECT count(*) FROM per_user WHERE consumes < tasks),
            (SELECT count(*) FROM accepted),
            (SELECT count(*) FROM accepted a WHERE NOT EXISTS (SELECT 1 FROM emoji_tasks WHERE id = a.id)),
            (SELECT count(*) FROM accepted a JOIN emoji_tasks t ON t.id = a.id WHERE t.status NOT IN ('completed', 'failed'))
    """)[0]
    (total, unfinished, completed, failed, failed_refund_not_one, refund_twice, refund_not_failed, refund_amount_wrong,
     refund_orphan, consume_refs, consume_ref_not_one, consume_ref_twice, consume_unreferenced, users_overcharged,
     users_undercharged,
     accepted_n, accepted_missing, accepted_unfinished) = [int(x) for x in row]
    by_reference = consume_refs > 0
    if total == 0:
        charge_doubled, charge_missing = users_overcharged, 0
        charge_mode = "no tasks"
    elif by_reference:
        # A consume row without its task's reference is a charge no task accounts for.
        charge_doubled = consume_ref_twice + consume_unreferenced
        charge_missing = consume_ref_not_one - consume_ref_twice
        charge_mode = "consume:task refs"
    else:
        charge_doubled, charge_missing = users_overcharged, users_undercharged
        charge_mode = "consume rows per user (no consume:task refs)"
    doubled = refund_twice + charge_doubled + refund_not_failed
    lost = accepted_missing + accepted_unfinished
    ok = (unfinished == 0 and failed_refund_not_one == 0 and refund_not_failed == 0 and refund_amount_wrong == 0
          and refund_orphan == 0 and charge_doubled == 0 and charge_missing == 0 and lost == 0)
    return {"ok": ok, "total": total, "unfinished": unfinished, "completed": completed, "failed": failed,
            "failed_refund_not_one": failed_refund_not_one, "refund_twice": refund_twice,
            "refund_not_failed": refund_not_failed, "refund_amount_wrong": refund_amount_wrong,
            "refund_orphan": refund_orphan, "charge_mode": charge_mode, "charge_doubled": charge_doubled,
            "charge_missing": charge_missing, "accepted": accepted_n, "accepted_missing": accepted_missing,
            "accepted_unfinished": accepted_unfinished, "lost": lost, "doubled": doubled,
            "summary": f"inv2 tasks    {'ok ' if ok else 'FAIL'} tasks={total} completed={completed} failed={failed} "
                       f"unfinished={unfinished} failed_without_one_refund={failed_refund_not_one} "
                       f"refund_twice={refund_twice} refund_on_unfailed={refund_not_failed} "
                       f"refund_amount_wrong={refund_amount_wrong} "
                       f"charge_doubled={charge_doubled} charge_missing={charge_missing} [{charge_mode}] "
                       f"accepted={accepted_n} missing={accepted_missing} unfinished_accepted={accepted_unfinished}"}


def webhooks(port, db, accepted=None, packs=None):
    """3: every accepted event stored once and terminal (parked only for unknown users);
    a pack's purchase credited at most once per transaction, one order per transaction.
    `packs` maps transaction_id → user id for accepted pack purchases whose user exists:
    each must be credited exactly once."""
    setup = "CREATE TEMP TABLE accepted (event_id text PRIMARY KEY);\n"
    values = _values_text(accepted or [])
    if values:
        setup += f"INSERT INTO accepted VALUES {values};\n"
    setup += "CREATE TEMP TABLE packs (transaction_id text PRIMARY KEY, user_id bigint);\n"
    if packs:
        setup += "INSERT INTO packs VALUES " + ",".join(
            "('" + str(t).replace("'", "''") + f"', {int(u)})" for t, u in sorted(packs.items())) + ";\n"
    row = psql(port, db, setup + """
        WITH purchases AS (
            SELECT substring(ref_key FROM 14) AS transaction_id, count(*) AS n, min(user_id) AS user_id
            FROM point_transactions WHERE ref_key LIKE 'purchase:txn:%' GROUP BY 1
        ), orders_per_txn AS (
            SELECT transaction_id, count(*) AS n FROM orders WHERE transaction_id IS NOT NULL GROUP BY 1
        )
        SELECT
            (SELECT count(*) FROM revenuecat_events),
            (SELECT count(*) FROM revenuecat_events WHERE status = 'processed'),
            (SELECT count(*) FROM revenuecat_events WHERE status = 'ignored'),
            (SELECT count(*) FROM revenuecat_events WHERE status = 'parked'),
            (SELECT count(*) FROM revenuecat_events e WHERE e.status = 'parked' AND e.app_user_id ~ '^[0-9]{1,18}$'
                AND EXISTS (SELECT 1 FROM users WHERE id = e.app_user_id::bigint)),
            (SELECT count(*) FROM revenuecat_events WHERE status NOT IN ('processed', 'ignored', 'parked')),
            (SELECT count(*) FROM purchases WHERE n > 1),
            (SELECT count(*) FROM orders_per_txn WHERE n > 1),
            (SELECT count(*) FROM (SELECT order_no FROM point_transactions WHERE type = 'purchase' AND order_no IS NOT NULL
                                   GROUP BY order_no HAVING count(*) > 1) d),
            (SELECT count(*) FROM accepted),
            (SELECT count(*) FROM accepted a WHERE NOT EXISTS (SELECT 1 FROM revenuecat_events WHERE event_id = a.event_id)),
            (SELECT count(*) FROM accepted a JOIN revenuecat_events e USING (event_id)
              WHERE e.status NOT IN ('processed', 'ignored')
                AND NOT (e.status = 'parked' AND NOT (e.app_user_id ~ '^[0-9]{1,18}$'
                         AND EXISTS (SELECT 1 FROM users WHERE id = e.app_user_id::bigint)))),
            (SELECT count(*) FROM packs),
            (SELECT count(*) FROM packs p LEFT JOIN purchases c USING (transaction_id) WHERE c.n IS NULL),
            (SELECT count(*) FROM packs p JOIN purchases c USING (transaction_id) WHERE c.user_id <> p.user_id),
            (SELECT count(*) FROM packs p LEFT JOIN orders o ON o.transaction_id = p.transaction_id WHERE o.id IS NULL)
    """)[0]
    (total, processed, ignored, parked, parked_known, unfinished, purchase_twice, order_twice, purchase_rows_twice,
     accepted_n, accepted_missing, accepted_unfinished, packs_n, packs_uncredited, packs_wrong_user,
     packs_no_order) = [int(x) for x in row]
    doubled = purchase_twice + order_twice + purchase_rows_twice
    lost = accepted_missing + accepted_unfinished + packs_uncredited + packs_no_order
    ok = doubled == 0 and lost == 0 and parked_known == 0 and unfinished == 0 and packs_wrong_user == 0
    return {"ok": ok, "total": total, "processed": processed, "ignored": ignored, "parked": parked,
            "parked_known_user": parked_known, "unfinished": unfinished, "purchase_twice": purchase_twice,
            "order_twice": order_twice, "accepted": accepted_n, "accepted_missing": accepted_missing,
            "accepted_unfinished": accepted_unfinished, "packs": packs_n, "packs_uncredited": packs_uncredited,
            "packs_wrong_user": packs_wrong_user, "packs_no_order": packs_no_order, "lost": lost, "doubled": doubled,
            "summary": f"inv3 webhooks {'ok ' if ok else 'FAIL'} events={total} processed={processed} ignored={ignored} "
                       f"parked={parked} (known user {parked_known}) unfinished={unfinished} "
                       f"credit_twice={purchase_twice + purchase_rows_twice} order_twice={order_twice} "
                       f"accepted={accepted_n} missing={accepted_missing} unfinished_accepted={accepted_unfinished} "
                       f"packs={packs_n} uncredited={packs_uncredited} wrong_user={packs_wrong_user} "
                       f"no_order={packs_no_order}"}


def rewards(port, db):
    """4: at most one reward per (user, week); for each week with a succeeded run, exactly
    one for every VIP eligible at that run's as-of instant."""
    row = psql(port, db, """
        WITH last_run AS (
            SELECT DISTINCT ON (reward_week) reward_week, as_of FROM reward_runs
            WHERE outcome = 'succeeded' ORDER BY reward_week, finished_at DESC
        ), eligible AS (
            SELECT r.reward_week, u.id AS user_id FROM last_run r
            JOIN users u ON u.is_vip AND (u.vip_expire_time IS NULL OR u.vip_expire_time > r.as_of)
        ), credited AS (
            SELECT user_id, reward_week, count(*) AS n FROM point_transactions WHERE type = 'reward' GROUP BY 1, 2
        )
        SELECT
            (SELECT count(*) FROM point_transactions WHERE type = 'reward'),
            (SELECT count(*) FROM credited WHERE n > 1),
            (SELECT count(*) FROM last_run),
            (SELECT count(*) FROM eligible),
            (SELECT count(*) FROM eligible e LEFT JOIN credited c USING (user_id, reward_week) WHERE c.n IS NULL),
            (SELECT count(*) FROM reward_runs),
            (SELECT count(*) FROM reward_runs WHERE outcome = 'running')
    """)[0]
    rows, twice, weeks, eligible, missing, runs, running = [int(x) for x in row]
    ok = twice == 0 and missing == 0
    return {"ok": ok, "reward_rows": rows, "credited_twice": twice, "weeks": weeks, "eligible": eligible,
            "missing": missing, "runs": runs, "runs_left_running": running, "lost": missing, "doubled": twice,
            "summary": f"inv4 rewards  {'ok ' if ok else 'FAIL'} reward_rows={rows} weeks_run={weeks} "
                       f"eligible={eligible} missing={missing} credited_twice={twice} runs={runs} "
                       f"left_running={running}"}


def check_all(port, db, accepted_tasks=None, accepted_events=None, packs=None):
    return [ledger(port, db), tasks(port, db, accepted_tasks), webhooks(port, db, accepted_events, packs),
            rewards(port, db)]
