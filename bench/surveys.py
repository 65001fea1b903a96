"""Survey burst: 5,000 people submitting a 30-question survey from 64 concurrent clients,
anonymous and named, against the production server; then the results page and the CSV
export of those 5,000 responses, one request at a time.

For each database asked for (`--db`, default `postgres`): a fresh database, `cophub
migrate`, `cophub demo --members 5200`, then, as the AI CoP's organizer through the surveys
services: `survey_create`, `definition_replace` with one section of 30 questions (10 one
choice, 5 several choices, 5 rating scales, 3 yes/no, 2 grids of 4 rows, 3 short answers,
2 numbers), the community as the audience, a recorded Paperwork Reduction Act exemption,
and `survey_publish` (timed: it makes a recipient of every member and puts one invitation
per recipient in the outbox). Two such surveys, one anonymous and one named; and two small
warm-up surveys (the same questions, sent to the largest group) that warm both workers
before the bursts and, after them, give the service time of one submission with nobody
else asking. gunicorn serves cophub (2
sync workers, as bench/pages.py) and, beside it, the bare Django "hello" view and the
signed-in "floor" (bench/hello).

Each round (anonymous, then named): `--members` (5,000) distinct recipients, in a shuffled
order, each submit once through the real page, as a browser would after opening the
personal link of their invitation (`links.recipient_path`): one form post of every answer
to that link, with the CSRF cookie and the matching `csrfmiddlewaretoken` field and
`survey.action=submit` (one section: one post submits). They are not signed in: the link
says who they are. bench/loadgen.py (a child process) sends the posts from `--concurrency`
(64) clients. Checks: every answer a 302 to the thanks page; a second post from 50 of them
answers "You have already answered this survey" and stores nothing; then exactly 5,000
responses (anonymous: 5,000 ballots, no responses, until `services.ballots_count(final=True)`
counts them, timed), each posting recipient marked as having answered and nobody else, each
response with the number of answer rows its answers make, and the answers stored equal,
per question and value, to the answers sent.

Then (on PostgreSQL after `VACUUM ANALYZE`, as before each burst: autovacuum would have
run after so many new rows), signed in as the organizer (a database session, as
bench/registration.py makes them): each survey's results page, the page with a breakdown
by organization, and the CSV export (which needs MFA: the demo organizer has it), each
with one client (`--requests` requests after a warm-up: p50 and p95), beside the signed-in
floor and hello measured the same way in the same run. The results page reads
`selectors.may_read_results` (no MFA); the CSV export is a management page (`manage_page`,
MFA). Queries per submission and per results page are counted in-process with Django's
test client.

    .venv/bin/python bench/surveys.py                      # as `make bench-surveys`
    .venv/bin/python bench/surveys.py --db sqlite --members 500 --demo-members 800 --no-write

Prints tables and writes bench/results/surveys.json (also when a check fails; the exit
status is then 1).
"""

import argparse
import csv
import http.client
import io
import os
import random
import re
import sys
import time
from collections import Counter
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import pages  # noqa: E402
import registration  # noqa: E402

COMMUNITY = "ai-cop"
ORGANIZER = "organizer@gsa.gov"
ROUNDS = ("anonymous", "named")
AGAIN = 50  # people who post a second time
ALREADY_ANSWERED = b"You have already answered this survey"
EXEMPTION = ("Federal employees answering in their official role about their work "
             "(5 CFR 1320.3(c)(4)); benchmark survey.")

# --- The survey: 30 questions in one section --------------------------------------------

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
             "Strongly agree"]
SINGLE = [
    ("role", "Which best describes your role?",
     ["Data scientist", "Machine learning engineer", "Program manager",
      "Acquisition professional", "Policy analyst", "Other"]),
    ("experience", "How long have you worked with AI?",
     ["Less than a year", "1 to 3 years", "4 to 6 years", "More than 6 years"]),
    ("org_size", "How many people work in your organization?",
     ["Under 500", "500 to 5,000", "5,000 to 50,000", "Over 50,000"]),
    ("stage", "Where is your team's most advanced AI project?",
     ["An idea", "A pilot", "In production", "Retired"]),
    ("compute", "Where do you run most AI workloads?",
     ["Agency data center", "Commercial cloud", "Government cloud", "Not sure"]),
    ("genai_policy", "Does your agency have a policy on generative AI?",
     ["Yes, published", "In draft", "No", "Not sure"]),
    ("training_format", "Which training format do you prefer?",
     ["Live online", "In person", "Recorded", "Self-paced course"]),
    ("meeting_time", "Which meeting time suits you best?",
     ["Morning (Eastern)", "Midday (Eastern)", "Afternoon (Eastern)"]),
    ("news", "Where do you hear community news most often?",
     ["Newsletter", "Mailing list", "Website", "Colleagues"]),
    ("priority", "What should the community focus on next year?",
     ["Governance", "Workforce", "Tools", "Data", "Acquisition"]),
]
MULTIPLE = [
    ("topics", "Which topics interest you?",
     ["Generative AI", "Computer vision", "Natural language processing",
      "Reinforcement learning", "AI security", "Responsible AI"]),
    ("tools", "Which tools does your team use?",
     ["Python", "R", "Notebooks", "AutoML services", "Large language model APIs",
      "Spreadsheets"]),
    ("barriers", "What slows AI adoption at your agency?",
     ["Data access", "Funding", "Skills", "Policy", "Security review", "Procurement"]),
    ("used", "Which community resources have you used?",
     ["Library", "Forum", "Training series", "Working groups", "Events"]),
    ("help", "Where could the community help most?",
     ["Mentoring", "Templates", "Case studies", "Office hours", "Vendor briefings"]),
]
RATING = [
    ("sat_overall", "Overall, how satisfied are you with the community?", 1, 5,
     "Very dissatisfied", "Very satisfied"),
    ("sat_events", "How satisfied are you with its events?", 1, 5,
     "Very dissatisfied", "Very satisfied"),
    ("sat_training", "How satisfied are you with its training?", 1, 5,
     "Very dissatisfied", "Very satisfied"),
    ("usefulness", "How useful is the community for your work?", 1, 5,
     "Not useful at all", "Very useful"),
    ("recommend", "How likely are you to recommend the community to a colleague?", 0, 10,
     "Not at all likely", "Extremely likely"),
]
YES_NO = [
    ("attended", "Did you attend an event in the last year?"),
    ("joined_group", "Have you joined a working group or practice area?"),
    ("would_present", "Would you present your work at a community meeting?"),
]
LIKERT = [
    ("guidance", "How much do you agree with each statement about your agency?",
     ["My agency has clear guidance on using AI.",
      "I know whom to ask about an AI project.",
      "Our data is ready for AI.",
      "Leadership supports AI projects."]),
    ("skills", "How much do you agree with each statement about your skills?",
     ["I can explain how a model was evaluated.",
      "I can judge a vendor's AI claims.",
      "I can find the training I need.",
      "I can share my work with other agencies."]),
]
SHORT_TEXT = [
    ("one_change", "What one thing should the community change?",
     ["More hands-on labs with government data", "Post the slides before each session",
      "A mentoring program between agencies", "Shorter meetings with more questions",
      "Guidance on generative AI tools we may use", "More sessions for acquisition staff",
      "Nothing, keep it up", "Case studies from smaller agencies"]),
    ("best_resource", "Which resource helped you most this year?",
     ["The training series recordings", "The use case inventory", "The forum",
      "The monthly meeting", "The AI security playbook", "The newsletter"]),
    ("job_title", "What is your job title?",
     ["Data Scientist", "IT Specialist", "Program Analyst", "Chief Data Officer",
      "Contracting Officer", "Statistician", "Computer Scientist", "Policy Advisor"]),
]
NUMBER = [
    ("years_federal", "How many years have you worked in government?", 0, 45),
    ("hours_ai", "About how many hours a week do you spend on AI work?", 0, 80),
]
ROWS_PER_GRID = 4


