#!/usr/bin/env python3
"""Record golden request/answer pairs from a running PicKitchen-compatible server.

Our own HTTP client (stdlib only). It talks to a server over HTTP and writes
what it saw; it does not start, install or configure any server.

    record.py --base-url http://127.0.0.1:58000 --out Tests/Fixtures/golden \
              --secret-key KEY --webhook-secret SECRET --step seed-accounts
    ... --step seed-tasks | seed-pending | seed-queue-down | replay

Seed steps append to <out>/seed.json (creating it on the first step); the
replay step reads the ids the seed discovered from seed.json and writes
<out>/replay.json. See scripts/golden/README.md for the full procedure.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import sys
import time
import urllib.parse

from wire import mint_jwt, send, user_token

SELECTED_HEADERS = (
    "content-type",
    "www-authenticate",
    "allow",
    "retry-after",
    "location",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "vary",
)

FAR_FUTURE_EXP = 4102444800  # 2100-01-01T00:00:00Z
PAST_EXP = 1704067200  # 2024-01-01T00:00:00Z


# ---------------------------------------------------------------- HTTP

class Recorder:
    def __init__(self, base_url: str, secret_key: str, phase: str) -> None:
        u = urllib.parse.urlsplit(base_url)
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.scheme = u.scheme
        self.secret_key = secret_key
        self.phase = phase
        self.cases: list[dict] = []
        self.names: set[str] = set()

    def raw(self, method: str, path: str, headers: dict[str, str], body: bytes | None):
        return send(f"{self.scheme}://{self.host}:{self.port}", method, path, headers, body)

    def auth_header(self, auth) -> str | None:
        if auth == "none" or auth is None:
            return None
        if isinstance(auth, dict) and "user_id" in auth:
            return "Bearer " + user_token(auth["user_id"], self.secret_key)
        if isinstance(auth, dict) and "header" in auth:
            return auth["header"]
        if isinstance(auth, dict) and "token" in auth:  # seed only: a token the server issued
            return "Bearer " + auth["token"]
        raise ValueError(auth)

    def call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        auth="none",
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        json_body=None,
        mutates: bool = False,
        volatile: list[str] | None = None,
        note: str | None = None,
        galley_differs: str | None = None,
        auto_volatile: bool = False,
    ) -> dict:
        assert name not in self.names, name
        self.names.add(name)
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, separators=(", ", ": ")).encode()
            headers.setdefault("Content-Type", "application/json")
        body_parts = None
        if isinstance(body, BodyParts):
            body_parts = body.spec()
            body = body.render()
        if isinstance(body, str):
            body = body.encode("utf-8")
        send_headers = dict(headers)
        ah = self.auth_header(auth)
        if ah is not None:
            send_headers["Authorization"] = ah
        status, rh, data = self.raw(method, path, send_headers, body)

        rec_auth = auth
        if isinstance(auth, dict) and "token" in auth:
            rec_auth = {"user_id": auth.get("user_id"), "token_volatile": True}
        req: dict = {"method": method, "path": path, "headers": headers, "auth": rec_auth}
        if body is None:
            req["body"] = None
        elif body_parts is not None:
            req["body_parts"] = body_parts
        else:
            try:
                req["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                req["body_b64"] = base64.b64encode(body).decode("ascii")
        resp: dict = {
            "status": status,
            "headers": {k: rh[k] for k in SELECTED_HEADERS if k in rh},
        }
        try:
            text = data.decode("utf-8")
            resp["body"] = text
        except UnicodeDecodeError:
            text = None
            resp["body_b64"] = base64.b64encode(data).decode("ascii")
        parsed = None
        if text is not None and rh.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(text)
                resp["json"] = parsed
            except ValueError:
                pass
        vol = list(volatile or [])
        if auto_volatile and parsed is not None:
            vol = sorted(set(vol) | set(find_volatile(parsed)))
        resp["volatile"] = vol
        case = {"name": name, "phase": self.phase, "mutates": mutates, "request": req, "response": resp}
        if note:
            case["note"] = note
        if status == 500 and text == "Internal Server Error" and not galley_differs:
            galley_differs = ("the original crashes here (bare text/plain 500); the contract wants the "
                              "500000 envelope, or a 422 where the request is invalid")
        if galley_differs:
            case["galley_differs"] = galley_differs
        self.cases.append(case)
        short = text[:160] if text is not None else "<binary>"
        print(f"{status} {method} {path} [{name}] {short}", file=sys.stderr)
        return case


VOLATILE_KEYS = {"access_token", "id", "created_at", "completed_at", "order_no", "vip_expire_time"}


def find_volatile(obj, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{prefix}.{k}" if prefix else k
            if k in VOLATILE_KEYS and not isinstance(v, (dict, list)):
                out.append(p)
            else:
                out.extend(find_volatile(v, p))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(find_volatile(v, f"{prefix}[{i}]"))
    return out


class BodyParts:
    """A large body stored compactly: [{"text": s} | {"b64": s} | {"repeat": ch, "count": n}]."""

    def __init__(self, parts: list[dict]) -> None:
        self.parts = parts

    def spec(self) -> list[dict]:
        return self.parts

    def render(self) -> bytes:
        return render_body_parts(self.parts)


def render_body_parts(parts: list[dict]) -> bytes:
    out = b""
    for p in parts:
        if "text" in p:
            out += p["text"].encode("utf-8")
        elif "b64" in p:
            out += base64.b64decode(p["b64"])
        else:
            out += p["repeat"].encode("utf-8") * p["count"]
    return out


def multipart(parts: list[tuple[str, str | None, str | None, bytes]], boundary: str) -> bytes:
    """parts: (field name, filename or None, content type or None, content)."""
    out = b""
    for name, filename, ctype, content in parts:
        out += f"--{boundary}\r\n".encode()
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out


# A 1x1 PNG: bytes only, never sent anywhere but the server under test.
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

# ---------------------------------------------------------------- seed

DEVICES = {
    "a": "golden-device-a",
    "b": "golden-device-b",
    "c": "golden-device-c",
    "d": "golden-device-d",
    "e": "golden-device-e",
}


def rc_event(eid: str, etype: str, **fields) -> dict:
    event = {"id": eid, "type": etype}
    event.update(fields)
    return {"api_version": "1.0", "event": event}


def seed_accounts(r: Recorder, st: dict, webhook_secret: str) -> None:
    ids = st.setdefault("users", {})
    tokens = st.setdefault("_tokens", {})
    for k, dev in DEVICES.items():
        c = r.call(f"seed.login.{k}", "POST", "/api/v1/auth/login", json_body={"device_id": dev},
                   mutates=True, auto_volatile=True)
        d = c["response"]["json"]["data"]
        ids[k] = str(d["user"]["id"])
        tokens[k] = d["access_token"]
    c = r.call("seed.login.a.again", "POST", "/api/v1/auth/login", json_body={"device_id": DEVICES["a"]},
               mutates=True, auto_volatile=True, note="existing device: same user, new token")

    def tok(k):
        return {"user_id": ids[k], "token": tokens[k]}

    r.call("seed.profile.a.trimmed", "PUT", "/api/v1/user/profile", auth=tok("a"),
           json_body={"nickname": "  Chef A  "}, mutates=True, auto_volatile=True)
    r.call("seed.profile.b.set", "PUT", "/api/v1/user/profile", auth=tok("b"),
           json_body={"nickname": "Baker B"}, mutates=True, auto_volatile=True)
    r.call("seed.profile.b.emptied", "PUT", "/api/v1/user/profile", auth=tok("b"),
           json_body={"nickname": "   "}, mutates=True, auto_volatile=True)
    r.call("seed.profile.c.unicode", "PUT", "/api/v1/user/profile", auth=tok("c"),
           json_body={"nickname": "厨师 C 🍳"}, mutates=True, auto_volatile=True)
    r.call("seed.profile.d.null", "PUT", "/api/v1/user/profile", auth=tok("d"),
           json_body={"nickname": None}, mutates=True, auto_volatile=True)
    r.call("seed.profile.e.max64", "PUT", "/api/v1/user/profile", auth=tok("e"),
           json_body={"nickname": "e" * 64}, mutates=True, auto_volatile=True)

    orders = st.setdefault("orders", {})
    for name, k, body in [
        ("a.points", "a", {"product_type": "points_pack", "product_id": "points_1000", "quantity": 1,
                           "amount": "0.99", "currency": "USD"}),
        ("a.sub", "a", {"product_type": "subscription", "product_id": "weekly_001", "amount": 4.9,
                        "currency": "EUR"}),
        ("a.defaults", "a", {"product_type": "points_pack", "product_id": "points_3000"}),
        ("b.points", "b", {"product_type": "points_pack", "product_id": "points_10000", "quantity": 3,
                           "amount": "29.97", "currency": "CNY"}),
        ("b.lifetime", "b", {"product_type": "subscription", "product_id": "lifetime_001",
                             "amount": "19.999", "currency": "JPY"}),
        ("c.negative", "c", {"product_type": "points_pack", "product_id": "points_1000", "amount": "-1.5"}),
    ]:
        c = r.call(f"seed.order.{name}", "POST", "/api/v1/order/create", auth=tok(k), json_body=body,
                   mutates=True, auto_volatile=True)
        orders[name] = {"user": k, "order_no": c["response"]["json"]["data"]["order_no"]}

    now_ms = int(time.time()) * 1000
    week_ms = 7 * 24 * 3600 * 1000
    wh = {"Authorization": webhook_secret}
    whb = {"Authorization": f"Bearer {webhook_secret}"}
    U = lambda k: ids[k]  # noqa: E731
    events = [
        ("test", wh, rc_event("golden-evt-test-1", "TEST", app_user_id="whatever", environment="SANDBOX",
                              event_timestamp_ms=now_ms)),
        ("a.initial.weekly", wh, rc_event(
            "golden-evt-a-initial", "INITIAL_PURCHASE", app_user_id=U("a"), original_app_user_id=U("a"),
            aliases=[U("a")], product_id="weekly_001", period_type="NORMAL", environment="PRODUCTION",
            purchased_at_ms=now_ms, expiration_at_ms=now_ms + week_ms + 123,
            event_timestamp_ms=now_ms, transaction_id="golden-txn-a-weekly-1",
            original_transaction_id="golden-txn-a-weekly-1", price=2.99, currency="USD", store="APP_STORE")),
        ("a.initial.weekly.duplicate", whb, rc_event(
            "golden-evt-a-initial", "INITIAL_PURCHASE", app_user_id=U("a"), original_app_user_id=U("a"),
            aliases=[U("a")], product_id="weekly_001", period_type="NORMAL", environment="PRODUCTION",
            purchased_at_ms=now_ms, expiration_at_ms=now_ms + week_ms + 123,
            event_timestamp_ms=now_ms, transaction_id="golden-txn-a-weekly-1",
            original_transaction_id="golden-txn-a-weekly-1", price=2.99, currency="USD", store="APP_STORE")),
        ("b.points1000", whb, rc_event(
            "golden-evt-b-points", "NON_RENEWING_PURCHASE", app_user_id=U("b"), original_app_user_id=U("b"),
            product_id="points_1000", environment="PRODUCTION", purchased_at_ms=now_ms,
            event_timestamp_ms=now_ms, transaction_id="golden-txn-b-points-1", price=0.99, currency="CNY",
            store="APP_STORE")),
        ("b.points1000.same_txn_new_event", whb, rc_event(
            "golden-evt-b-points-redelivered", "NON_RENEWING_PURCHASE", app_user_id=U("b"),
            product_id="points_1000", environment="PRODUCTION", purchased_at_ms=now_ms,
            event_timestamp_ms=now_ms + 1, transaction_id="golden-txn-b-points-1", price=0.99,
            currency="CNY")),
        ("a.points3000.sandbox", wh, rc_event(
            "golden-evt-a-points-sandbox", "NON_RENEWING_PURCHASE", app_user_id=U("a"),
            product_id="points_3000", environment="SANDBOX", purchased_at_ms=now_ms,
            event_timestamp_ms=now_ms, transaction_id="golden-txn-a-points-1", price="2.49")),
        ("c.lifetime.unlisted_name", wh, rc_event(
            "golden-evt-c-life", "NON_RENEWING_PURCHASE", app_user_id=U("c"), original_app_user_id=U("c"),
            product_id="com.x.life_vip", environment="PRODUCTION", purchased_at_ms=now_ms,
            event_timestamp_ms=now_ms, transaction_id="golden-txn-c-life-1", price=19.99, currency="USD")),
        ("d.something_week.expired_already", wh, rc_event(
            "golden-evt-d-week", "INITIAL_PURCHASE", app_user_id=U("d"), original_app_user_id=U("d"),
            product_id="something_week", environment="PRODUCTION", purchased_at_ms=now_ms - 2 * week_ms,
            expiration_at_ms=now_ms - week_ms, event_timestamp_ms=now_ms, transaction_id="golden-txn-d-1")),
        ("e.initial.weekly", wh, rc_event(
            "golden-evt-e-initial", "INITIAL_PURCHASE", app_user_id=U("e"), original_app_user_id=U("e"),
            product_id="weekly_001", environment="PRODUCTION", purchased_at_ms=now_ms,
            expiration_at_ms=now_ms + week_ms, event_timestamp_ms=now_ms, transaction_id="golden-txn-e-1")),
        ("e.expiration", wh, rc_event(
            "golden-evt-e-expiration", "EXPIRATION", app_user_id=U("e"), original_app_user_id=U("e"),
            product_id="weekly_001", environment="PRODUCTION", expiration_at_ms=now_ms + week_ms,
            event_timestamp_ms=now_ms + 1000, expiration_reason="UNSUBSCRIBE")),
        ("b.unknown_product", wh, rc_event(
            "golden-evt-b-unknown", "NON_RENEWING_PURCHASE", app_user_id=U("b"), product_id="mystery_box",
            environment="PRODUCTION", purchased_at_ms=now_ms, transaction_id="golden-txn-b-mystery")),
        ("b.points.missing_txn", wh, rc_event(
            "golden-evt-b-points-notxn", "NON_RENEWING_PURCHASE", app_user_id=U("b"),
            product_id="points_3000", environment="PRODUCTION", purchased_at_ms=now_ms)),
        ("ghost_user.weekly", wh, rc_event(
            "golden-evt-ghost", "INITIAL_PURCHASE", app_user_id="1", product_id="weekly_001",
            environment="PRODUCTION", purchased_at_ms=now_ms, expiration_at_ms=now_ms + week_ms)),
        ("anonymous_id", wh, rc_event(
            "golden-evt-anon", "INITIAL_PURCHASE", app_user_id="$RCAnonymousID:0123abcd",
            product_id="weekly_001", environment="PRODUCTION", purchased_at_ms=now_ms)),
    ]
    for name, hdrs, payload in events:
        r.call(f"seed.webhook.{name}", "POST", "/api/v1/subscription/webhook", headers=hdrs,
               json_body=payload, mutates=True)


def seed_tasks(r: Recorder, st: dict, webhook_secret: str) -> None:
    """After the weekly reward ran: cancel A's weekly, A creates tasks the worker will finish."""
    ids = st["users"]
    now_ms = int(time.time()) * 1000
    week_ms = 7 * 24 * 3600 * 1000
    r.call("seed.webhook.a.cancellation", "POST", "/api/v1/subscription/webhook",
           headers={"Authorization": webhook_secret},
           json_body=rc_event("golden-evt-a-cancel", "CANCELLATION", app_user_id=ids["a"],
                              original_app_user_id=ids["a"], product_id="weekly_001",
                              environment="PRODUCTION", expiration_at_ms=now_ms + week_ms,
                              event_timestamp_ms=now_ms, cancel_reason="UNSUBSCRIBE"),
           mutates=True)
    tasks = st.setdefault("tasks", {})
    a = {"user_id": ids["a"]}
    c = r.call("seed.emoji.create.a.with_boxes", "POST", "/api/v1/emoji/create", auth=a,
               json_body={"image_url": "https://example.com/golden/a1.jpg", "driven_id": "mengwa_kaixin",
                          "face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200]},
               mutates=True, auto_volatile=True)
    tasks["a_done_1"] = c["response"]["json"]["data"]["id"]
    c = r.call("seed.emoji.create.a.detect_first", "POST", "/api/v1/emoji/create", auth=a,
               json_body={"image_url": "https://example.com/golden/a2.png", "driven_id": "jingdian_xiao"},
               mutates=True, auto_volatile=True)
    tasks["a_done_2"] = c["response"]["json"]["data"]["id"]


def seed_pending(r: Recorder, st: dict, webhook_secret: str) -> None:
    """With no worker running: tasks stay pending."""
    ids = st["users"]
    tasks = st["tasks"]
    c = r.call("seed.emoji.create.a.pending", "POST", "/api/v1/emoji/create", auth={"user_id": ids["a"]},
               json_body={"image_url": "https://example.com/golden/a3.webp", "driven_id": "mengwa_kaixin",
                          "face_bbox": [1, 2, 3, 4], "ext_bbox": [5, 6, 7, 8]},
               mutates=True, auto_volatile=True)
    tasks["a_pending"] = c["response"]["json"]["data"]["id"]
    c = r.call("seed.emoji.create.b.pending", "POST", "/api/v1/emoji/create", auth={"user_id": ids["b"]},
               json_body={"image_url": "https://example.com/golden/b1.jpg", "driven_id": "mengwa_kaixin"},
               mutates=True, auto_volatile=True)
    tasks["b_pending"] = c["response"]["json"]["data"]["id"]


def seed_queue_down(r: Recorder, st: dict, webhook_secret: str) -> None:
    """With the queue (Redis) stopped: the original marks the task failed at once."""
    ids = st["users"]
    c = r.call("seed.emoji.create.a.queue_down", "POST", "/api/v1/emoji/create", auth={"user_id": ids["a"]},
               json_body={"image_url": "https://example.com/golden/a4.jpg", "driven_id": "mengwa_kaixin",
                          "face_bbox": [1, 1, 50, 50], "ext_bbox": [0, 0, 60, 60]},
               mutates=True, auto_volatile=True,
               note="recorded with Redis stopped: task failed at once, points NOT refunded by the original")
    st["tasks"]["a_failed"] = c["response"]["json"]["data"]["id"]


# ---------------------------------------------------------------- replay

def replay_cases(r: Recorder, st: dict, webhook_secret: str, secret_key: str) -> None:
    U = st["users"]
    T = st["tasks"]
    O = st["orders"]
    A = {"user_id": U["a"]}
    B = {"user_id": U["b"]}
    C = {"user_id": U["c"]}
    D = {"user_id": U["d"]}
    E = {"user_id": U["e"]}
    P = "/api/v1"
    JSON = {"Content-Type": "application/json"}

    # --- meta routes
    r.call("health_check", "GET", f"{P}/utils/health-check/")
    r.call("health_check.no_slash", "GET", f"{P}/utils/health-check",
           note="FastAPI redirect_slashes: 307 to the slash form; location compared by path only")
    r.call("config", "GET", f"{P}/config")
    r.call("config.with_auth_ignored", "GET", f"{P}/config", auth=A)
    r.call("config.trailing_slash", "GET", f"{P}/config/")
    r.call("config.head", "HEAD", f"{P}/config")
    r.call("config.post_405", "POST", f"{P}/config", json_body={})
    r.call("openapi", "GET", f"{P}/openapi.json",
           galley_differs="Galley serves its own OpenAPI document; the original's is kept as openapi.original.json")
    r.call("docs", "GET", "/docs", galley_differs="HTML page; compare by status and content-type only")
    r.call("redoc", "GET", "/redoc", galley_differs="HTML page; compare by status and content-type only")
    r.call("docs.oauth2_redirect", "GET", "/docs/oauth2-redirect",
           galley_differs="HTML page; compare by status and content-type only")
    r.call("root.404", "GET", "/", galley_differs="envelope {code:404000,...} in Galley, bare detail in the original")
    r.call("unknown.404", "GET", f"{P}/nope",
           galley_differs="envelope in Galley, bare {\"detail\":\"Not Found\"} in the original")
    r.call("unknown.404.post", "POST", f"{P}/nope", json_body={}, galley_differs="envelope in Galley")
    r.call("openapi.unprefixed", "GET", "/openapi.json", galley_differs="Galley serves /openapi.json too")
    r.call("auth.refresh.absent_in_original", "POST", f"{P}/auth/refresh", auth=A,
           galley_differs="route exists in Galley (contract); absent (404) in the original")
    r.call("emoji.upload.absent_in_original", "POST", f"{P}/emoji/upload?ext=jpg", auth=A,
           galley_differs="route exists in Galley (contract); absent (404) in the original")
    r.call("health.absent_in_original", "GET", "/health", galley_differs="Galley addition")
    r.call("ready.absent_in_original", "GET", "/ready", galley_differs="Galley addition")
    r.call("metrics.absent_in_original", "GET", "/metrics", galley_differs="Galley addition")
    r.call("method.405.delete_profile", "DELETE", f"{P}/user/profile", auth=A,
           galley_differs="envelope {code:405000} in Galley, bare detail in the original")
    r.call("method.405.get_login", "GET", f"{P}/auth/login", galley_differs="envelope in Galley")
    r.call("method.405.patch_task", "PATCH", f"{P}/emoji/task/{T['a_done_1']}", auth=A,
           galley_differs="envelope in Galley")
    r.call("method.405.no_auth_needed", "PUT", f"{P}/points/balance", galley_differs="envelope in Galley",
           note="405 is decided by routing, before any auth")
    r.call("method.options.no_cors", "OPTIONS", f"{P}/user/profile", galley_differs="envelope in Galley")
    r.call("cors.preflight.allowed", "OPTIONS", f"{P}/user/profile",
           headers={"Origin": "http://localhost", "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "authorization"},
           note="BACKEND_CORS_ORIGINS=http://localhost,https://localhost,http://localhost.tiangolo.com")
    r.call("cors.preflight.disallowed", "OPTIONS", f"{P}/user/profile",
           headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    r.call("cors.simple.allowed", "GET", f"{P}/config", headers={"Origin": "https://localhost"})
    r.call("cors.simple.disallowed", "GET", f"{P}/config", headers={"Origin": "http://evil.example"})

    # --- auth failures (profile as the probe)
    prof = f"{P}/user/profile"
    r.call("auth.none", "GET", prof)
    r.call("auth.basic", "GET", prof, auth={"header": "Basic eDp5"})
    r.call("auth.bearer_empty", "GET", prof, auth={"header": "Bearer "})
    r.call("auth.bearer_only_word", "GET", prof, auth={"header": "Bearer"})
    r.call("auth.empty_header", "GET", prof, auth={"header": ""})
    r.call("auth.malformed", "GET", prof, auth={"header": "Bearer not-a-jwt"})
    r.call("auth.lowercase_scheme", "GET", prof,
           auth={"header": "bearer " + user_token(U["a"], secret_key, FAR_FUTURE_EXP)},
           note="scheme compared case-insensitively; token valid until 2100")
    r.call("auth.double_space", "GET", prof,
           auth={"header": "Bearer  " + user_token(U["a"], secret_key, FAR_FUTURE_EXP)})
    r.call("auth.expired", "GET", prof, auth={"header": "Bearer " + user_token(U["a"], secret_key, PAST_EXP)})
    r.call("auth.bad_signature", "GET", prof,
           auth={"header": "Bearer " + user_token(U["a"], "some-other-key-0123456789", FAR_FUTURE_EXP)})
    r.call("auth.user_not_in_db", "GET", prof,
           auth={"header": "Bearer " + user_token("123456789012345678", secret_key, FAR_FUTURE_EXP)})
    r.call("auth.sub_not_numeric", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": "abc"}, secret_key)})
    r.call("auth.sub_empty", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": ""}, secret_key)})
    r.call("auth.sub_missing", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP}, secret_key)})
    r.call("auth.sub_integer", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": int(U["a"])}, secret_key)})
    r.call("auth.no_exp_claim", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"sub": U["a"]}, secret_key)},
           galley_differs="the original (PyJWT) accepts a token without exp; the contract says exp is checked")
    r.call("auth.alg_none", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": U["a"]}, "", alg="none",
                                                 header={"alg": "none", "typ": "JWT"})})
    r.call("auth.alg_hs512", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": U["a"]}, secret_key, alg="HS512")})
    r.call("auth.no_typ_header", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": U["a"]}, secret_key,
                                                 header={"alg": "HS256"})})
    r.call("auth.sub_with_spaces", "GET", prof,
           auth={"header": "Bearer " + mint_jwt({"exp": FAR_FUTURE_EXP, "sub": f" {U['a']} "}, secret_key)},
           note="int(' 123 ') succeeds in Python")
    for route in ["/user/profile", "/points/balance", "/points/transactions", "/emoji/history",
                  "/subscription/status", "/order/list", f"/emoji/task/{T['a_done_1']}",
                  f"/order/{O['a.points']['order_no']}"]:
        r.call(f"auth.none.GET{route.replace('/', '.')}", "GET", P + route)
    r.call("auth.none.PUT.profile", "PUT", prof, json_body={"nickname": "x"})
    r.call("auth.none.POST.order_create", "POST", f"{P}/order/create",
           json_body={"product_type": "points_pack", "product_id": "points_1000"})
    r.call("auth.none.POST.emoji_create", "POST", f"{P}/emoji/create",
           json_body={"image_url": "https://example.com/x.jpg", "driven_id": "d"})
    r.call("auth.none.POST.emoji_detect", "POST", f"{P}/emoji/detect")
    r.call("auth.none.DELETE.task", "DELETE", f"{P}/emoji/task/{T['a_done_1']}")
    r.call("auth.none.invalid_json_body", "PUT", prof, headers=JSON, body="{nope",
           note="JSON decoding happens before dependencies: 422 wins over 403")
    r.call("auth.none.missing_body_field", "POST", f"{P}/order/create", json_body={},
           note="dependencies (auth) run before body validation: 403 wins over 422")
    r.call("auth.none.bad_query", "GET", f"{P}/points/transactions?page=abc")
    r.call("auth.bad_token.bad_query", "GET", f"{P}/points/transactions?page=abc",
           auth={"header": "Bearer not-a-jwt"})

    # --- profile / points / subscription for every user
    for k, who in [("a", A), ("b", B), ("c", C), ("d", D), ("e", E)]:
        r.call(f"profile.{k}", "GET", prof, auth=who)
        r.call(f"balance.{k}", "GET", f"{P}/points/balance", auth=who)
        r.call(f"transactions.{k}", "GET", f"{P}/points/transactions", auth=who)
        r.call(f"subscription.{k}", "GET", f"{P}/subscription/status", auth=who)
        r.call(f"history.{k}", "GET", f"{P}/emoji/history", auth=who)
        r.call(f"orders.{k}", "GET", f"{P}/order/list", auth=who)
    r.call("profile.trailing_slash", "GET", prof + "/", auth=A)
    r.call("profile.query_ignored", "GET", prof + "?foo=bar", auth=A)

    tx = f"{P}/points/transactions"
    for name, q in [("page2", "?page=2"), ("page_size1", "?page_size=1"), ("page2_size1", "?page=2&page_size=1"),
                    ("page0", "?page=0"), ("page_neg", "?page=-1"), ("page_size0", "?page_size=0"),
                    ("page_size100", "?page_size=100"), ("page_size101", "?page_size=101"),
                    ("page_abc", "?page=abc"), ("page_empty", "?page="), ("page_float", "?page=1.5"),
                    ("page_float_int", "?page=2.0"), ("page_plus", "?page=%2B2"), ("page_spaces", "?page=%201%20"),
                    ("page_huge", "?page=99999999999999999999"), ("page_far", "?page=1000"),
                    ("page_repeated", "?page=2&page=1"), ("both_bad", "?page=0&page_size=abc"),
                    ("unknown_param", "?foo=1"), ("page_size_underscore", "?page_size=1_0")]:
        r.call(f"transactions.a.{name}", "GET", tx + q, auth=A)
    for name, q in [("page2_size1", "?page=2&page_size=1"), ("page0", "?page=0"), ("page_size101", "?page_size=101")]:
        r.call(f"history.a.{name}", "GET", f"{P}/emoji/history{q}", auth=A)
        r.call(f"orders.a.{name}", "GET", f"{P}/order/list{q}", auth=A)

    # --- tasks
    for tk in ["a_done_1", "a_done_2", "a_pending", "a_failed"]:
        r.call(f"task.{tk}", "GET", f"{P}/emoji/task/{T[tk]}", auth=A)
    r.call("task.b_pending.own", "GET", f"{P}/emoji/task/{T['b_pending']}", auth=B)
    r.call("task.other_users", "GET", f"{P}/emoji/task/{T['b_pending']}", auth=A)
    r.call("task.nonexistent", "GET", f"{P}/emoji/task/1", auth=A)
    r.call("task.non_integer", "GET", f"{P}/emoji/task/abc", auth=A)
    r.call("task.negative", "GET", f"{P}/emoji/task/-5", auth=A)
    r.call("task.float", "GET", f"{P}/emoji/task/1.5", auth=A)
    r.call("task.too_big_for_bigint", "GET", f"{P}/emoji/task/99999999999999999999", auth=A,
           note="Python int is unbounded; the original hands it to PostgreSQL")
    r.call("task.trailing_slash", "GET", f"{P}/emoji/task/{T['a_done_1']}/", auth=A)
    r.call("task.no_id", "GET", f"{P}/emoji/task/", auth=A)
    r.call("task.delete.other_users", "DELETE", f"{P}/emoji/task/{T['b_pending']}", auth=A)
    r.call("task.delete.nonexistent", "DELETE", f"{P}/emoji/task/1", auth=A)
    r.call("task.delete.non_integer", "DELETE", f"{P}/emoji/task/abc", auth=A)

    # --- orders
    for name, o in O.items():
        r.call(f"order.get.{name}", "GET", f"{P}/order/{o['order_no']}", auth={"user_id": U[o['user']]})
    r.call("order.get.other_users", "GET", f"{P}/order/{O['b.points']['order_no']}", auth=A)
    r.call("order.get.unknown", "GET", f"{P}/order/o_nope", auth=A)
    r.call("order.get.webhook_order", "GET", f"{P}/order/golden-txn-b-points-1", auth=B)
    r.call("order.get.list_word_is_route", "GET", f"{P}/order/list/", auth=A)
    oc = f"{P}/order/create"
    r.call("order.create.bad_product_type", "POST", oc, auth=A,
           json_body={"product_type": "gift", "product_id": "points_1000"})
    r.call("order.create.quantity0", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "quantity": 0})
    r.call("order.create.quantity_too_big", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "quantity": 100001})
    r.call("order.create.quantity_string", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "quantity": "two"})
    r.call("order.create.quantity_float", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "quantity": 1.5})
    r.call("order.create.missing_product_id", "POST", oc, auth=A, json_body={"product_type": "points_pack"})
    r.call("order.create.empty_product_id", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": ""})
    r.call("order.create.product_id_65", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "p" * 65})
    r.call("order.create.currency_9", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "p", "currency": "ABCDEFGHI"})
    r.call("order.create.amount_not_number", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "p", "amount": "abc"})
    r.call("order.create.empty_object", "POST", oc, auth=A, json_body={})
    r.call("order.create.not_json", "POST", oc, auth=A, headers=JSON, body="product_type=points_pack")
    r.call("order.create.truncated_json", "POST", oc, auth=A, headers=JSON, body='{"product_type": "points_pack"')
    r.call("order.create.json_array", "POST", oc, auth=A, json_body=[{"product_type": "points_pack"}])
    r.call("order.create.json_null", "POST", oc, auth=A, headers=JSON, body="null")
    r.call("order.create.json_string", "POST", oc, auth=A, headers=JSON, body='"hello"')
    r.call("order.create.no_body", "POST", oc, auth=A)
    r.call("order.create.empty_body_json_ct", "POST", oc, auth=A, headers=JSON, body="")
    r.call("order.create.text_plain_ct", "POST", oc, auth=A, headers={"Content-Type": "text/plain"},
           body='{"product_type": "points_pack", "product_id": "points_1000"}')
    r.call("order.create.multiple_errors", "POST", oc, auth=A,
           json_body={"product_type": "x", "quantity": -1, "amount": [], "currency": 5})
    r.call("order.create.amount_overflow", "POST", oc, auth=A,
           json_body={"product_type": "points_pack", "product_id": "p", "amount": "123456789012"},
           note="passes validation, NUMERIC(10,2) overflow in PostgreSQL: the original answers a bare 500")
    r.call("order.create.amount_nan", "POST", oc, auth=A, headers=JSON,
           body='{"product_type": "points_pack", "product_id": "p", "amount": NaN}')

    # --- profile validation
    r.call("profile.put.nickname_65", "PUT", prof, auth=A, json_body={"nickname": "n" * 65})
    r.call("profile.put.nickname_number", "PUT", prof, auth=A, json_body={"nickname": 123})
    r.call("profile.put.invalid_json", "PUT", prof, auth=A, headers=JSON, body="{")
    r.call("profile.put.json_array", "PUT", prof, auth=A, json_body=["x"])
    r.call("profile.put.no_body", "PUT", prof, auth=A,
           note="an optional-fields-only body model: a missing body is 422 missing in FastAPI 0.115")

    # --- login validation (no mutation)
    lg = f"{P}/auth/login"
    r.call("login.missing_device_id", "POST", lg, json_body={})
    r.call("login.empty_device_id", "POST", lg, json_body={"device_id": ""})
    r.call("login.device_id_129", "POST", lg, json_body={"device_id": "d" * 129})
    r.call("login.device_id_number", "POST", lg, json_body={"device_id": 12345})
    r.call("login.device_id_null", "POST", lg, json_body={"device_id": None})
    r.call("login.no_body", "POST", lg)
    r.call("login.invalid_json", "POST", lg, headers=JSON, body='{"device_id": ')
    r.call("login.json_array", "POST", lg, json_body=["golden-device-a"])
    r.call("login.form_encoded", "POST", lg, headers={"Content-Type": "application/x-www-form-urlencoded"},
           body="device_id=golden-device-a")

    # --- detect (storage is not configured in the recording)
    det = f"{P}/emoji/detect"
    bnd = "goldenboundary7MA4YWxkTrZu0gW"
    mct = {"Content-Type": f"multipart/form-data; boundary={bnd}"}
    r.call("detect.no_file", "POST", det, auth=A, headers=mct, body=multipart([("other", None, None, b"x")], bnd))
    r.call("detect.no_body", "POST", det, auth=A)
    r.call("detect.empty_filename", "POST", det, auth=A, headers=mct,
           body=multipart([("file", "", "image/png", PNG_1x1)], bnd))
    r.call("detect.bad_extension", "POST", det, auth=A, headers=mct,
           body=multipart([("file", "face.gif", "image/gif", b"GIF89a")], bnd))
    r.call("detect.no_extension", "POST", det, auth=A, headers=mct,
           body=multipart([("file", "face", "image/png", PNG_1x1)], bnd))
    big = multipart([("file", "big.jpg", "image/jpeg", b"@@BIG@@")], bnd).decode()
    head, tail = big.split("@@BIG@@")
    r.call("detect.too_large", "POST", det, auth=A, headers=mct,
           body=BodyParts([{"text": head}, {"repeat": "a", "count": 10 * 1024 * 1024 + 1}, {"text": tail}]),
           note="a 10 MiB + 1 byte file; body stored as body_parts")
    r.call("detect.valid_png_storage_unconfigured", "POST", det, auth=A, headers=mct,
           body=multipart([("file", "face.PNG", "image/png", PNG_1x1)], bnd),
           note="OSS_* unset in the recording: 500001 'OSS not configured'")
    r.call("detect.json_body", "POST", det, auth=A, json_body={"file": "x"})

    # --- emoji create validation / insufficient points (no mutation)
    ec = f"{P}/emoji/create"
    r.call("emoji.create.insufficient_points", "POST", ec, auth=E,
           json_body={"image_url": "https://example.com/c.jpg", "driven_id": "mengwa_kaixin",
                      "face_bbox": [1, 2, 3, 4], "ext_bbox": [1, 2, 3, 4]},
           note="user E has 0 points (its weekly subscription expired before the reward run)")
    r.call("emoji.create.missing_fields", "POST", ec, auth=A, json_body={})
    r.call("emoji.create.empty_strings", "POST", ec, auth=A, json_body={"image_url": "", "driven_id": ""})
    r.call("emoji.create.driven_id_65", "POST", ec, auth=A,
           json_body={"image_url": "https://example.com/x.jpg", "driven_id": "d" * 65})
    r.call("emoji.create.bbox_strings", "POST", ec, auth=A,
           json_body={"image_url": "https://example.com/x.jpg", "driven_id": "d", "face_bbox": ["a"],
                      "ext_bbox": "no"})

    # --- webhook errors (no mutation)
    wu = f"{P}/subscription/webhook"
    okh = {"Authorization": webhook_secret}
    ev = rc_event("golden-evt-replay-x", "INITIAL_PURCHASE", app_user_id=U["a"], product_id="weekly_001")
    r.call("webhook.no_secret", "POST", wu, json_body=ev)
    r.call("webhook.wrong_secret", "POST", wu, headers={"Authorization": "nope"}, json_body=ev)
    r.call("webhook.bearer_wrong", "POST", wu, headers={"Authorization": "Bearer nope"}, json_body=ev)
    r.call("webhook.secret_lowercase_bearer", "POST", wu, headers={"Authorization": f"bearer {webhook_secret}"},
           json_body=ev, note="only exact 'Bearer <secret>' or the raw secret are accepted")
    r.call("webhook.wrong_secret.invalid_json", "POST", wu, headers={"Authorization": "nope", **JSON}, body="{",
           note="body is decoded before the handler: 422 wins over 401")
    r.call("webhook.invalid_json", "POST", wu, headers={**okh, **JSON}, body="{not json")
    r.call("webhook.json_array", "POST", wu, headers=okh, json_body=[1, 2])
    r.call("webhook.no_body", "POST", wu, headers=okh)
    r.call("webhook.no_event", "POST", wu, headers=okh, json_body={"api_version": "1.0"},
           note="no event object: 400001 (the contract keeps a 4xx here)")
    r.call("webhook.event_not_object", "POST", wu, headers=okh, json_body={"event": "x"})
    r.call("webhook.missing_event_id", "POST", wu, headers=okh, json_body={"event": {"type": "TEST"}})
    r.call("webhook.missing_event_type", "POST", wu, headers=okh, json_body={"event": {"id": "golden-x-1"}})
    r.call("webhook.empty_event_id", "POST", wu, headers=okh, json_body={"event": {"id": "", "type": "TEST"}})
    r.call("webhook.duplicate_seeded_event", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-a-initial", "INITIAL_PURCHASE", app_user_id=U["a"],
                              product_id="weekly_001"))
    r.call("webhook.duplicate_seeded_test_event", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-test-1", "TEST"))
    r.call("webhook.missing_app_user_id", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-replay-noapp", "INITIAL_PURCHASE", product_id="weekly_001"),
           galley_differs="contract: stored and answered 200, the worker decides")
    r.call("webhook.invalid_app_user_id", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-replay-badapp", "INITIAL_PURCHASE", app_user_id="not-a-number",
                              product_id="weekly_001"),
           galley_differs="contract: stored and answered 200, the worker decides")
    r.call("webhook.missing_product_id", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-replay-noprod", "INITIAL_PURCHASE", app_user_id=U["a"]),
           galley_differs="contract: stored and answered 200, the worker decides")
    r.call("webhook.points_missing_transaction_id", "POST", wu, headers=okh,
           json_body=rc_event("golden-evt-replay-notxn", "NON_RENEWING_PURCHASE", app_user_id=U["b"],
                              product_id="points_1000"),
           galley_differs="contract: stored and answered 200, the worker decides")

    # --- mutating cases, in this order, on a fresh copy of the dump
    r.call("mut.webhook.new_test_event", "POST", wu, headers=okh, mutates=True,
           json_body=rc_event("golden-evt-replay-test-2", "TEST", app_user_id="x"))
    r.call("mut.webhook.new_test_event.duplicate", "POST", wu, headers={"Authorization": f"Bearer {webhook_secret}"},
           mutates=True, json_body=rc_event("golden-evt-replay-test-2", "TEST", app_user_id="x"))
    r.call("mut.webhook.unknown_product", "POST", wu, headers=okh, mutates=True,
           json_body=rc_event("golden-evt-replay-unknown", "NON_RENEWING_PURCHASE", app_user_id=U["c"],
                              product_id="mystery_box_2", transaction_id="golden-txn-replay-unknown"))
    r.call("mut.profile.put.a", "PUT", prof, auth=A, json_body={"nickname": " Chef A2 "}, mutates=True)
    r.call("mut.profile.put.a.empty_object", "PUT", prof, auth=A, json_body={}, mutates=True,
           note="nickname omitted means null: the original clears it")
    r.call("mut.profile.put.a.extra_field", "PUT", prof, auth=A, json_body={"nickname": "A3", "is_vip": False,
                                                                               "id": 1}, mutates=True)
    r.call("mut.profile.get.a.after", "GET", prof, auth=A)
    r.call("mut.order.create.a.valid", "POST", oc, auth=A, mutates=True,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "quantity": 2,
                      "amount": "1.98", "currency": "USD"},
           volatile=["data.order_no", "data.created_at"])
    r.call("mut.order.create.a.extra_fields", "POST", oc, auth=A, mutates=True,
           json_body={"product_type": "subscription", "product_id": "weekly_001", "status": "paid",
                      "order_no": "mine", "user_id": 1},
           volatile=["data.order_no", "data.created_at"])
    r.call("mut.order.create.a.amount_number", "POST", oc, auth=A, mutates=True,
           json_body={"product_type": "points_pack", "product_id": "points_1000", "amount": 3},
           volatile=["data.order_no", "data.created_at"])
    r.call("mut.orders.a.count_after", "GET", f"{P}/order/list?page=1&page_size=1", auth=A,
           volatile=["data.data[0].order_no", "data.data[0].created_at"])
    r.call("mut.emoji.create.a", "POST", ec, auth=A, mutates=True,
           json_body={"image_url": "https://example.com/golden/replay.jpg", "driven_id": "mengwa_kaixin",
                      "face_bbox": [0, 0, 10, 10], "ext_bbox": [0, 0, 20, 20]},
           volatile=["data.id", "data.created_at"])
    r.call("mut.balance.a.after_create", "GET", f"{P}/points/balance", auth=A)
    r.call("mut.task.delete.a_done_1", "DELETE", f"{P}/emoji/task/{T['a_done_1']}", auth=A, mutates=True)
    r.call("mut.task.get.a_done_1.after_delete", "GET", f"{P}/emoji/task/{T['a_done_1']}", auth=A)
    r.call("mut.task.delete.a_done_1.again", "DELETE", f"{P}/emoji/task/{T['a_done_1']}", auth=A, mutates=True)
    r.call("mut.task.delete.a_failed", "DELETE", f"{P}/emoji/task/{T['a_failed']}", auth=A, mutates=True)
    r.call("mut.balance.a.after_deletes", "GET", f"{P}/points/balance", auth=A,
           note="the original never refunds on delete")
    r.call("mut.login.existing_device", "POST", lg, json_body={"device_id": "golden-device-b"}, mutates=True,
           volatile=["data.access_token"])
    r.call("mut.login.existing_device.extra_fields", "POST", lg, mutates=True,
           json_body={"device_id": "golden-device-c", "platform": "ios"}, volatile=["data.access_token"])
    r.call("mut.login.new_device", "POST", lg, json_body={"device_id": "golden-device-new-" + "x" * 110},
           mutates=True, volatile=["data.access_token", "data.user.id"])
    r.call("mut.login.new_device.unicode", "POST", lg, json_body={"device_id": "设备-🍳"},
           mutates=True, volatile=["data.access_token", "data.user.id"])
    r.call("mut.login.device_id_spaces_kept", "POST", lg, json_body={"device_id": " golden-device-a "},
           mutates=True, volatile=["data.access_token", "data.user.id"],
           note="device_id is not trimmed: a new user")


