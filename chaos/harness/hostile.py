"""h. A hostile client (issue 12), bounded and on loopback only: the 1 MiB 90 000-key
body, 1 000-deep nesting, 200 slowloris connections, 100 slow 10 MB uploads without a
token, 10 000 logins from one address and tokens forged with the old built-in key,
all at once, while a normal client (another loopback address) keeps reading its profile.
Measured: the gateway's peak RSS, the normal client's p99, and 5xx answers (none
expected; 503 counts too, since nothing here takes a dependency down)."""
import base64
import collections
import concurrent.futures
import hashlib
import hmac
import json
import socket
import threading
import time

from . import fleet, load
from .common import check, fresh, log, row

ATTACK_SECONDS = 40
# Attack traffic comes from other loopback addresses than the normal client (127.0.0.1),
# so the per-IP connection cap and the login limiter see two clients, as they would.
ATTACKER = "127.0.0.2"
LOGIN_FLOODER = "127.0.0.3"
OLD_KEY = b"galley-local-" + b"development-secret-do-not-deploy"


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _connect(source, timeout=5):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", fleet.GATEWAY_PORT))
    return sock


def _status(sock, deadline):
    data = b""
    while b"\r\n" not in data and time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return "timeout"
        except OSError:
            return "reset"
        if not chunk:
            return "closed"
        data += chunk
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return "timeout" if not data else "garbled"


def _whole(source, payload, timeout=20):
    try:
        sock = _connect(source)
    except OSError:
        return "refused"
    try:
        sock.sendall(payload)
        return _status(sock, time.time() + timeout)
    except OSError:
        return _status(sock, time.time() + 2)
    finally:
        sock.close()


def _forge(user_id):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=")
    head = b64(b'{"alg":"HS256","typ":"JWT"}')
    claims = b64(json.dumps({"exp": int(time.time()) + 3600, "sub": str(user_id)}).encode())
    signature = b64(hmac.new(OLD_KEY, head + b"." + claims, hashlib.sha256).digest())
    return (head + b"." + claims + b"." + signature).decode()