def _question(code: str, kind: str, text: str, **extra) -> dict:
    return {"code": code, "kind": kind, "text": text, "help_text": "", "required": False,
            "choices": [], "rows": [], "branches": {}, "max_length": None,
            "scale_min": None, "scale_max": None, "scale_min_label": "",
            "scale_max_label": ""} | extra


def definition() -> list[dict]:
    """The survey's one section, in `definition_replace`'s shape."""
    questions = [_question(code, "single", text, choices=choices, required=i < 4)
                 for i, (code, text, choices) in enumerate(SINGLE)]
    questions += [_question(code, "multiple", text, choices=choices)
                  for code, text, choices in MULTIPLE]
    questions += [_question(code, "rating", text, scale_min=low, scale_max=high,
                            scale_min_label=low_label, scale_max_label=high_label,
                            required=code == "sat_overall")
                  for code, text, low, high, low_label, high_label in RATING]
    questions += [_question(code, "yes_no", text) for code, text in YES_NO]
    questions += [_question(code, "likert", text, choices=AGREEMENT, rows=rows)
                  for code, text, rows in LIKERT]
    questions += [_question(code, "short_text", text, max_length=200)
                  for code, text, _ in SHORT_TEXT]
    questions += [_question(code, "number", text, scale_min=low, scale_max=high)
                  for code, text, low, high in NUMBER]
    assert len(questions) == 30 and all(len(rows) == ROWS_PER_GRID for _, _, rows in LIKERT)
    return [{"title": "About you and the community",
             "description": "Your answers help the organizers plan next year.",
             "questions": questions}]


def _plain(number) -> str:
    """A number as results compare it: Decimal("12.5000") and "12.5" are both "12.5"."""
    value = Decimal(str(number)).normalize()
    return format(value, "f") if value else "0"


def answers_for(rng: random.Random) -> tuple[list[tuple[str, str]], list[tuple]]:
    """One person's answers: (the form's fields, the Answer rows they make as
    (code, row, option, number, text))."""
    fields, rows = [], []
    for code, _, choices in SINGLE:
        choice = rng.choice(choices)
        fields.append((code, choice))
        rows.append((code, "", choice, "", ""))
    for code, _, choices in MULTIPLE:
        chosen = rng.sample(choices, rng.randint(1, 3))
        fields += [(code, choice) for choice in chosen]
        rows += [(code, "", choice, "", "") for choice in chosen]
    for code, _, low, high, _, _ in RATING:
        value = rng.randint(low, high)
        fields.append((code, str(value)))
        rows.append((code, "", "", _plain(value), ""))
    for code, _ in YES_NO:
        value = rng.choice(("yes", "no"))
        fields.append((code, value))
        rows.append((code, "", value, "", ""))
    for code, _, grid_rows in LIKERT:
        for index, row in enumerate(grid_rows):
            choice = rng.choice(AGREEMENT)
            fields.append((f"{code}__{index}", choice))  # forms.answer.row_field_name
            rows.append((code, row, choice, "", ""))
    for code, _, phrases in SHORT_TEXT:
        text = rng.choice(phrases)
        fields.append((code, text))
        rows.append((code, "", "", "", text))
    for code, _, low, high in NUMBER:
        value = (str(rng.randint(low, high)) if code == "years_federal"
                 else f"{rng.randint(low * 2, high * 2) / 2:g}")
        fields.append((code, value))
        rows.append((code, "", "", _plain(value), ""))
    return fields, rows


# --- Scripts run in `cophub shell` ----------------------------------------------------------

