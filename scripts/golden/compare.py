#!/usr/bin/env python3
"""Replay the golden fixtures against a server and compare its answers.

    compare.py --dsn postgresql://postgres:pw@127.0.0.1:5432/galley_golden \
               --base-url http://127.0.0.1:8000 [--fixtures Tests/Fixtures/golden]

1. (unless --no-restore) drops and recreates the database named in --dsn and
   loads original.sql into it with psql (psql must be on PATH). The server
   under test must already be configured to use that database (and the
   recorded SECRET_KEY / REVENUECAT_WEBHOOK_SECRET, see replay.json metadata).
   With --restore-only it stops there.
2. replays every case of replay.json in order, minting HS256 tokens
   ({"exp": now+1h, "sub": user_id}) with the recorded secret key;
3. compares status, selected headers and JSON (exact values and JSON types;
   key order ignored unless --strict-bytes; volatile paths only checked for
   presence and type). Non-JSON bodies are compared as text.

Prints a diff per failing case and ends with exactly
`golden: N passed, N failed`; exits 1 when anything failed.
Stdlib only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

from wire import b64url, send, user_token


def carried(value: str, recorded_key: str, key: str, recorded_webhook: str, webhook: str) -> str:
    """A recorded header value moved to the server's own secrets: the webhook secret
    replaced, every JWT the recording's key signed signed again with `key` (Galley
    refuses the recording's keys: they are published in this repository)."""
    value = value.replace(recorded_webhook, webhook)
    words = []
    for word in value.split(" "):
        parts = word.split(".")
        if len(parts) == 3:
            signing_input = f"{parts[0]}.{parts[1]}".encode()
            if b64url(hmac.new(recorded_key.encode(), signing_input, hashlib.sha256).digest()) == parts[2]:
                word = f"{parts[0]}.{parts[1]}." + b64url(hmac.new(key.encode(), signing_input, hashlib.sha256).digest())
        words.append(word)
    return " ".join(words)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "Fixtures", "golden"))


# ---------------------------------------------------------------- database

def restore(dsn: str, dump: str) -> None:
    u = urllib.parse.urlsplit(dsn)
    db = u.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", db or ""):
        raise SystemExit(f"refusing database name {db!r}: letters, digits and _ only")
    admin = urllib.parse.urlunsplit((u.scheme, u.netloc, "/postgres", u.query, ""))
    target = urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, ""))
    env = dict(os.environ)
    run = lambda *a: subprocess.run(a, check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: E731
    run("psql", admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    run("psql", admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", f'CREATE DATABASE "{db}"')
    run("psql", target, "-v", "ON_ERROR_STOP=1", "-q", "-f", dump)
    print(f"restored {dump} into {db}", file=sys.stderr)


# ---------------------------------------------------------------- requests

def request_body(req: dict) -> bytes | None:
    if "body_b64" in req:
        return base64.b64decode(req["body_b64"])
    if "body_parts" in req:
        out = b""
        for p in req["body_parts"]:
            if "text" in p:
                out += p["text"].encode("utf-8")
            elif "b64" in p:
                out += base64.b64decode(p["b64"])
            else:
                out += p["repeat"].encode("utf-8") * p["count"]
        return out
    b = req.get("body")
    return None if b is None else b.encode("utf-8")


# ---------------------------------------------------------------- comparison

def parse_path(path: str) -> list:
    out: list = []
    for part in path.split("."):
        m = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])*)", part)
        if not m:
            raise ValueError(path)
        if m.group(1):
            out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return out


