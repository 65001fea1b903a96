"""Forum: the pages of a big forum, one new topic's notification fan-out, and replies by e-mail.

For each database asked for (`--db`, default `postgres,sqlite`): a fresh database,
`cophub migrate`, and one community `bench` with three categories that government members
see (access level "government"): `general` with `--topics` (10,000) topics, one of which has
`--replies` (1,000) replies; `announcements`, watched (level "watching") by `--watchers`
(4,400) government members, each with an account, a verified primary address and a Watch
row; `help`, with one topic started through `forum.services.topic_start`. The categories
are opened with `category_save`; the people, topics, posts and watches are bulk rows (the
measured parts are the requests, the fan-out and the replies). On PostgreSQL then
`VACUUM ANALYZE`, as bench/pages.py does. Then, in this order:

1. **Pages.** gunicorn (`--workers` 2, sync) serving cophub, and beside it in the same run
   the signed-in floor (bench/hello/floor_settings.py: cophub's middleware, session and
   database around an empty view), as bench/pages.py runs them. Signed in as
   member@va.gov (a government member) by a session cookie made with the test client's
   force_login. The long topic's first page, its last full page (?page=20 at 1,000 replies:
   posts 951-1,000) and its last page (?page=21: the 1,001st post), and the first page of
   the category's topic list. Each: a warm-up, the service time with one connection (p50/p99),
   then `--rounds` runs of wrk at `--connections` (32), the fastest reported. A wrk Lua hook
   counts every response that is not a 200; any one fails the run.
2. **Notification fan-out.** One `cophub worker` with EMAIL_URL at the local SMTP sink
   (bench/smtp_sink.py). member@va.gov starts a topic in `announcements` with `topic_start`;
   on commit it enqueues `notifications_fanout_task`. Measured: the call, then from its commit
   until every Notification row and every outbox e-mail is written (`Delivery.done_at`), then
   e-mails/s delivered to the sink by that one worker, and the sink's own ceiling in the same
   run (`smtp_sink.py blast`). Notification rows and e-mails received must both equal the
   watchers, one copy each.
3. **Replies by e-mail.** `cophub mailserver` (SMTP) with COPHUB_AUTHSERV_ID set, and the
   same worker. `--email-replies` (500) members each send, from their own verified address,
   a reply to their personal reply address (`forum.addresses.reply_address`) for the `help`
   topic's first post, over `--smtp-clients` (4) smtplib connections. Each reply carries an
   `Authentication-Results: <authserv-id>; dkim=pass header.d=<sender's domain>` header, as the
   trusted MTA in front would stamp it, and quoted text ("On ... wrote:" and "> " lines) that
   must not be posted. Measured: replies/s from the first SMTP send until the last reply is a
   published post of the topic. Every reply must be published with its own words only, and
   the topic's pages must show every one.

    .venv/bin/python bench/forum.py                       # as `make bench-forum`
    .venv/bin/python bench/forum.py --db sqlite --topics 300 --replies 120 --watchers 150 \\
        --email-replies 30 --seconds 2 --rounds 1 --no-write      # a quick look

Prints a table and writes bench/results/forum.json.
"""

import argparse
import email.policy
import json
import math
import os
import random
import re
import shutil
import signal
import smtplib
import statistics
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import fanout  # noqa: E402
import inbound  # noqa: E402
import pages  # noqa: E402
import smtp_sink  # noqa: E402

COMMUNITY = "bench"
LIST_DOMAIN = "lists.localhost"
AUTHSERV_ID = "mx.bench.localhost"  # the authserv-id our (pretend) MTA stamps
POSTS_PER_PAGE = 50  # forum.views.public.POSTS_PER_PAGE
TOPICS_PER_PAGE = 30  # forum.views.public.TOPICS_PER_PAGE
QUOTED_MARKER = "bench-quoted-text"


# The watchers' addresses, here and in the scripts (a list of 4,400 would not fit in one
# command-line argument).
WATCHER_PATTERN = "watcher{i}@agency{d}.gov"
WATCHER_DOMAINS = 97


def watcher_email(i: int) -> str:
    return WATCHER_PATTERN.format(i=i, d=i % WATCHER_DOMAINS)


