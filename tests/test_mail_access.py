"""One access test for every kind of message that carries gated content (issue 17): the
message is queued while its recipient may see what it is about, the recipient leaves
government before it is sent, and nothing gated reaches them — while a colleague who keeps
access receives it, so each case proves the message really goes out. Every gate an app
registers must have a case here (`test_every_gate_has_a_case`).

The apps' own tests go deeper for each kind (notices, cancellations, regained access); this
module is the one place that shows the rule holds across all of them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.utils import timezone

from cophub.accounts.tests.tiers import leaves_government

# The shared fixtures live in src/cophub/conftest.py, which covers only tests under src/.
from cophub.conftest import _empty_cache, community, make_user, organizer  # noqa: F401
from cophub.core.access import AccessLevel
from cophub.core.mail import load_gates, outbox_drain
from cophub.events.models import Event
from cophub.events.services import (
    event_save,
    registration_cancel,
    registration_create,
    reminders_send,
)
from cophub.events.tests.factories import EventFactory
from cophub.forum.models import Preference, Watch
from cophub.forum.services import (
    category_save,
    notifications_fanout,
    preference_set,
    summaries_send,
    topic_start,
    watch_set,
)
from cophub.lists.models import MailingList, Post, Subscriber, Subscription
from cophub.lists.newsletter import sending
from cophub.lists.newsletter.services import newsletter_issue_save, newsletter_issue_send
from cophub.lists.services import post_compose, post_fanout
from cophub.lists.services.digests import digest_fanout, digests_build

pytestmark = pytest.mark.django_db

SECRET = "Pilot results for the federal sandbox"
JOIN = "https://zoom.example/j/secret-gov"
MEMBER, COLLEAGUE = "member@va.gov", "carl@nasa.gov"


@dataclass
class World:
    community: object
    organizer: object
    member: object
    colleague: object
    make_user: Callable


def _gov_event(world, **fields) -> Event:
    return EventFactory(community=world.community, access_level=AccessLevel.GOVERNMENT,
                        title=SECRET, join_url=JOIN, **fields)


def _gov_list(world, delivery=Subscription.Delivery.EACH) -> MailingList:
    ml = MailingList.objects.create(
        community=world.community, local_part="ai", name="AI CoP", subject_prefix="[AI]",
        audience=MailingList.Audience.GOVERNMENT, kind=MailingList.Kind.DISCUSSION,
        archive_access_level=AccessLevel.GOVERNMENT)
    for user in (world.member, world.colleague):
        subscriber = Subscriber.objects.create(email=user.email, user=user)
        Subscription.objects.create(mailing_list=ml, subscriber=subscriber, delivery=delivery,
                                    via=Subscription.Via.WEB)
    return ml


def _gov_category(world):
    category = category_save(actor=world.organizer, community=world.community,
                             name="Internal", slug="internal",
                             access_level=AccessLevel.GOVERNMENT)
    for user in (world.member, world.colleague):
        watch_set(user=user, level=Watch.Level.WATCHING, category=category)
    return category


# --- The kinds of gated message: each queues it (nothing sent yet) ----------------------------

def event_update(world):
    event = _gov_event(world)
    for user in (world.member, world.colleague):
        registration_create(event=event, user=user)
    yield
    event_save(community=world.community, actor=world.organizer, event=event,
               data={"starts_at": event.starts_at + timedelta(hours=1),
                     "ends_at": event.ends_at + timedelta(hours=1)})


def event_promotion(world):
    event = _gov_event(world, capacity=1)
    holder = world.make_user("seated@nasa.gov")
    seat = registration_create(event=event, user=holder)
    registration_create(event=event, user=world.member)     # first on the wait-list
    registration_create(event=event, user=world.colleague)  # next, seated when Mia is not
    yield
    registration_cancel(registration=seat, actor=holder)


def event_reminder(world):
    event = _gov_event(world)
    for user in (world.member, world.colleague):
        registration_create(event=event, user=user)
    yield
    assert reminders_send(now=event.starts_at - timedelta(hours=12)) == 2


def list_post(world):
    ml = _gov_list(world)
    yield
    post = post_compose(mailing_list=ml, author=world.organizer, subject=SECRET,
                        body_markdown="The numbers are in.")
    post_fanout(post_id=post.pk)


def list_digest(world):
    ml = _gov_list(world, delivery=Subscription.Delivery.DAILY)
    noon = datetime(2026, 5, 13, 12, 0, tzinfo=timezone.get_current_timezone())
    post = post_compose(mailing_list=ml, author=world.organizer, subject=SECRET,
                        body_markdown="The numbers are in.")
    Post.objects.filter(pk=post.pk).update(published_at=noon - timedelta(hours=15))
    yield
    daily = next(d for d in digests_build(now=noon) if d.period == "daily")
    digest_fanout(digest_id=daily.pk)


def newsletter(world):
    ml = _gov_list(world)
    starts = timezone.now() + timedelta(days=7)
    Event.objects.create(community=world.community, kind=Event.Kind.WEBINAR, title=SECRET,
                         starts_at=starts, ends_at=starts + timedelta(hours=1),
                         access_level=AccessLevel.GOVERNMENT, status=Event.Status.PUBLISHED)
    issue = newsletter_issue_save(community=world.community, actor=world.organizer, data={
        "title": "March issue", "body_markdown": "{{ upcoming_events }}", "lists": [ml],
        "access_level": AccessLevel.PUBLIC})
    yield
    newsletter_issue_send(issue=issue, actor=world.organizer)
    sending.newsletter_issue_fanout(issue_id=issue.pk)


def forum_notification(world):
    category = _gov_category(world)
    yield
    post = topic_start(category=category, author=world.organizer, title=SECRET,
                       body_markdown="The numbers are in.")
    notifications_fanout(post_id=post.pk)


def forum_summary(world):
    category = _gov_category(world)
    for user in (world.member, world.colleague):
        preference_set(user=user, email=Preference.Email.DAILY)
    post = topic_start(category=category, author=world.organizer, title=SECRET,
                       body_markdown="The numbers are in.")
    notifications_fanout(post_id=post.pk)
    yield
    assert summaries_send() == 2


KINDS = {  # the kind → (the gate its copies carry, how it is queued)
    "event update": ("events.registration", event_update),
    "wait-list promotion": ("events.registration", event_promotion),
    "event reminder": ("events.registration", event_reminder),
    "list post": ("lists.subscription", list_post),
    "list digest": ("lists.subscription", list_digest),
    "newsletter": ("lists.subscription", newsletter),
    "forum notification": ("forum.notification", forum_notification),
    "forum daily summary": ("forum.summary", forum_summary),
}


def _text(message) -> str:
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    return str(parsed["Subject"]) + "".join(
        part.get_content() for part in parsed.walk()
        if part.get_content_maintype() == "text" or part.get_content_type() == "text/calendar")


def _gated(messages) -> list:
    return [m for m in messages if SECRET in _text(m) or JOIN in _text(m)]


@pytest.mark.parametrize("kind", list(KINDS))
def test_nothing_gated_reaches_someone_who_lost_access_before_the_send(
        kind, community, organizer, make_user,  # noqa: F811 — the imported fixtures
        django_capture_on_commit_callbacks):
    world = World(community=community, organizer=organizer,
                  member=make_user(MEMBER, name="Mia Member"),
                  colleague=make_user(COLLEAGUE, name="Carl Colleague"), make_user=make_user)
    _, queue = KINDS[kind]
    steps = queue(world)
    next(steps)  # both may see it
    with django_capture_on_commit_callbacks(execute=False) as later:
        next(steps, None)  # queued, not sent: the tasks wait for the commit
    leaves_government(world.member)  # → mia@example.com, a public participant

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in later:  # the worker runs now, after the change
            callback()
        outbox_drain(max_seconds=60)

    to_mia = [m for m in mail.outbox if set(m.to) & {MEMBER, "mia@example.com"}]
    assert _gated(to_mia) == []
    assert _gated([m for m in mail.outbox if m.to == [COLLEAGUE]]), "the colleague gets it"


def test_every_gate_has_a_case():
    """A new kind of gated message brings its case here."""
    assert {gate for gate, _ in KINDS.values()} == set(load_gates())
