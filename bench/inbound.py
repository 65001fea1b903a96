"""Inbound mail: messages per second accepted by `cophub mailserver`, and per-message latency.

For each database asked for (`--db`, default `postgres,sqlite`): a fresh database,
`cophub migrate`, one community with the discussion list ai@lists.localhost, then
`cophub mailserver` (SMTP) on a free port with the database task queue, as `cophub serve`
runs it (no worker: the processing tasks wait in the queue, so what is measured is the
server's own work: RCPT lookup, the committed insert of the message, the task row).

`--clients` threads (default 4), each on one SMTP connection, send `--messages` (default
2,000) realistic ~3 KB posts with smtplib between them. Per message: the time from MAIL
FROM to the 250 after DATA. Every message must be accepted and stored: the run counts the
InboundMessage rows afterwards and fails on any difference. Bounded: sending stops after
`--max-seconds`, and the server is stopped with SIGTERM (graceful) at the end.

    .venv/bin/python bench/inbound.py                        # as `make bench-inbound`
    .venv/bin/python bench/inbound.py --db sqlite --messages 500

Prints a table and writes bench/results/inbound.json.
"""

import argparse
import email.policy
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

LIST_DOMAIN = "lists.localhost"
SETUP_SCRIPT = """
from cophub.communities.models import Community
from cophub.lists.models import MailingList
community = Community.objects.create(slug="ai-cop", name="AI Community of Practice",
                                     short_name="AI CoP")
MailingList.objects.create(community=community, local_part="ai", name="AI CoP",
                           subject_prefix="[AI CoP]", audience="anyone", kind="discussion",
                           archive_access_level="public")
print("BENCH-SETUP ok")
"""
COUNT_SCRIPT = """
from cophub.lists.models import InboundMessage
print("BENCH-COUNT", InboundMessage.objects.count(),
      InboundMessage.objects.filter(status="received").count())
"""
WORDS = ("model evaluation agency pilot procurement guidance risk assessment inventory "
         "training data governance deployment federal team results community question "
         "share lessons learned practice generative language vision security policy").split()


def post(i: int, rng: random.Random) -> bytes:
    """A ~3 KB plain-text post as people send them: headers, a few paragraphs, a signature."""
    message = EmailMessage()
    message["From"] = f"Member {i} <member{i}@agency{i % 50}.gov>"
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


def run_database(kind: str, args, messages: list[tuple[str, str, bytes]],
                 failures: list[str]) -> dict:
    print(f"[{kind}] fresh database, migrate …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        data = Path(env["COPHUB_DATA_DIR"])
        env = env | {"DJANGO_SETTINGS_MODULE": "cophub.config.settings",
                     "COPHUB_LIST_DOMAIN": LIST_DOMAIN}
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        out = common.run([*common.COPHUB, "shell", "-c", SETUP_SCRIPT], env=env, timeout=120)
        if "BENCH-SETUP ok" not in out:
            raise SystemExit(f"bench: setup failed:\n{out}")
        port = common.free_port()
        log = data / "mailserver.log"
        server = common.start([*common.COPHUB, "mailserver", "--port", str(port)], env=env,
                              log=log)
        try:
            _wait_for_port(port, server, log)
            if args.quiet_wait:
                common.wait_for_quiet(max_wait=args.quiet_wait)
            print(f"[{kind}] {len(messages)} messages, {args.clients} clients …", flush=True)
            with common.CpuMeter([server.pid]) as cpu:
                figures = blast(port, messages, args.clients, args.max_seconds)
                figures.pop("started")
        finally:
            common.stop(server, grace=15)
        stopped_cleanly = server.returncode == 0
        out = common.run([*common.COPHUB, "shell", "-c", COUNT_SCRIPT], env=env, timeout=120)
        match = re.search(r"^BENCH-COUNT (\d+) (\d+)$", out, re.M)
        stored = int(match.group(1)) if match else -1
        if stored != figures["accepted"]:
            failures.append(f"{kind}: {figures['accepted']} accepted but {stored} stored")
        if figures["errors"]:
            failures.append(f"{kind}: {figures['errors']} messages refused "
                            f"({figures['error_samples'][0]})")
        if not stopped_cleanly:
            failures.append(f"{kind}: mailserver exit code {server.returncode} on SIGTERM")
        return {"database": database, **figures, "stored": stored, "cpu": cpu.result,
                "stopped_cleanly_on_sigterm": stopped_cleanly}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite",
                        help="Comma-separated databases: postgres, sqlite (default both).")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="Stop sending after this many seconds per database.")
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
    messages = [(f"member{i}@agency.gov", f"ai@{LIST_DOMAIN}", post(i, rng))
                for i in range(args.messages)]
    results = {
        "benchmark": "inbound", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "load": {"messages": args.messages, "clients": args.clients,
                 "mean_message_bytes": round(statistics.fmean(len(m[2]) for m in messages)),
                 "client": "smtplib, one connection per client thread",
                 "server": "cophub mailserver (SMTP), database task queue, no worker"},
        "runs": [],
    }
    failures: list[str] = []
    for kind in databases:
        try:
            results["runs"].append(run_database(kind, args, messages, failures))
        except Exception as exc:  # e.g. PostgreSQL not running: report, go on
            failures.append(f"{kind}: {type(exc).__name__}: {exc}"[:500])
            results["runs"].append({"database": {"engine": kind}, "skipped": str(exc)[:500]})

    rows = [[r["database"]["engine"], r["accepted"], r["errors"], r["wall_s"],
             r["accepted_per_s"], r["latency_ms"].get("p50", "-"),
             r["latency_ms"].get("p95", "-"), r["cpu"].get("server_pct", "-")]
            for r in results["runs"] if "skipped" not in r]
    print()
    print(common.table(["database", "accepted", "errors", "wall s", "msgs/s", "p50 ms",
                        "p95 ms", "server CPU %"], rows))
    print(f"\n{args.messages} messages of ~{results['load']['mean_message_bytes']} bytes, "
          f"{args.clients} SMTP clients; {common.describe_revision(results['revision'])}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
    if not args.no_write:
        print(f"\nWrote {common.write_json('inbound', results).relative_to(common.REPO)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
