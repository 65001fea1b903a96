"""Requests per second and p50/p99 latency of cophub's busiest pages under the production server.

For each database asked for (`--db postgres`, the default, and/or `sqlite`): a fresh database,
`cophub migrate`, `cophub demo --members 4400`; then gunicorn (2 workers) serving cophub and,
beside it in the same run and the same configuration, a bare Django "hello" view (bench/hello/),
the ceiling. wrk drives 32 connections from 127.0.0.1 at each page: a warm-up run, then the
measured run. Every response must be a 200 (counted by a wrk Lua hook, since wrk itself only
counts statuses above 399), or the run fails.

Targets: the signed-in community home at >= 25% of the hello ceiling's requests per second;
the signed-in community home and the signed-in site home, which gather every app's panels,
at >= 30% of the signed-in floor's (measured in the same run); the member directory under
50 ms p99.

    .venv/bin/python bench/pages.py                      # PostgreSQL, as `make bench-pages`
    .venv/bin/python bench/pages.py --db postgres,sqlite --seconds 20

Prints a table and writes bench/results/pages.json.
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

SIGNED_IN_EMAIL = "member@va.gov"  # a government member of the AI CoP in the demo
COMMUNITY = "ai-cop"
TARGET_RATIO = 0.25
TARGET_FLOOR_RATIO = 0.30
TARGET_DIRECTORY_P99_MS = 50.0


@dataclass(frozen=True)
class Case:
    name: str
    server: str  # "hello" or "cophub"
    path: str
    signed_in: bool


CASES = [
    Case("hello", "hello", "/", False),
    # Not in the issue: cophub's middleware, session and user load around an empty view, the
    # most any signed-in page could reach (see bench/hello/floor_settings.py).
    Case("floor_signed_in", "floor", "/", True),
    Case("home_anonymous", "cophub", f"/c/{COMMUNITY}/", False),
    Case("home_signed_in", "cophub", f"/c/{COMMUNITY}/", True),
    Case("site_home_signed_in", "cophub", "/", True),
    Case("directory", "cophub", "/directory/", True),
    Case("directory_filtered", "cophub", "/directory/?level=federal&q=an", True),
]

# wrk counts only statuses above 399 as errors, so a redirect to the sign-in page would pass
# unnoticed; this hook counts every status that is not 200 and reports wrk's figures in a form
# that needs no parsing of its human-readable summary.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local non200_total = 0
  for _, t in ipairs(threads) do non200_total = non200_total + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d non200=%d connect=%d read=%d write=%d " ..
    "status=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f max_us=%d\\n",
    summary.requests, summary.duration, summary.bytes, non200_total, e.connect, e.read,
    e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
"""

SESSION_SCRIPT = f"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

