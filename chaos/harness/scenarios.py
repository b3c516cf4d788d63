"""The fault scenarios a–f (g, the malformed flood, is in malformed.py). Each one runs
against a fresh database, records what it sent and what was accepted, injects its
fault, waits for the drain and answers a table row."""
import os
import subprocess
import threading
import time

from . import fleet, load, stack
from .common import (check, fresh, fund, log, metric, row, seed_users, shuffled, stream_pending, task_counts,
                     unfinished_events, unfinished_tasks, wait_until, write_ids)
from .pg import ints, psql

TASKS = 300
USERS = 30
DRAIN_SECONDS = 120


def _image(scenario, i):
    # A unique image per task, so the fake provider's per-image counts show a double submission.
    return f"http://127.0.0.1:{fleet.FAKE_PORT}/img/{scenario}-{i}.jpg"


def _users(fl, scenario):
    users = load.login_many(f"chaos-{scenario}", USERS)
    fund(fl.db, [u for _, u in users], 100_000)
    return users


def _creates(scenario, users, tally, count=TASKS, rate=None, threads=8):
    def one(client, i):
        token = users[i % len(users)][0]
        status, task_id, body, headers = load.create_task(client, token, _image(scenario, i))
        tally.record(status, task_id, body, headers)
    load.run_jobs(range(count), one, threads=threads, rate=rate)


def _provider_duplicates(fl, scenario):
    stats = fl.fake_stats()
    prefix = f"http://127.0.0.1:{fleet.FAKE_PORT}/img/{scenario}-"
    dups = {k: v for k, v in stats.get("submits_by_image", {}).items() if k.startswith(prefix) and v > 1}
    return stats, dups


def _drain_tasks(db, timeout=DRAIN_SECONDS):
    t0 = time.time()
    drained = wait_until(lambda: unfinished_tasks(db) == 0, timeout)
    return drained, time.time() - t0


def _save(fl, name, tally):
    path = os.path.join(fl.logdir, f"accepted_{name}.txt")
    write_ids(path, tally.accepted)
    return path


# a. EmojiWorker SIGKILLed three times with ~300 tasks in flight.
def scenario_a(bin_dir):
    fl = fresh("a", bin_dir, EMOJI_CONCURRENCY=60)
    try:
        fl.start_fake(latency=2.0, failure_rate=0.2)
        fl.start_gateway()
        users = _users(fl, "a")
        tally = load.Tally()
        _creates("a", users, tally)
        _save(fl, "tasks", tally)
        log(f"a: {tally.sent} creates sent, {len(tally.accepted)} accepted ({tally.statuses()}); starting EmojiWorker")
        kills = []
        consumers = ["chaos-emoji-1", "chaos-emoji-2", "chaos-emoji-2", "chaos-emoji-1"]
        fl.start_emoji(consumer=consumers[0])
        for k in range(3):
            # Kill once this worker process has tasks in its hands (submitting or polling), plus
            # a moment so some are between the provider's answer and its bookkeeping.
            deadline = time.time() + 20
            while time.time() < deadline:
                wait_until(lambda: metric(fleet.EMOJI_METRICS_PORT, "galley_emoji_tasks_in_flight") >= 20,
                           deadline - time.time(), interval=0.05)
                time.sleep((0.4, 1.1, 1.8)[k])  # submitting, polling, finishing
                if metric(fleet.EMOJI_METRICS_PORT, "galley_emoji_tasks_in_flight") >= 10:
                    break
            in_flight = int(metric(fleet.EMOJI_METRICS_PORT, "galley_emoji_tasks_in_flight"))
            processing, done = task_counts(fl.db)
            pending = stream_pending("emoji_tasks", "emoji_worker")
            fl.emoji.kill9()
            kills.append(f"kill{k + 1}: {in_flight} tasks in the process, {pending} entries pending, {done} done")
            log(f"a: SIGKILL EmojiWorker #{k + 1} with {in_flight} tasks in the process ({pending} entries pending, "
                f"{processing} processing, {done} done); "
                f"restarting as {consumers[k + 1]}")
            fl.start_emoji(consumer=consumers[k + 1])
        drained, seconds = _drain_tasks(fl.db)
        stats, dups = _provider_duplicates(fl, "a")
        results = check(fl.db, accepted_tasks=tally.accepted)
        notes = (f"{'; '.join(kills)}; restarts alternate consumer names (own-PEL reread and XAUTOCLAIM after 3 s); "
                 f"drained in {seconds:.0f}s; provider submits {stats.get('submits_total')} for "
                 f"{stats.get('distinct_images')} images, {len(dups)} submitted twice; fake failure rate 20%; "
                 f"answers {tally.statuses()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        return row("a", "EmojiWorker SIGKILL x3 mid-flight", tally.sent, len(tally.accepted), results,
                   doubled_extra=sum(v - 1 for v in dups.values()), notes=notes, ok_extra=drained,
                   details=[f"images submitted more than once: {dict(list(dups.items())[:10])}"] if dups else [])
    finally:
        fl.stop()


