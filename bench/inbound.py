"""Inbound mail: messages per second accepted by `cophub mailserver`, then processed by one
`cophub worker` with DKIM checked here and with the MTA's verdict, side by side in one run.

For each database asked for (`--db`, default `postgres,sqlite`) and each of the two variants
below, in this order: a fresh database, `cophub migrate`, one community with the discussion
list ai@lists.localhost, which holds posts from unauthenticated senders (`sender_policy`
"hold"), and the `--messages` senders subscribed to it with delivery "No e-mail" (bulk rows):
each may post, and a published post's fan-out has nobody to send to. Then:

1. **Acceptance.** `cophub mailserver` (SMTP) on a free port with the database task queue,
   as `cophub serve` runs it, and no worker: what is measured is the server's own work (RCPT
   lookup, the committed insert of the message, the task row). `--clients` threads (4), each
   on one SMTP connection, send `--messages` (2,000) realistic ~3 KB posts with smtplib; per
   message, the time from MAIL FROM to the 250 after DATA. Every message must be accepted and
   stored (the InboundMessage rows are counted). Bounded by `--max-seconds`; the server is
   stopped with SIGTERM (graceful) and must exit 0.
2. **Processing.** One `cophub worker --no-scheduler` (django-tasks-db, the worker
   `cophub serve` starts; launched through bench/inbound_worker.py, which installs the DKIM
   key lookup and counts the CPU spent inside the processing tasks, nothing else) runs the
   queued `inbound_message_process_task`s. That is the real path a message takes after its
   250: the task claimed from the queue, the message parsed, the sender authenticated
   (`inbound.authentication.sender_authenticate`), `post_receive`, the post committed with
   its fan-out and search-index tasks enqueued, the task marked done.
   Timed from the first processing task's `started_at` (the worker has loaded the search
   model by then) to the last message's `processed_at`; the bench polls the database until
   no message is "received" (`--process-timeout`). The queue is first in, first out, so the
   posts' fan-out and index tasks wait behind every message, and the worker is stopped
   (SIGTERM) before it reaches them: no fan-out runs (it would send nothing anyway). The
   scheduler is off so that the inbound sweep cannot enqueue waiting messages a second time.

The variants, each on its own fresh database, carry the same `--messages` posts:
- **dkim**, DKIM checked here: every message DKIM-signed by its From domain with dkimpy
  (rsa-sha256, relaxed/simple, dkimpy's default headers, selector "bench", an RSA-2048 key
  the bench makes at start), and no `COPHUB_AUTHSERV_ID`. The worker gets the key from
  bench/inbound_worker.py's lookup (no network). Only a verified signature can authenticate
  these: there is no trusted header, and SPF is not checked for a loopback peer.
- **mta**, the MTA's verdict (DKIM not checked here): the same messages unsigned, each with
  `Authentication-Results: mx.bench.localhost; dkim=pass header.d=<From domain>` on top, as
  the MTA in front would stamp it, and the worker run with `COPHUB_AUTHSERV_ID` set to that id.

Every message must end processed and published as a post, authenticated by DKIM as its From
domain; the run fails otherwise. Reported per variant: acceptance msgs/s and latency;
processed msgs/s, each processing task's own time (p50, p95) and the worker's CPU per
message; per database, the processing rate with DKIM checked here over the rate with the
MTA's verdict. Beside them, what dkimpy's verification alone costs per signed message in
this process (a figure the machine's other work hardly moves: on a shared 2-core machine the
two variants' rates vary from run to run by more than DKIM costs).

    .venv/bin/python bench/inbound.py                        # as `make bench-inbound`
    .venv/bin/python bench/inbound.py --db sqlite --messages 300 --no-write   # a quick look

Prints a table and writes bench/results/inbound.json.
"""

import argparse
import base64
import email.policy
import json
import os
import random
import re
import smtplib
import socket
import statistics
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import inbound_worker  # noqa: E402

