"""What bench/pages.py and bench/demo.py share: the machine, a fresh database, child processes
that are always stopped, and a plain-text table.

Standard library plus psycopg (already a cophub dependency), so the benchmarks run with the
project's own virtualenv and nothing else.
"""

import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
COPHUB = [sys.executable, "-m", "cophub"]

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "cophub_bench"
DATABASES = ("postgres", "sqlite")

# Inherited variables that would point a benchmark at someone else's database, cache or settings.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "COPHUB_DEBUG",
             "COPHUB_DATA_DIR", "EMAIL_URL")


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "ram_gib": ram_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def revision() -> dict:
    """The commit measured, and the files changed or new outside bench/ (others may be
    editing the tree while a benchmark runs)."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True,
                                  timeout=30, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if line[3:] and not line[3:].startswith("bench/")]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "subject": git("log", "-1", "--format=%s").strip(),
            "uncommitted_outside_bench": changed}


def describe_revision(rev: dict) -> str:
    extra = rev["uncommitted_outside_bench"]
    return f"commit {rev['commit']}" + (f" + {len(extra)} uncommitted file(s)" if extra else "")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["COPHUB_DATA_DIR"] = str(data_dir)
    env["COPHUB_LOG_LEVEL"] = "WARNING"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextmanager
def fresh_database(kind: str, *, pg_admin_url: str = PG_ADMIN_URL, pg_name: str = PG_NAME):
    """Yield (env, description) for an empty cophub database of `kind`.

    PostgreSQL: `pg_name` is dropped and created again (and left behind for profiling);
    SQLite: a database file in a temporary COPHUB_DATA_DIR, removed afterwards. Either way the
    data directory (secret key, static, mail) is temporary, so ./var is never touched.
    """
    with tempfile.TemporaryDirectory(prefix=f"cophub-bench-{kind}-") as tmp:
        env = base_env(Path(tmp))
        if kind == "sqlite":
            import sqlite3

            yield env, {"engine": "sqlite", "version": sqlite3.sqlite_version,
                        "location": "temporary COPHUB_DATA_DIR"}
        elif kind == "postgres":
            yield env | {"DATABASE_URL": _pg_recreate(pg_admin_url, pg_name)}, {
                "engine": "postgresql", "version": _pg_version(pg_admin_url), "name": pg_name,
            }
        else:
            raise ValueError(f"unknown database {kind!r}")


def _pg_recreate(admin_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


def analyze(env: dict) -> None:
    """VACUUM ANALYZE the PostgreSQL database in env, as autovacuum would within a minute of
    the demo load on a live site: without statistics the planner guesses one row per table,
    and whether autovacuum has run yet would decide the figures."""
    import psycopg

    if "DATABASE_URL" not in env:
        return
    with psycopg.connect(env["DATABASE_URL"], autocommit=True, connect_timeout=10) as conn:
        conn.execute("VACUUM ANALYZE")


def _pg_version(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, connect_timeout=10) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def run(argv: list[str], *, env: dict, timeout: float, cwd: Path = REPO) -> str:
    """Run a command to completion within `timeout` seconds; its output, or SystemExit."""
    try:
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"bench: {' '.join(map(str, argv))} took over {timeout:.0f} s") from None
    if done.returncode:
        raise SystemExit(f"bench: {' '.join(map(str, argv))} failed ({done.returncode}):\n"
                         f"{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def start(argv: list[str], *, env: dict, log: Path, cwd: Path = REPO) -> subprocess.Popen:
    """Start a long-running child in its own process group, output to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, process_group=0)


def run_measured(argv: list[str], *, env: dict, log: Path, timeout: float, what: str):
    """Run a child to the end and return (wall seconds, its own rusage, its output).
    Wall time is seen from here; the rusage is this child's alone (wait4), not its
    siblings'. SystemExit if it fails or runs over `timeout` seconds."""
    log.write_text("")
    started = time.perf_counter()
    process = start(argv, env=env, log=log)
    # wait4 gives this child's rusage; a timer bounds it, since wait4 itself cannot.
    timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    output = log.read_text()
    if process.returncode:
        raise SystemExit(f"bench: {what} failed ({process.returncode}):\n{output[-4000:]}")
    return wall, usage, output


def stop(process: subprocess.Popen, *, grace: float = 10) -> None:
    """SIGTERM the child's process group, SIGKILL it after `grace` seconds."""
    if process.poll() is not None:
        return
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `finally:` blocks stop the servers."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


