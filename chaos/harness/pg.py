"""psql as a subprocess: the harness needs no driver, and psql is on every machine
that runs the stack. Values that come from outside are never put into SQL text;
the harness only interpolates its own integers and identifiers."""
import os
import subprocess

SEP = "\x1f"


class PsqlError(RuntimeError):
    pass


def psql(port, db, sql, timeout=120, check=True):
    """Runs `sql` (one or more statements, read from stdin) and answers the rows of the
    last result as lists of strings."""
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    env.pop("PGPASSWORD", None)
    proc = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", SEP, "-v", "ON_ERROR_STOP=1",
         "-h", "127.0.0.1", "-p", str(port), "-U", "galley", "-d", db],
        input=sql, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        if check:
            raise PsqlError(f"psql failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
        return None
    return [line.split(SEP) for line in proc.stdout.splitlines() if line != ""]


def scalar(port, db, sql, timeout=120):
    rows = psql(port, db, sql, timeout=timeout)
    return rows[0][0] if rows and rows[0] else None


def ints(port, db, sql):
    """The first row as integers (NULL → 0)."""
    rows = psql(port, db, sql)
    return [int(v) if v not in ("", None) else 0 for v in rows[0]] if rows else []
