"""Demo lists: the AI CoP's government list `ai@` and public list `aipublic@` (mirroring the
real AI and AIPUBLIC listservs), a practice-area list and the Data CoP's list, with
subscribers who have accounts and many who do not, a year of archived posts, a post waiting
for moderation, bounces, a pending confirmation and three newsletter issues.

Subscribers and the archive are bulk-created rows: they stand for a listserv's history,
which no one would replay through the services (that would mail every past post again).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cophub.communities.models import Community, Group, Membership
from cophub.core.access import AccessLevel
from cophub.core.markdown import render_markdown

from ..models import (
    Bounce,
    Confirmation,
    InboundMessage,
    MailingList,
    NewsletterIssue,
    Post,
    Subscriber,
    Subscription,
)
from .content import ANNOUNCEMENTS, SIGNATURES, THREADS

FIRST = ["Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
         "Drew", "Robin", "Sam", "Chris", "Pat", "Lee", "Dana", "Kim", "Terry", "Jesse"]
LAST = ["Reyes", "Foster", "Bennett", "Howard", "Ward", "Cooper", "Price", "Hughes", "Long",
        "Ross", "Sanders", "Myers", "Perry", "Powell", "Russell", "Jenkins", "Fisher"]
PUBLIC_DOMAINS = ["example.com", "example.org", "example.net"]
MEETING_TOPICS = ["AI in benefits delivery", "Computer vision for infrastructure",
                  "Responsible AI playbooks", "Speech-to-text in call centers",
                  "AI acquisition lessons learned", "Red-teaming public chatbots",
                  "The AI use case inventory", "Retrieval-augmented generation",
                  "Data-sharing agreements", "Hiring AI talent", "AI security basics",
                  "Year in review"]


def already_loaded() -> bool:
    return MailingList.objects.filter(local_part="ai").exists()


def build(*, context) -> None:
    rng = context["rng"]
    people, users = context["people"], context["users"]
    now = timezone.now()
    ai = Community.objects.get(slug="ai-cop")
    data = Community.objects.get(slug="data-cop")
    genai = Group.objects.get(community=ai, slug="generative-ai")
    lists = _lists(ai, data, genai)
    gov_list, public_list, genai_list, data_list = lists

    government = [u for u in users if u.is_government]
    subscribers = _subscribers(rng, users, government, context["members"])
    account_sub = {s.user_id: s for s in subscribers if s.user_id}
    gov_only = [s for s in subscribers if not s.user_id and not _public(s.email)]
    public_only = [s for s in subscribers if not s.user_id and _public(s.email)]

    subscriptions = []

    def subscribe(mailing_list, subscriber, via=Subscription.Via.EMAIL):
        roll = rng.random()
        delivery = ("each" if roll < 0.8 else "daily" if roll < 0.9 else
                    "weekly" if roll < 0.95 else "none")
        if mailing_list.kind == MailingList.Kind.ANNOUNCE:
            delivery = "each"
        joined = now - timedelta(days=rng.randint(30, 900))
        subscriptions.append(Subscription(
            mailing_list=mailing_list, subscriber=subscriber, delivery=delivery,
            digest_format=rng.choice(["mime", "plain"]), via=via, created_at=joined,
            state_changed_at=joined))

    member_ids = set(Membership.objects.filter(group=genai, state=Membership.State.ACTIVE)
                     .values_list("user_id", flat=True))
    for user in government:
        subscriber = account_sub[user.pk]
        # The named member is left off ai@ so the demo can show joining it.
        named = {people["organizer"].pk, people["lead"].pk}
        if user.pk in named or (user.pk != people["member"].pk and rng.random() < 0.75):
            subscribe(gov_list, subscriber, Subscription.Via.WEB)
        if rng.random() < 0.3:
            subscribe(public_list, subscriber, Subscription.Via.WEB)
        if user.pk in member_ids:
            subscribe(genai_list, subscriber, Subscription.Via.WEB)
        if rng.random() < 0.15:
            subscribe(data_list, subscriber, Subscription.Via.WEB)
    for subscriber in gov_only:
        subscribe(gov_list, subscriber)
        if rng.random() < 0.25:
            subscribe(public_list, subscriber)
    for subscriber in public_only:
        subscribe(public_list, subscriber)
    subscribe(public_list, account_sub[people["public"].pk], Subscription.Via.WEB)
    Subscription.objects.bulk_create(subscriptions, batch_size=2000)

    posts = _archive(rng, now, gov_list, public_list, genai_list, people, government,
                     gov_only)
    _moderation_and_bounces(rng, now, gov_list, gov_only)
    Confirmation.objects.create(
        token=secrets.token_urlsafe(24), mailing_list=gov_list, email="new.member@epa.gov",
        action=Confirmation.Action.SUBSCRIBE, via=Subscription.Via.EMAIL,
        expires_at=now + timedelta(days=7))
    issues = _newsletters(now, ai, gov_list, public_list, people["organizer"])
    counts = {ml.local_part: ml.subscriptions.count() for ml in lists}
    context["out"].write(
        f"Lists: {', '.join(f'{lp}@ {n}' for lp, n in counts.items())} subscribers "
        f"({len(gov_only) + len(public_only)} without an account); {posts} archived posts; "
        f"{issues} newsletter issues.")


def _lists(ai, data, genai) -> list[MailingList]:
    return [
        MailingList.objects.create(
            community=ai, local_part="ai", name="AI CoP",
            subject_prefix="[AI CoP]", audience=MailingList.Audience.GOVERNMENT,
            kind=MailingList.Kind.DISCUSSION, moderation=MailingList.Moderation.FIRST_POST,
            archive_access_level=AccessLevel.GOVERNMENT,
            description="The AI CoP's government-only list: questions, answers and news "
                        "among government practitioners. Only government employees are "
                        "eligible to join.\n\nTo join by e-mail, send a message with an "
                        "empty subject to the request address."),
        MailingList.objects.create(
            community=ai, local_part="aipublic", name="AI CoP Public",
            subject_prefix="[AI CoP Public]", audience=MailingList.Audience.ANYONE,
            kind=MailingList.Kind.ANNOUNCE, archive_access_level=AccessLevel.PUBLIC,
            digests_enabled=False,
            description="Announcements from the AI CoP: events, training and challenges. "
                        "Anyone is eligible to join."),
        MailingList.objects.create(
            community=ai, group=genai, local_part="genai", name="Generative AI",
            subject_prefix="[GenAI]", audience=MailingList.Audience.GROUP,
            kind=MailingList.Kind.DISCUSSION, archive_access_level=AccessLevel.GROUP,
            description="Discussion among members of the Generative AI practice area."),
        MailingList.objects.create(
            community=data, local_part="data", name="Data CoP",
            subject_prefix="[Data CoP]", audience=MailingList.Audience.GOVERNMENT,
            kind=MailingList.Kind.DISCUSSION, archive_access_level=AccessLevel.GOVERNMENT,
            description="The Data CoP's government-only discussion list."),
    ]


def _public(email: str) -> bool:
    return email.rpartition("@")[2] in PUBLIC_DOMAINS


def _subscribers(rng, users, government, members: int) -> list[Subscriber]:
    """One subscriber per account, plus people who only ever e-mailed the listserv: about as
    many government addresses as there are members, and a third as many public ones."""
    rows = [Subscriber(email=u.email.lower(), name=u.name, user=u) for u in users]
    seen = {r.email for r in rows}
    domains = sorted({u.tier_domain for u in government if u.tier_domain}) or ["gsa.gov"]

    def add(domain: str, i: int) -> None:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{i}@{domain}".lower()
        if email not in seen:
            seen.add(email)
            rows.append(Subscriber(email=email, name=f"{first} {last}"))

    for i in range(members):
        add(rng.choice(domains), i)
    for i in range(max(members // 3, 20)):
        add(rng.choice(PUBLIC_DOMAINS), i)
    Subscriber.objects.bulk_create(rows, batch_size=2000)
    return list(Subscriber.objects.order_by("id"))


def _archive(rng, now, gov_list, public_list, genai_list, people, government,
             gov_only) -> int:
    domain = settings.COPHUB_LIST_DOMAIN
    counter = iter(range(1, 100_000))
    posts: list[Post] = []

    def post(mailing_list, *, subject, body, when, sender, parent=None, markdown=False):
        name, email, user = sender
        n = next(counter)
        body_text = body if markdown else f"{body}\n\n{rng.choice(SIGNATURES)}\n{name}\n"
        row = Post(
            mailing_list=mailing_list, status=Post.Status.PUBLISHED, source=Post.Source.IMPORT,
            author=user, sender_email=email, sender_name=name, subject=subject,
            body_markdown=body if markdown else "", body_text=body_text,
            body_html=str(render_markdown(body)) if markdown else "",
            message_id=f"demo-{n}.{mailing_list.local_part}@{domain}",
            in_reply_to=parent.message_id if parent else "",
            references=parent.message_id if parent else "",
            created_at=when, published_at=when, fanout_done_at=when,
            recipients_count=mailing_list.subscriptions.count() if parent is None else 0)
        row._parent = parent
        posts.append(row)
        return row

    def member():
        if gov_only and rng.random() < 0.35:
            s = rng.choice(gov_only)
            return s.name, s.email, None
        u = rng.choice(government)
        return u.name, u.email, u

    organizer = people["organizer"]
    orga = (organizer.name, organizer.email, organizer)
    for i, (subject, opening, replies) in enumerate(THREADS):
        start = now - timedelta(days=360 - i * 29, hours=rng.randint(0, 10))
        root = post(gov_list, subject=subject, body=opening, when=start, sender=member())
        when = start
        for reply in replies:
            when += timedelta(hours=rng.randint(2, 40))
            post(gov_list, subject=f"Re: {subject}", body=reply, when=when, sender=member(),
                 parent=root)
    for month, topic in enumerate(MEETING_TOPICS):
        when = now - timedelta(days=350 - month * 30)
        post(public_list, subject=f"Monthly community meeting: {topic}",
             body=f"Join this month's AI CoP community meeting on **{topic.lower()}**. "
                  "Register on the event page; the join link goes to registrants.",
             when=when, sender=orga, markdown=True)
    for i, (subject, body) in enumerate(ANNOUNCEMENTS):
        post(public_list, subject=subject, body=body,
             when=now - timedelta(days=320 - i * 55), sender=orga, markdown=True)
    lead = people["lead"]
    root = post(genai_list, subject="Prompt library v2 — feedback wanted",
                body="The practice area's prompt library has a second version. Please try "
                     "the new evaluation prompts and reply with what breaks.",
                when=now - timedelta(days=40), sender=(lead.name, lead.email, lead))
    post(genai_list, subject="Re: Prompt library v2 — feedback wanted",
         body="The summarisation prompts work well on our memos; the table extraction ones "
              "struggle with merged cells.", when=now - timedelta(days=39),
         sender=(people["member"].name, people["member"].email, people["member"]),
         parent=root)

    Post.objects.bulk_create(posts, batch_size=1000)
    by_message_id = {p.message_id: p for p in Post.objects.filter(
        message_id__in=[p.message_id for p in posts])}
    for row in posts:
        saved = by_message_id[row.message_id]
        parent = by_message_id[row._parent.message_id] if row._parent else None
        saved.parent = parent
        saved.thread = parent or saved
    Post.objects.bulk_update(by_message_id.values(), ["parent", "thread"], batch_size=1000)
    return len(posts)


def _moderation_and_bounces(rng, now, gov_list, gov_only) -> None:
    newcomer = gov_only[0]
    Post.objects.create(
        mailing_list=gov_list, status=Post.Status.HELD, source=Post.Source.EMAIL,
        held_reason="First post from this address: a moderator approves it once.",
        sender_email=newcomer.email, sender_name=newcomer.name,
        subject="Introduction and a question about model cards",
        body_text="Hello all, I just joined from my agency's data office. Does anyone have "
                  "a model card template they use for vendor-provided models?\n\n"
                  f"Thanks,\n{newcomer.name}\n",
        message_id=f"held-1@{newcomer.email.rpartition('@')[2]}", created_at=now)
    bouncing = list(Subscription.objects.filter(
        mailing_list=gov_list, subscriber__in=gov_only[1:4]).select_related("subscriber"))
    for i, subscription in enumerate(bouncing):
        score = 5.0 if i == 0 else 1.0 + i
        subscription.bounce_score = score
        subscription.last_bounce_at = now - timedelta(days=1)
        if score >= settings.COPHUB_BOUNCE_THRESHOLD:
            subscription.state = Subscription.State.DISABLED
            subscription.state_changed_at = now - timedelta(days=1)
        subscription.save(update_fields=["bounce_score", "last_bounce_at", "state",
                                         "state_changed_at"])
        for day in range(int(score)):
            Bounce.objects.create(
                mailing_list=gov_list, subscription=subscription,
                email=subscription.subscriber.email, kind=Bounce.Kind.HARD,
                diagnostic="smtp; 550 5.1.1 The email account that you tried to reach does "
                           "not exist", received_at=now - timedelta(days=day + 1))
    raw = (b"From: MAILER-DAEMON@mail.example.net\r\nTo: ai-bounces@"
           + settings.COPHUB_LIST_DOMAIN.encode()
           + b"\r\nSubject: Undeliverable\r\n\r\nYour message could not be delivered.\r\n")
    inbound = InboundMessage.objects.create(
        mail_from="", rcpt_to=[gov_list.companion("bounces")], peer="127.0.0.1",
        size=len(raw), raw=raw, status=InboundMessage.Status.PROCESSED, processed_at=now,
        result="bounce: no recipient could be read; kept for review")
    Bounce.objects.create(inbound=inbound, mailing_list=gov_list, kind=Bounce.Kind.UNPARSEABLE,
                          diagnostic="No failed recipient found in the message.")


NEWSLETTER = """Welcome to the {month} issue of the AI CoP newsletter.