def _webhook_events(scenario, user_ids, packs_count, now_ms):
    """Pack purchases (one transaction each) and subscription events for existing users."""
    events, packs = [], {}
    for i in range(packs_count):
        uid = user_ids[i % len(user_ids)]
        txn = f"chaos-{scenario}-txn-{i}"
        packs[txn] = uid
        events.append({
            "id": f"chaos-{scenario}-pack-{i}", "type": "NON_RENEWING_PURCHASE", "app_user_id": str(uid),
            "original_app_user_id": str(uid), "aliases": [str(uid)], "product_id": "points_1000" if i % 3 else "points_3000",
            "transaction_id": txn, "original_transaction_id": txn, "event_timestamp_ms": now_ms + i,
            "purchased_at_ms": now_ms + i - 1000, "price": 4.99, "currency": "USD", "period_type": "NORMAL",
            "environment": "PRODUCTION", "store": "APP_STORE"})
    for j, uid in enumerate(user_ids):
        for k, (etype, days) in enumerate((("INITIAL_PURCHASE", 7), ("RENEWAL", 14))):
            events.append({
                "id": f"chaos-{scenario}-sub-{j}-{k}", "type": etype, "app_user_id": str(uid),
                "original_app_user_id": str(uid), "aliases": [str(uid)], "product_id": "weekly_001",
                "transaction_id": f"chaos-{scenario}-subtxn-{j}-{k}", "original_transaction_id": f"chaos-{scenario}-sub-{j}",
                "event_timestamp_ms": now_ms + 10_000 * (k + 1), "purchased_at_ms": now_ms + 10_000 * k,
                "expiration_at_ms": now_ms + days * 86_400_000, "price": 2.99, "currency": "USD",
                "period_type": "NORMAL", "environment": "PRODUCTION", "store": "APP_STORE"})
    return events, packs


def _vip_missing(db, user_ids):
    ids = ",".join(str(u) for u in user_ids)
    return ints(stack.PG_PORT, db, f"""
        SELECT count(*) FROM users WHERE id IN ({ids})
          AND NOT (is_vip AND vip_expire_time > now() + interval '10 days')""")[0]


