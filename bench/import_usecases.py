"""How long `cophub import-usecases` takes to load and index (with embeddings) the 3,611-row 2025
AI use case inventory, and its peak memory, on a fresh SQLite and a fresh PostgreSQL database.

Each round starts from an empty database (`cophub migrate` first, not timed), then times the
import as a child process: wall time seen from here (interpreter start, Django setup, the
model load, reading, writing and indexing), the child's own max RSS from wait4(2), its CPU
seconds, rows per second, and what the command prints about itself (its own time and peak,
and the search index's figures: documents embedded and vectors reused). A second import of
the same file follows in the same database: nothing changed, so nothing is written or
embedded again. The table shows the median round by wall time.

    .venv/bin/python bench/import_usecases.py               # as `make bench-import`
    .venv/bin/python bench/import_usecases.py --db sqlite --rounds 1

Prints a table and writes bench/results/import.json.
"""

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "eval"))

import common  # noqa: E402
import pool  # noqa: E402  (the inventory's default location)

IMPORT_TIMEOUT = 3600  # seconds; an import that takes longer is a failure, not a figure
SUMMARY = re.compile(r"(\d+) inventory: (\d+) rows read; created (\d+), updated (\d+), "
                     r"moved (\d+), unchanged (\d+), removed (\d+), rejected (\d+)")
OWN = re.compile(r"import-usecases: (\d+) rows in ([\d.]+) s, peak memory (\d+) MiB")


def measure_import(env: dict, csv: Path, log: Path, *, year: int = 2025,
                   extra: tuple[str, ...] = ()) -> dict:
    """Run `cophub import-usecases CSV --year YEAR --measure` as a child and measure it: wall
    time from here, the child's own peak memory and CPU (wait4), and the figures the
    command prints. SystemExit if it fails or takes over IMPORT_TIMEOUT seconds."""
    argv = [*common.COPHUB, "import-usecases", str(csv), "--year", str(year), "--measure",
            *extra]
    wall, usage, output = common.run_measured(argv, env=env, log=log, timeout=IMPORT_TIMEOUT,
                                              what="cophub import-usecases")
    summary, own = SUMMARY.search(output), OWN.search(output)
    rows = int(summary.group(2)) if summary else None
    return {
        "wall_s": round(wall, 2),
        "max_rss_mib": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "rows": rows,
        "rows_per_s": round(rows / wall, 1) if rows else None,
        "created": int(summary.group(3)) if summary else None,
        "updated": int(summary.group(4)) if summary else None,
        "unchanged": int(summary.group(6)) if summary else None,
        "rejected": int(summary.group(8)) if summary else None,
        "reported_s": float(own.group(2)) if own else None,
        "reported_peak_mib": int(own.group(3)) if own else None,
        "index": index_figures(output),
        "output_tail": output.strip().splitlines()[-12:],
    }


INDEX_LINE = re.compile(r"Indexed (\d+) use case\(s\) for search in ([\d.]+) s: removed (\d+), "
                        r"(\d+) already up to date, (\d+) embedded, (\d+) vectors reused")


def index_figures(output: str) -> dict:
    """What the command says about the search index: documents written, seconds, removed,
    unchanged, texts embedded and vectors reused from documents with the same text."""
    match = INDEX_LINE.search(output)
    if not match:
        return {}
    names = ("written", "index_s", "removed", "unchanged", "embedded", "reused")
    return {name: float(value) if name == "index_s" else int(value)
            for name, value in zip(names, match.groups(), strict=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres",
                        help="Comma-separated databases: sqlite, postgres (default both).")
    parser.add_argument("--csv", type=Path, default=pool.DEFAULT_CSV,
                        help="The 2025 inventory's individually reported use cases.")
    parser.add_argument("--rounds", type=int, default=3, help="Fresh imports per database.")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each round, wait up to this many seconds for the machine "
                             "to be under 20%% busy (0: do not wait).")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true", help="Do not write import.json.")
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if not args.csv.exists():
        raise SystemExit(f"bench: {args.csv} not found (the inventory is read from shared "
                         "data, never copied into the repository)")
    common.exit_on_sigterm()

    results = {
        "benchmark": "import", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "file": args.csv.name, "rounds": args.rounds, "runs": [],
    }
    for kind in databases:
        rounds = []
        for number in range(1, args.rounds + 1):
            print(f"[{kind}] round {number}/{args.rounds} …", flush=True)
            with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                                       pg_name=args.pg_name) as (env, database):
                common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
                log = Path(env["COPHUB_DATA_DIR"]) / "import.log"
                if args.quiet_wait:
                    common.wait_for_quiet(max_wait=args.quiet_wait)
                with common.CpuMeter([], children="import") as cpu:
                    first = measure_import(env, args.csv, log)
                first["cpu"] = cpu.result
                again = measure_import(env, args.csv, log)
                rounds.append({"first": first, "again": again})
                print(f"[{kind}]   first {first['wall_s']} s, {first['max_rss_mib']:.0f} MiB; "
                      f"again {again['wall_s']} s", flush=True)
        median = sorted(rounds, key=lambda r: r["first"]["wall_s"])[len(rounds) // 2]
        results["runs"].append({
            "database": database, "revision": common.revision(), "median": median,
            "first_wall_s_min": min(r["first"]["wall_s"] for r in rounds),
            "first_wall_s_max": max(r["first"]["wall_s"] for r in rounds),
            "first_max_rss_mib_median": statistics.median(
                r["first"]["max_rss_mib"] for r in rounds),
            "again_wall_s_median": statistics.median(r["again"]["wall_s"] for r in rounds),
            "rounds": rounds,
        })

    _print(results)
    if not args.no_write:
        print(f"\nWrote {common.write_json('import', results).relative_to(common.REPO)}")
    return 0


def _print(results: dict) -> None:
    m = results["machine"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; cophub "
          f"import-usecases {results['file']}, median of {results['rounds']} fresh imports; "
          f"{common.describe_revision(results['revision'])}")
    rows = []
    for run in results["runs"]:
        db, first, again = run["database"], run["median"]["first"], run["median"]["again"]
        index = first["index"]
        rows.append([f"{db['engine']} {db['version'].split()[0]}", first["rows"],
                     f"{first['wall_s']:.1f}",
                     f"{run['first_wall_s_min']:.1f}–{run['first_wall_s_max']:.1f}",
                     first["rows_per_s"], first["reported_s"], index.get("index_s", ""),
                     index.get("embedded", ""), first["cpu_s"],
                     f"{run['first_max_rss_mib_median']:.0f}", f"{again['wall_s']:.1f}",
                     again["index"].get("embedded", ""),
                     first.get("cpu", {}).get("other_pct", "")])
    print(common.table(["database", "rows", "wall s", "range s", "rows/s", "own s",
                        "index s", "embedded", "CPU s", "max RSS MiB", "again s",
                        "again embedded", "other CPU%"], rows))
    print("  wall: the child process from start to exit (interpreter, Django, model load, "
          "read, write, index).\n  own: the command's own figure. again: the same file "
          "imported a second time (nothing changed).")


if __name__ == "__main__":
    sys.exit(main())
