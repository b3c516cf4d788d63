"""Galley's processes for one scenario: started with the chaos stack's addresses,
logged to .local/chaos/logs/<scenario>/, stopped (or SIGKILLed) by the pid we started."""
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request

from . import stack

# CHAOS_HTTP_PORT moves all four (base, base+10..12), and each can be moved alone, so two
# checkouts can run chaos at once.
_HTTP = int(os.environ.get("CHAOS_HTTP_PORT", "18480"))
GATEWAY_PORT = int(os.environ.get("CHAOS_GATEWAY_PORT", str(_HTTP)))
FAKE_PORT = int(os.environ.get("CHAOS_FAKE_PORT", str(_HTTP + 10)))
EMOJI_METRICS_PORT = int(os.environ.get("CHAOS_EMOJI_METRICS_PORT", str(_HTTP + 11)))
WEBHOOK_METRICS_PORT = int(os.environ.get("CHAOS_WEBHOOK_METRICS_PORT", str(_HTTP + 12)))
# Drawn per chaos run: Galley signs with no key written in the repository.
SECRET_KEY = secrets.token_urlsafe(32)
WEBHOOK_SECRET = secrets.token_urlsafe(32)
WEEK = "2026-W47"

_started = []


def base_env(db):
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith(("POSTGRES_", "REDIS_", "EMOJI_", "WEBHOOK_", "DASHSCOPE_", "OSS_", "RATE_LIMIT_",
                                 "HTTP_", "FAKE_DASHSCOPE_"))
                   or k in ("SNOWFLAKE_NODE_ID", "CONFIG_PATH", "METRICS_PORT"))}
    env.update({
        "POSTGRES_SERVER": "127.0.0.1", "POSTGRES_PORT": str(stack.PG_PORT), "POSTGRES_USER": "galley",
        "POSTGRES_PASSWORD": "", "POSTGRES_DB": db,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(stack.REDIS_PORT), "REDIS_DB": "0",
        "ENVIRONMENT": "local", "SECRET_KEY": SECRET_KEY, "REVENUECAT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LOG_LEVEL": "warning", "MIGRATE_ON_START": "false", "HOST": "127.0.0.1", "PORT": str(GATEWAY_PORT),
        "RATE_LIMIT_LOGIN_PER_MINUTE": "0", "RATE_LIMIT_CREATE_PER_MINUTE": "0",
        "STORAGE_BACKEND": "local", "STORAGE_LOCAL_DIR": os.path.join(stack.STATE, "objects"),
        "OSS_PUBLIC_BASE_URL": f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/storage",
        "ALIYUN_EMOJI_MOCK": "false", "DASHSCOPE_API_KEY": "chaos-key",
        "DASHSCOPE_BASE_URL": f"http://127.0.0.1:{FAKE_PORT}",
        "EMOJI_POLL_INTERVAL_SECONDS": "0.5", "DASHSCOPE_SUBMIT_RATE": "2000", "DASHSCOPE_USER_SHARE": "0", "EMOJI_CONCURRENCY": "150",
        "EMOJI_CLAIM_IDLE_MILLISECONDS": "3000", "SHUTDOWN_DEADLINE_SECONDS": "5",
        "EMOJI_WORKER_CONSUMER": "chaos-emoji", "WEBHOOK_WORKER_CONSUMER": "chaos-webhook",
        "DB_POOL_SIZE": "16", "REDIS_POOL_SIZE": "8", "HTTP_WORKERS": "32",
        "FAKE_DASHSCOPE_PORT": str(FAKE_PORT), "FAKE_DASHSCOPE_HOST": "127.0.0.1",
    })
    return env


class Proc:
    def __init__(self, name, args, env, logdir):
        self.name = name
        os.makedirs(logdir, exist_ok=True)
        self.log_path = os.path.join(logdir, f"{name}.log")
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=stack.ROOT)
        self.pid = self.popen.pid
        _started.append(self)

    def alive(self):
        return self.popen.poll() is None

    def kill9(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait()
        self.log.close()

    def stop(self, timeout=15):
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


def stop_all():
    """Stops every process this harness started (and only those)."""
    for proc in reversed(_started):
        try:
            proc.stop(timeout=8)
        except Exception:  # noqa: BLE001 — best effort at exit
            pass
    _started.clear()


def wait_http(url, timeout=30, expect=200):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == expect:
                    return True
        except Exception as e:  # noqa: BLE001
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer {expect} in {timeout}s ({last})")


def get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def post_json(url, body, timeout=5):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


class Fleet:
    """The processes of one scenario, over its own database."""

    def __init__(self, bin_dir, db, logdir, **overrides):
        self.bin = bin_dir
        self.db = db
        self.logdir = logdir
        self.env = base_env(db)
        self.env.update({k: str(v) for k, v in overrides.items()})
        self.gateway = None
        self.fake = None
        self.emoji = None
        self.webhook = None
        self._n = 0

    def _name(self, base):
        self._n += 1
        return f"{base}-{self._n}"

    def migrate(self):
        proc = subprocess.run([os.path.join(self.bin, "APIGateway"), "migrate"], env=self.env, capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"APIGateway migrate failed: {proc.stdout[-500:]} {proc.stderr[-500:]}")

    def start_fake(self, latency=2.0, failure_rate=0.0):
        env = dict(self.env, FAKE_DASHSCOPE_LATENCY_SECONDS=str(latency), FAKE_DASHSCOPE_FAILURE_RATE=str(failure_rate))
        self.fake = Proc(self._name("fake-dashscope"), [os.path.join(self.bin, "FakeDashScope")], env, self.logdir)
        wait_http(f"http://127.0.0.1:{FAKE_PORT}/_fake/stats")
        return self.fake

    def fake_stats(self):
        return get_json(f"http://127.0.0.1:{FAKE_PORT}/_fake/stats", timeout=10)

    def start_gateway(self, **extra):
        env = dict(self.env, **{k: str(v) for k, v in extra.items()})
        self.gateway = Proc(self._name("gateway"), [os.path.join(self.bin, "APIGateway")], env, self.logdir)
        wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health")
        return self.gateway

    def start_emoji(self, consumer="chaos-emoji", **extra):
        env = dict(self.env, METRICS_PORT=str(EMOJI_METRICS_PORT), EMOJI_WORKER_CONSUMER=consumer,
                   **{k: str(v) for k, v in extra.items()})
        self.emoji = Proc(self._name("emoji-worker"), [os.path.join(self.bin, "EmojiWorker")], env, self.logdir)
        return self.emoji

    def start_webhook(self, consumer="chaos-webhook", **extra):
        env = dict(self.env, METRICS_PORT=str(WEBHOOK_METRICS_PORT), WEBHOOK_WORKER_CONSUMER=consumer,
                   **{k: str(v) for k, v in extra.items()})
        self.webhook = Proc(self._name("webhook-worker"), [os.path.join(self.bin, "WebhookWorker")], env, self.logdir)
        return self.webhook

    def reward_run(self, *args, name="reward"):
        """Starts `RewardWorker run --week WEEK`; the caller waits on .popen."""
        return Proc(self._name(name), [os.path.join(self.bin, "RewardWorker"), "run", "--week", WEEK] + list(args),
                    self.env, self.logdir)

    def stop(self):
        for proc in (self.emoji, self.webhook, self.gateway, self.fake):
            if proc is not None and not proc.log.closed:
                proc.stop()