# Parameters arrive as JSON in the line `P = …` put in front of each script.
SETUP_SCRIPT = r"""
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cophub.accounts.models import Tier, User
from cophub.communities.models import Community, CommunityRole
from cophub.core.access import AccessLevel
from cophub.core.markdown import render_markdown
from cophub.core.models import OutgoingMail
from cophub.forum.models import Category, Delivery, Notification, Topic, Watch
from cophub.forum.services import category_save, topic_start
from cophub.lists.models import InboundMessage, Post

started = time.perf_counter()
now = timezone.now()
# Joined long ago: not a "new account" (no first-post hold, the usual posting limits).
joined = now - timedelta(days=400)
password = make_password(None)  # unusable: signing in is by session cookie


def person(email, name):
    domain = email.rsplit("@", 1)[1]
    return User(email=email, name=name, password=password, tier=Tier.GOVERNMENT,
                tier_domain=domain, date_joined=joined)


watcher_emails = [P["watcher_pattern"].format(i=i, d=i % P["watcher_domains"])
                  for i in range(P["watchers"])]
emails = ["member@va.gov", "organizer@bench.gov"] + watcher_emails
names = ["Mia Member", "Olivia Organizer"] + [f"Watcher {i}" for i in range(P["watchers"])]
User.objects.bulk_create([person(e, n) for e, n in zip(emails, names)], batch_size=1000)
users = {u.email: u for u in User.objects.filter(email__in=emails)}
EmailAddress.objects.bulk_create(
    [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users.values()],
    batch_size=1000)
member, organizer = users["member@va.gov"], users["organizer@bench.gov"]
watchers = [users[e] for e in watcher_emails]

community = Community.objects.create(slug=P["community"], name="Bench Community of Practice",
                                     short_name="Bench CoP")
CommunityRole.objects.create(community=community, user=organizer,
                             role=CommunityRole.Role.ORGANIZER)


def category(slug, name, position):
    return category_save(actor=organizer, community=community, name=name, slug=slug,
                         position=position, access_level=AccessLevel.GOVERNMENT,
                         description=f"{name} of the bench community.")


general = category("general", "General discussion", 1)
announcements = category("announcements", "Announcements", 2)
help_category = category("help", "Help", 3)

Watch.objects.bulk_create([Watch(user=u, category=announcements, level=Watch.Level.WATCHING)
                           for u in watchers], batch_size=1000)

ROOT = ("We are standing up a shared evaluation process for **vendor AI tools** across three "
        "bureaus and would like to compare notes.\n\n"
        "- Who signs off on the test data?\n- How long does a pilot run before a decision?\n"
        "- Do you publish the results internally?\n\n"
        "Our current draft checklist is on the [library page](https://example.gov/checklist); "
        "comments welcome.")
REPLIES = [
    "Our privacy office signs off on the test data, and the *program office* owns the "
    "decision. Pilots run 90 days.",
    "We publish a one-page summary internally:\n\n1. what was tested\n2. on which data\n"
    "3. what we decided and why",
    "> How long does a pilot run\n\nSix to twelve weeks here, depending on the procurement "
    "vehicle. Longer than that and people stop reporting problems.",
    "Same questions here. We added a **red-team session** before the go/no-go meeting and it "
    "caught two issues the checklist missed.",
]
html = {text: str(render_markdown(text)) for text in [ROOT, *REPLIES]}
authors = watchers[:200] or [member]
year = timedelta(days=365)
newest = now - timedelta(days=3)


def post(i, author, when, subject, text, **extra):
    return Post(mailing_list=None, status=Post.Status.PUBLISHED, source=Post.Source.WEB,
                author=author, sender_email=author.email, sender_name=author.name,
                subject=subject, body_markdown=text, body_html=html[text], body_text=text,
                authenticated=True, auth_method=Post.AuthMethod.WEB,
                message_id=f"bench-{i}@{P['list_domain']}", created_at=when,
                published_at=when, **extra)


T = P["topics"]
roots = [post(f"topic-{i}", authors[i % len(authors)],
              newest - year * (T - 1 - i) / max(T, 1),
              f"Topic {i}: evaluating vendor AI tools, round {i % 17 + 1}", ROOT)
         for i in range(T)]
Post.objects.bulk_create(roots, batch_size=2000)
if roots and roots[0].pk is None:  # a database that returns no ids from bulk inserts
    ids = dict(Post.objects.filter(message_id__startswith="bench-topic-")
               .values_list("message_id", "pk"))
    for p in roots:
        p.pk = ids[p.message_id]
Post.objects.filter(message_id__startswith="bench-topic-").update(thread=F("id"))

long_root = roots[-1]  # the newest topic: first on the category's first page
R = P["replies"]
step = min(timedelta(minutes=2), (now - newest) / (R + 1))
replies = [post(f"reply-{k}", authors[(7 * k + 1) % len(authors)],
                long_root.published_at + step * (k + 1), "Re: " + long_root.subject,
                REPLIES[k % len(REPLIES)], parent=long_root, thread=long_root,
                in_reply_to=long_root.message_id, references=f"<{long_root.message_id}>")
           for k in range(R)]
Post.objects.bulk_create(replies, batch_size=1000)
if replies and replies[0].pk is None:
    ids = dict(Post.objects.filter(message_id__startswith="bench-reply-")
               .values_list("message_id", "pk"))
    for p in replies:
        p.pk = ids[p.message_id]
# Every seventh reply answers an earlier reply (the page says "In reply to …").
nested = [r for k, r in enumerate(replies) if k >= 2 and k % 7 == 0]
for r in nested:
    earlier = replies[replies.index(r) - 2]
    r.parent_id, r.in_reply_to = earlier.pk, earlier.message_id
Post.objects.bulk_update(nested, ["parent", "in_reply_to"], batch_size=1000)

topics = [Topic(category=general, root=p, title=p.subject, reply_count=0, last_post=p,
                last_posted_at=p.published_at, created_at=p.published_at) for p in roots]
if topics and replies:
    topics[-1].reply_count = R
    topics[-1].last_post = replies[-1]
    topics[-1].last_posted_at = replies[-1].published_at
Topic.objects.bulk_create(topics, batch_size=2000)
long_topic = Topic.objects.get(root_id=long_root.pk)

help_root = topic_start(category=help_category, author=member,
                        title="How do I export my team's pilot results?",
                        body_markdown="The export button on the results page gives me an empty "
                                      "file. Has anyone got it to work?")
help_topic = Topic.objects.get(root=help_root)
print("BENCH-SETUP", json.dumps({
    "seconds": round(time.perf_counter() - started, 1),
    "users": User.objects.count(), "topics_in_general": general.topics.count(),
    "long_topic": long_topic.pk, "long_topic_posts": Post.objects.filter(
        thread_id=long_root.pk, status=Post.Status.PUBLISHED).count(),
    "watches": Watch.objects.filter(category=announcements).count(),
    "help_topic": help_topic.pk, "help_root": help_root.pk,
    "help_root_message_id": help_root.message_id, "help_subject": help_root.subject,
    "member": member.pk,
    "tables": {"post": Post._meta.db_table, "delivery": Delivery._meta.db_table,
               "notification": Notification._meta.db_table,
               "outbox": OutgoingMail._meta.db_table, "inbound": InboundMessage._meta.db_table,
               "tasks": DBTaskResult._meta.db_table},
}))
"""

