"""The chaos stack: a PostgreSQL and a Redis of its own (other ports than the shared
stack's, data under .local/chaos/), so scenarios may kill and restart them freely.
As root, PostgreSQL runs as the unprivileged user `galley`, as scripts/stack does."""
import glob
import os
import shutil
import signal
import subprocess
import time
import zlib

from .pg import psql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.path.join(ROOT, ".local", "chaos")
PG_PORT = int(os.environ.get("CHAOS_PG_PORT", "55450"))
REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "56400"))
PG_USER = "galley"


def log(msg):
    print(f"chaos: {msg}", flush=True)


def _pg_bin():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    raise RuntimeError("PostgreSQL server binaries not found (run scripts/stack install)")


def _as_pg(args, **kw):
    if os.geteuid() == 0:
        if subprocess.run(["id", PG_USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER], check=True)
        args = ["runuser", "-u", PG_USER, "--"] + args
    return subprocess.run(args, cwd="/", **kw)


def pg_data():
    """.local/chaos/pgdata, or /var/tmp when the unprivileged user cannot reach the checkout."""
    os.makedirs(STATE, exist_ok=True)
    default = os.path.join(STATE, "pgdata")
    if os.geteuid() != 0:
        return default
    if _as_pg(["test", "-x", STATE]).returncode == 0:
        return default
    alt = f"/var/tmp/galley-chaos-{zlib.crc32(ROOT.encode())}"
    os.makedirs(alt, exist_ok=True)
    os.chmod(alt, 0o755)
    return os.path.join(alt, "pgdata")


def pg_ctl(*args, check=True):
    data = pg_data()
    return _as_pg([os.path.join(_pg_bin(), "pg_ctl"), "-D", data] + list(args), capture_output=True, text=True,
                  check=check)


def pg_start():
    data = pg_data()
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        os.makedirs(data, exist_ok=True)
        if os.geteuid() == 0:
            _as_pg(["true"])
            shutil.chown(data, PG_USER)
        os.chmod(data, 0o700)
        _as_pg([os.path.join(_pg_bin(), "initdb"), "-D", data, "-U", "galley", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8"], capture_output=True, check=True)
        conf = f"""
listen_addresses = '127.0.0.1'
port = {PG_PORT}
unix_socket_directories = '{data}'
max_connections = 300
shared_buffers = 128MB
fsync = on
synchronous_commit = on
"""
        _as_pg(["sh", "-c", f"cat >> '{data}/postgresql.conf'"], input=conf, text=True, check=True)
    if pg_ctl("status", check=False).returncode != 0:
        # Commit timestamps date each committed provider task id for row l's window; the
        # port is CHAOS_PG_PORT's even when the data directory was made with another one.
        pg_ctl("-l", os.path.join(data, "server.log"), "-w", "-t", "60", "-o",
               f"-c track_commit_timestamp=on -c port={PG_PORT}", "start")
    for _ in range(100):
        if psql(PG_PORT, "postgres", "SELECT 1", check=False) is not None:
            return
        time.sleep(0.1)
    raise RuntimeError("chaos PostgreSQL did not come up")


def pg_kill():
    """An immediate stop: what a crash of the server looks like to its clients."""
    pg_ctl("-m", "immediate", "-w", "stop", check=False)


def pg_stop():
    if os.path.exists(os.path.join(pg_data(), "PG_VERSION")):
        pg_ctl("-m", "fast", "-w", "stop", check=False)


def create_database(name):
    psql(PG_PORT, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(PG_PORT, "postgres", f'CREATE DATABASE "{name}"')


def drop_database(name):
    psql(PG_PORT, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)


REDIS_DIR = os.path.join(STATE, "redis")
REDIS_PID = os.path.join(REDIS_DIR, "redis.pid")


def redis_cli(*args, timeout=10):
    proc = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout)
    return proc.stdout


def redis_up():
    try:
        return "PONG" in redis_cli("ping", timeout=2)
    except subprocess.TimeoutExpired:
        return False


def redis_start():
    os.makedirs(REDIS_DIR, exist_ok=True)
    if redis_up():
        return
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--dir", REDIS_DIR,
                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory-policy", "noeviction",
                    "--daemonize", "yes", "--pidfile", REDIS_PID, "--logfile", os.path.join(REDIS_DIR, "redis.log")],
                   check=True)
    for _ in range(100):
        if redis_up():
            return
        time.sleep(0.1)
    raise RuntimeError("chaos Redis did not come up")


def redis_pid():
    try:
        with open(REDIS_PID) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def redis_kill():
    """SIGKILL of our own redis-server (by the pid it wrote), no shutdown, no final fsync."""
    pid = redis_pid()
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.02)
    try:
        os.unlink(REDIS_PID)
    except FileNotFoundError:
        pass


def redis_stop():
    if redis_up():
        redis_cli("shutdown", "nosave")


def start():
    pg_start()
    redis_start()
    log(f"stack up: PostgreSQL 127.0.0.1:{PG_PORT} ({pg_data()}), Redis 127.0.0.1:{REDIS_PORT} ({REDIS_DIR}, AOF)")


def stop():
    redis_stop()
    pg_stop()
    log("stack stopped")
