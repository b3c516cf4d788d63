"""Helpers the scenarios share: a fresh database per scenario, users funded through the
ledger, waiting for the drain, and the table row."""
import os
import random
import time

from . import fleet, invariants, stack
from .pg import ints, psql

LOGS = os.path.join(stack.STATE, "logs")


def log(msg):
    print(f"chaos: {msg}", flush=True)


def fresh(name, bin_dir, **overrides):
    """A new database chaos_<name> with the migrations, an empty Redis, and a Fleet for it."""
    db = f"chaos_{name}"
    stack.redis_cli("FLUSHALL")
    stack.create_database(db)
    logdir = os.path.join(LOGS, name)
    os.makedirs(logdir, exist_ok=True)
    for f in os.listdir(logdir):
        os.unlink(os.path.join(logdir, f))
    fl = fleet.Fleet(bin_dir, db, logdir, **overrides)
    fl.migrate()
    return fl


def fund(db, user_ids, amount, first_id=1000):
    """Credits `amount` to each user as one ledger-consistent purchase (a ledger row with
    balance_after and the same change to user_points, in one statement = one transaction)."""
    ids = ",".join(str(int(u)) for u in sorted(set(user_ids)))
    psql(stack.PG_PORT, db, f"""
        WITH f AS (SELECT user_id, balance FROM user_points WHERE user_id IN ({ids}) ORDER BY user_id FOR UPDATE),
        ins AS (
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, created_at, ref_key)
            SELECT {int(first_id)} + row_number() OVER (ORDER BY user_id), user_id, 'purchase', {int(amount)},
                   balance + {int(amount)}, 'chaos-fund-' || user_id, now(), 'chaos:fund:' || user_id
            FROM f
        )
        UPDATE user_points up SET balance = up.balance + {int(amount)}, updated_at = now()
        FROM f WHERE up.user_id = f.user_id;
    """)


def seed_users(db, first_id, count, vip=None):
    """`count` users with ids first_id.. and zero accounts. vip: None (no VIP) or a list of
    (share, vip_type, expire_sql) applied round-robin by id."""
    if vip is None:
        vip_cols = "false, NULL, NULL"
    else:
        cases_vip, cases_type, cases_exp = [], [], []
        total = len(vip)
        for i, (is_vip, vtype, expire) in enumerate(vip):
            cond = f"g % {total} = {i}"
            cases_vip.append(f"WHEN {cond} THEN {'true' if is_vip else 'false'}")
            cases_type.append(f"WHEN {cond} THEN {('%s' % repr(vtype)) if vtype else 'NULL'}")
            cases_exp.append(f"WHEN {cond} THEN {expire or 'NULL'}")
        vip_cols = (f"CASE {' '.join(cases_vip)} END, CASE {' '.join(cases_type)} END, "
                    f"CASE {' '.join(cases_exp)} END::timestamptz")
    psql(stack.PG_PORT, db, f"""
        INSERT INTO users (id, device_id, is_vip, vip_type, vip_expire_time, created_at, updated_at)
        SELECT {int(first_id)} + g, 'chaos-seed-' || ({int(first_id)} + g), {vip_cols}, now(), now()
        FROM generate_series(0, {int(count) - 1}) g;
        INSERT INTO user_points (id, user_id, balance, updated_at)
        SELECT {int(first_id)} + g + 500000000000, {int(first_id)} + g, 0, now() FROM generate_series(0, {int(count) - 1}) g;
        ANALYZE users; ANALYZE user_points;
    """, timeout=300)
    return [first_id + g for g in range(count)]


def wait_until(predicate, timeout, interval=0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def unfinished_tasks(db):
    return ints(stack.PG_PORT, db, "SELECT count(*) FROM emoji_tasks WHERE status NOT IN ('completed', 'failed')")[0]


def unfinished_events(db):
    return ints(stack.PG_PORT, db, "SELECT count(*) FROM revenuecat_events WHERE status NOT IN ('processed', 'ignored', 'parked')")[0]


def task_counts(db):
    processing, done = ints(stack.PG_PORT, db, """
        SELECT count(*) FILTER (WHERE status = 'processing'), count(*) FILTER (WHERE status IN ('completed', 'failed'))
        FROM emoji_tasks""")
    return processing, done


def stream_pending(stream, group):
    """Entries delivered to a consumer and not acknowledged: the ones in flight."""
    out = stack.redis_cli("XPENDING", stream, group).splitlines()
    try:
        return int(out[0])
    except (IndexError, ValueError):
        return 0


def metric(port, name):
    """A counter or gauge (summed over its labels) from a process's /metrics; 0 when it does not answer."""
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except Exception:  # noqa: BLE001 — not up yet
        return 0
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (len(line) == len(name) or line[len(name)] in " {"):
            try:
                total += float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return total


def write_ids(path, ids):
    with open(path, "w") as f:
        for i in ids:
            f.write(f"{i}\n")


def row(name, title, sent, accepted, results, lost_extra=0, doubled_extra=0, notes="", ok_extra=True, details=None):
    lost = sum(r["lost"] for r in results) + lost_extra
    doubled = sum(r["doubled"] for r in results) + doubled_extra
    inv = ["ok" if r["ok"] else "FAIL" for r in results]
    result = {"name": name, "title": title, "sent": sent, "accepted": accepted, "lost": lost, "doubled": doubled,
              "invariants": inv, "notes": notes, "ok": all(r["ok"] for r in results) and ok_extra and lost == 0
              and doubled == 0, "details": details or [], "summaries": [r["summary"] for r in results]}
    for summary in result["summaries"]:
        log("  " + summary)
    log(f"ROW {name} | {title} | sent {sent} | accepted {accepted} | lost {lost} | doubled {doubled} | "
        f"{' '.join(inv)} | {notes}")
    return result


def shuffled(items, seed):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def check(db, accepted_tasks=None, accepted_events=None, packs=None):
    return invariants.check_all(stack.PG_PORT, db, accepted_tasks, accepted_events, packs)
