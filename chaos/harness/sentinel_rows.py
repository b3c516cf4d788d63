"""Rows j–l: Redis through Sentinel, and the EmojiWorker SIGKILL row at the contract's scale.
  j. Sentinel failover (master SIGKILLed, replica promoted) twice during creates, generations
     and webhooks: nothing lost, nothing doubled, creates answer 200 or 503 + Retry-After.
  k. Acknowledged writes lost in a failover: the replica is stopped (it lags), the master
     acknowledges creates and webhooks (outbox rows deleted), then dies and the lagging replica
     is promoted; the reconciler must bring every accepted task and event to its end, once.
  l. EmojiWorker SIGKILLed 10 times during 10 000 tasks (FakeDashScope with short latency).
The Sentinel topology is scripts/sentinel's, on chaos ports (CHAOS_SENTINEL_DATA_PORT,
CHAOS_SENTINEL_PORT), data under .local/chaos/sentinel."""
import os
import signal
import subprocess
import threading
import time

from . import doubles, fleet, load, stack
from .common import (check, fresh, log, metric, row, seed_users, shuffled, task_counts, unfinished_events,
                     wait_until, write_ids)
from .pg import ints
from .lost_writes import RECONCILE_AFTER, LostWritesLoad
from .scenarios import _creates, _drain_tasks, _provider_duplicates, _save, _users, _webhook_events

DATA_PORT = int(os.environ.get("CHAOS_SENTINEL_DATA_PORT", "56424"))
SENTINEL_PORT = int(os.environ.get("CHAOS_SENTINEL_PORT", "26424"))
SENTINEL_DIR = os.path.join(stack.STATE, "sentinel")
MASTER = "galley"


def _script(*args, timeout=60):
    env = dict(os.environ, GALLEY_SENTINEL_DATA_PORT=str(DATA_PORT), GALLEY_SENTINEL_PORT=str(SENTINEL_PORT),
               GALLEY_SENTINEL_DIR=SENTINEL_DIR)
    proc = subprocess.run([os.path.join(stack.ROOT, "scripts", "sentinel")] + list(args), env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/sentinel {' '.join(args)}: {proc.stderr[-500:]}")
    return proc.stdout.strip()


def _cli(port, *args):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=30).stdout


def _sentinels():
    return ",".join(f"127.0.0.1:{SENTINEL_PORT + i}" for i in range(3))


def _master():
    return int(_script("master"))


def _fresh_sentinel(name, bin_dir, **overrides):
    _script("start")
    _cli(_master(), "FLUSHALL")
    return fresh(name, bin_dir, REDIS_SENTINELS=_sentinels(), REDIS_SENTINEL_MASTER=MASTER, **overrides)


def _switches(port):
    return metric(port, "galley_redis_master_switches")