SETUP_SCRIPT = """
import json, os, time
from django.conf import settings
from django.db.models import Count, Q
from django_tasks_db.models import DBTaskResult
from cophub.accounts.models import User
from cophub.communities.models import Community, Group, Membership
from cophub.core.models import OutgoingMail
from cophub.surveys import links, services
from cophub.surveys.models import Recipient, Survey

params = json.load(open(os.environ["BENCH_IN"]))
community = Community.objects.get(slug=params["community"])
organizer = User.objects.get(email=params["organizer"])
last = lambda model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)


def make(title, anonymous, **audience):
    survey = services.survey_create(community=community, actor=organizer, title=title,
                                    anonymous=anonymous)
    services.definition_replace(survey=survey, sections=params["definition"],
                                actor=organizer)
    # The settings page's form writes these fields as they are; no service owns them.
    Survey.objects.filter(pk=survey.pk).update(pra_exemption=params["exemption"], **audience)
    survey.refresh_from_db()
    pra = services.pra_check(survey)
    problems = services.publish_problems(survey)
    if problems:
        raise SystemExit("cannot publish %s: %s" % (title, problems))
    mail_after, tasks_before = last(OutgoingMail), DBTaskResult.objects.count()
    started = time.perf_counter()
    survey = services.survey_publish(survey=survey, actor=organizer)
    seconds = time.perf_counter() - started
    recipients = list(Recipient.objects.filter(survey=survey).order_by("pk"))
    invitations = OutgoingMail.objects.filter(pk__gt=mail_after,
                                              template="surveys/email/invitation")
    return {
        "pk": survey.pk, "title": survey.title, "anonymous": survey.anonymous,
        "answer_path": "/surveys/%d/" % survey.pk,
        "thanks_path": "/surveys/%d/thanks/" % survey.pk,
        "results_path": "/c/%s/surveys/%d/results/" % (community.slug, survey.pk),
        "csv_path": "/c/%s/surveys/%d/results.csv" % (community.slug, survey.pk),
        "publish_s": round(seconds, 3), "recipients": len(recipients),
        "invitations": invitations.count(),
        "people_invited_once": invitations.order_by().values("to")
            .annotate(n=Count("pk")).filter(n=1).count(),
        "not_marked_invited": sum(1 for r in recipients if not r.invited),
        "tasks_enqueued": DBTaskResult.objects.count() - tasks_before,
        "pra": {"recipients": pra.recipients, "non_federal": pra.non_federal,
                "needs_clearance": pra.needs_clearance, "cleared_by": pra.cleared_by},
        "people": [[r.user_id, links.recipient_path(r)] for r in recipients
                   if r.user_id != organizer.pk],
    }


group = (Group.objects.filter(community=community).annotate(active=Count(
    "memberships", filter=Q(memberships__state=Membership.State.ACTIVE)))
    .order_by("-active", "pk").first())
warmups = {kind: make("Warm-up survey, %s (bench)" % kind, kind == "anonymous",
                      audience=Survey.Audience.GROUP, audience_group_id=group.pk)
           for kind in params["rounds"]}
surveys = {kind: make("Community survey, %s (bench)" % kind, kind == "anonymous")
           for kind in params["rounds"]}
json.dump({"organizer": organizer.pk, "warmup_group": group.name,
           "csrf_cookie": settings.CSRF_COOKIE_NAME,
           "warmups": warmups, "surveys": surveys}, open(os.environ["BENCH_OUT"], "w"))
"""

VERIFY_SCRIPT = """
import json, os, time
from collections import Counter
from decimal import Decimal
from django.db.models import Count
from cophub.surveys import services
from cophub.surveys.models import Answer, Ballot, Recipient, Response, Survey

params = json.load(open(os.environ["BENCH_IN"]))
survey = Survey.objects.get(pk=params["survey"])
posted = set(params["posted"])


def plain(number):
    if number is None:
        return ""
    value = Decimal(number).normalize()
    return format(value, "f") if value else "0"


responded = set(Recipient.objects.filter(survey=survey, responded=True)
                .values_list("user_id", flat=True))
out = {
    "ballots_before_counting": Ballot.objects.filter(survey=survey).count(),
    "responses_before_counting": Response.objects.filter(survey=survey).count(),
    "recipients_responded": len(responded),
    "responded_but_not_posted": len(responded - posted),
    "posted_but_not_responded": len(posted - responded),
    "drafts_left": Recipient.objects.filter(survey=survey, draft__isnull=False).count(),
}
if survey.anonymous:
    started = time.perf_counter()
    out["counted"] = services.ballots_count(survey=survey, final=True)
    out["count_s"] = round(time.perf_counter() - started, 3)
    out["ballots_after_counting"] = Ballot.objects.filter(survey=survey).count()
responses = Response.objects.filter(survey=survey)
out["responses"] = responses.count()
out["responses_with_person"] = responses.filter(user__isnull=False).count()
out["responses_with_time"] = responses.filter(submitted_at__isnull=False).count()
per_response = Counter(dict(Answer.objects.filter(response__survey=survey)
                            .values_list("response_id").annotate(n=Count("pk")).order_by()))
rows_per_response = Counter(per_response.get(pk, 0)
                            for pk in responses.values_list("pk", flat=True))
out["rows_per_response"] = {str(k): v for k, v in sorted(rows_per_response.items())}
expected = Counter({int(k): v for k, v in params["rows_per_response"].items()})
out["rows_per_response_as_sent"] = rows_per_response == expected
out["answer_rows"] = sum(per_response.values())
if not survey.anonymous:
    by_user = Counter(responses.values_list("user_id", flat=True))
    rows_by_user = dict(Answer.objects.filter(response__survey=survey)
                        .values_list("response__user_id").annotate(n=Count("pk")).order_by())
    out["people_with_one_response"] = sum(1 for user in posted if by_user.get(user) == 1)
    out["people_with_rows_as_sent"] = sum(
        1 for user, n in params["rows_by_user"].items() if rows_by_user.get(int(user)) == n)
stored = Counter()
for code, row, option, number, text, n in (
        Answer.objects.filter(response__survey=survey)
        .values_list("question__code", "row", "option", "number", "text")
        .annotate(n=Count("pk")).order_by()):
    stored[(code, row, option, plain(number), text)] += n
sent = Counter({tuple(key): n for *key, n in params["tally"]})
wrong = [list(key) + [sent.get(key, 0), stored.get(key, 0)]
         for key in sorted(set(sent) | set(stored), key=str)
         if sent.get(key, 0) != stored.get(key, 0)]
out["tally_values"] = len(sent)
out["tally_mismatches"] = len(wrong)
out["tally_examples"] = wrong[:5]
json.dump(out, open(os.environ["BENCH_OUT"], "w"))
"""

