"""Event pages and certificates: requests per second and p50/p99 latency of the event list and
an event's page, anonymous and signed in, next to the hello ceiling in the same run, with the
number of database queries each page makes; and certificate PDFs per second.

For each database asked for (`--db`, default `postgres,sqlite`): a fresh database,
`cophub migrate`, `cophub demo --members 4400` (the FY2023 calendar, the upcoming events,
the 2023 and 2024 training series), then on PostgreSQL `VACUUM ANALYZE`. Pages measured:

- `/c/ai-cop/events/` — the event list (upcoming and the first page of past events);
- `/c/ai-cop/events/<pk>/` — the upcoming public event the signed-in demo member
  (member@va.gov) is confirmed for (one with a capacity first), most registrations first:
  the join link and the cancel form for them;
- `/c/ai-cop/events/<pk>/` of the past training session with the most attendance that has
  recordings and slides (signed in only: recordings are for government members).

gunicorn (2 sync workers) serves cophub, bench/hello (the ceiling) and hello's "floor"
(cophub's middleware, session and user around an empty view), exactly as bench/pages.py,
whose helpers this uses: wrk -t2 -c32, a warm-up, a one-connection run, then `--rounds`
measured runs of which the one least disturbed by other work on the machine is reported.
Every response must be a 200. The queries per page are counted in-process with Django's
test client (CaptureQueriesContext), signed in as the same member.

Certificates: `cophub.learning.certificates.certificate_pdf(...)` called in a loop in this
process, pinned to one CPU, for `--cert-seconds` (alternating a session certificate with
instructors and a track certificate), after a one-second warm-up.

    .venv/bin/python bench/events.py                       # as `make bench-events`
    .venv/bin/python bench/events.py --db postgres --seconds 20 --cert-seconds 20

Prints tables and writes bench/results/events.json.
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import pages  # noqa: E402
from pages import Case  # noqa: E402

COMMUNITY = "ai-cop"
SIGNED_IN_EMAIL = pages.SIGNED_IN_EMAIL

PICK_SCRIPT = """
import json, os, time
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from cophub.accounts.middleware import LOGIN_AT, SEEN_AT
from cophub.accounts.models import User
from cophub.events.models import Event

params = json.load(open(os.environ["BENCH_IN"]))
member = User.objects.get(email__iexact=params["email"])
now = timezone.now()
events = Event.objects.filter(community__slug=params["community"], status="published",
                              access_level="public")
# The upcoming public event the member is confirmed for (one with a capacity first: its page
# shows seats left), most registrations first; else the upcoming public event most people
# registered for.
ranked = events.filter(ends_at__gt=now).annotate(
    n=Count("registrations", distinct=True),
    mine=Count("registrations", filter=Q(registrations__user=member,
                                         registrations__status="confirmed")),
    limited=Count("pk", filter=Q(capacity__isnull=False)))
upcoming = ranked.order_by("-mine", "-limited", "-n", "pk").first()
if upcoming is None:
    raise SystemExit("no upcoming public event in the demo")
past = (events.filter(ends_at__lte=now, kind="training", materials__isnull=False)
        .annotate(n=Count("attendances", distinct=True)).order_by("-n", "pk").first())
if past is None:
    past = (events.filter(ends_at__lte=now, materials__isnull=False)
            .annotate(n=Count("attendances", distinct=True)).order_by("-n", "pk").first())
base = "/c/%s/events/" % params["community"]
paths = {"list": base, "upcoming": "%s%d/" % (base, upcoming.pk),
         "past": "%s%d/" % (base, past.pk)}

clients = {False: Client(SERVER_NAME="127.0.0.1"), True: Client(SERVER_NAME="127.0.0.1")}
clients[True].force_login(member)
session = clients[True].session
session[LOGIN_AT] = session[SEEN_AT] = int(time.time())
session.save()
queries = {}
for signed_in, client in clients.items():
    for name, path in paths.items():
        client.get(path)  # warm: templates, caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        queries["%s %s" % (path, signed_in)] = {"status": response.status_code,
                                                  "queries": len(ctx),
                                                  "bytes": len(response.content)}
