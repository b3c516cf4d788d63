"""i. Acknowledged writes lost: Redis restored from an older AOF after the gateway had its
XADDs acknowledged and deleted their outbox rows. The reconciler (EMOJI_/WEBHOOK_RECONCILE_
AFTER_SECONDS) must bring every accepted task and webhook event to its end, once."""
import os
import shutil
import threading
import time

from . import fleet, load, stack
from .common import check, fresh, log, metric, row, seed_users, shuffled, unfinished_events, wait_until, write_ids
from .pg import ints
from .scenarios import _creates, _drain_tasks, _provider_duplicates, _save, _stream_task_ids, _users, _webhook_events

RECONCILE_AFTER = 5


def _aof_dir():
    return os.path.join(stack.REDIS_DIR, "appendonlydir")


def _snapshot(dest):
    """A consistent copy of the AOF as it is now: rewrite it, wait for the rewrite, copy."""
    stack.redis_cli("BGREWRITEAOF")
    wait_until(lambda: "aof_rewrite_in_progress:0" in stack.redis_cli("INFO", "persistence")
               and "aof_rewrite_scheduled:0" in stack.redis_cli("INFO", "persistence"), 30, interval=0.1)
    stack.redis_cli("CONFIG", "SET", "appendfsync", "always")  # the copy must hold every write so far
    time.sleep(1.2)
    stack.redis_cli("CONFIG", "SET", "appendfsync", "everysec")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(_aof_dir(), dest)


def _restore(copy):
    stack.redis_kill()
    shutil.rmtree(_aof_dir(), ignore_errors=True)
    shutil.copytree(copy, _aof_dir())
    stack.redis_start()


def scenario_i(bin_dir):
    fl = fresh("i", bin_dir, EMOJI_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER, WEBHOOK_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER)
    copy = os.path.join(stack.STATE, "aof-older")
    try:
        fl.start_fake(latency=0.5, failure_rate=0.1)
        fl.start_gateway()
        users = _users(fl, "i")
        user_ids = seed_users(fl.db, 920_000_000_000, 30)
        events, packs = _webhook_events("i", user_ids, 100, int(time.time() * 1000))
        events = shuffled(events, 9)
        tally = load.Tally()
        accepted_events = []
        lock = threading.Lock()

        def hook(client, event):
            status, _dup, _ = load.post_webhook(client, event)
            if status == 200:
                with lock:
                    accepted_events.append(event["id"])

        # The workers are away, so the entries wait unconsumed in Redis: the first half of the
        # creates and webhooks, then the older AOF copy, then the second half.
        half_events = len(events) // 2
        _creates("i", users, tally, count=150, rate=100)
        load.run_jobs(events[:half_events], hook, threads=8, rate=200)
        wait_until(lambda: ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM outbox")[0] == 0, 30, interval=0.2)
        _snapshot(copy)
        log("i: AOF copied after the first half")
        second = load.Tally()
        _creates("i2", users, second, count=150, rate=100)  # other images: the fake counts per image
        load.run_jobs(events[half_events:], hook, threads=8, rate=200)
        tally.accepted.extend(second.accepted)
        tally.sent += second.sent
        tally.status.update(second.status)
        # Every accepted write was acknowledged by Redis and its outbox row deleted.
        outbox_gone = wait_until(lambda: ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM outbox")[0] == 0, 30, interval=0.2)
        in_stream_before = _stream_task_ids()
        _restore(copy)
        in_stream = _stream_task_ids()
        lost_tasks = [t for t in tally.accepted if in_stream.get(str(t), 0) == 0]
        lost_entries = int((stack.redis_cli("XLEN", "webhook_events").strip() or "0"))
        log(f"i: Redis restored from the older AOF: {len(lost_tasks)} of {len(tally.accepted)} accepted tasks lost their "
            f"entry ({len(in_stream_before)} were in the stream before); webhook_events holds {lost_entries} of "
            f"{len(accepted_events)} accepted events")
        _save(fl, "tasks", tally)
        write_ids(os.path.join(fl.logdir, "accepted_events.txt"), accepted_events)

        t0 = time.time()
        fl.start_emoji()
        fl.start_webhook()
        drained, seconds = _drain_tasks(fl.db)
        events_drained = wait_until(lambda: unfinished_events(fl.db) == 0, 60)
        events_seconds = time.time() - t0
        resent_tasks = metric(fleet.EMOJI_METRICS_PORT, "galley_reconciler_resent_total")
        resent_events = metric(fleet.WEBHOOK_METRICS_PORT, "galley_reconciler_resent_total")
        stats, dups = _provider_duplicates(fl, "i")
        dups.update(_provider_duplicates(fl, "i2")[1])
        accepted_set = set(accepted_events)
        accepted_packs = {txn: uid for txn, uid in packs.items() if f"chaos-i-pack-{txn.rsplit('-', 1)[1]}" in accepted_set}
        results = check(fl.db, accepted_tasks=tally.accepted, accepted_events=accepted_events, packs=accepted_packs)
        notes = (f"workers away during 300 creates + {len(events)} webhooks; Redis restored from an AOF copied halfway: "
                 f"{len(lost_tasks)} accepted tasks and {len(accepted_events) - lost_entries} accepted events lost "
                 f"their acknowledged entry (outbox empty: {outbox_gone}); reconcile threshold {RECONCILE_AFTER}s; "
                 f"re-sent {resent_tasks:.0f} tasks, {resent_events:.0f} events; tasks drained in {seconds:.0f}s, "
                 f"events in {events_seconds:.0f}s; provider submits {stats.get('submits_total')} for "
                 f"{stats.get('distinct_images')} images, {len(dups)} submitted twice; answers {tally.statuses()}")
        if not (drained and events_drained):
            notes += "; DRAIN TIMED OUT"
        return row("i", "Acknowledged writes lost (Redis restored from an older AOF)", tally.sent + len(events),
                   len(tally.accepted) + len(accepted_events), results, doubled_extra=sum(v - 1 for v in dups.values()),
                   notes=notes, ok_extra=drained and events_drained and outbox_gone and len(lost_tasks) > 0,
                   details=[f"images submitted more than once: {dict(list(dups.items())[:10])}"] if dups else [])
    finally:
        fl.stop()
        shutil.rmtree(copy, ignore_errors=True)