PROBE_SCRIPT = """
import json, os, time
from urllib.parse import parse_qsl
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from cophub.accounts.middleware import LOGIN_AT, SEEN_AT
from cophub.accounts.models import User

params = json.load(open(os.environ["BENCH_IN"]))
organizer = User.objects.get(pk=params["organizer"])
out = {}
for case in params["cases"]:
    client = Client(SERVER_NAME="127.0.0.1")
    if case["signed_in"]:
        client.force_login(organizer)
        session = client.session
        session[LOGIN_AT] = session[SEEN_AT] = int(time.time())
        session.save()
    with CaptureQueriesContext(connection) as ctx:
        if case["body"]:
            data = {}
            for key, value in parse_qsl(case["body"]):
                data.setdefault(key, []).append(value)
            response = client.post(case["path"], data)
        else:
            response = client.get(case["path"])
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    out[case["name"]] = {"status": response.status_code,
                         "queries": len(ctx.captured_queries),
                         "sql": [q["sql"][:160] for q in ctx.captured_queries]}
json.dump(out, open(os.environ["BENCH_OUT"], "w"))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres",
                        help="Comma-separated databases: postgres, sqlite (default postgres).")
    parser.add_argument("--members", type=int, default=5000,
                        help="Distinct recipients submitting in each burst.")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--deadline", type=int, default=300,
                        help="Abort a burst after this many seconds.")
    parser.add_argument("--demo-members", type=int, default=5200)
    parser.add_argument("--warmup", type=int, default=40,
                        help="Submissions (2 clients) that warm the workers, per kind.")
    parser.add_argument("--solo", type=int, default=40,
                        help="Submissions one at a time after the bursts, per kind.")
    parser.add_argument("--requests", type=int, default=50,
                        help="Requests per page measured with one client (p50, p95).")
    parser.add_argument("--csv-requests", type=int, default=3,
                        help="CSV exports measured per survey with one client.")
    parser.add_argument("--client-check", type=int, default=3000,
                        help="Requests to hello at the burst's concurrency (what the load "
                             "generator can do); 0: skip.")
    parser.add_argument("--quiet-wait", type=int, default=30,
                        help="Before each burst, wait up to this many seconds for the machine "
                             "to be under 20%% busy (0: do not wait).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gthread worker.")
    parser.add_argument("--keep-alive", type=int, default=None)
    parser.add_argument("--seed", type=int, default=3000)
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME + "_surveys",
                        help="PostgreSQL database (dropped and created; its own name, so a "
                             "concurrent benchmark is not disturbed).")
    parser.add_argument("--no-write", action="store_true", help="Do not write surveys.json.")
    args = parser.parse_args()

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.members < AGAIN or args.requests < 2 or args.csv_requests < 1:
        parser.error(f"--members must be at least {AGAIN}, --requests at least 2 and "
                     "--csv-requests at least 1")
    common.exit_on_sigterm()

    started = time.monotonic()
    results = {
        "benchmark": "surveys", "date": common.now_iso(), "command": common.command_line(),
        "machine": common.machine(), "revision": common.revision(),
        "server": {
            "program": f"gunicorn {pages._gunicorn_version()}", "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "keep_alive_s": ("gunicorn default (2)" if args.keep_alive is None
                             else args.keep_alive),
            "cophub_app": "cophub.config.wsgi:application",
            "cophub_settings": "cophub.config.settings (DEBUG off)",
            "hello_app": "bench/hello: hello.wsgi:application (no apps, middleware or "
                         "database)",
            "floor_app": "bench/hello with hello.floor_settings (cophub's middleware, "
                         "session and user around an empty view)",
        },
        "load": {"tool": "bench/loadgen.py (asyncio, one child process)",
                 "concurrency": args.concurrency, "members": args.members,
                 "deadline_s": args.deadline, "host": "127.0.0.1",
                 "questions": 30, "sections": 1,
                 "request": "POST <personal link> (form: CSRF token, every answer, "
                            "survey.action=submit), not signed in, each recipient once, "
                            "shuffled order",
                 "answered_again": AGAIN,
                 "one_client_requests": args.requests, "csv_requests": args.csv_requests},
        "demo_members": args.demo_members, "runs": [],
    }
    problems = []
    for kind in databases:
        run = _run_database(kind, args)
        results["runs"].append(run)
        problems += [f"{kind}: {p}" for p in run["problems"]]
    results["wall_s"] = round(time.monotonic() - started, 1)

    _print(results)
    if not args.no_write:
        print(f"\nWrote {common.write_json('surveys', results).relative_to(common.REPO)}")
    if problems:
        print("\nFAILED:\n  " + "\n  ".join(problems))
        return 1
    return 0


def _run_database(kind: str, args) -> dict:
    rng = random.Random(args.seed)
    print(f"[{kind}] fresh database, migrate, demo --members {args.demo_members} …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        env = env | {
            "COPHUB_ALLOWED_HOSTS": "127.0.0.1",
            "COPHUB_SESSION_IDLE_SECONDS": str(7 * 24 * 3600),
            "COPHUB_SESSION_ABSOLUTE_SECONDS": str(7 * 24 * 3600),
        }
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        demo_started = time.monotonic()
        common.run([*common.COPHUB, "demo", "--members", str(args.demo_members)], env=env,
                   timeout=1200)
        demo_s = round(time.monotonic() - demo_started, 1)
        print(f"[{kind}] surveys created and published (4 surveys) …", flush=True)
        setup_started = time.monotonic()
        setup = registration._shell(SETUP_SCRIPT, env, {
            "community": COMMUNITY, "organizer": ORGANIZER, "rounds": list(ROUNDS),
            "definition": definition(), "exemption": EXEMPTION}, timeout=1200)
        setup_s = round(time.monotonic() - setup_started, 1)
        for which, s in setup["surveys"].items():
            print(f"  {which}: published to {s['recipients']} people in {s['publish_s']} s",
                  flush=True)
        problems = _setup_problems(setup, args)
        common.analyze(env)
        load_average = [round(x, 2) for x in os.getloadavg()]

        logs = Path(env["COPHUB_DATA_DIR"])
        ports = {name: common.free_port() for name in ("cophub", "hello", "floor")}
        servers = {}
        rounds, service, alone, client_check, probe = [], {}, {}, {}, {}
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

            if not problems:
                print(f"[{kind}] warm-up …", flush=True)
                warmups = {k: setup["warmups"][k] for k in ROUNDS}
                kept = _warm_up(warmups, ports["cophub"], args, rng,
                                csrf_cookie=setup["csrf_cookie"])
                if args.client_check:
                    print(f"[{kind}] client check against hello …", flush=True)
                    client_check = _client_check(ports["hello"], servers, args)
                for number, which in enumerate(ROUNDS, 1):
                    survey = setup["surveys"][which]
                    print(f"[{kind}] round {number} ({which}): {args.members} recipients → "
                          f"personal links of survey {survey['pk']} …", flush=True)
                    rounds.append(_burst(env, survey, which, number, ports["cophub"],
                                         servers, args, rng, csrf_cookie=setup["csrf_cookie"]))
                print(f"[{kind}] submissions one at a time …", flush=True)
                alone = _alone(warmups, kept, ports["cophub"])
                print(f"[{kind}] results pages and CSV export, one client …", flush=True)
                common.analyze(env)  # as autovacuum would after 400,000 new answer rows
                service = _service_times(env, setup, ports, servers, args)
                probe = _probe(env, setup, rng)
        finally:
            for process in servers.values():
                common.stop(process)

    problems += [f"round {r['round']} ({r['survey']}): {p}" for r in rounds
                 for p in r["problems"]]
    problems += [f"{name}: {case['problem']}" for name, case in service.items()
                 if case.get("problem")]
    problems += [f"probe {name}: status {p['status']}" for name, p in probe.items()
                 if p["status"] not in (200, 302)]
    publish = {which: {k: s[k] for k in ("pk", "publish_s", "recipients", "invitations",
                                         "people_invited_once", "not_marked_invited",
                                         "tasks_enqueued", "pra")}
               for which, s in setup["surveys"].items()}
    return {"database": database, "date": common.now_iso(), "load_average": load_average,
            "demo_s": demo_s, "setup_s": setup_s, "publish": publish,
            "warmup": {"group": setup["warmup_group"],
                       **{k: {"publish_s": s["publish_s"], "recipients": s["recipients"]}
                          for k, s in setup["warmups"].items()}},
            "client_check": client_check, "alone": alone, "rounds": rounds,
            "service_times": service,
            "queries": {name: {"queries": p["queries"], "status": p["status"]}
                        for name, p in probe.items()},
            "probe_sql": {name: p["sql"] for name, p in probe.items()},
            "problems": problems}


def _setup_problems(setup: dict, args) -> list[str]:
    problems = []
    for which, s in [*setup["surveys"].items(),
                     *((f"warm-up {k}", s) for k, s in setup["warmups"].items())]:
        if s["invitations"] != s["recipients"] or s["people_invited_once"] != s["recipients"]:
            problems.append(f"{which}: {s['invitations']} invitations in the outbox "
                            f"({s['people_invited_once']} people once) for {s['recipients']} "
                            "recipients")
        if s["not_marked_invited"]:
            problems.append(f"{which}: {s['not_marked_invited']} recipients not marked invited")
    for which, s in setup["surveys"].items():
        if len(s["people"]) < args.members + 1:  # one more for the probe
            problems.append(f"{which}: {len(s['people'])} recipients besides the organizer, "
                            f"{args.members + 1} needed (raise --demo-members)")
    for which, s in setup["warmups"].items():
        if len(s["people"]) < args.warmup + args.solo:
            problems.append(f"warm-up {which}: {len(s['people'])} recipients, "
                            f"{args.warmup + args.solo} needed")
    return problems


def _pairs(fields: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    """The form's fields in the order a browser sends them (forms/answer.py, answer.html)."""
    return [("csrfmiddlewaretoken", token), ("survey.section", "1"), *fields,
            ("survey.action", "submit")]