LIST_DOMAIN = "lists.localhost"
FROM_DOMAINS = 50  # the senders' domains: agency0.gov … agency49.gov
AUTHSERV_ID = "mx.bench.localhost"  # the authserv-id the (pretend) MTA in front stamps
WORKER = [sys.executable, str(Path(inbound_worker.__file__).resolve()), "worker",
          "--no-scheduler"]
PROCESS_TASK = inbound_worker.PROCESS_TASK
VARIANTS = {
    "dkim": "DKIM checked here (dkimpy, RSA-2048, no COPHUB_AUTHSERV_ID)",
    "mta": f"MTA's verdict (Authentication-Results from {AUTHSERV_ID}, DKIM not checked here)",
}

# The list, and the senders as subscribers who read the archive instead of getting e-mail.
SETUP_SCRIPT = r"""
import json
from django_tasks_db.models import DBTaskResult
from cophub.communities.models import Community
from cophub.lists.models import InboundMessage, MailingList, Post, Subscriber, Subscription
community = Community.objects.create(slug="ai-cop", name="AI Community of Practice",
                                     short_name="AI CoP")
ml = MailingList.objects.create(community=community, local_part="ai", name="AI CoP",
                                subject_prefix="[AI CoP]", audience="anyone", kind="discussion",
                                archive_access_level="public", sender_policy="hold")
Subscriber.objects.bulk_create([Subscriber(email=P["sender"].format(i=i, d=i % P["domains"]))
                                for i in range(P["senders"])])
Subscription.objects.bulk_create([Subscription(mailing_list=ml, subscriber=s, via="import",
                                               delivery="none")
                                  for s in Subscriber.objects.all()])
print("BENCH-SETUP", json.dumps({
    "subscriptions": Subscription.objects.filter(mailing_list=ml, state="active",
                                                 delivery="none").count(),
    "tables": {"inbound": InboundMessage._meta.db_table, "post": Post._meta.db_table,
               "tasks": DBTaskResult._meta.db_table}}))
"""
SENDER = "member{i}@agency{d}.gov"
WORDS = ("model evaluation agency pilot procurement guidance risk assessment inventory "
         "training data governance deployment federal team results community question "
         "share lessons learned practice generative language vision security policy").split()


def post(i: int, rng: random.Random) -> bytes:
    """A ~3 KB plain-text post as people send them: headers, a few paragraphs, a signature."""
    message = EmailMessage()
    message["From"] = f"Member {i} <{sender(i)}>"
    message["To"] = f"ai@{LIST_DOMAIN}"
    message["Subject"] = f"Question {i}: {' '.join(rng.choices(WORDS, k=6))}"
    message["Message-ID"] = f"<bench-{i}-{rng.getrandbits(48):x}@agency{i % 50}.gov>"
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 -0500"
    paragraphs = []
    size = 0
    while size < 2900:
        paragraph = " ".join(rng.choices(WORDS, k=rng.randint(40, 80))).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    message.set_content("\n\n".join(paragraphs) + f"\n\n-- \nMember {i}\nAgency {i % 50}\n")
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF: smtplib sends bytes as-is