STEPS = {
    "seed-accounts": seed_accounts,
    "seed-tasks": seed_tasks,
    "seed-pending": seed_pending,
    "seed-queue-down": seed_queue_down,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--out", required=True, help="fixture directory (seed.json / replay.json)")
    ap.add_argument("--secret-key", required=True, help="the server's SECRET_KEY (HS256)")
    ap.add_argument("--webhook-secret", required=True, help="the server's REVENUECAT_WEBHOOK_SECRET")
    ap.add_argument("--step", required=True, choices=[*STEPS, "replay"])
    ap.add_argument("--original-commit", default="")
    ap.add_argument("--config-file", help="business config JSON the server runs with (recorded as metadata)")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    seed_path = os.path.join(args.out, "seed.json")
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if os.path.exists(seed_path):
        with open(seed_path, encoding="utf-8") as f:
            seed = json.load(f)
    else:
        seed = None

    if args.step in STEPS:
        if args.step == "seed-accounts" or seed is None:
            seed = {"metadata": {}, "state": {}, "cases": []}
        st = seed["state"]
        st.setdefault("_tokens", {})
        r = Recorder(args.base_url, args.secret_key, args.step)
        STEPS[args.step](r, st, args.webhook_secret)
        seed["cases"].extend(r.cases)
        seed["metadata"].update(metadata(args, now))
        seed["metadata"]["steps_recorded"] = seed["metadata"].get("steps_recorded", []) + [args.step]
        st_public = {k: v for k, v in st.items() if not k.startswith("_")}
        out = {"metadata": seed["metadata"], "state": st_public, "cases": seed["cases"]}
        # tokens are kept only while seeding (needed by later steps); they are volatile anyway
        out["state"]["_tokens"] = st.get("_tokens", {})
        write_json(seed_path, out)
        print(f"{len(r.cases)} seed cases recorded ({args.step})", file=sys.stderr)
        return 0

    if seed is None:
        print("seed.json missing: run the seed steps first", file=sys.stderr)
        return 2
    st = seed["state"]
    r = Recorder(args.base_url, args.secret_key, "replay")
    replay_cases(r, st, args.webhook_secret, args.secret_key)
    md = metadata(args, now)
    md["state"] = {k: v for k, v in st.items() if not k.startswith("_")}
    write_json(os.path.join(args.out, "replay.json"), {"metadata": md, "cases": r.cases})
    # drop seed tokens from seed.json once replay is recorded
    seed["state"].pop("_tokens", None)
    write_json(seed_path, seed)
    print(f"{len(r.cases)} replay cases recorded", file=sys.stderr)
    return 0


def metadata(args, now: str) -> dict:
    md = {
        "original": "github.com/zero2one-creator/AI-PIC backend/",
        "original_commit": args.original_commit,
        "recorded_at": now,
        "secret_key": args.secret_key,
        "jwt": {"alg": "HS256", "header": {"alg": "HS256", "typ": "JWT"}, "claims": ["exp", "sub"],
                "sub": "user id as a decimal string"},
        "webhook_secret": args.webhook_secret,
        "base_url_recorded": args.base_url,
        "database_dump": "original.sql",
        "replay_rules": (
            "Restore original.sql into a fresh database, point the server at it, then run every case in "
            "order. Cases with mutates=true change the database; those after them may depend on them. "
            "auth {user_id} means: mint an HS256 JWT {exp: now+1h, sub: user_id} with secret_key. "
            "auth {header} is sent literally. Paths in response.volatile are only checked for presence "
            "and JSON type. galley_differs names cases where the contract lets Galley answer differently."
        ),
    }
    if args.config_file:
        with open(args.config_file, encoding="utf-8") as f:
            md["config"] = json.load(f)
    return md


def write_json(path: str, obj) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