def _form(path: str, fields: list[tuple[str, str]], rng: random.Random, *,
          csrf_cookie: str, **extra) -> dict:
    """A browser's form post to a personal link: the CSRF cookie it was given with the
    form, the same token in the body, every answer, and the Submit button."""
    secret = registration._csrf_secret(rng)
    return {**extra, "method": "POST", "path": path, "body": urlencode(_pairs(fields, secret)),
            "headers": {"Cookie": f"{csrf_cookie}={secret}",
                        "Content-Type": "application/x-www-form-urlencoded"}}


def _warm_up(warmups: dict, port: int, args, rng: random.Random, *,
             csrf_cookie: str) -> dict:
    """Warm both workers on the warm-up surveys: the form page, then submissions from two
    clients. Returns, per kind, the posts kept for `_alone` (other recipients)."""
    kept = {}
    for which, survey in warmups.items():
        people = survey["people"][:args.warmup + args.solo]
        posts = [_form(path, answers_for(rng)[0], rng, csrf_cookie=csrf_cookie)
                 for _, path in people]
        seen = registration.loadgen({"port": port, "concurrency": 2, "repeat": {
            "count": 20, "request": {"method": "GET", "path": people[-1][1]}}},
            timeout=120)["results"]
        warmed = registration.loadgen({"port": port, "concurrency": 2,
                                       "requests": posts[:args.warmup]}, timeout=300)["results"]
        _check_warm_up(survey, seen, warmed)
        kept[which] = posts[args.warmup:]
    return kept