# b. WebhookWorker SIGKILLed three times while ~300 events are processed.
def scenario_b(bin_dir):
    fl = fresh("b", bin_dir, WEBHOOK_WORKER_CONCURRENCY=16)
    try:
        fl.start_gateway()
        user_ids = seed_users(fl.db, 910_000_000_000, 50)
        events, packs = _webhook_events("b", user_ids, 200, int(time.time() * 1000))
        events = shuffled(events, 8)
        tally = load.Tally()
        accepted_events = []
        lock = threading.Lock()

        def one(client, event):
            status, _dup, _ = load.post_webhook(client, event)
            tally.record(status)
            if status == 200:
                with lock:
                    accepted_events.append(event["id"])

        kills = []

        def applied():
            return ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM revenuecat_events WHERE status <> 'received'")[0]

        def stored():
            return ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM revenuecat_events")[0]

        def killer():
            # The worker starts with a backlog, and each one is killed a moment after it is up
            # (its /health answers just before its consumer starts), so it dies with a full set of
            # entries in flight; deliveries keep arriving and pile up while it restarts.
            wait_until(lambda: stored() >= 100, 15, interval=0.02)
            fl.start_webhook()
            for k in range(3):
                fleet.wait_http(f"http://127.0.0.1:{fleet.WEBHOOK_METRICS_PORT}/health", timeout=15)
                time.sleep(0.02 + 0.01 * k)
                pending = stream_pending("webhook_events", "webhook_worker")
                fl.webhook.kill9()
                done, total = applied(), stored()
                kills.append(f"kill{k + 1}: {pending} in flight, {done}/{total} applied")
                log(f"b: SIGKILL WebhookWorker #{k + 1} with {pending} entries in flight, {done} of {total} "
                    "stored events applied; restarting")
                fl.start_webhook()

        t = threading.Thread(target=killer)
        t.start()
        load.run_jobs(events, one, threads=12, rate=400)
        t.join()
        drained = wait_until(lambda: unfinished_events(fl.db) == 0, 60)
        vip_missing = _vip_missing(fl.db, user_ids)
        accepted_set = set(accepted_events)
        accepted_packs = {txn: uid for txn, uid in packs.items() if f"chaos-b-pack-{txn.rsplit('-', 1)[1]}" in accepted_set}
        results = check(fl.db, accepted_events=accepted_events, packs=accepted_packs)
        write_ids(os.path.join(fl.logdir, "accepted_events.txt"), accepted_events)
        notes = (f"{'; '.join(kills)}; restarted under the same consumer name (own pending entries first); "
                 f"200 pack purchases + 100 subscription events, 50 users; users without the renewed VIP: {vip_missing}; "
                 f"answers {tally.statuses()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        return row("b", "WebhookWorker SIGKILL x3 mid-flight", tally.sent, len(accepted_events), results,
                   lost_extra=vip_missing, notes=notes, ok_extra=drained)
    finally:
        fl.stop()


def _stream_task_ids(stream="emoji_tasks"):
    out = stack.redis_cli("XRANGE", stream, "-", "+", timeout=30).splitlines()
    counts = {}
    for i, line in enumerate(out):
        if line == "task_id" and i + 1 < len(out):
            counts[out[i + 1]] = counts.get(out[i + 1], 0) + 1
    return counts