client = Client()
client.force_login(get_user_model().objects.get(email__iexact={SIGNED_IN_EMAIL!r}))
name = settings.SESSION_COOKIE_NAME
print("BENCH-SESSION", name, client.cookies[name].value)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres",
                        help="Comma-separated databases: postgres, sqlite (default postgres).")
    parser.add_argument("--seconds", type=int, default=10, help="Measured seconds per page.")
    parser.add_argument("--warmup", type=int, default=3, help="Warm-up seconds per page.")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Measured runs per page; the fastest is reported (best of N).")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each measured run, wait up to this many seconds for the "
                             "machine to be under 20%% busy (0: do not wait).")
    parser.add_argument("--solo-seconds", type=int, default=3,
                        help="Seconds of one-connection load per page (service time); 0: skip.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync",
                        help="sync (default: the fastest here, see bench/README.md) or gthread.")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gthread worker.")
    parser.add_argument("--keep-alive", type=int, default=None,
                        help="gunicorn --keep-alive seconds (default: gunicorn's own, 2 s); 0 "
                             "closes each connection after one response, as behind a proxy "
                             "that does not keep upstream connections alive.")
    parser.add_argument("--members", type=int, default=4400)
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL,
                        help="PostgreSQL URL of a database to connect to for DROP/CREATE.")
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true", help="Do not write pages.json.")
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk, or "
                         "`make services`)")
    common.exit_on_sigterm()

    server = {
        "program": f"gunicorn {_gunicorn_version()}",
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads if args.worker_class == "gthread" else 1,
        "keep_alive_s": "gunicorn default (2)" if args.keep_alive is None else args.keep_alive,
        "cophub_app": "cophub.config.wsgi:application",
        "cophub_settings": "cophub.config.settings (DEBUG off)",
        "hello_app": "bench/hello: hello.wsgi:application (no apps, middleware or database)",
    }
    load = {
        "tool": _wrk_version(wrk), "threads": args.wrk_threads,
        "connections": args.connections, "seconds": args.seconds,
        "warmup_seconds": args.warmup, "solo_seconds": args.solo_seconds,
        "rounds": args.rounds, "quiet_wait_s": args.quiet_wait,
        "host": "127.0.0.1",
    }
    results = {
        "benchmark": "pages", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(), "server": server, "load": load,
        "demo_members": args.members, "runs": [],
    }
    failures = []
    for kind in databases:
        run = _run_database(kind, args, wrk)
        results["runs"].append(run)
        failures += [f"{kind} {case['name']}: {problem}" for case in run["cases"]
                     for problem in (case["problem"], (case["solo"] or {}).get("problem"))
                     if problem]

    _print(results)
    if failures:
        print("\nFAILED — not every response was a 200:\n  " + "\n  ".join(failures))
        return 1
    if not args.no_write:
        print(f"\nWrote {common.write_json('pages', results).relative_to(common.REPO)}")
    return 0