def _alone(warmups: dict, kept: dict, port: int) -> dict:
    """The service time of a submission with no queueing: the kept posts one at a time,
    after the bursts (the workers are as warm as they get)."""
    alone = {}
    for which, posts in kept.items():
        solo = registration.loadgen({"port": port, "concurrency": 1, "requests": posts},
                                    timeout=300)["results"]
        _check_warm_up(warmups[which], [], solo)
        alone[which] = {"requests": len(solo), **_one_client(solo)}
    return alone


def _check_warm_up(survey: dict, pages_seen: list[dict], posted: list[dict]) -> None:
    bad = ([r for r in pages_seen if r["status"] != 200]
           + [r for r in posted if r["status"] != 302 or r["location"] != survey["thanks_path"]])
    if bad:
        raise SystemExit(f"bench: warm-up requests failed: {bad[:3]}")


def _one_client(results: list[dict]) -> dict:
    ms = [(r["end"] - r["start"]) * 1000 for r in results if r["status"]]
    return {"p50_ms": round(registration.percentile(ms, 50), 2),
            "p95_ms": round(registration.percentile(ms, 95), 2),
            "max_ms": round(max(ms, default=0), 2)}


def _client_check(port: int, servers: dict, args) -> dict:
    """What the load generator can do: the hello view at the burst's concurrency."""
    plan = {"port": port, "concurrency": args.concurrency,
            "repeat": {"count": args.client_check, "request": {"method": "GET", "path": "/"}}}
    with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
        outcome = registration.loadgen(plan, timeout=300)
    summary = registration.latency_summary(outcome["results"])
    return {"hello_rps": summary["rps"], "hello_p99_ms": summary["p99_ms"],
            "requests": summary["requests"],
            "non_200": sum(1 for r in outcome["results"] if r["status"] != 200),
            "loadgen_cpu_ms_per_request": round(outcome["cpu_s"] * 1000 / max(
                summary["answered"], 1), 3),
            "cpu": cpu.result}