class CpuMeter:
    """Where the machine's CPU went while a load ran: the servers under test (their process
    groups), PostgreSQL, the load generator (waited-for children of this process) and, by
    difference, everything else — other people's work on a shared machine, which makes
    the figures worse and must be reported next to them."""

    def __init__(self, server_groups: list[int], *, children: str = "load_generator"):
        self.server_groups = set(server_groups)
        self.children_label = children
        self.tick = os.sysconf("SC_CLK_TCK")
        self.result: dict = {}

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        total = end["total"] - self.start["total"]
        if total <= 0:
            return
        # Per process, so a process that exits during the run cannot subtract its time.
        used = {"server": {}, "database": {}}
        for pid, (kind, ticks) in end["processes"].items():
            before = self.start["processes"].get(pid)
            delta = ticks - (before[1] if before and before[0] == kind else 0)
            used[kind][pid] = max(delta, 0) / total * 100
        server, database = sum(used["server"].values()), sum(used["database"].values())
        children = (end["children"] - self.start["children"]) / total * 100
        busy = (end["busy"] - self.start["busy"]) / total * 100
        self.result = {
            "machine_busy_pct": round(busy, 1),
            "server_pct": round(server, 1),
            "database_pct": round(database, 1),
            f"{self.children_label}_pct": round(children, 1),
            "other_pct": round(max(busy - server - database - children, 0.0), 1),
            # A keep-alive connection stays with the worker that accepted it, so one worker
            # can end up serving most of them; this shows it.
            "server_processes_pct": sorted(
                (round(v, 1) for v in used["server"].values() if v >= 0.5), reverse=True),
        }

    def _sample(self) -> dict:
        total, busy = _cpu_ticks()
        processes = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    data = f.read()
            except OSError:
                continue
            comm = data[data.index("(") + 1:data.rindex(")")]
            rest = data[data.rindex(")") + 2:].split()
            ticks = int(rest[11]) + int(rest[12])  # utime + stime, all threads
            if int(rest[2]) in self.server_groups:
                processes[int(pid)] = ("server", ticks)
            elif comm.startswith("postgres"):
                processes[int(pid)] = ("database", ticks)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"total": total, "busy": busy, "processes": processes,
                "children": round((children.ru_utime + children.ru_stime) * self.tick)}


def _cpu_ticks() -> tuple[int, int]:
    """(all, busy) CPU ticks since boot, summed over CPUs."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]  # user … steal
    return sum(fields), sum(fields) - fields[3] - fields[4]  # less idle and iowait


def wait_for_quiet(*, below_pct: float = 20, max_wait: float = 60) -> float:
    """Wait (at most `max_wait` s) for a second in which the machine is less than `below_pct`
    busy, so a measured run does not start in the middle of someone else's burst. Returns
    the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < max_wait:
        total0, busy0 = _cpu_ticks()
        time.sleep(1)
        total1, busy1 = _cpu_ticks()
        if total1 > total0 and (busy1 - busy0) / (total1 - total0) * 100 < below_pct:
            break
    return round(time.monotonic() - started, 1)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise SystemExit(f"bench: {what} not ready after {timeout:.0f} s")


def table(headers: list[str], rows: list[list], *, text_columns: int = 1) -> str:
    """Plain text: the first `text_columns` columns left-aligned, the figures right-aligned."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.ljust(w) if i < text_columns else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths),
                      *(line(r) for r in cells[1:])])


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(REPO)
    except ValueError:
        pass
    return " ".join([".venv/bin/python", str(script), *sys.argv[1:]])


class Db:
    """Read-only queries straight to the database, so polling costs no Django start-up."""

    def __init__(self, env: dict):
        if "DATABASE_URL" in env:
            import psycopg

            self.conn = psycopg.connect(env["DATABASE_URL"], autocommit=True,
                                        connect_timeout=10)
            self.mark = "%s"
        else:
            import sqlite3

            self.conn = sqlite3.connect(Path(env["COPHUB_DATA_DIR"]) / "cophub.sqlite3",
                                        timeout=20, isolation_level=None)
            self.mark = "?"

    def all(self, query: str, *params) -> list[tuple]:
        return list(self.conn.execute(query.replace("%s", self.mark), params).fetchall())

    def one(self, query: str, *params) -> tuple:
        return self.all(query, *params)[0]

    def close(self) -> None:
        self.conn.close()


def epoch(value) -> float | None:
    """A timestamp column as unix time (SQLite gives text in UTC, PostgreSQL a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
