"""Fan-out: one list post to N subscribers (100,000) delivered by ONE `cophub worker` to a
local SMTP sink: fan-out time, messages/s, time to last delivery, the worker's peak memory,
and the sink's own ceiling (bench/smtp_sink.py blast) in the same run.

    .venv/bin/python bench/fanout.py                       # PostgreSQL and SQLite
    .venv/bin/python bench/fanout.py --db postgres --subscribers 20000

Writes results/fanout.json. Target (issue 5): >= 1,000 messages/s on PostgreSQL.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import smtp_sink  # noqa: E402

SINK = [sys.executable, str(Path(__file__).resolve().parent / "smtp_sink.py")]

# Bulk-created rows are fine for the set-up: the measured part is the post and its delivery.
SETUP_SCRIPT = r"""
from cophub.communities.models import Community
from cophub.lists.models import MailingList, Subscriber, Subscription
community = Community.objects.create(slug="bench", name="Bench CoP")
ml = MailingList.objects.create(community=community, local_part="bench", name="Bench list",
    audience="anyone", kind="announce", archive_access_level="public")
N = {n}
for start in range(0, N, 5000):
    subs = Subscriber.objects.bulk_create([Subscriber(email=f"member{{i}}@agency{{i % 97}}.gov")
                                           for i in range(start, min(N, start + 5000))])
    if subs and subs[0].pk is None:
        subs = list(Subscriber.objects.filter(email__in=[s.email for s in subs]))
    Subscription.objects.bulk_create(
        [Subscription(mailing_list=ml, subscriber=s, via="import") for s in subs])
print("BENCH-SETUP", Subscription.objects.filter(mailing_list=ml, state="active").count())
"""

# The list post, as an organizer sends it from the compose page: `post_compose` publishes
# it, and on commit the worker runs the fan-out task (one MailContent, one outbox row per
# subscriber, in chunks of 1,000 with the post's cursor) and then the outbox drain.
PUBLISH_SCRIPT = r"""
import time
from cophub.accounts.models import User
from cophub.communities.models import CommunityRole
from cophub.lists.models import MailingList, Subscription
from cophub.lists.services import post_compose
ml = MailingList.objects.get(local_part="bench")
organizer, _ = User.objects.get_or_create(email="organizer@bench.gov",
                                          defaults={{"name": "Olivia Organizer"}})
CommunityRole.objects.get_or_create(community=ml.community, user=organizer,
                                    defaults={{"role": "organizer"}})
rows = Subscription.objects.filter(mailing_list=ml, state="active", delivery="each").count()
body = ("This month in the Bench CoP: the **community meeting**, two new resources, and the "
        "training series schedule.\n\n") * 12
started = time.perf_counter()
post = post_compose(mailing_list=ml, author=organizer, subject="Monthly update",
                    body_markdown=body)
print("BENCH-PUBLISH", rows, time.perf_counter() - started, time.time(), "{via}")
"""

STATUS_SCRIPT = r"""
from django.db.models import Count
from cophub.core.models import OutgoingMail
import json
print("BENCH-STATUS", json.dumps(dict(OutgoingMail.objects.values_list("status")
                                      .annotate(Count("id")))))
print("BENCH-AMBIGUOUS", OutgoingMail.objects.filter(last_error__startswith="ambiguous").count(),
      OutgoingMail.objects.filter(last_error__startswith="unconfirmed").count())