def _burst(env: dict, survey: dict, which: str, number: int, port: int, servers: dict,
           args, rng: random.Random, *, csrf_cookie: str) -> dict:
    people = survey["people"][:]
    rng.shuffle(people)
    chosen, spare = people[:args.members], people[args.members:]
    survey["probe_person"] = spare[0]
    # What each person sends, and what it must leave in the database.
    plan_requests, tally, rows_by_user = [], Counter(), {}
    for user_id, path in chosen:
        fields, rows = answers_for(rng)
        plan_requests.append(_form(path, fields, rng, csrf_cookie=csrf_cookie, user=user_id))
        tally.update(rows)
        rows_by_user[user_id] = len(rows)
    survey["probe_fields"] = answers_for(rng)[0]

    # The form the person would have opened must have every field posted.
    status, body, _ = pages._get(port, spare[0][1], {})
    on_page = set(re.findall(rb'name="([^"]+)"', body))
    posted = {name for name, _ in _pairs(survey["probe_fields"], "")}
    missing = sorted(name for name in posted if name.encode() not in on_page)
    if status != 200 or missing:
        raise SystemExit(f"bench: the form of survey {survey['pk']} answered {status}; "
                         f"fields posted but not on the page: {missing}")

    db = common.Db(env)
    sessions_before = db.one("SELECT count(*) FROM django_session")[0]
    common.analyze(env)
    if args.quiet_wait:
        common.wait_for_quiet(max_wait=args.quiet_wait)
    load_average = [round(x, 2) for x in os.getloadavg()]
    plan = {"port": port, "concurrency": args.concurrency, "timeout_s": 60,
            "deadline_s": args.deadline, "requests": plan_requests}
    with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
        outcome = registration.loadgen(plan, timeout=args.deadline + 60)
    results = outcome["results"]
    summary = registration.latency_summary(results)
    statuses = Counter(str(r["status"]) if r["status"] else "no answer" for r in results)
    errors = sum(1 for r in results if r["status"] != 302)
    wrong_location = sum(1 for r in results
                         if r["status"] == 302 and r["location"] != survey["thanks_path"])
    sessions_written = db.one("SELECT count(*) FROM django_session")[0] - sessions_before

    # A second post from some of them: told they have answered, nothing stored.
    again = [plan_requests[i] for i in range(0, len(plan_requests),
                                             max(len(plan_requests) // AGAIN, 1))][:AGAIN]
    again_answers = [_post(port, request) for request in again]
    again_wrong = sum(1 for status, body in again_answers
                      if status != 200 or ALREADY_ANSWERED not in body)
    db.close()

    check = registration._shell(VERIFY_SCRIPT, env, {
        "survey": survey["pk"], "posted": [u for u, _ in chosen],
        "rows_per_response": {str(k): v for k, v in Counter(rows_by_user.values()).items()},
        "rows_by_user": {str(k): v for k, v in rows_by_user.items()},
        "tally": [[*key, n] for key, n in tally.items()]}, timeout=900)
    n = args.members
    stored_first = (check["ballots_before_counting"] if which == "anonymous"
                    else check["responses_before_counting"])
    expectations = [
        (not outcome["aborted"] and len(results) == n,
         f"aborted after {args.deadline} s: {outcome['answered']} of {n} answered"),
        (errors == 0, f"{errors} answers were not a 302: {dict(statuses)}"),
        (wrong_location == 0, f"{wrong_location} redirects not to {survey['thanks_path']}"),
        (again_wrong == 0, f"{again_wrong} of {len(again)} second posts were not told "
                           "they had already answered"),
        (stored_first == n, f"{stored_first} {'ballots' if which == 'anonymous' else 'responses'}"
                            f" after the burst and the second posts, not {n}"),
        (check["recipients_responded"] == n,
         f"{check['recipients_responded']} recipients marked as having answered, not {n}"),
        (check["responded_but_not_posted"] == 0 and check["posted_but_not_responded"] == 0,
         f"{check['responded_but_not_posted']} marked who did not post, "
         f"{check['posted_but_not_responded']} posted but not marked"),
        (check["responses"] == n, f"{check['responses']} responses, not {n}"),
        (check["rows_per_response_as_sent"],
         f"answer rows per response {check['rows_per_response']} differ from those sent"),
        (check["answer_rows"] == sum(rows_by_user.values()),
         f"{check['answer_rows']} answer rows, not {sum(rows_by_user.values())}"),
        (check["tally_mismatches"] == 0,
         f"{check['tally_mismatches']} answer values stored a different number of times "
         f"than sent, e.g. {check['tally_examples']}"),
    ]
    if which == "anonymous":
        expectations += [
            (check["responses_before_counting"] == 0,
             f"{check['responses_before_counting']} responses before the ballots were "
             "counted"),
            (check["counted"] == n and check["ballots_after_counting"] == 0,
             f"{check['counted']} ballots counted, {check['ballots_after_counting']} left"),
            (check["responses_with_person"] == 0 and check["responses_with_time"] == 0,
             f"{check['responses_with_person']} anonymous responses name a person, "
             f"{check['responses_with_time']} have a time"),
        ]
    else:
        expectations += [
            (check["people_with_one_response"] == n,
             f"{n - check['people_with_one_response']} people without exactly one response"),
            (check["people_with_rows_as_sent"] == n,
             f"{n - check['people_with_rows_as_sent']} people whose answer rows differ"),
        ]
    return {"round": number, "survey": which, "pk": survey["pk"],
            "load_average": load_average, **summary,
            "rps_by_fifth": registration.rps_by_fifth(results), "statuses": dict(statuses),
            "errors": errors, "wrong_redirects": wrong_location, "retries": outcome["retries"],
            "loadgen_cpu_ms_per_request": round(outcome["cpu_s"] * 1000 / max(
                summary["answered"], 1), 3),
            "answered_again": {"requests": len(again), "wrong": again_wrong},
            "sessions_written": sessions_written,
            "answer_rows": check["answer_rows"],
            "rows_per_response": check["rows_per_response"],
            "tally_values": check["tally_values"],
            "responses": check["responses"],
            "ballots_counted": check.get("counted"), "ballots_count_s": check.get("count_s"),
            "cpu": cpu.result,
            "problems": [message for ok, message in expectations if not ok]}


def _post(port: int, request: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", request["path"], body=request["body"],
                     headers=request["headers"])
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _service_times(env: dict, setup: dict, ports: dict, servers: dict, args) -> dict:
    """Each page with one client: `--requests` requests after a warm-up (the CSV export:
    `--csv-requests`), signed in as the organizer; the floor and hello the same way."""
    sessions = registration._shell(registration.SESSIONS_SCRIPT, env,
                                   {"user_ids": [setup["organizer"]]})
    jar = {sessions["session_cookie"]: sessions["keys"][str(setup["organizer"])]}
    cases = [("hello", "hello", "/", {}), ("floor_signed_in", "floor", "/", jar)]
    for which in ROUNDS:
        s = setup["surveys"][which]
        cases += [(f"results_{which}", "cophub", s["results_path"], jar),
                  (f"results_{which}_by_organization", "cophub",
                   s["results_path"] + "?" + urlencode({"question": "role",
                                                        "by": "organization"}), jar),
                  (f"csv_{which}", "cophub", s["csv_path"], jar)]
    out = {}
    for name, server, path, cookies in cases:
        port = ports[server]
        problem, size, detail = _preflight(port, path, cookies, name, args.members)
        count = args.csv_requests if name.startswith("csv_") else args.requests
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        request = {"method": "GET", "path": path, "headers": {"Cookie": cookie} if cookie
                   else {}}
        if not name.startswith("csv_"):  # an export is warmed by its check above
            registration.loadgen({"port": port, "concurrency": 1, "timeout_s": 120,
                                  "repeat": {"count": 5, "request": request}}, timeout=600)
        with common.CpuMeter([p.pid for p in servers.values()]) as cpu:
            outcome = registration.loadgen({"port": port, "concurrency": 1, "timeout_s": 120,
                                            "repeat": {"count": count, "request": request}},
                                           timeout=900)
        bad = sum(1 for r in outcome["results"] if r["status"] != 200)
        if bad and not problem:
            problem = f"{bad} of {count} answers were not a 200"
        out[name] = {"path": path, "signed_in": bool(cookies), "requests": count,
                     **_one_client(outcome["results"]), "bytes": size, **detail,
                     "cpu": cpu.result, "problem": problem}
        print(f"  {name}: p50 {out[name]['p50_ms']} ms", flush=True)
    return out


def _preflight(port: int, path: str, cookies: dict, name: str, n: int):
    """One request as a browser would make it; the cookies it sets (the CSRF cookie of the
    sign-out form) go into the measured requests. (problem, size, what was checked)."""
    status, body, set_cookies = pages._get(port, path, cookies)
    for header in set_cookies:
        for morsel in SimpleCookie(header).values():
            cookies[morsel.key] = morsel.value
    if status != 200:
        return f"GET {path} answered {status}, not 200", len(body), {}
    if name == "floor_signed_in" and b"signed in" not in body:
        return "the floor is not signed in", len(body), {}
    which = next((w for w in ROUNDS if name.endswith(w) or f"_{w}_" in name), None)
    if which is None:
        return "", len(body), {}
    if name.startswith("csv_"):
        rows = list(csv.reader(io.StringIO(body.decode())))
        columns = (2 + (0 if which == "anonymous" else 2) + len(SINGLE) + len(MULTIPLE)
                   + len(RATING) + len(YES_NO) + len(LIKERT) * ROWS_PER_GRID
                   + len(SHORT_TEXT) + len(NUMBER))
        detail = {"csv_rows": len(rows) - 1, "csv_columns": len(rows[0]) if rows else 0}
        if detail["csv_rows"] != n or detail["csv_columns"] != columns:
            return (f"the CSV has {detail['csv_rows']} rows of {detail['csv_columns']} "
                    f"columns, not {n} of {columns}"), len(body), detail
        return "", len(body), detail
    if b"Sign out" not in body:
        return "the results page is not signed in", len(body), {}
    if f"<strong>{n}</strong> response".encode() not in body:
        return f"the results page does not show {n} responses", len(body), {}
    return "", len(body), {}


def _probe(env: dict, setup: dict, rng: random.Random) -> dict:
    """Queries of one submission (a recipient who has not answered) and of each results
    page, counted in-process."""
    cases = []
    for which in ROUNDS:
        s = setup["surveys"][which]
        _, path = s["probe_person"]
        cases += [{"name": f"submit_{which}", "path": path, "signed_in": False,
                   "body": _form(path, s["probe_fields"], rng,
                                 csrf_cookie=setup["csrf_cookie"])["body"]},
                  {"name": f"results_{which}", "path": s["results_path"], "signed_in": True,
                   "body": ""}]
    return registration._shell(PROBE_SCRIPT, env, {"organizer": setup["organizer"],
                                                   "cases": cases})


def _spread(counts: dict[str, int]) -> str:
    """{"36": 2, "41": 5} → "36–41 (mean 39.6)"."""
    values = {int(k): v for k, v in counts.items()}
    if not values:
        return "none"
    mean = sum(k * v for k, v in values.items()) / sum(values.values())
    return f"{min(values)}–{max(values)} (mean {mean:.1f})"


def _print(results: dict) -> None:
    server, load, m = results["server"], results["load"], results["machine"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{server['program']} {server['workers']} workers × {server['worker_class']}; "
          f"{load['members']} recipients per survey, 30 questions, {load['concurrency']} "
          f"concurrent clients; {common.describe_revision(results['revision'])}")
    rows = []
    for run in results["runs"]:
        db = run["database"]
        for r in run["rounds"]:
            publish = run["publish"][r["survey"]]
            rows.append([
                f"{db['engine']} {db['version'].split()[0]}", r["survey"],
                f"{r['rps']:.0f}", f"{r['p50_ms']:.0f}", f"{r['p99_ms']:.0f}",
                f"{r['max_ms']:.0f}", r["responses"], r["answer_rows"], r["errors"],
                f"{r['answered_again']['requests'] - r['answered_again']['wrong']}"
                f"/{r['answered_again']['requests']}",
                "yes" if not r["problems"] else "NO",
                f"{publish['publish_s']:.1f} ({publish['recipients']})",
                "" if r["ballots_count_s"] is None else f"{r['ballots_count_s']:.1f}",
                pages._server_cpu(r["cpu"]), r["cpu"].get("database_pct", ""),
                r["cpu"].get("load_generator_pct", ""), r["cpu"].get("other_pct", "")])
    print(common.table(["database", "survey", "resp/s", "p50 ms", "p99 ms", "max ms",
                        "responses", "answer rows", "errors", "told again", "checks",
                        "publish s (people)", "count s", "server CPU% (by process)",
                        "db CPU%", "client CPU%", "other CPU%"], rows, text_columns=2))
    print("  told again: second posts answered \"already answered\" with nothing stored. "
          "count s: ballots_count(final=True)\n  of the anonymous survey's ballots. "
          "checks: statuses, redirects, counts, recipients, rows per response, every value.")
    for run in results["runs"]:
        db, cc, alone = run["database"], run["client_check"], run["alone"]
        q = run["queries"]
        print(f"\n{db['engine']}: one submission at a time, p50 "
              + " / ".join(f"{alone[k]['p50_ms']} ms ({k})" for k in alone)
              + "; queries per submission "
              + " / ".join(f"{q[k]['queries']} ({k[7:]})" for k in q if k.startswith("submit_"))
              + (f"; load generator alone against hello: {cc['hello_rps']:.0f} req/s, "
                 f"{cc['loadgen_cpu_ms_per_request']} ms CPU per request" if cc else ""))
        for r in run["rounds"]:
            print(f"  {r['survey']}: resp/s by fifth of the burst "
                  f"{' / '.join(f'{x:.0f}' for x in r['rps_by_fifth'])}; sessions written "
                  f"{r['sessions_written']}; answer rows per response "
                  f"{_spread(r['rows_per_response'])}; load average before {r['load_average']}")
        service = run["service_times"]
        if service:
            print()
            print(common.table(
                ["page (one client)", "path", "requests", "p50 ms", "p95 ms", "max ms",
                 "bytes", "queries", "other CPU%"],
                [[name, c["path"], c["requests"], c["p50_ms"], c["p95_ms"], c["max_ms"],
                  c["bytes"], q.get(name, {}).get("queries", ""),
                  c["cpu"].get("other_pct", "")] for name, c in service.items()],
                text_columns=2))
    print(f"\nWhole run: {results['wall_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