def _wait_for_port(port: int, server, log: Path) -> None:
    def ready() -> bool:
        if server.poll() is not None:
            raise SystemExit(f"bench: mailserver exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                return sock.recv(100).startswith(b"220")
        except OSError:
            return False

    common.wait_until(ready, timeout=60, what="cophub mailserver")


def blast(port: int, messages: list[tuple[str, str, bytes]], clients: int,
          max_seconds: float) -> dict:
    """Send (envelope sender, recipient, bytes) over `clients` SMTP connections at once;
    "started" is the wall-clock time of the first send (bench/forum.py times from it)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    next_index = iter(range(len(messages)))

    def client() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.ehlo("bench.client")
            while time.monotonic() < deadline:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                mail_from, rcpt, raw = messages[i]
                started = time.perf_counter()
                try:
                    smtp.sendmail(mail_from, [rcpt], raw)
                except smtplib.SMTPException as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    smtp.rset()
                    continue
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=client) for _ in range(max(1, clients))]
    started_at = time.time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {
        "started": started_at,
        "sent": len(latencies) + len(errors), "accepted": len(latencies),
        "errors": len(errors), "error_samples": errors[:5], "wall_s": round(wall, 2),
        "accepted_per_s": round(len(latencies) / wall, 1) if wall else 0,
        "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
                       "mean": round(statistics.fmean(ordered) * 1000, 2),
                       "max": round(ordered[-1] * 1000, 2)} if ordered else {},
        "stopped_by_time_limit": len(latencies) + len(errors) < len(messages),
    }



def sender(i: int) -> str:
    """The From address of message `i` (post() writes the same)."""
    return SENDER.format(i=i, d=i % FROM_DOMAINS)


def dkim_key() -> tuple[bytes, bytes]:
    """(private key PEM, DNS record) of a new RSA-2048 key: the senders' signing key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def variant_messages(variant: str, raws: list[bytes], pem: bytes) -> list[tuple[str, str, bytes]]:
    """(envelope sender, recipient, bytes) of every post as the variant sends it: signed by
    its From domain (as the sender's mail system does), or stamped by the MTA in front."""
    messages = []
    for i, raw in enumerate(raws):
        domain = sender(i).rsplit("@", 1)[1]
        if variant == "dkim":
            raw = dkim.sign(raw, inbound_worker.SELECTOR.encode(), domain.encode(), pem) + raw
        else:
            raw = (f"Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d={domain}\r\n"
                   .encode() + raw)
        messages.append((f"member{i}@agency.gov", f"ai@{LIST_DOMAIN}", raw))
    return messages


def dkim_verify_alone(messages: list[tuple[str, str, bytes]], record: bytes) -> float:
    """CPU milliseconds per message for dkimpy to verify the signed messages here (each must
    verify), with the key served from memory."""
    started = time.process_time()
    for _, _, raw in messages:
        if not dkim.verify(raw, dnsfunc=lambda name, timeout=5: record):
            raise SystemExit("bench: a signed message does not verify")
    return round((time.process_time() - started) / max(len(messages), 1) * 1000, 3)




def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process so far (all its threads)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def _ms_percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
            "mean": round(statistics.fmean(ordered) * 1000, 2)}