# c. Redis SIGKILLed and restarted (with its AOF) during ~300 creates.
def scenario_c(bin_dir):
    fl = fresh("c", bin_dir)
    try:
        fl.start_fake(latency=0.5, failure_rate=0.1)
        fl.start_gateway()
        fl.start_emoji()
        users = _users(fl, "c")
        tally = load.Tally()
        outage = {}

        def fault():
            time.sleep(2.0)
            outage["down"] = time.time() - tally.t0
            stack.redis_kill()
            log("c: Redis SIGKILLed")
            time.sleep(2.0)
            stack.redis_start()
            outage["up"] = time.time() - tally.t0
            log("c: Redis restarted from its AOF")

        t = threading.Thread(target=fault)
        t.start()
        _creates("c", users, tally, rate=50)
        t.join()
        _save(fl, "tasks", tally)
        during = [s for (ts, s) in tally.timeline if outage["down"] <= ts <= outage["up"]]
        drained, seconds = _drain_tasks(fl.db)
        in_stream = _stream_task_ids()
        not_in_stream = [t for t in tally.accepted if in_stream.get(str(t), 0) == 0]
        stream_twice = [t for t in tally.accepted if in_stream.get(str(t), 0) > 1]
        outbox_left = ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM outbox")[0]
        results = check(fl.db, accepted_tasks=tally.accepted)
        notes = (f"outbox keeps creates answering: {len(during)} requests during the {outage['up'] - outage['down']:.1f}s "
                 f"outage, {sum(1 for s in during if s == 200)} of them 200; accepted tasks not in the stream: "
                 f"{len(not_in_stream)}, in it twice: {len(stream_twice)}; outbox rows left: {outbox_left}; "
                 f"drained in {seconds:.0f}s; answers {tally.statuses()}; 5xx other than 503: {tally.bad_5xx()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        details = []
        if not_in_stream:
            details.append(f"accepted tasks missing from emoji_tasks stream: {not_in_stream[:20]}")
        if stream_twice:
            details.append(f"accepted tasks in the stream more than once: {stream_twice[:20]}")
        return row("c", "Redis SIGKILL + restart during creates", tally.sent, len(tally.accepted), results,
                   lost_extra=len(not_in_stream), doubled_extra=len(stream_twice), notes=notes,
                   ok_extra=drained and tally.bad_5xx() == 0, details=details)
    finally:
        fl.stop()


VIP_MIX = [(True, "weekly", "now() + interval '3 days'"), (True, "weekly", "now() + interval '5 days'"),
           (True, "lifetime", None), (True, "weekly", "now() + interval '6 days'"),
           (True, "weekly", "now() + interval '2 days'"), (True, "weekly", "now() + interval '4 days'"),
           (True, "lifetime", None), (True, "weekly", "now() + interval '1 day'"),
           (True, "weekly", "now() - interval '1 day'"), (False, None, None)]
VIP_USERS = 62_500  # ten in each group of the mix: 50 000 eligible VIPs, 6 250 expired, 6 250 not VIP


def _reward_proc(fl, name):
    logdir = fl.logdir
    out = open(os.path.join(logdir, f"{name}.out"), "wb")
    err = open(os.path.join(logdir, f"{name}.err"), "wb")
    proc = subprocess.Popen([os.path.join(fl.bin, "RewardWorker"), "run", "--week", fleet.WEEK], env=fl.env,
                            stdout=out, stderr=err, cwd=stack.ROOT)
    return proc, out, err, os.path.join(logdir, f"{name}.err")


def _tail(path, n=2):
    try:
        with open(path, errors="replace") as f:
            lines = [line.rstrip() for line in f if line.strip()]
        return lines[-n:], len(lines)
    except OSError:
        return [], 0


# d. PostgreSQL stopped (immediate) and started during creates, then during a reward run.
def scenario_d(bin_dir):
    fl = fresh("d", bin_dir)
    try:
        fl.start_fake(latency=0.5, failure_rate=0.1)
        fl.start_gateway()
        fl.start_emoji()
        users = _users(fl, "d")
        tally = load.Tally()
        outage = {}

        def fault():
            time.sleep(2.0)
            outage["down"] = time.time() - tally.t0
            stack.pg_kill()
            log("d: PostgreSQL stopped -m immediate")
            time.sleep(2.0)
            stack.pg_start()
            outage["up"] = time.time() - tally.t0
            log("d: PostgreSQL started (crash recovery)")

        t = threading.Thread(target=fault)
        t.start()
        _creates("d", users, tally, rate=25)
        t.join()
        _save(fl, "tasks", tally)
        during = [s for (ts, s) in tally.timeline if outage["down"] <= ts <= outage["up"] + 1]
        after = [s for (ts, s) in tally.timeline if ts > outage["up"] + 1]
        drained, seconds = _drain_tasks(fl.db)
        fl.stop()

        # The reward run, with the server stopped under it once it has written a batch.
        seed_users(fl.db, 920_000_000_000, VIP_USERS, vip=VIP_MIX)
        proc, out, err, err_path = _reward_proc(fl, "reward-1")
        wait_until(lambda: ints(stack.PG_PORT, fl.db, "SELECT COALESCE(max(batches), 0) FROM reward_runs")[0] >= 1
                   or proc.poll() is not None, 30, interval=0.05)
        credited_before = ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM point_transactions WHERE type = 'reward'")[0]
        finished_first = proc.poll() is not None
        stack.pg_kill()
        log(f"d: PostgreSQL stopped under the reward run ({credited_before} users credited so far)")
        time.sleep(1.5)
        stack.pg_start()
        try:
            first_rc = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            first_rc = "hung"
        out.close()
        err.close()
        first_lines, first_count = _tail(err_path)
        proc2, out2, err2, err2_path = _reward_proc(fl, "reward-2")
        try:
            second_rc = proc2.wait(300)
        except subprocess.TimeoutExpired:
            proc2.kill()
            second_rc = "hung"
        out2.close()
        err2.close()
        # The final state covers both halves: the accepted tasks and the reward week.
        results = check(fl.db, accepted_tasks=tally.accepted)
        bad = tally.bad_5xx()
        clean_fail = first_rc == 0 or (first_rc != "hung" and first_count <= 1)
        notes = (f"creates: {len(during)} requests around the {outage['up'] - outage['down']:.1f}s outage → "
                 f"{' '.join(f'{s}:{during.count(s)}' for s in sorted(set(during), key=str))}, after it "
                 f"{' '.join(f'{s}:{after.count(s)}' for s in sorted(set(after), key=str))}; 5xx other than 503: {bad}; "
                 f"error answers (status/code) {tally.error_codes()}; drained in {seconds:.0f}s; answers {tally.statuses()}. reward run over "
                 f"{VIP_USERS * 8 // 10} eligible VIPs: stopped after {credited_before} credited"
                 f"{' (it had already finished)' if finished_first else ''}, exit {first_rc}, "
                 f"{first_count} stderr line(s) {first_lines[-1][:120] if first_lines else ''!r}; rerun exit {second_rc}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        return row("d", "PostgreSQL restart during creates and a reward run", tally.sent, len(tally.accepted), results,
                   notes=notes, ok_extra=drained and bad == 0 and clean_fail and second_rc == 0)
    finally:
        fl.stop()


# e. ~100 webhooks, each delivered three times, shuffled, concurrently.
def scenario_e(bin_dir):
    fl = fresh("e", bin_dir)
    try:
        fl.start_gateway()
        fl.start_webhook()
        user_ids = seed_users(fl.db, 930_000_000_000, 15)
        events, packs = _webhook_events("e", user_ids, 70, int(time.time() * 1000))
        deliveries = shuffled([e for e in events for _ in range(3)], 3)
        tally = load.Tally()
        first, dup = [], []
        lock = threading.Lock()

        def one(client, event):
            status, is_dup, _ = load.post_webhook(client, event)
            tally.record(status)
            if status == 200:
                with lock:
                    (dup if is_dup else first).append(event["id"])

        load.run_jobs(deliveries, one, threads=16)
        drained = wait_until(lambda: unfinished_events(fl.db) == 0, 60)
        vip_missing = _vip_missing(fl.db, user_ids)
        accepted = sorted(set(first) | set(dup))
        results = check(fl.db, accepted_events=accepted, packs=packs)
        stored_twice = len(first) - len(set(first))
        notes = (f"{len(events)} events ({len(packs)} pack purchases, {len(events) - len(packs)} subscription events, "
                 f"{len(user_ids)} users) x3 = {len(deliveries)} deliveries on 16 connections; first-time answers "
                 f"{len(first)} (distinct {len(set(first))}), duplicate answers {len(dup)}; users without the renewed "
                 f"VIP: {vip_missing}; answers {tally.statuses()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        return row("e", "Same webhooks x3, shuffled, concurrent", tally.sent, len(accepted), results,
                   lost_extra=vip_missing + (len(events) - len(set(first))), doubled_extra=stored_twice, notes=notes,
                   ok_extra=drained and len(first) == len(events))
    finally:
        fl.stop()


# f. Four reward runs started at once.
def scenario_f(bin_dir):
    fl = fresh("f", bin_dir)
    try:
        seed_users(fl.db, 940_000_000_000, VIP_USERS, vip=VIP_MIX)
        procs = [_reward_proc(fl, f"reward-{i + 1}") for i in range(4)]
        codes = []
        for proc, out, err, _ in procs:
            try:
                codes.append(proc.wait(300))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append("hung")
            out.close()
            err.close()
        results = check(fl.db)
        runs = psql(stack.PG_PORT, fl.db, "SELECT outcome, credited, already_credited FROM reward_runs ORDER BY started_at")
        credited_sum = sum(int(r[1]) for r in runs)
        eligible = results[3]["eligible"]
        notes = (f"4 RewardWorker processes at once over {eligible} eligible VIPs (+{VIP_USERS - eligible} expired or "
                 f"not VIP); exit codes {codes}; runs: " + ", ".join(f"{r[0]} credited {r[1]} already {r[2]}" for r in runs)
                 + f"; credited across runs {credited_sum}")
        return row("f", "Reward run started 4x at once", 4, eligible, results,
                   doubled_extra=max(0, credited_sum - eligible), notes=notes,
                   ok_extra=all(c == 0 for c in codes) and credited_sum == eligible)
    finally:
        fl.stop()