json.dump({"paths": paths, "queries": queries,
           "upcoming": {"pk": upcoming.pk, "title": upcoming.title, "capacity": upcoming.capacity,
                        "registrations": upcoming.n, "member_confirmed": bool(upcoming.mine)},
           "past": {"pk": past.pk, "title": past.title, "attendances": past.n,
                    "materials": past.materials.count()},
           "events_in_community": Event.objects.filter(
               community__slug=params["community"]).count(),
           "upcoming_events": Event.objects.filter(community__slug=params["community"],
                                                   ends_at__gt=now).count()},
          open(os.environ["BENCH_OUT"], "w"))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite",
                        help="Comma-separated databases: postgres, sqlite (default both).")
    parser.add_argument("--seconds", type=int, default=10, help="Measured seconds per page.")
    parser.add_argument("--warmup", type=int, default=3, help="Warm-up seconds per page.")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Measured runs per page; the one with the least other CPU use "
                             "on the machine is reported.")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each measured run, wait up to this many seconds for the "
                             "machine to be under 20%% busy (0: do not wait).")
    parser.add_argument("--solo-seconds", type=int, default=3,
                        help="Seconds of one-connection load per page (service time); 0: skip.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gthread worker.")
    parser.add_argument("--keep-alive", type=int, default=None)
    parser.add_argument("--members", type=int, default=4400)
    parser.add_argument("--cert-seconds", type=float, default=10,
                        help="Seconds of certificate generation (0: skip).")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME + "_events",
                        help="PostgreSQL database (dropped and created; its own name, so a "
                             "concurrent bench/pages.py run is not disturbed).")
    parser.add_argument("--no-write", action="store_true", help="Do not write events.json.")
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    wrk = shutil.which("wrk")
    if databases and not wrk:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk, or "
                         "`make services`)")
    common.exit_on_sigterm()

    results = {
        "benchmark": "events", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "server": {
            "program": f"gunicorn {pages._gunicorn_version()}", "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "keep_alive_s": ("gunicorn default (2)" if args.keep_alive is None
                             else args.keep_alive),
            "cophub_app": "cophub.config.wsgi:application",
            "cophub_settings": "cophub.config.settings (DEBUG off)",
            "hello_app": "bench/hello: hello.wsgi:application (no apps, middleware or database)",
        },
        "load": {"tool": pages._wrk_version(wrk) if wrk else "", "threads": args.wrk_threads,
                 "connections": args.connections, "seconds": args.seconds,
                 "warmup_seconds": args.warmup, "solo_seconds": args.solo_seconds,
                 "rounds": args.rounds, "quiet_wait_s": args.quiet_wait,
                 "host": "127.0.0.1"},
        "demo_members": args.members, "runs": [], "certificates": None,
    }
    failures = []
    for kind in databases:
        run = _run_database(kind, args, wrk)
        results["runs"].append(run)
        failures += [f"{kind} {case['name']}: {problem}" for case in run["cases"]
                     for problem in (case["problem"], (case["solo"] or {}).get("problem"))
                     if problem]
    if args.cert_seconds:
        print(f"[certificates] {args.cert_seconds:g} s on one CPU …", flush=True)
        if args.quiet_wait:
            common.wait_for_quiet(max_wait=args.quiet_wait)
        results["certificates"] = certificates(args.cert_seconds)

    _print(results)
    if failures:
        print("\nFAILED — not every response was a 200:\n  " + "\n  ".join(failures))
        return 1
    if not args.no_write:
        print(f"\nWrote {common.write_json('events', results).relative_to(common.REPO)}")
    return 0


