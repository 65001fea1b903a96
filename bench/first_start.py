"""A first start: seconds from `make run` in a fresh copy of the repository to the first page,
and until semantic search has every vector.

What is measured, on a fresh copy in a temporary folder (SQLite, the embedded default: no
DATABASE_URL or REDIS_URL), from the moment `make run HOST=127.0.0.1 PORT=<free port>` starts:

- **serving**: `cophub serve` prints that it serves (assets built, database migrated, demo
  loaded, static files collected);
- **first page** and **/healthz**: the first 200 of `GET /` and of `GET /healthz`;
- **search page**: `GET /search/?q=fraud+detection` right after that must answer 200 (by
  keywords, if the worker is still embedding);
- **semantic ready**: 95 % of the indexed documents have a vector (hybrid search ranks with
  them from then on); **all embedded**: every one has. Read from the copy's database every
  2 s from the moment `cophub serve` starts, so embedding done in the demo (before the
  server starts) shows as such.

The copy: by default the working tree of `--source` (default: this repository): the files
`git ls-files --cached --others --exclude-standard` lists (committed, changed and new files
that are not ignored), so work not yet committed is measured too; `--head` instead clones
the committed HEAD of `--source` (`git clone`), exactly what a fresh clone gets. Next to the
copy, `shared` links to the data beside `--source` (the inventory and the .gov registry), as
beside a real checkout.

Package installs are excluded, as the issue asks ("after the package installs"): the copy
links `.venv` and `node_modules` to this repository's installed ones, puts its own `src`
first on PYTHONPATH (so the copy's code runs, not this repository's), and `make` is told
those two install steps are done (`make -o .venv/.installed -o
node_modules/.package-lock.json run`). Everything else `make run` does is timed: building
the assets, `cophub migrate`, `cophub demo`, `cophub serve` (collectstatic, gunicorn, the
worker), and the worker's embedding in the background.

    .venv/bin/python bench/first_start.py                  # as `make bench-first-start`
    .venv/bin/python bench/first_start.py --head           # the committed HEAD instead
    .venv/bin/python bench/first_start.py --source ../other-checkout --keep

Prints a table (each figure beside its ceiling) and writes bench/results/first-start.json.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

FIRST_PAGE_CEILING_S = 90  # the issue: the first page within 90 s of `make run`
SEMANTIC_READY_SHARE = 0.95  # as cophub.search.selectors.ranking.SEMANTIC_MIN_COVERAGE
FIRST_PAGE_TIMEOUT = 900  # seconds; a first page later than this is a failure, not a figure
EMBED_TIMEOUT = 3600
STOP_GRACE = 60  # longer than `cophub serve`'s own graceful stop (35 s)
SEARCH_PATH = "/search/?q=fraud+detection"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=common.REPO,
                        help="The checkout to copy (default: this repository).")
    parser.add_argument("--head", action="store_true",
                        help="Clone the committed HEAD of --source instead of copying its "
                             "working tree.")
    parser.add_argument("--embed-timeout", type=float, default=EMBED_TIMEOUT,
                        help="Stop waiting for every vector after this many seconds.")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="First wait up to this many seconds for the machine to be under "
                             "20%% busy (0: do not wait).")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the temporary copy (its var/ holds the logs and database).")
    parser.add_argument("--no-write", action="store_true",
                        help="Do not write first-start.json.")
    args = parser.parse_args()
    source = args.source.resolve()
    if not (source / "Makefile").is_file() or not (source / ".git").exists():
        parser.error(f"{source} is not a cophub checkout (no Makefile or .git)")
    for installed in (common.REPO / ".venv", common.REPO / "node_modules"):
        if not installed.is_dir():
            parser.error(f"{installed} is missing: run `make install assets` first")
    common.exit_on_sigterm()

    tmp = Path(tempfile.mkdtemp(prefix="cophub-first-start-"))
    try:
        copy = tmp / "cophub"
        how = _clone_head(source, copy) if args.head else _copy_working_tree(source, copy)
        _link_installs(copy, data=source.parent / "shared", shared=tmp / "shared")
        env = _env(copy)
        _check_code_is_the_copys(copy, env)
        waited = common.wait_for_quiet(max_wait=args.quiet_wait) if args.quiet_wait else 0
        run = _first_start(copy, env, embed_timeout=args.embed_timeout)
        run["quiet_wait_s"] = waited
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    results = {
        "benchmark": "first-start", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": _revision(source, head=args.head),
        "copy": how, "packages": "installs excluded: .venv and node_modules linked from "
                                 "the repository, `make -o` for their two steps",
        "database": "sqlite (embedded default)", "run": run,
        "targets": {"first_page_s": {
            "target": f"<= {FIRST_PAGE_CEILING_S} s", "value": run["first_page_s"],
            "met": run["first_page_s"] is not None
            and run["first_page_s"] <= FIRST_PAGE_CEILING_S}},
    }
    _print(results)
    if not args.no_write:
        print(f"\nWrote {common.write_json('first-start', results).relative_to(common.REPO)}")
    return 0 if results["targets"]["first_page_s"]["met"] else 1


def _copy_working_tree(source: Path, copy: Path) -> str:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source, capture_output=True, check=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, dict.fromkeys(listed)):
        path = source / name
        if not path.is_file() or path.is_symlink():
            continue  # deleted in the working tree (still in the index), or a link
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    # `make` and the code look for nothing in .git, but `git` in the copy should work.
    subprocess.run(["git", "init", "--quiet"], cwd=copy, check=True)
    return f"working tree of {source.name}: {copied} files (git ls-files, untracked included)"


def _clone_head(source: Path, copy: Path) -> str:
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(source), str(copy)],
                   check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=copy,
                            capture_output=True, text=True, check=True).stdout.strip()
    return f"git clone of {source.name} at {commit} (committed HEAD)"


def _link_installs(copy: Path, *, data: Path, shared: Path) -> None:
    (copy / ".venv").symlink_to(common.REPO / ".venv", target_is_directory=True)
    (copy / "node_modules").symlink_to(common.REPO / "node_modules",
                                       target_is_directory=True)
    if data.is_dir():
        shared.symlink_to(data, target_is_directory=True)


def _env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in common._SCRUBBED}
    env.pop("PYTHONPATH", None)
    env["PYTHONPATH"] = str(copy / "src")
    env["COPHUB_DATA_DIR"] = str(copy / "var")  # the Makefile's default, said out loud
    # A free port for the inbound mail server too: another cophub on this machine may hold
    # the default (2525), and `cophub serve` stops when one of its processes cannot start.
    env["COPHUB_MAILSERVER_PORT"] = str(common.free_port())
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _check_code_is_the_copys(copy: Path, env: dict) -> None:
    where = subprocess.run([str(copy / ".venv/bin/python"), "-c",
                            "import cophub; print(cophub.__file__)"],
                           env=env, cwd=copy, capture_output=True, text=True, timeout=60,
                           check=True).stdout.strip()
    if not Path(where).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"bench: the copy would run {where}, not its own code")


def _first_start(copy: Path, env: dict, *, embed_timeout: float) -> dict:
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    argv = ["make", "--no-print-directory", "-o", ".venv/.installed",
            "-o", "node_modules/.package-lock.json", "run", "HOST=127.0.0.1",
            f"PORT={port}"]
    log = copy / "make-run.log"
    run: dict = {"argv": " ".join(argv), "serving_s": None, "first_page_s": None,
                 "healthz_s": None, "search_page_s": None, "search_page_status": None,
                 "semantic_ready_s": None, "all_embedded_s": None, "documents": None,
                 "progress": []}
    print(f"make run in a fresh copy, port {port} …", flush=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    process = common.start(argv, env=env, log=log, cwd=copy)
    vectors = _Vectors(copy / "var" / "cophub.sqlite3", run, started)
    try:
        with common.CpuMeter([]) as cpu:
            _wait_for_pages(run, process, base, log, started, vectors)
            print(f"  first page after {run['first_page_s']} s; waiting for the vectors …",
                  flush=True)
            _wait_for_vectors(run, process, log, started, vectors, timeout=embed_timeout)
        run["machine_busy_pct"] = cpu.result.get("machine_busy_pct")
        run["search_status"] = _search_status(copy, env)
    finally:
        vectors.close()
        common.stop(process, grace=STOP_GRACE)
    run["load_average_before"] = load_before
    return run


class _Vectors:
    """Documents indexed and embedded, read from the copy's database (every 2 s at most,
    from the moment `cophub migrate` has made the table): when 95 % and when all of them
    have a vector, whether that happens before the first page (embedding in the demo) or
    after it (in the background)."""

    def __init__(self, database: Path, run: dict, started: float):
        self.database, self.run, self.started = database, run, started
        self.db = None
        self.polled = 0.0

    def poll(self) -> bool:
        """Read the counts (unless read in the last 2 s); True once every document has a
        vector."""
        if time.monotonic() - self.polled < 2:
            return self.run["all_embedded_s"] is not None
        self.polled = time.monotonic()
        if self.db is None:
            if not self.database.exists():
                return False  # not migrated yet (connecting would create the file)
            self.db = common.Db({"COPHUB_DATA_DIR": str(self.database.parent)})
        try:
            documents, embedded = self.db.one(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN embedding_model <> '' THEN 1 "
                "ELSE 0 END), 0) FROM search_searchdocument WHERE removed = %s", False)
        except Exception:  # the table is not there yet, or the database is busy
            return False
        elapsed = round(time.monotonic() - self.started, 1)
        run = self.run
        run["documents"] = documents
        if documents and (not run["progress"] or run["progress"][-1][1:] != [documents,
                                                                                embedded]):
            run["progress"].append([elapsed, documents, embedded])
        # Counted once the demo is in: its search part indexes everything in one go.
        demo_done = run["serving_s"] is not None
        if demo_done and run["semantic_ready_s"] is None and documents and (
                embedded >= SEMANTIC_READY_SHARE * documents):
            run["semantic_ready_s"] = elapsed
        if demo_done and documents and embedded >= documents:
            run["all_embedded_s"] = run["all_embedded_s"] or elapsed
            return True
        return False

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _wait_for_pages(run: dict, process, base: str, log: Path, started: float,
                    vectors: _Vectors) -> None:
    while run["first_page_s"] is None or run["healthz_s"] is None:
        _check_alive(process, log)
        elapsed = time.monotonic() - started
        if elapsed > FIRST_PAGE_TIMEOUT:
            raise SystemExit(f"bench: no first page after {FIRST_PAGE_TIMEOUT} s:\n"
                             f"{log.read_text()[-4000:]}")
        if run["serving_s"] is None and "cophub is serving" in log.read_text():
            run["serving_s"] = round(elapsed, 1)
        for key, path in (("first_page_s", "/"), ("healthz_s", "/healthz")):
            if run[key] is None and _get(base + path)[0] == 200:
                run[key] = round(time.monotonic() - started, 1)
        vectors.poll()
        time.sleep(0.25)
    status, _ = _get(base + SEARCH_PATH, timeout=60)
    run["search_page_status"] = status
    run["search_page_s"] = round(time.monotonic() - started, 1)
    if status != 200:
        raise SystemExit(f"bench: {SEARCH_PATH} answered {status}")


def _wait_for_vectors(run: dict, process, log: Path, started: float, vectors: _Vectors, *,
                      timeout: float) -> None:
    while not vectors.poll():
        _check_alive(process, log)
        if time.monotonic() - started > timeout:
            print(f"bench: not every document has a vector after {timeout:.0f} s; giving "
                  "up", flush=True)
            return
        time.sleep(0.5)


def _search_status(copy: Path, env: dict) -> str:
    done = subprocess.run([str(copy / ".venv/bin/python"), "-m", "cophub", "search-status"],
                          env=env, cwd=copy, capture_output=True, text=True, timeout=120,
                          check=False)
    return done.stdout.splitlines()[0] if done.stdout else done.stderr[-500:]


def _get(url: str, *, timeout: float = 5) -> tuple[int | None, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started
    except (urllib.error.URLError, OSError):
        return None, time.perf_counter() - started


def _check_alive(process, log: Path) -> None:
    if process.poll() is not None:
        raise SystemExit(f"bench: make run exited ({process.returncode}):\n"
                         f"{log.read_text()[-4000:]}")


def _revision(source: Path, *, head: bool) -> dict:
    if source == common.REPO:
        rev = common.revision()
    else:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=source,
                                capture_output=True, text=True, check=False).stdout.strip()
        rev = {"commit": commit, "subject": "", "uncommitted_outside_bench": []}
    if head:
        rev = rev | {"uncommitted_outside_bench": []}  # the clone has none of them
    return rev


def _print(results: dict) -> None:
    m, run = results["machine"], results["run"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{results['copy']}; {common.describe_revision(results['revision'])}; "
          f"{results['database']}; {results['packages']}")
    print(f"command: {results['command']}\n  in the copy: {run['argv']}")

    def figure(value) -> str:
        return "—" if value is None else f"{value:.1f}"

    rows = [
        ["cophub serve is serving", figure(run["serving_s"]), "", ""],
        ["first page: GET / 200", figure(run["first_page_s"]), f"{FIRST_PAGE_CEILING_S}",
         "yes" if results["targets"]["first_page_s"]["met"] else "NO"],
        ["GET /healthz 200", figure(run["healthz_s"]), f"{FIRST_PAGE_CEILING_S}",
         "yes" if run["healthz_s"] is not None and run["healthz_s"] <= FIRST_PAGE_CEILING_S
         else "NO"],
        [f"GET {SEARCH_PATH} {run['search_page_status']}", figure(run["search_page_s"]),
         "", ""],
        [f"semantic ready: {SEMANTIC_READY_SHARE:.0%} of {run['documents']} documents "
         "embedded", figure(run["semantic_ready_s"]), "", ""],
        [f"all {run['documents']} documents embedded", figure(run["all_embedded_s"]), "", ""],
    ]
    print(common.table(["seconds after `make run` starts", "s", "ceiling s", "met"], rows))
    print(f"  machine {run.get('machine_busy_pct')} % busy during the run (all processes, "
          f"this run's and anyone else's); load average before {run['load_average_before']}")
    print(f"  search-status at the end: {run.get('search_status')}")


if __name__ == "__main__":
    sys.exit(main())
