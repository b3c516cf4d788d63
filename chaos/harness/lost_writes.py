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


class LostWritesLoad:
    """What both lost-writes rows (i, k) send while the workers are away: 150 creates and
    half of 100 webhooks, then, once the row has arranged to lose what follows, 150 more
    creates (other images: the fake counts per image) and the other half. Afterwards
    `recover` starts the workers and checks that the reconcilers brought every accepted
    task and event to its end, once."""

    def __init__(self, fl, name, first_user_id, seed):
        self.fl = fl
        self.name = name
        self.users = _users(fl, name)
        user_ids = seed_users(fl.db, first_user_id, 30)
        events, self.packs = _webhook_events(name, user_ids, 100, int(time.time() * 1000))
        self.events = shuffled(events, seed)
        self.half = len(self.events) // 2
        self.tally = load.Tally()
        self.accepted_events = []
        self._lock = threading.Lock()

    def _post(self, client, event):
        status, _dup, _ = load.post_webhook(client, event)
        if status == 200:
            with self._lock:
                self.accepted_events.append(event["id"])

    def first_half(self):
        _creates(self.name, self.users, self.tally, count=150, rate=100)
        load.run_jobs(self.events[:self.half], self._post, threads=8, rate=200)

    def second_half(self):
        second = load.Tally()
        _creates(self.name + "2", self.users, second, count=150, rate=100)
        load.run_jobs(self.events[self.half:], self._post, threads=8, rate=200)
        self.tally.accepted.extend(second.accepted)
        self.tally.sent += second.sent
        self.tally.status.update(second.status)

    def recover(self):
        """Saves what was accepted, starts both workers, waits for them to drain; the
        checker's results and the figures the row's notes print."""
        fl = self.fl
        _save(fl, "tasks", self.tally)
        write_ids(os.path.join(fl.logdir, "accepted_events.txt"), self.accepted_events)
        t0 = time.time()
        fl.start_emoji()
        fl.start_webhook()
        drained, seconds = _drain_tasks(fl.db)
        events_drained = wait_until(lambda: unfinished_events(fl.db) == 0, 60)
        events_seconds = time.time() - t0
        resent_tasks = metric(fleet.EMOJI_METRICS_PORT, "galley_reconciler_resent_total")
        resent_events = metric(fleet.WEBHOOK_METRICS_PORT, "galley_reconciler_resent_total")
        stats, dups = _provider_duplicates(fl, self.name)
        dups.update(_provider_duplicates(fl, self.name + "2")[1])
        accepted_set = set(self.accepted_events)
        accepted_packs = {txn: uid for txn, uid in self.packs.items()
                          if f"chaos-{self.name}-pack-{txn.rsplit('-', 1)[1]}" in accepted_set}
        results = check(fl.db, accepted_tasks=self.tally.accepted, accepted_events=self.accepted_events,
                        packs=accepted_packs)
        return Recovery(results, drained and events_drained, seconds, events_seconds, resent_tasks, resent_events,
                        stats, dups)


class Recovery:
    """What `LostWritesLoad.recover` found."""

    def __init__(self, results, drained, seconds, events_seconds, resent_tasks, resent_events, stats, dups):
        self.results = results
        self.drained = drained
        self.seconds = seconds
        self.events_seconds = events_seconds
        self.resent_tasks = resent_tasks
        self.resent_events = resent_events
        self.stats = stats
        self.dups = dups

    @property
    def doubled(self):
        return sum(v - 1 for v in self.dups.values())

    @property
    def details(self):
        return [f"images submitted more than once: {dict(list(self.dups.items())[:10])}"] if self.dups else []



def scenario_i(bin_dir):
    fl = fresh("i", bin_dir, EMOJI_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER, WEBHOOK_RECONCILE_AFTER_SECONDS=RECONCILE_AFTER)
    copy = os.path.join(stack.STATE, "aof-older")
    try:
        fl.start_fake(latency=0.5, failure_rate=0.1)
        fl.start_gateway()
        writes = LostWritesLoad(fl, "i", 920_000_000_000, 9)
        tally, events, accepted_events = writes.tally, writes.events, writes.accepted_events

        # The workers are away, so the entries wait unconsumed in Redis: the first half of the
        # creates and webhooks, then the older AOF copy, then the second half.
        writes.first_half()
        wait_until(lambda: ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM outbox")[0] == 0, 30, interval=0.2)
        _snapshot(copy)
        log("i: AOF copied after the first half")
        writes.second_half()
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

        got = writes.recover()
        stats, dups = got.stats, got.dups
        notes = (f"workers away during 300 creates + {len(events)} webhooks; Redis restored from an AOF copied halfway: "
                 f"{len(lost_tasks)} accepted tasks and {len(accepted_events) - lost_entries} accepted events lost "
                 f"their acknowledged entry (outbox empty: {outbox_gone}); reconcile threshold {RECONCILE_AFTER}s; "
                 f"re-sent {got.resent_tasks:.0f} tasks, {got.resent_events:.0f} events; tasks drained in {got.seconds:.0f}s, "
                 f"events in {got.events_seconds:.0f}s; provider submits {stats.get('submits_total')} for "
                 f"{stats.get('distinct_images')} images, {len(dups)} submitted twice; answers {tally.statuses()}")
        if not got.drained:
            notes += "; DRAIN TIMED OUT"
        return row("i", "Acknowledged writes lost (Redis restored from an older AOF)", tally.sent + len(events),
                   len(tally.accepted) + len(accepted_events), got.results, doubled_extra=got.doubled,
                   notes=notes, ok_extra=got.drained and outbox_gone and len(lost_tasks) > 0, details=got.details)
    finally:
        fl.stop()
        shutil.rmtree(copy, ignore_errors=True)