from cophub.lists.models import Post
post = Post.objects.filter(fanout_done_at__isnull=False).order_by("-id").first()
print("BENCH-FANOUT", (post.fanout_done_at - post.published_at).total_seconds() if post else -1)
"""


def shell(env: dict, script: str, marker: str, *, timeout: float) -> list[str]:
    out = common.run([*common.COPHUB, "shell", "-c", script], env=env, timeout=timeout)
    match = re.search(rf"^{marker} (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"bench: no {marker} line in:\n{out[-3000:]}")
    return match.group(1).split(" ", 3) if marker != "BENCH-STATUS" else [match.group(1)]


def db_status(env: dict) -> dict:
    out = common.run([*common.COPHUB, "shell", "-c", STATUS_SCRIPT], env=env, timeout=300)
    status = json.loads(re.search(r"^BENCH-STATUS (.*)$", out, re.M).group(1))
    ambiguous, unconfirmed = re.search(r"^BENCH-AMBIGUOUS (\d+) (\d+)$", out, re.M).groups()
    fanout_s = float(re.search(r"^BENCH-FANOUT (\S+)$", out, re.M).group(1))
    return {"status": status, "ambiguous": int(ambiguous), "unconfirmed": int(unconfirmed),
            "fanout_s": round(fanout_s, 2)}


def start_sink(data: Path, port: int, processes: int):
    sink_dir = data / "sink"
    process = common.start([*SINK, "serve", "--port", str(port), "--dir", str(sink_dir),
                            "--processes", str(processes)], env=common.base_env(data),
                           log=data / "sink.log")
    common.wait_until(lambda: any(sink_dir.glob("totals-*.json")), timeout=30, what="sink")
    return process, sink_dir


def worker_env(env: dict, port: int) -> dict:
    return env | {"EMAIL_URL": f"smtp://127.0.0.1:{port}",
                  "DJANGO_SETTINGS_MODULE": "cophub.config.settings"}


def vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run_database(kind: str, args) -> dict:
    print(f"[{kind}] fresh database, migrate, {args.subscribers} subscribers …", flush=True)
    with common.fresh_database(kind) as (env, database):
        data = Path(env["COPHUB_DATA_DIR"])
        env = env | {"DJANGO_SETTINGS_MODULE": "cophub.config.settings"}
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        shell(env, SETUP_SCRIPT.format(n=args.subscribers), "BENCH-SETUP", timeout=1800)
        common.analyze(env)
        port = common.free_port()
        sink, sink_dir = start_sink(data, port, args.sink_processes)
        wenv = worker_env(env, port)
        worker = common.start([*common.COPHUB, "worker"], env=wenv, log=data / "worker.log")
        try:
            # The worker loads the search model before it takes tasks; wait until it polls,
            # so the fan-out time is the fan-out's, not the worker's start-up.
            log = data / "worker.log"
            common.wait_until(lambda: log.exists() and "Starting worker" in log.read_text(
                errors="replace"), timeout=180, what="worker")
            t_start = time.time()
            rows, publish_s, t_commit, via = shell(
                wenv, PUBLISH_SCRIPT.format(via="post_compose"), "BENCH-PUBLISH",
                timeout=1800)
            rows, t_commit = int(rows), float(t_commit)
            print(f"  published in {float(publish_s):.2f} s; fan-out and delivery …", flush=True)
            deadline, hwm = time.monotonic() + args.timeout, None
            while time.monotonic() < deadline:
                totals = smtp_sink.read_totals(sink_dir)
                hwm = vm_hwm_mib(worker.pid) or hwm
                if totals["messages"] >= rows or worker.poll() is not None:
                    break
                time.sleep(0.25)
            totals = smtp_sink.read_totals(sink_dir)
            hwm = vm_hwm_mib(worker.pid) or hwm
            common.stop(worker)
            status = db_status(env)
            blast = json.loads(common.run(
                [*SINK, "blast", "--port", str(port), "--messages", str(args.blast_messages),
                 "--connections", "4", "--size", "2000"], env=common.base_env(data),
                timeout=600))
        finally:
            common.stop(worker)
            common.stop(sink)
        counts = smtp_sink.read_counts(sink_dir)
        copies = [n for rcpt, n in counts["by_rcpt"].items() if rcpt.startswith("member")]
        delivered = totals["messages"]
        first, last = totals["first"] or t_commit, totals["last"] or t_commit
        return {
            "database": database, "subscribers": args.subscribers, "rows": rows, "via": via,
            "publish_s": round(float(publish_s), 2),
            # From publishing to the last outbox row written (the fan-out task's chunks).
            "fanout_s": status["fanout_s"],
            "delivered": delivered,
            "delivery_s": round(last - first, 2),
            "messages_per_s": round(delivered / max(last - first, 1e-9), 1),
            "commit_to_last_delivery_s": round(last - t_commit, 2),
            "publish_to_last_delivery_s": round(last - t_start, 2),
            "worker_peak_rss_mib": hwm,
            "recipients_with_0": rows - len(copies), "recipients_with_1": copies.count(1),
            "recipients_with_more": sum(1 for n in copies if n > 1),
            "outbox": status, "sink_ceiling": blast,
            "complete": delivered >= rows,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=900, help="max seconds to deliver")
    parser.add_argument("--sink-processes", type=int, default=1)
    parser.add_argument("--blast-messages", type=int, default=20000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    common.exit_on_sigterm()
    results = {"benchmark": "fanout", "date": common.now_iso(),
               "command": common.command_line(), "machine": common.machine(),
               "revision": common.revision(),
               "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
               "worker": "one `cophub worker` (django-tasks-db), COPHUB_MAIL_CONNECTIONS "
                         "default 4, EMAIL_URL smtp://127.0.0.1:<sink>",
               "runs": []}
    for kind in [d.strip() for d in args.db.split(",") if d.strip()]:
        results["runs"].append(run_database(kind, args))
    rows = [[r["database"]["engine"], r["rows"], r["fanout_s"], r["delivered"],
             r["messages_per_s"], r["commit_to_last_delivery_s"], r["worker_peak_rss_mib"],
             r["recipients_with_more"], r["sink_ceiling"]["per_second"]]
            for r in results["runs"]]
    print(common.table(["database", "rows", "fan-out s", "delivered", "msg/s",
                        "to last s", "peak MiB", ">1 copy", "sink msg/s"], rows))
    if not args.no_write:
        print(f"Wrote {common.write_json('fanout', results).relative_to(common.REPO)}")
    return 0 if all(r["complete"] for r in results["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