## Highlights
- {highlight}
- The training series recordings are in the Library for government members.
- Thank you to the {count} new members who joined this month.

## From the community
{story}
"""


def _newsletters(now, ai, gov_list, public_list, organizer) -> int:
    sent = [
        ("September", "Our monthly meeting on responsible AI playbooks drew 600 attendees.",
         "The Tools and Resources working group published a prompt engineering playbook.",
         62),
        ("October", "Registration for the role-based training series is open.",
         "Two agencies shared how they red-teamed public chatbots before launch.", 48),
    ]
    for i, (month, highlight, story, count) in enumerate(sent):
        when = now - timedelta(days=60 - i * 30)
        body = NEWSLETTER.format(month=month, highlight=highlight, story=story, count=count)
        issue = NewsletterIssue.objects.create(
            community=ai, title=f"AI CoP Newsletter — {month}", slug=month.lower(),
            body_markdown=body, access_level=AccessLevel.PUBLIC,
            status=NewsletterIssue.Status.SENT, created_by=organizer, created_at=when,
            updated_at=when, sent_at=when, rendered_html=str(render_markdown(body)),
            rendered_text=body, fanout_done_at=when)
        issue.lists.set([gov_list, public_list])
    draft = NewsletterIssue.objects.create(
        community=ai, title="AI CoP Newsletter — November", slug="november",
        body_markdown="Welcome to the November issue.\n\n## Coming up\n{{ upcoming_events }}"
                      "\n\n## New in the Library\n{{ new_resources }}\n\n"
                      "## On the list\n{{ new_discussions }}\n",
        access_level=AccessLevel.PUBLIC, created_by=organizer)
    draft.lists.set([gov_list, public_list])
    return len(sent) + 1
