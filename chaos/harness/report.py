"""RELIABILITY.md from one run of chaos/run: the machine, the fault table, each
scenario's details, the fuzz, and the findings kept in chaos/FINDINGS.md."""
import datetime
import os
import platform
import subprocess

from . import stack


def _machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
    except OSError:
        mem_kb = 0
    return (f"{os.cpu_count()} cores ({cpu or platform.processor()}), {mem_kb / 1024 / 1024:.1f} GiB memory, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def _git(*args):
    return subprocess.run(["git", "-C", stack.ROOT] + list(args), capture_output=True, text=True).stdout.strip()


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def revision():
    """The commit under test, and whether tracked files differ from it."""
    return _git('rev-parse', '--short', 'HEAD'), bool(_git('status', '--porcelain', '--untracked-files=no'))


def write(rows, fuzz, started, finished, selftest_failures, rev, path=None):
    path = path or os.path.join(stack.ROOT, "RELIABILITY.md")
    out = []
    out.append("# Galley reliability: faults under load\n")
    out.append("Written by `chaos/run` (do not edit by hand; the findings come from `chaos/FINDINGS.md`).\n")
    out.append(f"- Run: {started:%Y-%m-%d %H:%M} UTC → {finished:%H:%M} UTC "
               f"({(finished - started).total_seconds() / 60:.1f} min, build excluded), commit `{rev[0]}`"
               f"{' (with uncommitted changes)' if rev[1] else ''}")
    out.append(f"- Machine: {_machine()}; shared with other builds while it ran")
    out.append(f"- Stack: its own PostgreSQL (127.0.0.1:{stack.PG_PORT}, fsync on) and Redis (127.0.0.1:{stack.REDIS_PORT}, "
               "AOF everysec), a fresh database per scenario; release builds of every executable")
    out.append(f"- Checker self-test: {'every deliberate violation detected' if not selftest_failures else 'FAILED: ' + '; '.join(selftest_failures)}"
               " (`chaos/check --selftest`)\n")
    out.append("Invariants (the contract's): 1 balance ≥ 0 and = sum of the ledger; 2 every task terminal, failed ones "
               "refunded once, each charged once; 3 every accepted webhook stored once, terminal, applied once; "
               "4 one reward per user and week, every eligible VIP credited. *Lost*: accepted (HTTP 200 with an id) "
               "but missing or unfinished after the drain. *Doubled*: an effect taken more than once.\n")
    out.append("## Fault table\n")
    out.append("| scenario | sent | accepted | lost | doubled | inv 1 | inv 2 | inv 3 | inv 4 | result | notes |")
    out.append("| --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        inv = r.get("invariants") or ["—"] * 4
        out.append(f"| {r['name']}. {_cell(r['title'])} | {r['sent']} | {r['accepted']} | {r['lost']} | {r['doubled']} | "
                   + " | ".join(inv) + f" | {'pass' if r['ok'] else '**FAIL**'} | {_cell(r['notes'])} |")
    out.append("")
    out.append("## Checker output per scenario\n")
    for r in rows:
        out.append(f"### {r['name']}. {r['title']}\n")
        out.append("```")
        out.extend(r.get("summaries", []))
        out.extend(r.get("details", []))
        out.append("```\n")
    out.append("## Fuzz (schemathesis against /api/v1/openapi.json)\n")
    if fuzz is None:
        out.append("Not run.\n")
    else:
        counts = " ".join(f"{k}:{v}" for k, v in sorted(fuzz.get("counts", {}).items()))
        out.append(f"- Checks: not_a_server_error, status_code_conformance, content_type_conformance, "
                   f"response_schema_conformance; phases examples, coverage, fuzzing; up to {fuzz.get('max_examples')} "
                   "examples per operation; a funded user's bearer token on every request.")
        out.append(f"- Result: {'pass' if fuzz.get('ok') else '**FAIL**'} (schemathesis exit {fuzz.get('rc')}"
                   f"{', time limit reached' if fuzz.get('timed_out') else ''}); answers by status: {counts or 'none recorded'}; "
                   f"5xx: {fuzz.get('five') or 'none'}; gateway alive afterwards: {fuzz.get('alive')}")
        if fuzz.get("summary"):
            out.append("\n```")
            out.extend(fuzz["summary"])
            out.append("```")
        if fuzz.get("failures"):
            out.append("\nFailures reported by schemathesis (document and behaviour disagree):\n")
            for f in fuzz["failures"]:
                out.append(f"- {_cell(f)}")
        out.append("")
    findings = os.path.join(stack.ROOT, "chaos", "FINDINGS.md")
    if os.path.exists(findings):
        with open(findings) as f:
            out.append(f.read().rstrip() + "\n")
    out.append("## How to reproduce\n")
    out.append("`chaos/run` (all scenarios, the fuzz, this file; about 15 minutes on 2 cores), "
               "`chaos/run --only a,c` (some scenarios, report not written), `chaos/check --db chaos_a` "
               "(the invariants of a scenario's database while the chaos stack runs), `chaos/fuzz`. Logs of each "
               "process and the accepted ids are under `.local/chaos/logs/<scenario>/`.\n")
    with open(path, "w") as f:
        f.write("\n".join(out))
    return path
