"""Doubled provider submissions, classified. DashScope takes no idempotency key and its task
list does not echo the input, so a SIGKILL after DashScope accepted a submission but before
Galley committed the returned task id must resubmit on resume. Such a double is EXPLAINED;
anything else is a real double (UNEXPLAINED) and fails the row.

Inputs, all measured in the run:
- the fake provider's log: per accepted submission its image, arrival time and task id;
- every task id Galley committed, with the commit's time: a trigger on `emoji_tasks`
  (installed in the scenario's database only) writes each new `aliyun_task_id` to a side
  table, and `pg_xact_commit_timestamp` (the chaos PostgreSQL runs with
  track_commit_timestamp) dates its commit; a rolled-back UPDATE leaves no row;
- each EmojiWorker process's start and SIGKILL times (one process at a time).

The window is the measured maximum, over the submissions whose id was committed, of
commit time − arrival time: how long an accepted submission stays unknown to the database.
A doubled image is EXPLAINED when each of its submissions but the last arrived at most one
window before the SIGKILL of the process that sent it (the process alive at its arrival)
and its task id was never committed; otherwise UNEXPLAINED (a committed id resubmitted,
or no kill near the first submission)."""
import bisect

from . import stack
from .pg import psql

INSTALL_SQL = """
CREATE TABLE chaos_stored_provider_ids (
    task_id bigint NOT NULL, provider_task_id text NOT NULL, logged_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE FUNCTION chaos_log_provider_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chaos_stored_provider_ids (task_id, provider_task_id) VALUES (NEW.id, NEW.aliyun_task_id);
    RETURN NULL;
END $$;
CREATE TRIGGER chaos_log_provider_id AFTER UPDATE OF aliyun_task_id ON emoji_tasks FOR EACH ROW
    WHEN (NEW.aliyun_task_id IS NOT NULL AND NEW.aliyun_task_id IS DISTINCT FROM OLD.aliyun_task_id)
    EXECUTE FUNCTION chaos_log_provider_id();
"""


def install(db):
    """Logs every task id Galley stores in `db` (run after the migrations)."""
    psql(stack.PG_PORT, db, INSTALL_SQL)


def stored(db):
    """{provider task id: commit time (seconds since 1970)} of every committed task id; the
    trigger's own clock when commit timestamps are off."""
    rows = psql(stack.PG_PORT, db, """
        SELECT provider_task_id,
               EXTRACT(EPOCH FROM COALESCE(pg_xact_commit_timestamp(xmin), logged_at))::double precision
        FROM chaos_stored_provider_ids""", timeout=300)
    return {r[0]: float(r[1]) for r in rows}


def window(submissions, stored_ids):
    """Commit − arrival of every submission whose id was committed, sorted (seconds)."""
    return sorted(stored_ids[s["task_id"]] - s["at"] for s in submissions if s["task_id"] in stored_ids)


def quantile(values, q):
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


class Generation:
    """One EmojiWorker process: started at `start`, SIGKILLed at `killed` (None: not killed)."""

    def __init__(self, start, killed=None):
        self.start = start
        self.killed = killed


def classify(submissions, stored_ids, generations, window_seconds, prefix=""):
    """Answers {"explained": {image: extra}, "unexplained": {image: (extra, reason)},
    "per_kill": [(kill index, explained images, submissions that arrived within the window
    before that kill)]}. `submissions`: the fake's log entries (dicts with image_url,
    task_id, at); `generations`: the worker processes in start order."""
    starts = [g.start for g in generations]

    def sender(at):
        i = bisect.bisect_right(starts, at) - 1
        return i if i >= 0 else None

    by_image = {}
    for s in submissions:
        if s["image_url"].startswith(prefix):
            by_image.setdefault(s["image_url"], []).append(s)
    explained, unexplained = {}, {}
    per_kill_explained = [0] * len(generations)
    for image, subs in by_image.items():
        if len(subs) < 2:
            continue
        subs.sort(key=lambda s: s["at"])
        reasons, kills = [], []
        for s in subs[:-1]:
            if s["task_id"] in stored_ids:
                reasons.append(f"task id {s['task_id']} was committed {stored_ids[s['task_id']] - s['at']:.3f}s "
                               f"after it arrived, and the image was submitted again")
                continue
            g = sender(s["at"])
            killed = generations[g].killed if g is not None else None
            if killed is None:
                reasons.append(f"no SIGKILL of the process that sent it (arrived {s['at']:.3f})")
            elif killed - s["at"] > window_seconds:
                reasons.append(f"arrived {killed - s['at']:.3f}s before its sender's SIGKILL, more than the "
                               f"{window_seconds:.3f}s window")
            else:
                kills.append(g)
        if reasons:
            unexplained[image] = (len(subs) - 1, "; ".join(reasons))
        else:
            explained[image] = len(subs) - 1
            for g in kills:
                per_kill_explained[g] += 1
    per_kill = []
    for i, g in enumerate(generations):
        if g.killed is None:
            continue
        # Its submissions that arrived at most one window before the kill (or after it,
        # sent before it died, and before its successor started): all that kill can double.
        near = sum(1 for s in submissions if s["image_url"].startswith(prefix) and sender(s["at"]) == i
                   and g.killed - s["at"] <= window_seconds)
        per_kill.append((i, per_kill_explained[i], near))
    return {"explained": explained, "unexplained": unexplained, "per_kill": per_kill}