def _shell(script: str, env: dict, data: dict, *, timeout: float = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="cophub-bench-shell-") as tmp:
        given, taken = Path(tmp) / "in.json", Path(tmp) / "out.json"
        given.write_text(json.dumps(data))
        common.run([*common.COPHUB, "shell", "-c", script],
                   env=env | {"BENCH_IN": str(given), "BENCH_OUT": str(taken)},
                   timeout=timeout)
        return json.loads(taken.read_text())


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
        picked = _shell(PICK_SCRIPT, env, {"community": COMMUNITY, "email": SIGNED_IN_EMAIL})
        session_cookie = pages._sign_in(env)
        load_average = [round(x, 2) for x in os.getloadavg()]
        paths = picked["paths"]
        cases = [
            Case("hello", "hello", "/", False),
            Case("floor_signed_in", "floor", "/", True),
            Case("list_anonymous", "cophub", paths["list"], False),
            Case("list_signed_in", "cophub", paths["list"], True),
            Case("detail_anonymous", "cophub", paths["upcoming"], False),
            Case("detail_signed_in", "cophub", paths["upcoming"], True),
            Case("detail_past_signed_in", "cophub", paths["past"], True),
        ]

        logs = Path(env["COPHUB_DATA_DIR"])
        ports = {name: common.free_port() for name in ("cophub", "hello", "floor")}
        servers = {}
        measured = []
        try:
            servers["cophub"] = common.start(
                pages._gunicorn(args, "cophub.config.wsgi:application", ports["cophub"]),
                env=env, log=logs / "gunicorn-cophub.log")
            for name, settings in (("hello", "hello.settings"),
                                   ("floor", "hello.floor_settings")):
                servers[name] = common.start(
                    pages._gunicorn(args, "hello.wsgi:application", ports[name])
                    + ["--chdir", str(common.BENCH)],
                    env=env | {"DJANGO_SETTINGS_MODULE": settings},
                    log=logs / f"gunicorn-{name}.log")
            for name, process in servers.items():
                pages._wait_for_server(process, ports[name], name, logs / f"gunicorn-{name}.log")

            jars = {False: {}, True: dict([session_cookie])}
            for case in cases:
                measured.append(_measure(case, args, wrk, ports[case.server],
                                         jars[case.signed_in], servers, kind, picked))
        finally:
            for process in servers.values():
                common.stop(process)

    by_name = {c["name"]: c for c in measured}
    hello = by_name["hello"]["rps"]
    for case in measured:
        case["vs_hello"] = round(case["rps"] / hello, 3) if hello else None
    return {"database": database, "date": common.now_iso(), "load_average": load_average,
            "upcoming_event": picked["upcoming"], "past_event": picked["past"],
            "events_in_community": picked["events_in_community"],
            "upcoming_events": picked["upcoming_events"], "cases": measured}


def _measure(case: Case, args, wrk: str, port: int, jar: dict, servers: dict, kind: str,
             picked: dict) -> dict:
    size = pages._preflight(port, case, jar)
    print(f"[{kind}] {case.name} {case.path} …", flush=True)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    pages._wrk(wrk, args, port, case.path, cookie, seconds=args.warmup)
    solo = {}
    if args.solo_seconds:
        solo = pages._wrk(wrk, args, port, case.path, cookie, seconds=args.solo_seconds,
                          connections=1, threads=1)
    rounds = []
    for _ in range(args.rounds):
        if args.quiet_wait:
            common.wait_for_quiet(max_wait=args.quiet_wait)
        with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
            figures = pages._wrk(wrk, args, port, case.path, cookie, seconds=args.seconds)
        rounds.append({**figures, "cpu": cpu.result})
    best = min(rounds, key=lambda r: r["cpu"].get("other_pct", 0))
    best["problem"] = next((r["problem"] for r in rounds if r["problem"]), "")
    counted = picked["queries"].get(f"{case.path} {case.signed_in}") if (
        case.server == "cophub") else None
    if counted is not None and counted["status"] != 200:
        best["problem"] = best["problem"] or f"test client got {counted['status']}"
    return {"name": case.name, "path": case.path, "signed_in": case.signed_in,
            "response_bytes": size, "queries": counted["queries"] if counted else None,
            **best, "rounds_rps": [r["rps"] for r in rounds],
            "solo": {k: solo[k] for k in ("rps", "p50_ms", "p99_ms", "problem")}
            if solo else None}


# --- Certificates ------------------------------------------------------------------------

CERTIFICATES = [
    {"holder_name": "Maria Patterson-Okafor", "achievement": "completed the training session",
     "title": "Acquiring AI: market research, requirements and evaluation criteria",
     "subtitle": "2023 AI Training Series",
     "date": datetime(2023, 5, 16, 17, 0, tzinfo=UTC), "credit": Decimal("1.5"),
     "code": "Zq3v8Kx1RmT0bWc9LpA2sg", "issuer": "AI Community of Practice",
     "verify_url": "https://cophub.example.gov/certificates/Zq3v8Kx1RmT0bWc9LpA2sg/",
     "instructors": "Led by Dr. Jane Smith (Stanford University), "
                    "Prof. Omar Ali (Georgia Institute of Technology)"},
    {"holder_name": "James Nguyen", "achievement": "completed the Technical track of",
     "title": "2023 AI Training Series", "subtitle": "",
     "date": datetime(2023, 9, 19, 17, 0, tzinfo=UTC), "credit": Decimal("9"),
     "code": "b7Hn2QwE5yUi8OpL1kJ4Dg", "issuer": "AI Community of Practice",
     "verify_url": "https://cophub.example.gov/certificates/b7Hn2QwE5yUi8OpL1kJ4Dg/",
     "instructors": ""},
]


