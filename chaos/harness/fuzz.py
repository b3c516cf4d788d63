"""Schema-driven fuzz of the HTTP API against the gateway's own OpenAPI document, with
schemathesis 4.x (in a venv under ~/.cache/galley-chaos): every answer must match the
document (status code, content type, body schema) and none may be a 5xx (503 is
allowed only during injected outages, and this run injects none). Bounded by
--max-examples per operation and a wall-clock limit."""
import collections
import json
import os
import subprocess
import sys

from . import fleet, load, stack
from .common import fresh, fund, log

VENV = os.path.expanduser("~/.cache/galley-chaos/venv")
SCHEMATHESIS = os.path.join(VENV, "bin", "schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def ensure_schemathesis():
    if os.access(SCHEMATHESIS, os.X_OK):
        return
    log("installing schemathesis 4.x into " + VENV)
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "schemathesis>=4,<5"], check=True)


def _har_statuses(path):
    counts = collections.Counter()
    by_op = collections.defaultdict(collections.Counter)
    try:
        with open(path) as f:
            har = json.load(f)
    except (OSError, ValueError):
        return counts, by_op
    for entry in har.get("log", {}).get("entries", []):
        status = entry.get("response", {}).get("status", 0)
        counts[status] += 1
        url = entry.get("request", {}).get("url", "")
        path = url.split("127.0.0.1:%d" % fleet.GATEWAY_PORT, 1)[-1].split("?", 1)[0]
        by_op[f"{entry.get('request', {}).get('method')} {path}"][status] += 1
    return counts, by_op


def _schemathesis(outdir, name, header, filters, max_examples, time_limit, workers):
    har = os.path.join(outdir, f"fuzz-{name}.har")
    junit = os.path.join(outdir, f"fuzz-{name}-junit.xml")
    cmd = [SCHEMATHESIS, "run", f"http://127.0.0.1:{fleet.GATEWAY_PORT}/api/v1/openapi.json",
           "--url", f"http://127.0.0.1:{fleet.GATEWAY_PORT}",
           "-H", header, "--checks", CHECKS, "--max-examples", str(max_examples),
           "--phases", "examples,coverage,fuzzing", "--workers", str(workers), "--request-timeout", "10",
           "--seed", "20261121", "--suppress-health-check", "all", "--continue-on-failure",
           "--report", "har,junit", "--report-har-path", har, "--report-junit-path", junit,
           "--output-truncate", "true"] + filters
    env = dict(os.environ, NO_COLOR="1")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=time_limit, env=env, cwd=outdir)
        output, rc, timed_out = proc.stdout + proc.stderr, proc.returncode, False
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc, timed_out = "timeout", True
    with open(os.path.join(outdir, f"fuzz-{name}-output.txt"), "w") as f:
        f.write(output)
    counts, by_op = _har_statuses(har)
    summary = [line.strip() for line in output.splitlines()
               if any(w in line for w in ("generated,", "passed", "failed", "⚠️"))]
    return {"rc": rc, "timed_out": timed_out, "counts": counts, "by_op": by_op, "summary": summary,
            "failures": _failures(output)}


WEBHOOK_PATH = "/api/v1/subscription/webhook"


def run(bin_dir, max_examples=50, time_limit=300, workers=2):
    """Two passes: every operation with a funded user's bearer token (the webhook then
    answers 401001, as documented), and the webhook with RevenueCat's secret. Answers a
    dict: ok, answers by status, 5xx, failures, and where the reports are."""
    ensure_schemathesis()
    fl = fresh("fuzz", bin_dir)
    outdir = fl.logdir
    try:
        fl.start_fake(latency=0.2)
        fl.start_gateway()
        client = load.Client()
        token, user_id = load.login(client, "chaos-fuzz-user")
        fund(fl.db, [user_id], 1_000_000)
        log(f"fuzz: schemathesis, {max_examples} examples per operation, at most {time_limit}s per pass")
        passes = [
            ("api", f"Authorization: Bearer {token}", []),
            ("webhook", f"Authorization: {fleet.WEBHOOK_SECRET}", ["--include-path", WEBHOOK_PATH]),
        ]
        counts = collections.Counter()
        by_op = collections.defaultdict(collections.Counter)
        rcs, summary, failures, timed_out = [], [], [], False
        for name, header, filters in passes:
            result = _schemathesis(outdir, name, header, filters, max_examples, time_limit, workers)
            rcs.append(result["rc"])
            counts.update(result["counts"])
            for op, c in result["by_op"].items():
                by_op[op].update(c)
            summary += [f"[{name}] {line}" for line in result["summary"]]
            failures += [f"[{name}] {f}" for f in result["failures"]]
            timed_out = timed_out or result["timed_out"]
        alive = fl.gateway.alive()
        five = {k: v for k, v in counts.items() if k >= 500}
        ok = all(rc == 0 for rc in rcs) and not five and alive
        return {"ok": ok, "rc": rcs, "timed_out": timed_out, "counts": dict(counts),
                "by_op": {k: dict(v) for k, v in by_op.items()}, "five": five, "alive": alive, "summary": summary,
                "failures": failures, "max_examples": max_examples, "outdir": outdir}
    finally:
        fl.stop()


def _failures(output):
    """The failure headings schemathesis prints (one per operation and check)."""
    lines = output.splitlines()
    found = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("_") and s.endswith("_") and len(s) > 10:
            title = s.strip("_ ").strip()
            checks = []
            for nxt in lines[i + 1:i + 40]:
                n = nxt.strip()
                if n.startswith("_") and n.endswith("_") and len(n) > 10:
                    break
                if n.startswith("- "):
                    checks.append(n[2:])
            found.append(f"{title}: {'; '.join(checks[:4])}" if checks else title)
    return found