def run_variant(kind: str, variant: str, args, messages: list[tuple[str, str, bytes]],
                record: bytes, failures: list[str]) -> dict:
    label = f"{kind} {variant}"
    print(f"[{label}] fresh database, migrate …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        data = Path(env["COPHUB_DATA_DIR"])
        env = env | {"DJANGO_SETTINGS_MODULE": "cophub.config.settings",
                     "COPHUB_LIST_DOMAIN": LIST_DOMAIN}
        env.pop("COPHUB_AUTHSERV_ID", None)  # only the "mta" variant's worker trusts a header
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        params = {"sender": SENDER, "domains": FROM_DOMAINS, "senders": len(messages)}
        out = common.run([*common.COPHUB, "shell", "-c",
                          f"import json\nP = json.loads({json.dumps(params)!r})\n"
                          + SETUP_SCRIPT], env=env, timeout=300)
        match = re.search(r"^BENCH-SETUP (.*)$", out, re.M)
        if not match:
            raise SystemExit(f"bench: setup failed:\n{out[-3000:]}")
        setup = json.loads(match.group(1))
        if setup["subscriptions"] != len(messages):
            raise SystemExit(f"bench: {setup['subscriptions']} subscriptions made, "
                             f"{len(messages)} wanted")
        db = common.Db(env)
        try:
            accepted = accept(label, args, env, data, db, setup["tables"], messages, failures)
            processed = process(label, variant, args, env, data, db, setup["tables"],
                                record, accepted["stored"], failures)
        finally:
            db.close()
        return {"database": database, "variant": variant, "label": VARIANTS[variant],
                "mean_message_bytes": round(statistics.fmean(len(m[2]) for m in messages)),
                "accept": accepted, "process": processed}


def accept(label: str, args, env: dict, data: Path, db: common.Db, tables: dict,
           messages: list[tuple[str, str, bytes]], failures: list[str]) -> dict:
    """Phase 1: the messages sent to `cophub mailserver`, no worker running."""
    port = common.free_port()
    log = data / "mailserver.log"
    server = common.start([*common.COPHUB, "mailserver", "--port", str(port)], env=env,
                          log=log)
    try:
        _wait_for_port(port, server, log)
        if args.quiet_wait:
            common.wait_for_quiet(max_wait=args.quiet_wait)
        print(f"[{label}] {len(messages)} messages, {args.clients} clients …", flush=True)
        with common.CpuMeter([server.pid]) as cpu:
            figures = blast(port, messages, args.clients, args.max_seconds)
            figures.pop("started")
    finally:
        common.stop(server, grace=15)
    stopped_cleanly = server.returncode == 0
    stored = db.one(f"SELECT count(*) FROM {tables['inbound']}")[0]
    if stored != figures["accepted"]:
        failures.append(f"{label}: {figures['accepted']} accepted but {stored} stored")
    if figures["errors"]:
        failures.append(f"{label}: {figures['errors']} messages refused "
                        f"({figures['error_samples'][0]})")
    if not stopped_cleanly:
        failures.append(f"{label}: mailserver exit code {server.returncode} on SIGTERM")
    return {**figures, "stored": stored, "cpu": cpu.result,
            "stopped_cleanly_on_sigterm": stopped_cleanly}


def process(label: str, variant: str, args, env: dict, data: Path, db: common.Db, tables: dict,
            record: bytes, stored: int, failures: list[str]) -> dict:
    """Phase 2: one worker processes the stored messages; timed from the first processing
    task's start to the last message processed."""
    record_file, stats_file = data / "dkim-record.txt", data / f"worker-{variant}.json"
    record_file.write_bytes(record + b"\n")
    wenv = env | {"BENCH_DKIM_RECORD": str(record_file), "BENCH_WORKER_STATS": str(stats_file)}
    if variant == "mta":
        wenv["COPHUB_AUTHSERV_ID"] = AUTHSERV_ID
    log = data / f"worker-{variant}.log"
    inbound_t, post_t, tasks_t = tables["inbound"], tables["post"], tables["tasks"]
    if args.quiet_wait:
        common.wait_for_quiet(max_wait=args.quiet_wait)
    print(f"[{label}] processing {stored} messages with one worker …", flush=True)
    worker = common.start(WORKER, env=wenv, log=log)
    try:
        def ready() -> bool:
            if worker.poll() is not None:
                raise SystemExit(f"bench: the worker exited:\n{log.read_text()[-3000:]}")
            return "Starting worker" in log.read_text(errors="replace")

        # The worker loads the search model before it takes a task: not processing time.
        common.wait_until(ready, timeout=300, what="cophub worker")
        cpu_start = cpu_seconds(worker.pid)
        deadline = time.monotonic() + args.process_timeout
        with common.CpuMeter([worker.pid], children="bench_children") as cpu:
            while True:
                waiting = db.one(f"SELECT count(*) FROM {inbound_t} "
                                 "WHERE status = 'received'")[0]
                if not waiting or worker.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.25)
        cpu_end = cpu_seconds(worker.pid)
    finally:
        common.stop(worker, grace=30)
    # Written by bench/inbound_worker.py as the worker exits.
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    lookups = stats.get("dkim_key_lookups")
    task_cpu = stats.get("process_tasks_cpu_s")

    statuses = dict(db.all(f"SELECT status, count(*) FROM {inbound_t} GROUP BY status"))
    processed = statuses.get("processed", 0)
    tasks = db.all(f"SELECT started_at, finished_at, status FROM {tasks_t} "
                   "WHERE task_path = %s", PROCESS_TASK)
    first_start = min((common.epoch(s) for s, _, _ in tasks if s is not None), default=None)
    last_done = common.epoch(db.one(f"SELECT max(processed_at) FROM {inbound_t}")[0])
    own_times = [common.epoch(f) - common.epoch(s) for s, f, status in tasks
                 if s is not None and f is not None and status == "SUCCESSFUL"]
    window = last_done - first_start if first_start and last_done else None
    posts = db.all(f"SELECT sender_email, status, authenticated, auth_method, auth_domain "
                   f"FROM {post_t} WHERE inbound_id IS NOT NULL")
    good = [p for p in posts if p[1] == "published" and p[2] and p[3] == "dkim"
            and p[4] == p[0].rsplit("@", 1)[1].lower()]
    not_published = [r for (r,) in db.all(
        f"SELECT result FROM {inbound_t} WHERE result NOT LIKE %s", "%published (post%")]
    failed_tasks = [f"{path}: {exc}" for path, exc in db.all(
        f"SELECT task_path, exception_class_path FROM {tasks_t} WHERE status = 'FAILED'")]
    worker_cpu = (cpu_end - cpu_start) if cpu_start is not None and cpu_end else None
    result = {
        "worker": " ".join(["cophub", *WORKER[2:]]) + " (via bench/inbound_worker.py)",
        "authserv_id": AUTHSERV_ID if variant == "mta" else "",
        "messages": stored, "inbound_status": statuses,
        "posts_published_authenticated": len(good),
        "auth_methods": sorted({p[3] for p in posts}),
        "first_task_start_to_last_processed_s": round(window, 2) if window else None,
        "processed_per_s": round(processed / window, 1) if window else None,
        "task_time_ms": _ms_percentiles(own_times),
        # CPU inside the processing tasks (the worker's signals), and the worker process's
        # whole CPU while the bench waited (with the first tasks queued at set-up and the
        # fan-out and index tasks it began before the bench saw the last message done).
        "worker_cpu_ms_per_message": round(task_cpu / stats["process_tasks"] * 1000, 2)
        if task_cpu is not None and stats.get("process_tasks") else None,
        "process_tasks_timed": stats.get("process_tasks"),
        "worker_process_cpu_s": round(worker_cpu, 2) if worker_cpu is not None else None,
        "dkim_key_lookups": lookups,
        "cpu": cpu.result,
        "not_published_samples": not_published[:3], "failed_tasks": failed_tasks[:5],
        "stopped_cleanly_on_sigterm": worker.returncode == 0,
    }
    problems = []
    if statuses.get("received"):
        problems.append(f"{statuses['received']} messages still unprocessed after "
                        f"{args.process_timeout:.0f} s")
    if len(good) != stored:
        problems.append(f"{len(good)} of {stored} messages published as authenticated posts"
                        + (f" ({not_published[0][:300]})" if not_published else ""))
    if variant == "dkim" and lookups is not None and lookups < stored:
        problems.append(f"{lookups} DKIM key lookups for {stored} messages")
    if variant == "mta" and lookups:
        problems.append(f"{lookups} DKIM key lookups, none expected")
    if failed_tasks:
        problems.append(f"failed tasks: {failed_tasks[:3]}")
    if not stats:
        problems.append(f"the worker left no statistics (exit code {worker.returncode})")
    failures += [f"{label}: {p}" for p in problems]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite",
                        help="Comma-separated databases: postgres, sqlite (default both).")
    parser.add_argument("--messages", type=int, default=2000,
                        help="Messages sent, then processed, per database and variant.")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="Stop sending after this many seconds per database.")
    parser.add_argument("--process-timeout", type=float, default=900,
                        help="Stop waiting for the worker after this many seconds.")
    parser.add_argument("--quiet-wait", type=int, default=15,
                        help="Wait up to this many seconds for a quiet machine first.")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true", help="Do not write inbound.json.")
    args = parser.parse_args()
    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    common.exit_on_sigterm()

    rng = random.Random(2525)
    raws = [post(i, rng) for i in range(args.messages)]
    print(f"signing {len(raws)} messages (RSA-2048) …", flush=True)
    pem, record = dkim_key()
    messages = {variant: variant_messages(variant, raws, pem) for variant in VARIANTS}
    verify_ms = dkim_verify_alone(messages["dkim"], record)
    results = {
        "benchmark": "inbound", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "load": {"messages": args.messages, "clients": args.clients,
                 "mean_message_bytes": {v: round(statistics.fmean(len(m[2]) for m in ms))
                                        for v, ms in messages.items()},
                 "client": "smtplib, one connection per client thread",
                 "server": "cophub mailserver (SMTP), database task queue, no worker",
                 "processing": "one `cophub worker --no-scheduler` (django-tasks-db) after "
                               "the sending; fan-out and index tasks left queued",
                 "variants": VARIANTS,
                 # dkimpy verifying each signed message in this process, key lookup local:
                 # what DKIM checking alone costs, free of the machine's other work.
                 "dkim_verify_alone_cpu_ms": verify_ms},
        "runs": [],
    }
    failures: list[str] = []
    for kind in databases:
        run = {"database": {"engine": kind}, "variants": {}}
        for variant in VARIANTS:
            try:
                figures = run_variant(kind, variant, args, messages[variant], record, failures)
            except Exception as exc:  # e.g. PostgreSQL not running: report, go on
                failures.append(f"{kind} {variant}: {type(exc).__name__}: {exc}"[:500])
                run["variants"][variant] = {"skipped": str(exc)[:500]}
                continue
            run["database"] = figures.pop("database")
            run["variants"][variant] = figures
        rates = [run["variants"][v].get("process", {}).get("processed_per_s") for v in VARIANTS]
        if all(rates):
            run["processed_dkim_over_mta"] = round(rates[0] / rates[1], 3)
            run["dkim_ms_added_per_message"] = round(1000 / rates[0] - 1000 / rates[1], 2)
        results["runs"].append(run)

    rows = []
    for run in results["runs"]:
        for variant, f in run["variants"].items():
            if "skipped" in f:
                continue
            a, p = f["accept"], f["process"]
            rows.append([run["database"]["engine"], variant, f["mean_message_bytes"],
                         f"{a['accepted']}/{a['sent']}", a["accepted_per_s"],
                         a["latency_ms"].get("p50", "-"), a["latency_ms"].get("p95", "-"),
                         f"{p['posts_published_authenticated']}/{p['messages']}",
                         p["processed_per_s"], p["task_time_ms"].get("p50", "-"),
                         p["task_time_ms"].get("p95", "-"), p["worker_cpu_ms_per_message"],
                         p["cpu"].get("other_pct", "-"), p["dkim_key_lookups"]])
    print()
    print(common.table(["database", "variant", "bytes", "accepted", "acc/s", "p50 ms",
                        "p95 ms", "posts", "processed/s", "task p50 ms", "task p95 ms",
                        "worker CPU ms/msg", "other CPU %", "key lookups"], rows, text_columns=2))
    for run in results["runs"]:
        if "processed_dkim_over_mta" in run:
            print(f"{run['database']['engine']}: processed/s with DKIM checked here = "
                  f"{run['processed_dkim_over_mta']:.2f} × with the MTA's verdict "
                  f"({run['dkim_ms_added_per_message']:+.2f} ms per message)")
    print(f"dkimpy verifying one signed message alone: {verify_ms} ms of CPU")
    print(f"\n{args.messages} messages per database and variant, {args.clients} SMTP "
          f"clients; {common.describe_revision(results['revision'])}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
    if not args.no_write:
        print(f"\nWrote {common.write_json('inbound', results).relative_to(common.REPO)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
