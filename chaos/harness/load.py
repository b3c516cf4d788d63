"""Load: threads, one keep-alive connection each, to the gateway on 127.0.0.1. Every
request is counted by its answer (status code, or `conn_error` when no answer came),
and the ids of accepted requests are kept."""
import collections
import concurrent.futures
import http.client
import json
import threading
import time

from . import fleet


class Client:
    def __init__(self, port=None, timeout=15):
        self.port = port or fleet.GATEWAY_PORT
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Answers (status, parsed JSON or None, headers); status 0 when no answer came."""
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            raw = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return resp.status, parsed, dict(resp.getheaders())
        except (http.client.HTTPException, OSError):
            # No retry: a request sent and not answered may have taken effect, so it is
            # reported as 0 (no answer) and never counted as accepted.
            self.close()
            return 0, None, {}

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None


class Tally:
    """What a scenario sent and what came back."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.status = collections.Counter()
        self.accepted = []
        self.timeline = []  # (seconds since start, status)
        self.codes = collections.Counter()  # (HTTP status, envelope code, Retry-After present) of non-200 answers
        self.t0 = time.time()

    def record(self, status, accepted_id=None, body=None, headers=None):
        with self.lock:
            self.sent += 1
            self.status[status] += 1
            if status not in (0, 200):
                code = body.get("code") if isinstance(body, dict) else None
                retry = any(k.lower() == "retry-after" for k in (headers or {}))
                self.codes[(status, code, retry)] += 1
            self.timeline.append((round(time.time() - self.t0, 2), status))
            if accepted_id is not None:
                self.accepted.append(accepted_id)

    def statuses(self):
        return " ".join(f"{k}:{v}" for k, v in sorted(self.status.items(), key=lambda kv: str(kv[0])))

    def error_codes(self):
        return " ".join(f"{s}/{c}{'+Retry-After' if r else ''}:{n}" for (s, c, r), n in sorted(self.codes.items(), key=str))

    def bad_5xx(self):
        """5xx answers other than 503 (a dependency down)."""
        return sum(v for k, v in self.status.items() if isinstance(k, int) and k >= 500 and k != 503)


def run_jobs(jobs, worker, threads=8, rate=None):
    """Runs `worker(client, job)` over jobs on `threads` threads, each with its own client;
    `rate`, if given, spreads the starts at that many jobs per second."""
    local = threading.local()
    t0 = time.time()

    def call(index_job):
        index, job = index_job
        if rate:
            delay = t0 + index / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        if not hasattr(local, "client"):
            local.client = Client()
        return worker(local.client, job)

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(call, enumerate(jobs)))


def api(path):
    return "/api/v1" + path


def login(client, device_id):
    status, body, _ = client.request("POST", api("/auth/login"), {"device_id": device_id})
    if status != 200:
        raise RuntimeError(f"login failed: {status} {body}")
    data = body["data"]
    return data["access_token"], int(data["user"]["id"])


def login_many(prefix, n, threads=8):
    def one(client, i):
        return login(client, f"{prefix}-{i}")
    return run_jobs(range(n), one, threads=threads)


FACE = [102, 88, 410, 396]
EXT = [40, 20, 480, 460]


def create_task(client, token, image_url, driven_id="mengwa_kaixin", key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    status, body, answer_headers = client.request(
        "POST", api("/emoji/create"), {"image_url": image_url, "driven_id": driven_id, "face_bbox": FACE, "ext_bbox": EXT},
        headers)
    task_id = None
    if status == 200 and isinstance(body, dict) and body.get("code") == 0:
        task_id = int(body["data"]["id"])
    return status, task_id, body, answer_headers


def post_webhook(client, event):
    status, body, _ = client.request("POST", api("/subscription/webhook"), {"api_version": "1.0", "event": event},
                                     {"Authorization": fleet.WEBHOOK_SECRET})
    duplicate = bool(status == 200 and isinstance(body, dict) and (body.get("data") or {}).get("duplicate"))
    return status, duplicate, body