def _run_database(kind: str, args, wrk: str) -> dict:
    print(f"[{kind}] fresh database, migrate, demo --members {args.members} …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        env = env | {
            "COPHUB_ALLOWED_HOSTS": "127.0.0.1",
            "COPHUB_SESSION_IDLE_SECONDS": str(7 * 24 * 3600),
            "COPHUB_SESSION_ABSOLUTE_SECONDS": str(7 * 24 * 3600),
        }
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        common.run([*common.COPHUB, "demo", "--members", str(args.members)], env=env,
                   timeout=1200)
        common.analyze(env)
        session_cookie = _sign_in(env)
        revision = common.revision()  # the code the servers load, others may be committing
        load_average = [round(x, 2) for x in os.getloadavg()]

        logs = Path(env["COPHUB_DATA_DIR"])
        ports = {name: common.free_port() for name in ("cophub", "hello", "floor")}
        servers = {}
        try:
            servers["cophub"] = common.start(
                _gunicorn(args, "cophub.config.wsgi:application", ports["cophub"]),
                env=env, log=logs / "gunicorn-cophub.log")
            servers["hello"] = common.start(
                _gunicorn(args, "hello.wsgi:application", ports["hello"])
                + ["--chdir", str(common.BENCH)],
                env=env | {"DJANGO_SETTINGS_MODULE": "hello.settings"},
                log=logs / "gunicorn-hello.log")
            servers["floor"] = common.start(
                _gunicorn(args, "hello.wsgi:application", ports["floor"])
                + ["--chdir", str(common.BENCH)],
                env=env | {"DJANGO_SETTINGS_MODULE": "hello.floor_settings"},
                log=logs / "gunicorn-floor.log")
            for name, process in servers.items():
                _wait_for_server(process, ports[name], name, logs / f"gunicorn-{name}.log")

            jars = {False: {}, True: dict([session_cookie])}
            cases = []
            for case in CASES:
                port = ports[case.server]
                check = _preflight(port, case, jars[case.signed_in])
                print(f"[{kind}] {case.name} {case.path} …", flush=True)
                cookie = "; ".join(f"{k}={v}" for k, v in jars[case.signed_in].items())
                _wrk(wrk, args, port, case.path, cookie, seconds=args.warmup)
                solo = {}
                if args.solo_seconds:
                    # One connection: the page's own service time, with no queueing in it.
                    solo = _wrk(wrk, args, port, case.path, cookie, seconds=args.solo_seconds,
                                connections=1, threads=1)
                rounds = []
                for _ in range(args.rounds):
                    if args.quiet_wait:
                        common.wait_for_quiet(max_wait=args.quiet_wait)
                    with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
                        figures = _wrk(wrk, args, port, case.path, cookie, seconds=args.seconds)
                    rounds.append({**figures, "cpu": cpu.result})
                # Best of N, as timeit does: other work on a shared machine can only slow a
                # run down. Every round must still have answered 200 only.
                best = max(rounds, key=lambda r: r["rps"])
                best["problem"] = next((r["problem"] for r in rounds if r["problem"]), "")
                cases.append({"name": case.name, "path": case.path,
                              "signed_in": case.signed_in, "response_bytes": check, **best,
                              "rounds_rps": [r["rps"] for r in rounds],
                              "solo": {k: solo[k] for k in ("rps", "p50_ms", "p99_ms",
                                                            "problem")} if solo else None})
        finally:
            for process in servers.values():
                common.stop(process)

    by_name = {c["name"]: c for c in cases}
    ratio = by_name["home_signed_in"]["rps"] / by_name["hello"]["rps"]
    targets = {
        "home_signed_in_vs_hello": {
            "target": f">= {TARGET_RATIO:.0%} of hello rps", "value": round(ratio, 3),
            "met": ratio >= TARGET_RATIO},
        **{f"{name}_vs_signed_in_floor": {
            "target": f">= {TARGET_FLOOR_RATIO:.0%} of the signed-in floor's rps",
            "value": round(by_name[name]["rps"] / by_name["floor_signed_in"]["rps"], 3),
            "met": by_name[name]["rps"] / by_name["floor_signed_in"]["rps"] >= TARGET_FLOOR_RATIO}
           for name in ("home_signed_in", "site_home_signed_in")},
        "directory_p99_ms": {
            "target": f"< {TARGET_DIRECTORY_P99_MS:.0f} ms p99",
            "value": by_name["directory"]["p99_ms"],
            "met": by_name["directory"]["p99_ms"] < TARGET_DIRECTORY_P99_MS},
        # Not named by the issue; the same bar, so a search that is slow does not hide.
        "directory_filtered_p99_ms": {
            "target": f"< {TARGET_DIRECTORY_P99_MS:.0f} ms p99",
            "value": by_name["directory_filtered"]["p99_ms"],
            "met": by_name["directory_filtered"]["p99_ms"] < TARGET_DIRECTORY_P99_MS},
    }
    return {"database": database, "date": common.now_iso(), "revision": revision,
            "load_average": load_average,
            "cases": cases,
            "ratio_home_signed_in_to_hello": round(ratio, 3), "targets": targets}


def _gunicorn(args, app: str, port: int) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--worker-class", args.worker_class,
            "--graceful-timeout", "5", "--timeout", "60", "--error-logfile", "-",
            "--no-control-socket"]
    if args.worker_class == "gthread":
        argv += ["--threads", str(args.threads)]
    if args.keep_alive is not None:
        argv += ["--keep-alive", str(args.keep_alive)]
    return argv


def _sign_in(env: dict) -> tuple[str, str]:
    """A session for the demo member, made the way a test client signs in."""
    out = common.run([*common.COPHUB, "shell", "-c", SESSION_SCRIPT], env=env, timeout=120)
    match = re.search(r"^BENCH-SESSION (\S+) (\S+)$", out, re.M)
    if not match:
        raise SystemExit(f"bench: could not sign in {SIGNED_IN_EMAIL}:\n{out}")
    return match.group(1), match.group(2)


def _get(port: int, path: str, cookies: dict) -> tuple[int, bytes, list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()


def _wait_for_server(process: subprocess.Popen, port: int, name: str, log: Path) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"bench: {name} server exited:\n{log.read_text()[-4000:]}")
        try:
            _get(port, "/", {})
            return True
        except OSError:
            return False

    common.wait_until(ready, timeout=60, what=f"{name} server on port {port}")