def scenario_h(bin_dir):
    fl = fresh("h", bin_dir, RATE_LIMIT_LOGIN_PER_MINUTE=60, HTTP_HEAD_DEADLINE_SECONDS=10,
               HTTP_BODY_DEADLINE_SECONDS=10)
    try:
        fl.start_gateway()
        pid = fl.gateway.pid
        token, user_id = load.login(load.Client(), "chaos-h-normal")
        lock = threading.Lock()
        answers = collections.defaultdict(collections.Counter)
        held = []
        stop = threading.Event()
        rss = [_rss_kib(pid)]
        latencies = []

        def note(kind, status):
            with lock:
                answers[kind][status] += 1

        def sample_rss():
            while not stop.is_set():
                rss.append(_rss_kib(pid))
                time.sleep(0.2)

        def normal_client():
            client = load.Client(timeout=10)
            while not stop.is_set():
                t0 = time.time()
                status, _, _ = client.request("GET", load.api("/user/profile"), headers={"Authorization": f"Bearer {token}"})
                with lock:
                    latencies.append(time.time() - t0)
                note("normal client", status)
                time.sleep(0.02)

        keys = ",".join(f'"k{i}":0' for i in range(90_000))
        many = ("{" + keys + "}").encode()
        many += b" " * max(0, 1024 * 1024 - len(many))
        deep = b"[" * 1000 + b"]" * 1000

        def body_request(path, body, extra=b""):
            return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode() + extra + b"\r\n" + body

        def big_bodies():
            for i in range(40):
                if stop.is_set():
                    return
                note("1 MiB 90 000 keys", _whole(ATTACKER, body_request("/api/v1/auth/login", many)))
                note("1 000-deep nesting", _whole(ATTACKER, body_request("/api/v1/auth/login", deep)))

        def slowloris(i):
            # A POST whose 1 000-byte body comes a byte every 2 s: cut by the body deadline.
            t0 = time.time()
            try:
                sock = _connect(ATTACKER)
            except OSError:
                note("slowloris", "refused")
                return
            try:
                sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 1000\r\n\r\n")
                status = "held"
                while time.time() - t0 < ATTACK_SECONDS and not stop.is_set():
                    try:
                        sock.send(b" ")
                    except OSError:
                        status = "closed"
                        break
                    got = _status(sock, time.time() + 2)
                    if got != "timeout":
                        status = got
                        break
                note("slowloris", status)
                with lock:
                    held.append(time.time() - t0)
            finally:
                sock.close()

        def slow_upload(i):
            try:
                sock = _connect(ATTACKER)
            except OSError:
                note("slow 10 MB upload, no token", "refused")
                return
            try:
                sock.sendall(b"POST /api/v1/emoji/detect HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: multipart/form-data; boundary=hostile\r\nContent-Length: 10000000\r\n\r\n")
                sock.send(b"--hostile\r\n")
                note("slow 10 MB upload, no token", _status(sock, time.time() + 10))
            except OSError:
                note("slow 10 MB upload, no token", "reset")
            finally:
                sock.close()

        def login_flood():
            payload = body_request("/api/v1/auth/login", b'{"device_id":"chaos-h-flood"}')
            def one(_):
                note("10 000 logins, one address", _whole(LOGIN_FLOODER, payload, timeout=10))
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(one, range(10_000)))

        def forged():
            forged_token = _forge(user_id)
            payload = (f"GET /api/v1/user/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {forged_token}\r\n"
                       "Connection: close\r\n\r\n").encode()
            for _ in range(500):
                if stop.is_set():
                    return
                note("forged token (old built-in key)", _whole(ATTACKER, payload))

        background = [threading.Thread(target=sample_rss, daemon=True), threading.Thread(target=normal_client, daemon=True)]
        for t in background:
            t.start()
        time.sleep(2)
        baseline = list(latencies)
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=320) as pool:
            futures = [pool.submit(slowloris, i) for i in range(200)]
            futures += [pool.submit(slow_upload, i) for i in range(100)]
            futures += [pool.submit(big_bodies), pool.submit(login_flood), pool.submit(forged)]
            for f in futures:
                f.result()
        attack_seconds = time.time() - started
        stop.set()
        for t in background:
            t.join(timeout=15)
        during = sorted(latencies[len(baseline):])
        p99 = during[int(len(during) * 0.99) - 1] if during else float("nan")
        p50 = during[len(during) // 2] if during else float("nan")
        alive = fl.gateway.alive() and fl.gateway.pid == pid
        status_after, _, _ = load.Client().request("GET", "/health")
        five = {f"{kind} → {k}": v for kind, c in answers.items() for k, v in c.items() if isinstance(k, int) and k >= 500}
        normal_bad = sum(v for k, v in answers["normal client"].items() if k != 200)
        details = [f"{kind}: " + " ".join(f"{k}:{v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))
                   for kind, c in sorted(answers.items())]
        longest = max(held) if held else 0
        notes = (f"attack {attack_seconds:.0f} s; gateway RSS {rss[0] // 1024} MiB before, peak {max(rss) // 1024} MiB; "
                 f"normal client p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(during)} requests "
                 f"({normal_bad} not 200); slowloris held at most {longest:.0f} s (HTTP_BODY_DEADLINE_SECONDS=10); "
                 f"5xx: {sum(five.values())}; gateway alive, same pid: {alive}; /health after {status_after}")
        for d in details:
            log("  h: " + d)
        results = check(fl.db)
        sent = sum(sum(c.values()) for c in answers.values())
        answered = sum(v for c in answers.values() for k, v in c.items() if isinstance(k, int))
        return row("h", "Hostile client", sent, answered, results, notes=notes, details=details,
                   ok_extra=alive and status_after == 200 and not five and normal_bad == 0 and p99 < 0.1)
    finally:
        fl.stop()