# j. Two Sentinel failovers during creates, generations and webhooks.
def scenario_j(bin_dir):
    fl = _fresh_sentinel("j", bin_dir)
    try:
        fl.start_fake(latency=1.0, failure_rate=0.1)
        fl.start_gateway()
        fl.start_emoji()
        fl.start_webhook()
        users = _users(fl, "j")
        user_ids = seed_users(fl.db, 930_000_000_000, 30)
        events, packs = _webhook_events("j", user_ids, 100, int(time.time() * 1000))
        events = shuffled(events, 10)
        tally = load.Tally()
        accepted_events, hook_status = [], {}
        lock = threading.Lock()
        failovers = []

        def hook(client, event):
            status, _dup, _ = load.post_webhook(client, event)
            with lock:
                hook_status[status] = hook_status.get(status, 0) + 1
                if status == 200:
                    accepted_events.append(event["id"])

        def fault():
            for at in (3.0, 11.0):
                time.sleep(max(0.0, tally.t0 + at - time.time()))
                old = _master()
                t = time.time()
                new = int(_script("kill-master", timeout=90).splitlines()[-1])
                failovers.append((old, new, time.time() - t, t - tally.t0))
                log(f"j: master {old} SIGKILLed at {t - tally.t0:.1f}s; {new} promoted after {time.time() - t:.1f}s")

        t = threading.Thread(target=fault)
        t.start()
        hooks = threading.Thread(target=lambda: load.run_jobs(events, hook, threads=4, rate=10))
        hooks.start()
        _creates("j", users, tally, count=600, rate=30)
        hooks.join()
        t.join()
        _save(fl, "tasks", tally)
        write_ids(os.path.join(fl.logdir, "accepted_events.txt"), accepted_events)
        drained, seconds = _drain_tasks(fl.db)
        events_drained = wait_until(lambda: unfinished_events(fl.db) == 0, 60)
        stats, dups = _provider_duplicates(fl, "j")
        accepted_set = set(accepted_events)
        accepted_packs = {txn: uid for txn, uid in packs.items() if f"chaos-j-pack-{txn.rsplit('-', 1)[1]}" in accepted_set}
        results = check(fl.db, accepted_tasks=tally.accepted, accepted_events=accepted_events, packs=accepted_packs)
        alive = all(p is not None and p.alive() for p in (fl.gateway, fl.emoji, fl.webhook))
        hook_bad = sum(v for k, v in hook_status.items() if isinstance(k, int) and k >= 500 and k != 503)
        switches = (f"master switches seen: gateway {_switches(fleet.GATEWAY_PORT):.0f}, EmojiWorker "
                    f"{_switches(fleet.EMOJI_METRICS_PORT):.0f}, WebhookWorker {_switches(fleet.WEBHOOK_METRICS_PORT):.0f}")
        outs = "; ".join(f"{o}→{n} promoted {d:.1f}s after the kill at {at:.1f}s" for o, n, d, at in failovers)
        notes = (f"600 creates at 30/s and {len(events)} webhooks at 10/s; failovers: {outs}; non-200 create answers "
                 f"{tally.error_codes() or 'none'}; 5xx other than 503: {tally.bad_5xx()} creates, {hook_bad} webhooks; "
                 f"webhook answers {dict(sorted(hook_status.items(), key=str))}; processes alive after: {alive}; {switches}; "
                 f"tasks drained in {seconds:.0f}s; provider submits {stats.get('submits_total')} for "
                 f"{stats.get('distinct_images')} images, {len(dups)} submitted twice")
        if not (drained and events_drained):
            notes += "; DRAIN TIMED OUT"
        return row("j", "Sentinel failover x2 during creates, generations and webhooks", tally.sent + len(events),
                   len(tally.accepted) + len(accepted_events), results, doubled_extra=sum(v - 1 for v in dups.values()),
                   notes=notes, ok_extra=drained and events_drained and tally.bad_5xx() == 0 and hook_bad == 0
                   and len(failovers) == 2 and alive,
                   details=[f"images submitted more than once: {dict(list(dups.items())[:10])}"] if dups else [])
    finally:
        fl.stop()


def _pid(port):
    with open(os.path.join(SENTINEL_DIR, f"node-{port}", "redis.pid")) as f:
        return int(f.read().strip())


def _replica_of(master):
    return DATA_PORT + 1 if master == DATA_PORT else DATA_PORT