def _preflight(port: int, case: Case, jar: dict) -> int:
    """One request as a browser would make it: must be a 200 (no redirect to sign in), signed
    in exactly when the case says so. Cookies the page sets (the CSRF cookie for the sign-out
    form) go into the jar, so the measured requests are a returning visitor's."""
    status, body, set_cookies = _get(port, case.path, jar)
    for header in set_cookies:
        for morsel in SimpleCookie(header).values():
            jar[morsel.key] = morsel.value
    if status != 200:
        raise SystemExit(f"bench: GET {case.path} ({case.name}) answered {status}, not 200")
    marker = {"cophub": b"Sign out", "floor": b"signed in"}.get(case.server)
    if marker and (marker in body) != case.signed_in:
        raise SystemExit(f"bench: GET {case.path} ({case.name}) is "
                         f"{'not ' if case.signed_in else ''}signed in")
    return len(body)


def _wrk(wrk: str, args, port: int, path: str, cookie: str, *, seconds: int,
         connections: int | None = None, threads: int | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        argv = [wrk, f"-t{threads or args.wrk_threads}", f"-c{connections or args.connections}",
                f"-d{seconds}s",
                "--latency", "--timeout", "10s", "-s", script.name]
        if cookie:
            argv += ["-H", f"Cookie: {cookie}"]
        argv.append(f"http://127.0.0.1:{port}{path}")
        out = common.run(argv, env=common.base_env(Path(tempfile.gettempdir())),
                         timeout=seconds + 60)
    match = re.search(r"^BENCH (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"bench: could not read wrk's output:\n{out}")
    raw = {k: float(v) for k, v in (item.split("=") for item in match.group(1).split())}
    errors = int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"])
    problem = ""
    if raw["non200"] or raw["status"]:
        problem = f"{int(raw['non200'])} responses were not 200"
    elif errors:
        problem = f"{errors} socket errors"
    elif not raw["requests"]:
        problem = "no responses"
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "requests": int(raw["requests"]),
        "non_200": int(raw["non200"]),
        "socket_errors": errors,
        "problem": problem,
    }


def _gunicorn_version() -> str:
    import gunicorn

    return gunicorn.__version__


def _wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (done.stdout + done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"


def _server_cpu(cpu: dict) -> str:
    if not cpu:
        return ""
    processes = "/".join(f"{p:.0f}" for p in cpu["server_processes_pct"][:4])
    return f"{cpu['server_pct']} ({processes})"


def _print(results: dict) -> None:
    server, load, m = results["server"], results["load"], results["machine"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{server['program']} {server['workers']} workers × {server['worker_class']}"
          + (f" {server['threads']} threads" if server["worker_class"] == "gthread" else "")
          + f"; {load['tool']} -t{load['threads']} -c{load['connections']} "
          f"-d{load['seconds']}s; {common.describe_revision(results['revision'])}")
    for run in results["runs"]:
        db = run["database"]
        print(f"\n{db['engine']} {db['version']}, {results['demo_members']} members, "
              f"{common.describe_revision(run['revision'])}")
        rows = [[c["name"], c["path"], f"{c['rps']:.0f}", f"{c['p50_ms']:.1f}",
                 f"{c['p99_ms']:.1f}", c["requests"], c["non_200"] + c["socket_errors"],
                 (c["solo"] or {}).get("p50_ms", ""),
                 c["response_bytes"], _server_cpu(c["cpu"]),
                 c["cpu"].get("database_pct", ""), c["cpu"].get("load_generator_pct", ""),
                 c["cpu"].get("other_pct", "")] for c in run["cases"]]
        print(common.table(["case", "path", "req/s", "p50 ms", "p99 ms", "requests",
                            "non-200", "alone p50 ms", "bytes", "server CPU% (by process)",
                            "db CPU%", "wrk CPU%", "other CPU%"], rows,
                           text_columns=2))
        print("  alone: p50 with one connection (the page's service time). CPU%: share of all "
              f"{results['machine']['cpus']} CPUs\n  during the measured run; \"other\" is work on "
              "this machine that is not the servers, PostgreSQL or wrk.")
        for name, t in run["targets"].items():
            print(f"  {name}: {t['value']} (target {t['target']}) — "
                  f"{'met' if t['met'] else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