def jtype(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def diff(exp, got, path: str, vol: set[str], strict_order: bool, out: list[str]) -> None:
    if path in vol:
        if jtype(exp) != jtype(got):
            out.append(f"  {path or '<root>'}: volatile, type {jtype(exp)} expected, got {jtype(got)} ({got!r})")
        return
    if jtype(exp) != jtype(got):
        out.append(f"  {path or '<root>'}: expected {exp!r} ({jtype(exp)}), got {got!r} ({jtype(got)})")
        return
    if isinstance(exp, dict):
        for k in exp:
            p = f"{path}.{k}" if path else k
            if k not in got:
                out.append(f"  {p}: missing (expected {exp[k]!r})")
            else:
                diff(exp[k], got[k], p, vol, strict_order, out)
        for k in got:
            if k not in exp:
                out.append(f"  {(path + '.' if path else '') + k}: unexpected key (got {got[k]!r})")
        if strict_order and list(exp) != list(got) and set(exp) == set(got):
            out.append(f"  {path or '<root>'}: key order {list(exp)} expected, got {list(got)}")
        return
    if isinstance(exp, list):
        if len(exp) != len(got):
            out.append(f"  {path or '<root>'}: {len(exp)} items expected, got {len(got)}")
        for i, (a, b) in enumerate(zip(exp, got)):
            diff(a, b, f"{path}[{i}]", vol, strict_order, out)
        return
    if exp != got:
        out.append(f"  {path or '<root>'}: expected {exp!r}, got {got!r}")


def norm_header(name: str, value: str) -> str:
    v = value.strip()
    if name == "content-type":
        return v.split(";")[0].strip().lower()
    if name == "location":
        u = urllib.parse.urlsplit(v)
        return u.path + ("?" + u.query if u.query else "")
    if name in ("allow", "vary", "access-control-allow-methods", "access-control-allow-headers"):
        return ", ".join(sorted(x.strip().lower() for x in v.split(",") if x.strip()))
    return v


def volatile_set(paths: list[str]) -> set[str]:
    out = set()
    for p in paths:
        parts = parse_path(p)
        s = ""
        for x in parts:
            s = f"{s}[{x}]" if isinstance(x, int) else (f"{s}.{x}" if s else x)
        out.add(s)
    return out


def compare_case(case: dict, status: int, hdrs: dict, data: bytes, args) -> list[str]:
    exp = case["response"]
    problems: list[str] = []
    if status != exp["status"]:
        problems.append(f"  status: expected {exp['status']}, got {status}")
    for name, value in exp.get("headers", {}).items():
        if name == "content-type" or not args.ignore_extra_headers:
            if name not in hdrs:
                problems.append(f"  header {name}: missing (expected {value!r})")
            elif args.strict_headers and name != "location":
                if hdrs[name] != value:
                    problems.append(f"  header {name}: expected {value!r}, got {hdrs[name]!r}")
            elif norm_header(name, hdrs[name]) != norm_header(name, value):
                problems.append(f"  header {name}: expected {value!r}, got {hdrs[name]!r}")
    if "json" in exp:
        try:
            got = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append(f"  body: JSON expected, got {data[:200]!r}")
            return problems
        vol = volatile_set(exp.get("volatile", []))
        diff(exp["json"], got, "", vol, args.strict_bytes, problems)
        if args.strict_bytes and not vol and data.decode("utf-8") != exp["body"]:
            problems.append(f"  body bytes differ:\n    expected {exp['body'][:300]!r}\n    got      {data.decode('utf-8')[:300]!r}")
    elif "body_b64" in exp:
        if base64.b64decode(exp["body_b64"]) != data:
            problems.append("  binary body differs")
    elif case["request"]["method"] != "HEAD":
        text = data.decode("utf-8", "replace")
        if text != exp.get("body", ""):
            problems.append(f"  body: expected {exp.get('body', '')[:200]!r}, got {text[:200]!r}")
    return problems


def galley_expectation(case: dict):
    """What Galley answers for a case (docs/api.md, "Deliberate differences"), or None
    when the kept behaviour is not a recorded answer (checked by GoldenAnswerTests)."""
    resp = case["response"]
    j = resp.get("json")
    if isinstance(j, dict) and list(j) == ["detail"] and not case["name"].endswith("absent_in_original") \
            and case["name"] != "openapi.unprefixed":
        env = {"code": resp["status"] * 1000, "message": j["detail"], "data": None}
        new = dict(case)
        new["response"] = dict(resp, json=env, body=json.dumps(env, separators=(",", ":")))
        new.pop("galley_differs", None)
        return new
    if case.get("galley_differs"):
        return None
    return case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", help="server under test, e.g. http://127.0.0.1:8000")
    ap.add_argument("--dsn", help="postgresql://user:pw@host:port/dbname of the database the server uses")
    ap.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    ap.add_argument("--no-restore", action="store_true", help="do not touch the database")
    ap.add_argument("--restore-only", action="store_true", help="restore the dump and exit")
    ap.add_argument("--strict-bytes", action="store_true", help="also compare key order and body bytes")
    ap.add_argument("--strict-headers", action="store_true", help="compare recorded headers byte for byte")
    ap.add_argument("--ignore-extra-headers", action="store_true",
                    help="compare only content-type among the recorded headers")
    ap.add_argument("--skip-galley-differs", action="store_true",
                    help="skip cases marked galley_differs (where the contract lets Galley answer otherwise)")
    ap.add_argument("--galley", action="store_true",
                    help="the server is Galley: expect its envelope where the original answered a bare "
                         '{"detail": ...} (same status and allow), and skip the other galley_differs cases '
                         "(GoldenAnswerTests checks their kept behaviour; docs/api.md lists them)")
    ap.add_argument("--secret-key", help="the server's SECRET_KEY when it is not the recording's "
                    "(Galley refuses the recording's); recorded tokens are signed again with it")
    ap.add_argument("--webhook-secret", help="the server's REVENUECAT_WEBHOOK_SECRET when it is not the recording's")
    ap.add_argument("--only", action="append", default=[], help="run cases whose name starts with this (repeatable)")
    ap.add_argument("--wait", type=float, default=0.0,
                    help="seconds to sleep after restoring (e.g. for a server that reconnects)")
    args = ap.parse_args()

    with open(os.path.join(args.fixtures, "replay.json"), encoding="utf-8") as f:
        fixture = json.load(f)
    recorded_key = fixture["metadata"]["secret_key"]
    recorded_webhook = fixture["metadata"]["webhook_secret"]
    key = args.secret_key or recorded_key
    webhook = args.webhook_secret or recorded_webhook

    if not args.no_restore:
        if not args.dsn:
            ap.error("--dsn is required unless --no-restore")
        restore(args.dsn, os.path.join(args.fixtures, "original.sql"))
        if args.wait:
            time.sleep(args.wait)
    if args.restore_only:
        return 0
    if not args.base_url:
        ap.error("--base-url is required")

    passed = failed = skipped = 0
    for case in fixture["cases"]:
        name = case["name"]
        if args.only and not any(name.startswith(o) for o in args.only):
            skipped += 1
            continue
        if args.galley:
            case = galley_expectation(case)
        if case is None or (args.skip_galley_differs and case.get("galley_differs")):
            skipped += 1
            continue
        req = case["request"]
        headers = {name: carried(value, recorded_key, key, recorded_webhook, webhook)
                   for name, value in (req.get("headers") or {}).items()}
        auth = req.get("auth")
        if isinstance(auth, dict) and "user_id" in auth:
            headers["Authorization"] = "Bearer " + user_token(auth["user_id"], key)
        elif isinstance(auth, dict) and "header" in auth:
            headers["Authorization"] = carried(auth["header"], recorded_key, key, recorded_webhook, webhook)
        try:
            status, hdrs, data = send(args.base_url, req["method"], req["path"], headers, request_body(req))
        except (OSError, http.client.HTTPException) as e:
            failed += 1
            print(f"FAIL {name}: {req['method']} {req['path']}\n  transport error: {e}")
            continue
        problems = compare_case(case, status, hdrs, data, args)
        if problems:
            failed += 1
            extra = f"  ({case['galley_differs']})" if case.get("galley_differs") else ""
            print(f"FAIL {name}: {req['method']} {req['path']}{extra}")
            print("\n".join(problems))
        else:
            passed += 1
    if skipped:
        print(f"skipped {skipped} cases")
    print(f"golden: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