# The measured post, as a member starts a topic on the web page: `topic_start` publishes it
# and, on commit, enqueues the fan-out task the worker runs.
PUBLISH_SCRIPT = r"""
import time
from cophub.accounts.models import User
from cophub.forum.models import Category, Topic
from cophub.forum.services import topic_start

member = User.objects.get(email="member@va.gov")
category = Category.objects.get(community__slug=P["community"], slug="announcements")
body = ("The **community meeting** moves to Thursdays at 2 pm Eastern from next month. "
        "The agenda and the dial-in are on the events page.\n\n") * 3
called = time.time()
started = time.perf_counter()
post = topic_start(category=category, author=member, title="Community meeting moves to Thursdays",
                   body_markdown=body)
publish_s = time.perf_counter() - started
committed = time.time()
print("BENCH-PUBLISH", json.dumps({
    "post": post.pk, "topic": Topic.objects.get(root=post).pk, "status": post.status,
    "publish_s": publish_s, "called": called, "committed": committed}))
"""

REPLY_ADDRESS_SCRIPT = r"""
from cophub.accounts.models import User
from cophub.forum.addresses import reply_address

emails = [P["watcher_pattern"].format(i=i % P["watchers"], d=i % P["watchers"]
                                     % P["watcher_domains"]) for i in range(P["replies"])]
users = {u.email: u for u in User.objects.filter(email__in=set(emails))}
print("BENCH-ADDRESSES", json.dumps([
    {"user_id": users[e].pk, "email": e, "name": users[e].name,
     "address": reply_address(user_id=users[e].pk, post_id=P["root"])} for e in emails]))
"""

def shell_json(env: dict, script: str, marker: str, params: dict, *, timeout: float):
    prelude = f"import json\nP = json.loads({json.dumps(params)!r})\n"
    out = common.run([*common.COPHUB, "shell", "-c", prelude + script], env=env,
                     timeout=timeout)
    match = re.search(rf"^{marker} (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"bench: no {marker} line in:\n{out[-3000:]}")
    return json.loads(match.group(1))




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres,sqlite",
                        help="Comma-separated databases: postgres, sqlite (default both).")
    parser.add_argument("--topics", type=int, default=10_000,
                        help="Topics in the category whose topic list is measured.")
    parser.add_argument("--replies", type=int, default=1000,
                        help="Replies of the long topic whose pages are measured.")
    parser.add_argument("--watchers", type=int, default=4400,
                        help="People watching the category of the fanned-out topic.")
    parser.add_argument("--email-replies", type=int, default=500,
                        help="Replies sent by e-mail (one per member, members reused only "
                             "when there are more replies than watchers).")
    parser.add_argument("--seconds", type=int, default=10, help="Measured seconds per page.")
    parser.add_argument("--warmup", type=int, default=3, help="Warm-up seconds per page.")
    parser.add_argument("--solo-seconds", type=int, default=3,
                        help="Seconds of one-connection load per page (service time).")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Measured runs per page; the fastest is reported (best of N).")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each measured run, wait up to this many seconds for the "
                             "machine to be under 20%% busy (0: do not wait).")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--smtp-clients", type=int, default=4,
                        help="SMTP connections sending the replies at once.")
    parser.add_argument("--sink-processes", type=int, default=1)
    parser.add_argument("--blast-messages", type=int, default=20000,
                        help="Messages of the sink's own ceiling run.")
    parser.add_argument("--timeout", type=float, default=900,
                        help="Max seconds for the fan-out, its delivery, and the replies.")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true", help="Do not write forum.json.")
    # What bench/pages.py's gunicorn and wrk helpers read.
    parser.set_defaults(worker_class="sync", threads=1, keep_alive=None)
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.email_replies and not args.watchers:
        parser.error("--email-replies needs --watchers: the replies come from watchers")
    if args.email_replies > 20 * max(args.watchers, 1):
        parser.error("at most 20 replies per member (the forum's posting limit per 10 min)")
    if min(args.seconds, args.solo_seconds, args.rounds) < 1:
        parser.error("--seconds, --solo-seconds and --rounds must be at least 1")
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk, or "
                         "`make services`)")
    common.exit_on_sigterm()

    results = {
        "benchmark": "forum", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "sizes": {"topics": args.topics, "replies": args.replies, "watchers": args.watchers,
                  "email_replies": args.email_replies},
        "server": {"program": f"gunicorn {pages._gunicorn_version()}",
                   "workers": args.workers, "worker_class": "sync",
                   "cophub_app": "cophub.config.wsgi:application (DEBUG off)",
                   "floor_app": "bench/hello with hello.floor_settings"},
        "load": {"tool": pages._wrk_version(wrk), "threads": args.wrk_threads,
                 "connections": args.connections, "seconds": args.seconds,
                 "warmup_seconds": args.warmup, "solo_seconds": args.solo_seconds,
                 "rounds": args.rounds, "quiet_wait_s": args.quiet_wait},
        "worker": "one `cophub worker` (django-tasks-db), COPHUB_MAIL_CONNECTIONS default 4, "
                  "EMAIL_URL smtp://127.0.0.1:<sink>",
        "mail": {"smtp_clients": args.smtp_clients, "authserv_id": AUTHSERV_ID,
                 "list_domain": LIST_DOMAIN},
        "runs": [],
    }
    failures: list[str] = []
    for kind in databases:
        results["runs"].append(run_database(kind, args, wrk, failures))

    _print(results)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    if not args.no_write:
        print(f"\nWrote {common.write_json('forum', results).relative_to(common.REPO)}")
    return 0