def certificates(seconds: float) -> dict:
    """Certificates per second from `certificate_pdf`, in this process on one CPU."""
    from cophub.learning.certificates import certificate_pdf

    allowed = os.sched_getaffinity(0)
    cpu = max(allowed)
    os.sched_setaffinity(0, {cpu})
    try:
        for spec in CERTIFICATES:  # warm: fonts, imports
            certificate_pdf(**spec)
        warm_until = time.perf_counter() + 1
        while time.perf_counter() < warm_until:
            certificate_pdf(**CERTIFICATES[0])
        times, sizes = [], set()
        busy0 = common._cpu_ticks()
        cpu0, started = time.process_time(), time.perf_counter()
        while time.perf_counter() - started < seconds:
            spec = CERTIFICATES[len(times) % len(CERTIFICATES)]
            t0 = time.perf_counter()
            pdf = certificate_pdf(**spec)
            times.append(time.perf_counter() - t0)
            sizes.add(len(pdf))
        wall = time.perf_counter() - started
        cpu_s = time.process_time() - cpu0
        busy1 = common._cpu_ticks()
    finally:
        os.sched_setaffinity(0, allowed)
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-64:]:
        raise SystemExit("bench: certificate_pdf did not return a PDF")
    total = busy1[0] - busy0[0]
    machine_busy = (busy1[1] - busy0[1]) / total * 100 if total else 0.0
    self_pct = cpu_s / wall / (os.cpu_count() or 1) * 100
    ms = [t * 1000 for t in times]
    return {
        "function": "cophub.learning.certificates.certificate_pdf",
        "cpu_pinned": cpu, "seconds": round(wall, 2), "certificates": len(times),
        "per_second": round(len(times) / wall, 1),
        "cpu_ms_per_certificate": round(cpu_s * 1000 / len(times), 2),
        "p50_ms": round(_percentile(ms, 50), 2), "p99_ms": round(_percentile(ms, 99), 2),
        "pdf_bytes": sorted(sizes),
        "reportlab": _reportlab_version(),
        "cpu": {"machine_busy_pct": round(machine_busy, 1), "self_pct": round(self_pct, 1),
                "other_pct": round(max(machine_busy - self_pct, 0), 1)},
    }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def _reportlab_version() -> str:
    import reportlab

    return reportlab.Version


def _print(results: dict) -> None:
    server, load, m = results["server"], results["load"], results["machine"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{server['program']} {server['workers']} workers × {server['worker_class']}; "
          f"{load['tool']} -t{load['threads']} -c{load['connections']} -d{load['seconds']}s; "
          f"{common.describe_revision(results['revision'])}")
    for run in results["runs"]:
        db = run["database"]
        print(f"\n{db['engine']} {db['version']}, {results['demo_members']} members, "
              f"{run['events_in_community']} AI CoP events ({run['upcoming_events']} upcoming); "
              f"detail: #{run['upcoming_event']['pk']} “{run['upcoming_event']['title']}” "
              f"({run['upcoming_event']['registrations']} registrations); past: "
              f"#{run['past_event']['pk']} “{run['past_event']['title']}”")
        rows = [[c["name"], c["path"], f"{c['rps']:.0f}", f"{c['vs_hello']:.1%}",
                 f"{c['p50_ms']:.1f}", f"{c['p99_ms']:.1f}", c["requests"],
                 c["non_200"] + c["socket_errors"], (c["solo"] or {}).get("p50_ms", ""),
                 "" if c["queries"] is None else c["queries"], c["response_bytes"],
                 pages._server_cpu(c["cpu"]), c["cpu"].get("database_pct", ""),
                 c["cpu"].get("load_generator_pct", ""), c["cpu"].get("other_pct", "")]
                for c in run["cases"]]
        print(common.table(["case", "path", "req/s", "of hello", "p50 ms", "p99 ms",
                            "requests", "non-200", "alone p50 ms", "queries", "bytes",
                            "server CPU% (by process)", "db CPU%", "wrk CPU%", "other CPU%"],
                           rows, text_columns=2))
    cert = results["certificates"]
    if cert:
        print(f"\nCertificates ({cert['function']}, reportlab {cert['reportlab']}, one CPU): "
              f"{cert['per_second']:.0f}/s — {cert['certificates']} in {cert['seconds']} s, "
              f"p50 {cert['p50_ms']} ms, p99 {cert['p99_ms']} ms, "
              f"{cert['cpu_ms_per_certificate']} ms CPU each, "
              f"{'/'.join(str(b) for b in cert['pdf_bytes'])} bytes; "
              f"other CPU on the machine {cert['cpu']['other_pct']}%")


if __name__ == "__main__":
    sys.exit(main())
