"""chaos/run: the chaos stack, the checker's self-test, scenarios a–g, the fuzz, the report."""
import argparse
import datetime
import json
import os
import signal
import sys
import time
import traceback

from . import fleet, fuzz, hostile, lost_writes, malformed, report, scenarios, selftest, sentinel_rows, stack, wechatpay
from .common import log

SCENARIOS = {
    "a": scenarios.scenario_a, "b": scenarios.scenario_b, "c": scenarios.scenario_c, "d": scenarios.scenario_d,
    "e": scenarios.scenario_e, "f": scenarios.scenario_f, "g": malformed.scenario_g,
    "h": hostile.scenario_h, "i": lost_writes.scenario_i,
    "j": sentinel_rows.scenario_j, "k": sentinel_rows.scenario_k, "l": sentinel_rows.scenario_l,
    "m": wechatpay.scenario_m,
}
TITLES = {"a": "EmojiWorker SIGKILL x3 mid-flight", "b": "WebhookWorker SIGKILL x3 mid-flight",
          "c": "Redis SIGKILL + restart during creates", "d": "PostgreSQL restart during creates and a reward run",
          "e": "Same webhooks x3, shuffled, concurrent", "f": "Reward run started 4x at once", "g": "Malformed HTTP flood",
          "h": "Hostile client", "i": "Acknowledged writes lost (Redis restored from an older AOF)",
          "j": "Sentinel failover x2 during creates, generations and webhooks",
          "k": "Acknowledged writes lost (lagging replica promoted by Sentinel)",
          "l": "EmojiWorker SIGKILL x10 during 10 000 tasks",
          "m": "WebhookWorker SIGKILL x3 applying WeChat Pay notifications"}


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv):
    parser = argparse.ArgumentParser(prog="chaos/run")
    parser.add_argument("--bin", required=True)
    parser.add_argument("--only", help="comma-separated scenarios (a–m, fuzz); the report is written only for a full run")
    parser.add_argument("--no-fuzz", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the chaos stack running afterwards")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(SCENARIOS) + ([] if args.no_fuzz else ["fuzz"])
    signal.signal(signal.SIGTERM, _terminate)
    started = datetime.datetime.now(datetime.timezone.utc)
    rev = report.revision()
    t0 = time.time()
    rows, fuzz_result, selftest_failures = [], None, []
    stack.start()
    try:
        selftest_failures = selftest.run()
        log(f"checker self-test: {len(selftest.BREAKS) + len(selftest.DOUBLE_BREAKS)} deliberate violations, {len(selftest_failures)} not detected")
        for name in chosen:
            if name == "fuzz":
                continue
            log(f"=== scenario {name}: {TITLES[name]} ({time.time() - t0:.0f}s elapsed)")
            try:
                rows.append(SCENARIOS[name](args.bin))
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 — a harness error is a failed row, not a missing one
                traceback.print_exc()
                rows.append({"name": name, "title": TITLES[name], "sent": "—", "accepted": "—", "lost": "?",
                             "doubled": "?", "invariants": ["?"] * 4, "ok": False,
                             "notes": f"harness error: {type(e).__name__}: {str(e)[:300]}", "summaries": [], "details": []})
            finally:
                fleet.stop_all()
                if not stack.redis_up():
                    stack.redis_start()
                stack.pg_start()
        if "fuzz" in chosen:
            log(f"=== fuzz ({time.time() - t0:.0f}s elapsed)")
            try:
                fuzz_result = fuzz.run(args.bin)
                log(f"fuzz: exit {fuzz_result['rc']}, answers {fuzz_result['counts']}, 5xx {fuzz_result['five']}, "
                    f"{len(fuzz_result['failures'])} failure groups")
                for f in fuzz_result["failures"]:
                    log("  fuzz failure: " + f)
            except Exception as e:  # noqa: BLE001
                traceback.print_exc()
                fuzz_result = {"ok": False, "rc": f"harness error: {e}", "counts": {}, "five": {}, "alive": None,
                               "summary": [], "failures": []}
            finally:
                fleet.stop_all()
    finally:
        fleet.stop_all()
        if not args.keep:
            sentinel_rows.stop_topology()
            stack.stop()
    finished = datetime.datetime.now(datetime.timezone.utc)
    with open(os.path.join(stack.STATE, "results.json"), "w") as f:
        json.dump({"rows": rows, "fuzz": fuzz_result, "selftest_failures": selftest_failures,
                   "started": started.isoformat(), "finished": finished.isoformat()}, f, indent=1, default=str)
    print()
    print("| scenario | sent | accepted | lost | doubled | inv 1–4 | result |")
    for r in rows:
        print(f"| {r['name']}. {r['title']} | {r['sent']} | {r['accepted']} | {r['lost']} | {r['doubled']} | "
              f"{' '.join(r['invariants'])} | {'pass' if r['ok'] else 'FAIL'} |")
    if fuzz_result is not None:
        print(f"| fuzz | answers {fuzz_result.get('counts')} | 5xx {fuzz_result.get('five')} | "
              f"{'pass' if fuzz_result.get('ok') else 'FAIL'} |")
    if not args.only:
        path = report.write(rows, fuzz_result, started, finished, selftest_failures, rev)
        log(f"report written to {os.path.relpath(path, stack.ROOT)}")
    log(f"finished in {(time.time() - t0) / 60:.1f} min")
    ok = all(r["ok"] for r in rows) and not selftest_failures and (fuzz_result is None or fuzz_result.get("ok"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