def run_database(kind: str, args, wrk: str, failures: list[str]) -> dict:
    print(f"[{kind}] fresh database, migrate, {args.topics} topics, {args.replies} replies, "
          f"{args.watchers} watchers …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        data = Path(env["COPHUB_DATA_DIR"])
        env = env | {
            "DJANGO_SETTINGS_MODULE": "cophub.config.settings",
            "COPHUB_ALLOWED_HOSTS": "127.0.0.1",
            "COPHUB_SESSION_IDLE_SECONDS": str(7 * 24 * 3600),
            "COPHUB_SESSION_ABSOLUTE_SECONDS": str(7 * 24 * 3600),
            "COPHUB_LIST_DOMAIN": LIST_DOMAIN,
            "COPHUB_AUTHSERV_ID": AUTHSERV_ID,
        }
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        setup = shell_json(env, SETUP_SCRIPT, "BENCH-SETUP", {
            "community": COMMUNITY, "list_domain": LIST_DOMAIN, "topics": args.topics,
            "replies": args.replies, "watchers": args.watchers,
            "watcher_pattern": WATCHER_PATTERN, "watcher_domains": WATCHER_DOMAINS},
            timeout=1800)
        print(f"[{kind}] set-up in {setup['seconds']} s", flush=True)
        common.analyze(env)
        session_cookie = pages._sign_in(env)
        run = {"database": database, "date": common.now_iso(), "revision": common.revision(),
               "load_average": [round(x, 2) for x in os.getloadavg()], "setup": setup}
        db = common.Db(env)
        ports = {"cophub": common.free_port(), "floor": common.free_port()}
        processes: dict = {}
        try:
            processes["cophub"] = common.start(
                pages._gunicorn(args, "cophub.config.wsgi:application", ports["cophub"]),
                env=env, log=data / "gunicorn-cophub.log")
            processes["floor"] = common.start(
                pages._gunicorn(args, "hello.wsgi:application", ports["floor"])
                + ["--chdir", str(common.BENCH)],
                env=env | {"DJANGO_SETTINGS_MODULE": "hello.floor_settings"},
                log=data / "gunicorn-floor.log")
            for name in ("cophub", "floor"):
                pages._wait_for_server(processes[name], ports[name], name,
                                       data / f"gunicorn-{name}.log")
            jar = dict([session_cookie])
            servers = {n: processes[n] for n in ("cophub", "floor")}
            run["pages"] = measure_pages(kind, args, wrk, ports, servers, jar, setup, failures)

            sink_port = common.free_port()
            processes["sink"], sink_dir = fanout.start_sink(data, sink_port,
                                                            args.sink_processes)
            wenv = fanout.worker_env(env, sink_port)
            worker_log = data / "worker.log"
            processes["worker"] = common.start([*common.COPHUB, "worker"], env=wenv,
                                               log=worker_log)
            # The worker loads the search model before it takes tasks; then the set-up's
            # own tasks (search indexing, the help topic's empty fan-out) run first.
            common.wait_until(lambda: worker_log.exists() and "Starting worker" in
                              worker_log.read_text(errors="replace"), timeout=180,
                              what="worker")
            _wait_idle(db, setup["tables"]["tasks"], processes["worker"], timeout=300)
            run["fanout"] = measure_fanout(kind, args, wenv, db, setup, processes, sink_dir,
                                           failures)
            if args.email_replies:
                run["replies"] = measure_replies(kind, args, env, db, setup, processes,
                                                 ports["cophub"], jar, data, failures)
            common.stop(processes["worker"])
            run["fanout"]["sink_ceiling"] = json.loads(common.run(
                [*fanout.SINK, "blast", "--port", str(sink_port),
                 "--messages", str(args.blast_messages), "--connections", "4",
                 "--size", "2000"], env=common.base_env(data), timeout=600))
        finally:
            for process in reversed(processes.values()):
                common.stop(process, grace=15)
            db.close()
    return run


# --- 1. Pages ---------------------------------------------------------------------------------


def measure_pages(kind, args, wrk, ports, servers, jar, setup, failures) -> list[dict]:
    topic_url = f"/c/{COMMUNITY}/forum/t/{setup['long_topic']}/"
    posts = setup["long_topic_posts"]
    last = max(1, math.ceil(posts / POSTS_PER_PAGE))
    full = max(1, posts // POSTS_PER_PAGE)  # the last page with POSTS_PER_PAGE posts
    topic_pages = sorted({1, full, last})
    cases = [("floor_signed_in", "floor", "/", None)]
    for number in topic_pages:
        label = ("first" if number == 1 else "last" if number == last else "last_full")
        shown = min(POSTS_PER_PAGE, posts - (number - 1) * POSTS_PER_PAGE)
        cases.append((f"topic_page_{number}_{label}", "cophub",
                      topic_url + (f"?page={number}" if number > 1 else ""), ("posts", shown)))
    cases.append(("category_topics", "cophub", f"/c/{COMMUNITY}/forum/general/",
                  ("topics", min(TOPICS_PER_PAGE, setup["topics_in_general"]))))
    sizes = {}
    for name, server, path, expect in cases:
        sizes[name] = pages._preflight(ports[server], pages.Case(name, server, path, True), jar)
        if expect is not None:
            _check_content(ports[server], path, jar, *expect)
        # A worker's first requests load templates and code: not the page's service time.
        for _ in range(2 * args.workers):
            _drain(ports[server], path, jar)
    measured = []
    for name, server, path, _ in cases:
        port, size = ports[server], sizes[name]
        print(f"[{kind}] {name} {path} …", flush=True)
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        if args.warmup:
            pages._wrk(wrk, args, port, path, cookie, seconds=args.warmup)
        _drain(port, path, jar)
        solo = pages._wrk(wrk, args, port, path, cookie, seconds=args.solo_seconds,
                          connections=1, threads=1)
        rounds = []
        for _ in range(args.rounds):
            if args.quiet_wait:
                common.wait_for_quiet(max_wait=args.quiet_wait)
            _drain(port, path, jar)
            with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
                figures = pages._wrk(wrk, args, port, path, cookie, seconds=args.seconds)
            rounds.append({**figures, "cpu": cpu.result})
        _drain(port, path, jar)  # before the next page: its server idle, this one too
        best = max(rounds, key=lambda r: r["rps"])
        best["problem"] = next((r["problem"] for r in rounds if r["problem"]), "")
        for problem in (best["problem"], solo["problem"]):
            if problem:
                failures.append(f"{kind} {name}: {problem}")
        measured.append({"name": name, "server": server, "path": path, "response_bytes": size,
                         **best, "rounds_rps": [r["rps"] for r in rounds],
                         "solo": {k: solo[k] for k in ("rps", "p50_ms", "p90_ms", "p99_ms",
                                                       "requests", "problem")}})
    return measured


def _drain(port: int, path: str, jar: dict) -> None:
    """Wait until the server has worked off what the previous run left queued: wrk closes
    its connections at the end, but requests already sent wait in the listen queue and a
    sync worker still serves them, ahead of the next run's (a slow page at 32 connections
    leaves seconds of them)."""
    status, _, _ = pages._get(port, path, jar)
    if status != 200:
        raise SystemExit(f"bench: GET {path} answered {status}, not 200")


def _check_content(port: int, path: str, jar: dict, what: str, expected: int) -> None:
    """The page shows what it should: its posts, or a full page of topics."""
    status, body, _ = pages._get(port, path, jar)
    if status != 200:
        raise SystemExit(f"bench: GET {path} answered {status}, not 200")
    if what == "posts":
        found = len(re.findall(rb'<li id="post-\d+"', body))
    else:
        found = len(set(re.findall(rf'/c/{COMMUNITY}/forum/t/(\d+)/"'.encode(), body)))
    if found != expected:
        raise SystemExit(f"bench: GET {path} shows {found} {what}, not {expected}")


# --- 2. Notification fan-out ------------------------------------------------------------------


def _wait_idle(db: common.Db, tasks_table: str, worker, *, timeout: float) -> None:
    def idle() -> bool:
        if worker.poll() is not None:
            raise SystemExit("bench: the worker exited")
        return not db.one(f"SELECT count(*) FROM {tasks_table} "
                          "WHERE status IN ('READY', 'RUNNING')")[0]

    common.wait_until(idle, timeout=timeout, what="an idle task queue", interval=0.5)


def _failed_tasks(db: common.Db, tasks_table: str) -> list[str]:
    return [f"{path}: {exc}" for path, exc in db.all(
        f"SELECT task_path, exception_class_path FROM {tasks_table} "
        "WHERE status = 'FAILED'")]


def measure_fanout(kind, args, wenv, db, setup, processes, sink_dir, failures) -> dict:
    t = setup["tables"]
    worker = processes["worker"]
    print(f"[{kind}] fan-out: a new topic to {args.watchers} watchers …", flush=True)
    published = shell_json(wenv, PUBLISH_SCRIPT, "BENCH-PUBLISH", {"community": COMMUNITY},
                           timeout=600)
    post_id = published["post"]
    deadline = time.monotonic() + args.timeout
    done_at = recipients = None
    hwm = None
    while time.monotonic() < deadline:
        row = db.all(f"SELECT done_at, recipients FROM {t['delivery']} "
                     "WHERE post_id = %s", post_id)
        hwm = fanout.vm_hwm_mib(worker.pid) or hwm
        if row and row[0][0] is not None:
            done_at, recipients = common.epoch(row[0][0]), row[0][1]
            break
        if worker.poll() is not None or _failed_tasks(db, t["tasks"]):
            break
        time.sleep(0.1)
    notifications, first_n, last_n = db.one(
        f"SELECT count(*), min(created_at), max(created_at) FROM {t['notification']} "
        "WHERE post_id = %s", post_id)
    gated = (f"FROM {t['outbox']} WHERE gate = 'forum.notification' AND gate_object_id IN "
             f"(SELECT id FROM {t['notification']} WHERE post_id = %s)")
    emails, last_email = db.one(f"SELECT count(*), max(created_at) {gated}", post_id)
    print(f"  fan-out {'done' if done_at else 'NOT done'}: {notifications} notifications, "
          f"{emails} e-mails queued; delivery …", flush=True)

    while time.monotonic() < deadline and done_at:
        totals = smtp_sink.read_totals(sink_dir)
        hwm = fanout.vm_hwm_mib(worker.pid) or hwm
        if totals["messages"] >= emails or worker.poll() is not None:
            break
        time.sleep(0.1)
    totals = smtp_sink.read_totals(sink_dir)
    # The worker marks each row sent after the sink's answer: let it finish the last batch.
    sent = 0
    settle = time.monotonic() + 30
    while time.monotonic() < settle:
        sent = db.one(f"SELECT count(*) {gated} AND status = 'sent'", post_id)[0]
        if sent >= emails:
            break
        time.sleep(0.2)
    statuses = dict(db.all(f"SELECT status, count(*) {gated} GROUP BY status", post_id))
    copies = _sink_copies(processes["sink"], sink_dir, totals["messages"])
    by_watcher = [copies.get(watcher_email(i), 0) for i in range(args.watchers)]

    delivered = totals["messages"]
    first, last = totals["first"], totals["last"]
    committed = published["committed"]
    result = {
        "post": post_id, "status": published["status"],
        "watchers": args.watchers,
        "publish_s": round(published["publish_s"], 3),
        # From the commit of the post to every Notification row and outbox e-mail written.
        "fanout_s": round(done_at - committed, 2) if done_at else None,
        "first_notification_after_commit_s": round(common.epoch(first_n) - committed, 2)
        if first_n else None,
        "last_notification_after_commit_s": round(common.epoch(last_n) - committed, 2)
        if last_n else None,
        "last_email_queued_after_commit_s": round(common.epoch(last_email) - committed, 2)
        if last_email else None,
        "notifications": notifications, "delivery_recipients": recipients,
        "emails_queued": emails, "outbox_status": statuses,
        "delivered": delivered,
        "delivery_s": round(last - first, 2) if first and last else None,
        "emails_per_s": round(delivered / max(last - first, 1e-9), 1)
        if first and last and delivered > 1 else None,
        "commit_to_last_delivery_s": round(last - committed, 2) if last else None,
        "worker_peak_rss_mib": hwm,
        "watchers_with_0": by_watcher.count(0), "watchers_with_1": by_watcher.count(1),
        "watchers_with_more": sum(1 for n in by_watcher if n > 1),
        "failed_tasks": _failed_tasks(db, t["tasks"]),
    }
    problems = []
    if done_at is None:
        problems.append("the fan-out did not finish")
    if notifications != args.watchers:
        problems.append(f"{notifications} notifications for {args.watchers} watchers")
    if emails != args.watchers:
        problems.append(f"{emails} e-mails queued for {args.watchers} watchers")
    if delivered != args.watchers or result["watchers_with_1"] != args.watchers:
        problems.append(f"the sink received {delivered} e-mails; {result['watchers_with_0']} "
                        f"watchers got none, {result['watchers_with_more']} more than one")
    if sent != emails:
        problems.append(f"{sent} of {emails} outbox rows sent ({statuses})")
    if result["failed_tasks"]:
        problems.append(f"failed tasks: {result['failed_tasks'][:3]}")
    failures += [f"{kind} fan-out: {p}" for p in problems]
    result["problems"] = problems
    return result


def _sink_copies(sink, sink_dir: Path, expected: int) -> dict:
    """Copies per envelope recipient so far (the sink writes them on SIGUSR1)."""
    for path in sink_dir.glob("counts-*.json"):
        path.unlink()
    os.kill(sink.pid, signal.SIGUSR1)
    common.wait_until(lambda: sum(1 for _ in sink_dir.glob("counts-*.json"))
                      >= len(list(sink_dir.glob("totals-*.json"))), timeout=30,
                      what="the sink's counts")
    counts = smtp_sink.read_counts(sink_dir)
    if counts["messages"] < expected:
        raise SystemExit(f"bench: the sink counted {counts['messages']} of {expected}")
    return dict(counts["by_rcpt"])


# --- 3. Replies by e-mail ---------------------------------------------------------------------


def reply_message(i: int, sender: dict, setup: dict, rng: random.Random) -> bytes:
    """A reply as a mail client writes it: the person's words on top, then "On … wrote:"
    and the notification quoted with "> ", stamped by the MTA that checked its DKIM."""
    domain = sender["email"].rsplit("@", 1)[1]
    message = EmailMessage()
    message["Authentication-Results"] = (f"{AUTHSERV_ID}; dkim=pass header.d={domain} "
                                         "header.s=selector1; spf=pass "
                                         f"smtp.mailfrom={sender['email']}")
    message["From"] = f"{sender['name']} <{sender['email']}>"
    message["To"] = sender["address"]
    message["Subject"] = f"Re: [Help] {setup['help_subject']}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<bench-mail-reply-{i}-{rng.getrandbits(48):x}@{domain}>"
    message["In-Reply-To"] = f"<{setup['help_root_message_id']}>"
    message["References"] = f"<{setup['help_root_message_id']}>"
    own = (f"It worked for us after clearing the filters first ({reply_marker(i)}). The "
           "export then has every pilot result, one row per evaluation, and the file opens "
           "in a spreadsheet without any cleanup.\n\nThanks,\n" + sender["name"])
    quoted = "\n".join(f"> {line}" for line in (
        f"Mia Member started a topic in Help ({QUOTED_MARKER}):",
        "",
        "The export button on the results page gives me an empty file. Has anyone got it "
        "to work?",
        "",
        "Reply to this e-mail to post your reply, or open the topic on the website."))
    when = "Mon, Dec 7, 2026 at 2:25 PM"
    message.set_content(f"{own}\n\nOn {when} Mia Member via Bench CoP <{sender['address']}> "
                        f"wrote:\n{quoted}\n")
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF: smtplib sends bytes as-is


def reply_marker(i: int) -> str:
    return f"bench-reply-marker-{i:06d}"


def _start_mailserver(env: dict, data: Path):
    port = common.free_port()
    log = data / "mailserver.log"
    argv = [*common.COPHUB, "mailserver", "--port", str(port)]
    server = common.start(argv, env=env, log=log)
    inbound._wait_for_port(port, server, log)
    return server, port


def _rcpt_probe(port: int, sender: str, address: str) -> str:
    """"" if the server takes mail for `address`, else its answer to RCPT."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("bench.client")
        smtp.mail(sender)
        code, text = smtp.rcpt(address)
        smtp.rset()
    return "" if code == 250 else f"{code} {text.decode(errors='replace')}"


def measure_replies(kind, args, env, db, setup, processes, web_port, jar, data,
                    failures) -> dict:
    t = setup["tables"]
    n = args.email_replies
    senders = shell_json(env, REPLY_ADDRESS_SCRIPT, "BENCH-ADDRESSES", {
        "replies": n, "watchers": args.watchers, "watcher_pattern": WATCHER_PATTERN,
        "watcher_domains": WATCHER_DOMAINS, "root": setup["help_root"]}, timeout=300)
    if [s["email"] for s in senders] != [watcher_email(i % args.watchers) for i in range(n)]:
        raise SystemExit("bench: the reply addresses are not the watchers'")
    rng = random.Random(2026)
    messages = [(s["email"], s["address"], reply_message(i, s, setup, rng))
                for i, s in enumerate(senders)]
    result = {"replies": n, "topic": setup["help_topic"],
              "mean_message_bytes": round(statistics.fmean(len(m[2]) for m in messages)),
              "mailserver": "cophub mailserver (SMTP)"}
    processes["mailserver"], port = _start_mailserver(env, data)
    refused = _rcpt_probe(port, senders[0]["email"], senders[0]["address"])
    if refused:
        failures.append(f"{kind} replies: cophub mailserver refuses the reply address at "
                        f"RCPT ({refused})")
        result["problems"] = [f"refused at RCPT: {refused}"]
        return result

    print(f"[{kind}] {n} replies by e-mail over {args.smtp_clients} SMTP connections …",
          flush=True)
    worker = processes["worker"]
    replies_q = (f"FROM {t['post']} WHERE thread_id = %s AND id <> %s "
                 "AND status = 'published' AND source = 'email'")
    root = setup["help_root"]
    sent = inbound.blast(port, messages, args.smtp_clients, args.timeout)
    deadline = time.monotonic() + args.timeout
    published = 0
    while time.monotonic() < deadline:
        published = db.one(f"SELECT count(*) {replies_q}", root, root)[0]
        if published >= sent["accepted"]:
            break
        statuses = dict(db.all(f"SELECT status, count(*) FROM {t['inbound']} "
                               "GROUP BY status"))
        if (not statuses.get("received") and sum(statuses.values()) >= sent["accepted"]):
            break  # every message processed, and some did not become a post
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    published, first_pub, last_pub = db.one(
        f"SELECT count(*), min(published_at), max(published_at) {replies_q}", root, root)
    # What is left for the worker: mostly the replies' own notification fan-outs.
    backlog = dict(db.all(f"SELECT task_path, count(*) FROM {t['tasks']} "
                          "WHERE status IN ('READY', 'RUNNING') GROUP BY task_path"))
    statuses = dict(db.all(f"SELECT status, count(*) FROM {t['inbound']} GROUP BY status"))
    not_posted = [r for (r,) in db.all(
        f"SELECT result FROM {t['inbound']} WHERE result NOT LIKE %s", "%posted in topic%")]
    bodies = [(body, method) for body, method in db.all(
        f"SELECT body_text, auth_method {replies_q}", root, root)]
    markers = {m for body, _ in bodies for m in re.findall(r"bench-reply-marker-\d{6}", body)}
    quoted = sum(1 for body, _ in bodies if QUOTED_MARKER in body or "wrote:" in body
                 or re.search(r"^>", body, re.M))
    last_epoch = common.epoch(last_pub)
    elapsed = last_epoch - sent["started"] if last_epoch else None
    page_check = _check_reply_pages(web_port, jar, setup["help_topic"], published + 1, n)
    result.update({
        **{k: v for k, v in sent.items() if k != "started"},
        "published": published,
        "first_send_to_last_published_s": round(elapsed, 2) if elapsed else None,
        "replies_per_s": round(published / elapsed, 1) if elapsed else None,
        "first_send_to_first_published_s": round(common.epoch(first_pub) - sent["started"], 2)
        if first_pub else None,
        "inbound_status": statuses, "auth_methods": sorted({m for _, m in bodies}),
        "with_quoted_text": quoted, "not_posted_samples": not_posted[:5],
        "worker_backlog_at_last_reply": backlog,
        "topic_pages": page_check, "failed_tasks": _failed_tasks(db, t["tasks"]),
    })
    problems = []
    if sent["errors"]:
        problems.append(f"{sent['errors']} refused over SMTP ({sent['error_samples'][0]})")
    if published != n:
        problems.append(f"{published} of {n} replies published"
                        + (f" ({not_posted[0][:300]})" if not_posted else ""))
    if len(markers) != n:
        problems.append(f"{len(markers)} of {n} replies have their own words")
    if quoted:
        problems.append(f"{quoted} replies were posted with their quoted text")
    if page_check["missing"] or page_check["quoted_shown"]:
        problems.append(f"the topic's pages miss {page_check['missing']} replies and show "
                        f"quoted text {page_check['quoted_shown']} times")
    if result["failed_tasks"]:
        problems.append(f"failed tasks: {result['failed_tasks'][:3]}")
    failures += [f"{kind} replies: {p}" for p in problems]
    result["problems"] = problems
    return result


def _check_reply_pages(port: int, jar: dict, topic: int, posts: int, n: int) -> dict:
    """Every page of the topic, as the signed-in member sees it: each reply's own words
    shown (the last one on the last page), none of the quoted text."""
    seen, quoted_shown, statuses = set(), 0, []
    last = max(1, math.ceil(posts / POSTS_PER_PAGE))
    for number in range(1, last + 1):
        path = f"/c/{COMMUNITY}/forum/t/{topic}/" + (f"?page={number}" if number > 1 else "")
        status, body, _ = pages._get(port, path, jar)
        statuses.append(status)
        text = body.decode("utf-8", "replace")
        seen.update(re.findall(r"bench-reply-marker-\d{6}", text))
        quoted_shown += text.count(QUOTED_MARKER)
    return {"pages": last, "non_200": sum(1 for s in statuses if s != 200),
            "shown": len(seen), "missing": n - len(seen & {reply_marker(i) for i in range(n)}),
            "last_reply_on_last_page": reply_marker(n - 1) in seen, "quoted_shown": quoted_shown}


# --- Output -----------------------------------------------------------------------------------


def _print(results: dict) -> None:
    m, load = results["machine"], results["load"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{results['server']['program']} {results['server']['workers']} sync workers; "
          f"{load['tool']} -t{load['threads']} -c{load['connections']} -d{load['seconds']}s "
          f"best of {load['rounds']}; {common.describe_revision(results['revision'])}")
    sizes = results["sizes"]
    for run in results["runs"]:
        db = run["database"]
        print(f"\n{db['engine']} {db['version']}: {sizes['topics']} topics, a topic of "
              f"{sizes['replies']} replies, {sizes['watchers']} watchers, "
              f"{sizes['email_replies']} replies by e-mail")
        rows = [[c["name"], c["path"], c["solo"]["p50_ms"], c["solo"]["p99_ms"],
                 f"{c['rps']:.0f}", f"{c['p50_ms']:.1f}", f"{c['p99_ms']:.1f}",
                 c["non_200"] + c["socket_errors"],
                 c["response_bytes"], c["cpu"].get("server_pct", ""),
                 c["cpu"].get("database_pct", ""), c["cpu"].get("other_pct", "")]
                for c in run.get("pages", [])]
        print(common.table(["page", "path", "alone p50 ms", "alone p99 ms", "req/s",
                            "p50 ms", "p99 ms", "non-200", "bytes", "server CPU%",
                            "db CPU%", "other CPU%"], rows, text_columns=2))
        f = run.get("fanout")
        if f:
            print(common.table(
                ["fan-out", "watchers", "publish s", "fan-out s", "notifications", "e-mails",
                 "delivered", "e-mails/s", "to last s", "peak MiB", "sink msg/s"],
                [["new topic", f["watchers"], f["publish_s"], f["fanout_s"],
                  f["notifications"], f["emails_queued"], f["delivered"], f["emails_per_s"],
                  f["commit_to_last_delivery_s"], f["worker_peak_rss_mib"],
                  f.get("sink_ceiling", {}).get("per_second", "")]]))
        r = run.get("replies")
        if r and "published" in r:
            print(common.table(
                ["replies by e-mail", "sent", "SMTP/s", "published", "to last s", "replies/s",
                 "quoted", "pages", "backlog tasks"],
                [["reply addresses",
                  r["accepted"], r["accepted_per_s"], r["published"],
                  r["first_send_to_last_published_s"], r["replies_per_s"],
                  r["with_quoted_text"], r["topic_pages"]["pages"],
                  sum(r["worker_backlog_at_last_reply"].values())]]))
        elif r:
            print(f"replies by e-mail: not measured ({r.get('refused_at_rcpt', '')})")
    print("  alone: one connection (the page's service time); req/s and p50/p99 at "
          f"{load['connections']} connections. fan-out s: from the post's commit to the last "
          "notification and\n  outbox row written; e-mails/s: first to last delivery at the "
          "sink; to last s: commit to last delivery.\n  replies/s: from the first SMTP send to "
          "the last reply published; backlog: tasks still queued then (their fan-outs).")


if __name__ == "__main__":
    sys.exit(main())
