"""Crash test: a 10,000-recipient list send while the only `cophub worker` is killed with
SIGKILL at random moments and restarted each time; then, from the sink's per-recipient
counts: recipients with 0 copies, with exactly 1, with more than 1, and how many messages
the journal recovery found ambiguous.

    .venv/bin/python bench/mail_crash.py                     # PostgreSQL and SQLite
    .venv/bin/python bench/mail_crash.py --db sqlite --kills 5 --seed 7

Writes results/mail_crash.json. Passes when every recipient has exactly one copy.
"""

import argparse
import os
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import fanout  # noqa: E402
import smtp_sink  # noqa: E402


def kill_worker(worker) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait()


def run_database(kind: str, args, rng: random.Random) -> dict:
    print(f"[{kind}] fresh database, migrate, {args.recipients} subscribers …", flush=True)
    with common.fresh_database(kind) as (env, database):
        data = Path(env["COPHUB_DATA_DIR"])
        env = env | {"DJANGO_SETTINGS_MODULE": "cophub.config.settings"}
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        fanout.shell(env, fanout.SETUP_SCRIPT.format(n=args.recipients), "BENCH-SETUP",
                     timeout=900)
        port = common.free_port()
        sink, sink_dir = fanout.start_sink(data, port, 1)
        wenv = fanout.worker_env(env, port)
        log = data / "worker.log"
        worker = common.start([*common.COPHUB, "worker"], env=wenv, log=log)
        kills = []
        try:
            rows, _, t_commit, via = fanout.shell(
                wenv, fanout.PUBLISH_SCRIPT.format(via="post_compose"), "BENCH-PUBLISH",
                timeout=900)
            rows = int(rows)
            planned = rng.randint(args.kills_min, args.kills_max)
            # Kill only while messages are flowing, at random points of the delivery.
            while len(kills) < planned:
                delivered = smtp_sink.read_totals(sink_dir)["messages"]
                if delivered >= rows:
                    break
                # Wait until the (re)started worker is really sending: the first messages
                # after a kill may be the dead worker's last ones still arriving.
                if delivered == 0 or (kills and delivered < kills[-1]["delivered_before"] + 20):
                    time.sleep(0.1)
                    continue
                time.sleep(rng.uniform(0.05, args.max_gap))
                before = smtp_sink.read_totals(sink_dir)["messages"]
                kill_worker(worker)
                kills.append({"at_s": round(time.time() - float(t_commit), 2),
                              "delivered_before": before})
                print(f"  kill {len(kills)}: {before} delivered", flush=True)
                worker = common.start([*common.COPHUB, "worker"], env=wenv, log=log)
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                if smtp_sink.read_totals(sink_dir)["messages"] >= rows:
                    status = fanout.db_status(env)
                    if set(status["status"]) == {"sent"}:
                        break
                time.sleep(1)
            common.stop(worker)
            status = fanout.db_status(env)
        finally:
            common.stop(worker)
            common.stop(sink)
        counts = smtp_sink.read_counts(sink_dir)
        copies = [counts["by_rcpt"].get(f"member{i}@agency{i % 97}.gov", 0)
                  for i in range(args.recipients)]
        return {
            "database": database, "recipients": args.recipients, "rows": rows, "via": via,
            "kills": kills, "recipients_with_0": copies.count(0),
            "recipients_with_1": copies.count(1),
            "recipients_with_more": sum(1 for n in copies if n > 1),
            "ambiguous_resent": status["ambiguous"],
            "unconfirmed_marked_sent": status["unconfirmed"], "outbox": status["status"],
            "exactly_once": copies.count(1) == args.recipients,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--kills-min", type=int, default=5)
    parser.add_argument("--kills-max", type=int, default=10)
    parser.add_argument("--max-gap", type=float, default=1.5,
                        help="most seconds of sending between two kills")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    common.exit_on_sigterm()
    results = {"benchmark": "mail_crash", "date": common.now_iso(), "seed": seed,
               "command": common.command_line(), "machine": common.machine(),
               "revision": common.revision(), "runs": []}
    for kind in [d.strip() for d in args.db.split(",") if d.strip()]:
        results["runs"].append(run_database(kind, args, rng))
    print(common.table(
        ["database", "kills", "0 copies", "1 copy", ">1 copies", "ambiguous", "unconfirmed"],
        [[r["database"]["engine"], len(r["kills"]), r["recipients_with_0"],
          r["recipients_with_1"], r["recipients_with_more"], r["ambiguous_resent"],
          r["unconfirmed_marked_sent"]] for r in results["runs"]]))
    if not args.no_write:
        print(f"Wrote {common.write_json('mail_crash', results).relative_to(common.REPO)}")
    return 0 if all(r["exactly_once"] for r in results["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