# k. The replica lags (SIGSTOP), the master acknowledges writes, dies; the replica is promoted.
def scenario_k(bin_dir):
    fl = _fresh_sentinel("k", bin_dir, EMOJI_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER,
                         WEBHOOK_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER)
    replica_stopped = None
    try:
        fl.start_fake(latency=0.5, failure_rate=0.1)
        fl.start_gateway()
        writes = LostWritesLoad(fl, "k", 940_000_000_000, 11)
        tally, events, accepted_events = writes.tally, writes.events, writes.accepted_events
        writes.first_half()
        master = _master()
        replica = _replica_of(master)
        replica_stopped = _pid(replica)
        os.kill(replica_stopped, signal.SIGSTOP)
        # A stopped process still receives into its socket buffer; cutting the link makes it lag.
        _cli(master, "CLIENT", "KILL", "TYPE", "replica")
        log(f"k: replica {replica} stopped and cut off; the master {master} acknowledges the second half alone")
        writes.second_half()
        outbox_gone = wait_until(lambda: ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM outbox")[0] == 0, 20, interval=0.2)
        entries_on_master = int(_cli(master, "XLEN", "emoji_tasks").strip() or "0")
        os.kill(_pid(master), signal.SIGKILL)
        os.kill(replica_stopped, signal.SIGCONT)
        replica_stopped = None
        t = time.time()
        promoted = wait_until(lambda: _master() == replica and "master" in _cli(replica, "ROLE").split("\n")[0], 60,
                              interval=0.1)
        log(f"k: master {master} SIGKILLed with {entries_on_master} task entries; replica {replica} promoted: {promoted} "
            f"after {time.time() - t:.1f}s")
        # The old master comes back as the new one's replica (its extra writes are discarded).
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(master), "--dir",
                        os.path.join(SENTINEL_DIR, f"node-{master}"), "--appendonly", "yes", "--save", "",
                        "--daemonize", "yes", "--pidfile", os.path.join(SENTINEL_DIR, f"node-{master}", "redis.pid"),
                        "--logfile", os.path.join(SENTINEL_DIR, f"node-{master}", "redis.log"),
                        "--replicaof", "127.0.0.1", str(replica)], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        entries_after = int(_cli(replica, "XLEN", "emoji_tasks").strip() or "0")
        events_after = int(_cli(replica, "XLEN", "webhook_events").strip() or "0")
        lost_tasks = len(tally.accepted) - entries_after
        lost_events = len(accepted_events) - events_after
        log(f"k: the promoted replica holds {entries_after} of {len(tally.accepted)} accepted task entries and "
            f"{events_after} of {len(accepted_events)} event entries")
        got = writes.recover()
        stats, dups = got.stats, got.dups
        alive = fl.gateway.alive()
        notes = (f"workers away; replica SIGSTOPped and its link cut for the second half (150 creates + {len(events) - writes.half} webhooks), "
                 f"master SIGKILLed, replica promoted: {lost_tasks} accepted tasks and {lost_events} accepted events "
                 f"lost their acknowledged entry (outbox empty: {outbox_gone}); reconcile threshold {RECONCILE_AFTER}s; "
                 f"re-sent {got.resent_tasks:.0f} tasks, {got.resent_events:.0f} events; tasks drained in {got.seconds:.0f}s, "
                 f"events in {got.events_seconds:.0f}s; gateway alive after: {alive}; provider submits "
                 f"{stats.get('submits_total')} for {stats.get('distinct_images')} images, {len(dups)} submitted twice; "
                 f"answers {tally.statuses()}")
        if not got.drained:
            notes += "; DRAIN TIMED OUT"
        return row("k", "Acknowledged writes lost (lagging replica promoted by Sentinel)", tally.sent + len(events),
                   len(tally.accepted) + len(accepted_events), got.results, doubled_extra=got.doubled,
                   notes=notes, ok_extra=got.drained and outbox_gone and lost_tasks > 0 and promoted, details=got.details)
    finally:
        if replica_stopped is not None:
            os.kill(replica_stopped, signal.SIGCONT)
        fl.stop()


