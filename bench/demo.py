"""How long `cophub demo --members 4400 --measure` takes, and its peak memory, on a fresh SQLite
and a fresh PostgreSQL database.

Each round starts from an empty database (`cophub migrate` first, not timed), then times the
demo command as a child process: wall time seen from here (interpreter start, Django setup
and the load), the child's own max RSS from wait4(2), and the figures the command prints
itself (`--measure`: the load alone). The table shows the median round.

    .venv/bin/python bench/demo.py                 # as `make bench-demo`
    .venv/bin/python bench/demo.py --db postgres --rounds 5

Prints a table and writes bench/results/demo.json.
"""

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DEMO_TIMEOUT = 1200  # seconds; a demo load that takes longer is a failure, not a figure
MEASURE_LINE = re.compile(r"demo: (\d+) members in ([\d.]+) s, peak memory (\d+) MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres",
                        help="Comma-separated databases: sqlite, postgres (default both).")
    parser.add_argument("--members", type=int, default=4400)
    parser.add_argument("--rounds", type=int, default=3, help="Fresh loads per database.")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each round, wait up to this many seconds for the machine "
                             "to be under 20%% busy (0: do not wait).")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true", help="Do not write demo.json.")
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    common.exit_on_sigterm()

    results = {
        "benchmark": "demo", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "members": args.members, "rounds": args.rounds, "runs": [],
    }
    for kind in databases:
        rounds = []
        for number in range(1, args.rounds + 1):
            print(f"[{kind}] round {number}/{args.rounds} …", flush=True)
            with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                                       pg_name=args.pg_name) as (env, database):
                common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
                if args.quiet_wait:
                    common.wait_for_quiet(max_wait=args.quiet_wait)
                rounds.append(_measure(env, args.members))
        median = sorted(rounds, key=lambda r: r["wall_s"])[len(rounds) // 2]
        results["runs"].append({
            "database": database, "revision": common.revision(),
            "median": median,
            "wall_s_min": min(r["wall_s"] for r in rounds),
            "wall_s_max": max(r["wall_s"] for r in rounds),
            "max_rss_mib_median": statistics.median(r["max_rss_mib"] for r in rounds),
            "rounds": rounds,
        })

    _print(results)
    if not args.no_write:
        print(f"\nWrote {common.write_json('demo', results).relative_to(common.REPO)}")
    return 0


def _measure(env: dict, members: int) -> dict:
    """Run the demo once; wall time and the child's own peak memory (not its siblings')."""
    argv = [*common.COPHUB, "demo", "--members", str(members), "--measure"]
    log = Path(env["COPHUB_DATA_DIR"]) / "demo.log"
    with common.CpuMeter([], children="demo") as cpu:
        wall, usage, output = common.run_measured(argv, env=env, log=log, timeout=DEMO_TIMEOUT,
                                                  what="cophub demo")
    reported = MEASURE_LINE.search(output)
    return {
        "wall_s": round(wall, 2),
        "max_rss_mib": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "reported_load_s": float(reported.group(2)) if reported else None,
        "reported_peak_mib": int(reported.group(3)) if reported else None,
        "cpu": cpu.result,
    }


def _print(results: dict) -> None:
    m = results["machine"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"cophub demo --members {results['members']} --measure, median of "
          f"{results['rounds']} fresh loads; {common.describe_revision(results['revision'])}")
    rows = []
    for run in results["runs"]:
        db, med = run["database"], run["median"]
        rows.append([f"{db['engine']} {db['version'].split()[0]}", f"{med['wall_s']:.2f}",
                     f"{run['wall_s_min']:.2f}–{run['wall_s_max']:.2f}",
                     med["reported_load_s"], med["cpu_s"], f"{run['max_rss_mib_median']:.0f}",
                     med["cpu"].get("other_pct", "")])
    print(common.table(["database", "wall s", "range s", "load s (own)", "CPU s",
                        "max RSS MiB", "other CPU%"], rows))


if __name__ == "__main__":
    sys.exit(main())