# l. EmojiWorker SIGKILLed 10 times during 10 000 tasks.
def scenario_l(bin_dir):
    total = int(os.environ.get("CHAOS_L_TASKS", "10000"))
    kills_wanted = 10
    concurrency = int(os.environ.get("CHAOS_L_CONCURRENCY", "400"))
    # The bound on submissions sent and not yet stored, per process (the default unless set).
    in_flight = int(os.environ.get("CHAOS_L_SUBMITS_IN_FLIGHT", "16"))
    fl = fresh("l", bin_dir, EMOJI_CONCURRENCY=concurrency, EMOJI_POLL_INTERVAL_SECONDS=0.5,
               EMOJI_SUBMITS_IN_FLIGHT=in_flight)
    doubles.install(fl.db)
    try:
        fl.start_fake(latency=0.3, failure_rate=0.05)
        fl.start_gateway()
        users = load.login_many("chaos-l", 100)
        from .common import fund
        fund(fl.db, [u for _, u in users], 1_000_000)
        tally = load.Tally()
        generations = [doubles.Generation(time.time())]
        fl.start_emoji(consumer="chaos-emoji-0")
        kills = []
        stop = threading.Event()

        def killer():
            # Kills spread over the run: each once the worker has tasks in hand.
            for k in range(kills_wanted):
                done_target = (k + 1) * total // (kills_wanted + 2)
                while not stop.is_set() and task_counts(fl.db)[1] < done_target:
                    time.sleep(0.5)
                if stop.is_set():
                    return
                wait_until(lambda: metric(fleet.EMOJI_METRICS_PORT, "galley_emoji_tasks_in_flight") >= 20, 20,
                           interval=0.05)
                in_flight = int(metric(fleet.EMOJI_METRICS_PORT, "galley_emoji_tasks_in_flight"))
                generations[-1].killed = time.time()
                fl.emoji.kill9()
                processing, done = task_counts(fl.db)
                kills.append((in_flight, done))
                log(f"l: SIGKILL EmojiWorker #{k + 1} with {in_flight} tasks in the process ({done} done)")
                generations.append(doubles.Generation(time.time()))
                fl.start_emoji(consumer=f"chaos-emoji-{(k + 1) % 2}")

        t = threading.Thread(target=killer)
        t.start()
        t_start = time.time()
        _creates("l", users, tally, count=total, rate=None, threads=16)
        create_seconds = time.time() - t_start
        _save(fl, "tasks", tally)
        log(f"l: {tally.sent} creates in {create_seconds:.0f}s, {len(tally.accepted)} accepted ({tally.statuses()})")
        drained, seconds = _drain_tasks(fl.db, timeout=900)
        stop.set()
        t.join()
        elapsed = time.time() - t_start
        stats, dups = _provider_duplicates(fl, "l")
        got = _classify_doubles(fl, "l", generations, in_flight)
        results = check(fl.db, accepted_tasks=tally.accepted)
        explained = sum(got["explained"].values())
        unexplained = sum(n for n, _ in got["unexplained"].values())
        notes = (f"{len(kills)} kills (tasks in the process at each: {', '.join(str(i) for i, _ in kills)}); "
                 f"{len(tally.accepted)} tasks accepted in {create_seconds:.0f}s, all ended {elapsed:.0f}s after the first "
                 f"create; EMOJI_CONCURRENCY {concurrency}, EMOJI_SUBMITS_IN_FLIGHT {in_flight}, DASHSCOPE_SUBMIT_RATE "
                 f"2000/s, fake latency 0.3 s, failure rate 5%; provider submits {stats.get('submits_total')} for "
                 f"{stats.get('distinct_images')} images: {explained} resubmissions explained (each first submission "
                 f"arrived ≤ {got['window'] * 1000:.0f} ms, the measured window, before a SIGKILL of its sender and its "
                 f"task id was never committed; per kill {got['per_kill_text']}, bound {in_flight}), {unexplained} "
                 f"unexplained; answers {tally.statuses()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        details = got["details"]
        if got["unexplained"]:
            details.append("UNEXPLAINED doubles: " + "; ".join(
                f"{image}: {reason}" for image, (_, reason) in list(got["unexplained"].items())[:10]))
        return row("l", "EmojiWorker SIGKILL x10 during 10 000 tasks", tally.sent, len(tally.accepted), results,
                   doubled_extra=unexplained, notes=notes,
                   ok_extra=drained and len(kills) == kills_wanted and got["complete"] and got["within_bound"],
                   details=details)
    finally:
        fl.stop()


def _classify_doubles(fl, scenario, generations, bound):
    """The fake's submission log against the committed task ids (doubles.py)."""
    log_answer = fleet.get_json(f"http://127.0.0.1:{fleet.FAKE_PORT}/_fake/submissions", timeout=60)
    submissions = log_answer.get("submissions", [])
    stored_ids = doubles.stored(fl.db)
    spans = doubles.window(submissions, stored_ids)
    window = spans[-1] if spans else 0.0
    got = doubles.classify(submissions, stored_ids, generations, window,
                           prefix=f"http://127.0.0.1:{fleet.FAKE_PORT}/img/{scenario}-")
    got["window"] = window
    got["complete"] = log_answer.get("dropped", 0) == 0
    got["per_kill_text"] = ", ".join(str(n) for _, n, _ in got["per_kill"])
    # EMOJI_SUBMITS_IN_FLIGHT bounds what one kill can double; more means the bound is broken.
    got["within_bound"] = all(n <= bound for _, n, _ in got["per_kill"])
    got["details"] = [
        f"window (commit of the provider task id − its arrival at the provider) over {len(spans)} committed ids: "
        f"p50 {doubles.quantile(spans, 0.5) * 1000:.0f} ms, p90 {doubles.quantile(spans, 0.9) * 1000:.0f} ms, "
        f"p99 {doubles.quantile(spans, 0.99) * 1000:.0f} ms, max {window * 1000:.0f} ms",
        f"explained resubmissions per kill (bound EMOJI_SUBMITS_IN_FLIGHT = {bound}) / submissions from the killed "
        "process that arrived within the window before it: "
        + ", ".join(f"kill {i + 1}: {n}/{near}" for i, (_, n, near) in enumerate(got["per_kill"])),
    ]
    log("l: " + "; ".join(got["details"]))
    return got


def stop_topology():
    try:
        _script("stop")
    except Exception:  # noqa: BLE001 — nothing to stop
        pass
