"""Bounces of notices (issue 17, "Government status that follows people"): every message the
site sends in its own name — an event reminder, a forum notification, account mail — goes
out from a signed `bounces+<token>-jane=va.gov@` the list domain, so its bounce comes back to
cophub and names the recipient. A verified hard bounce lapses a qualifying address as a list
copy's does; a forged return path is refused at RCPT and a report about someone else scores
nothing. A lapsed address then stops qualifying for government lists: its copies are
withheld, its subscription cancelled, and it cannot subscribe again, while the same
person's other government address keeps receiving."""

import smtplib
import socket
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail

from cophub.accounts.models import QualifyingAddressLapse, Tier
from cophub.accounts.tests.tiers import with_personal_address
from cophub.core.access import AccessLevel
from cophub.core.mail import GateItem, mail_enqueue, outbox_drain
from cophub.core.models import AuditEvent, OutgoingMail
from cophub.events.services import registration_create
from cophub.events.services.reminders import reminders_send
from cophub.events.tests.factories import EventFactory
from cophub.forum.models import Watch
from cophub.forum.services import category_save, topic_start, watch_set
from cophub.lists.addresses import address_parse, notice_return_path, verp_address
from cophub.lists.exceptions import NotEligible
from cophub.lists.gates import subscription_gate
from cophub.lists.inbound.mailserver import MailServer, recipient_known
from cophub.lists.models import Bounce, InboundMessage, Subscription
from cophub.lists.services import (
    list_accepts_address,
    post_compose,
    post_fanout,
    subscription_request,
)
from cophub.lists.services.access import SUBSCRIPTION_GATE

from .inbound_helpers import receive
from .test_bounces import dsn

pytestmark = pytest.mark.django_db

NOTICE = "lists/email/subscription_access_lost"


@pytest.fixture
def jane(make_user):
    """A government member through jane@va.gov, with a verified personal address too."""
    return with_personal_address(make_user("jane@va.gov", name="Jane Doe"),
                                 address="jane@example.com")


def notice_to(address: str, capture) -> object:
    """A plain notice in the site's name, as events and accounts send them, delivered."""
    with capture(execute=True):
        mail_enqueue(to=address, subject="Your registration", body_text="See you there.")
    return next(m for m in mail.outbox if m.to == [address])


def bounce_back(capture, sent, raw: bytes):
    """The recipient's mail server returns `raw` to the message's return path."""
    return receive(capture, raw, to=sent.from_email, mail_from="")


def lapsed(email: str) -> bool:
    return QualifyingAddressLapse.objects.filter(email_address__email=email).exists()


# --- The return path ---------------------------------------------------------------------------

def test_every_notice_carries_a_signed_return_path_naming_its_recipient(
        jane, django_capture_on_commit_callbacks):
    sent = notice_to("jane@va.gov", django_capture_on_commit_callbacks)

    assert sent.from_email == notice_return_path(to="jane@va.gov",
                                                 from_email=settings.DEFAULT_FROM_EMAIL)
    local, _, domain = sent.from_email.rpartition("@")
    assert domain == "lists.localhost"
    assert local.startswith("bounces+") and local.endswith("-jane=va.gov")
    assert len(local) <= 64
    parsed = address_parse(sent.from_email)
    assert parsed.is_notice_bounce and parsed.verp_email == "jane@va.gov"
    assert sent.message()["From"] == settings.DEFAULT_FROM_EMAIL  # the header is unchanged
    assert OutgoingMail.objects.get(to="jane@va.gov").envelope_from == ""  # chosen at build


def test_notice_and_list_tokens_are_not_interchangeable():
    list_path = verp_address(local_part="ai", recipient="jane@va.gov")
    notice_path = notice_return_path(to="jane@va.gov", from_email=settings.DEFAULT_FROM_EMAIL)
    list_token = list_path.partition("+")[2].partition("-")[0]
    notice_token = notice_path.partition("+")[2].partition("-")[0]

    assert not address_parse(f"bounces+{list_token}-jane=va.gov@lists.localhost").verp_verified
    assert not address_parse(f"ai-bounces+{notice_token}-jane=va.gov@lists.localhost"
                             ).verp_verified


def test_list_copies_keep_their_own_return_path(gov_list, organizer, make_subscription,
                                                django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        post = post_compose(mailing_list=gov_list, author=organizer, subject="Agenda",
                            body_markdown="Hello.")
        post_fanout(post_id=post.pk)

    [copy] = [m for m in mail.outbox if m.to == ["jane@va.gov"]]
    assert copy.from_email == verp_address(local_part="ai", recipient="jane@va.gov")


def test_mail_from_a_list_address_keeps_its_sender(gov_list,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_request(mailing_list=gov_list, email="sam@va.gov", via="email")

    [confirmation] = mail.outbox
    assert confirmation.from_email == "ai-request@lists.localhost"


def test_an_address_too_long_for_a_local_part_keeps_the_from_address(
        django_capture_on_commit_callbacks):
    address = "alexandra.konstantinopoulou@contractors.cms.hhs.gov"
    assert notice_return_path(to=address, from_email=settings.DEFAULT_FROM_EMAIL) == ""

    sent = notice_to(address, django_capture_on_commit_callbacks)

    assert sent.from_email == settings.DEFAULT_FROM_EMAIL


# --- Bounces of notices --------------------------------------------------------------------------

def test_bounce_of_an_event_reminder_lapses_the_address_and_recomputes_the_tier(
        community, jane, django_capture_on_commit_callbacks):
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    event = EventFactory(community=community, starts_at=start, ends_at=start + timedelta(hours=1),
                         join_url="https://zoom.example/j/1")
    registration_create(event=event, user=jane)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=start - timedelta(hours=20)) == 1
    [reminder] = [m for m in mail.outbox if m.subject.startswith("Reminder:")]
    mail.outbox.clear()

    inbound = bounce_back(django_capture_on_commit_callbacks, reminder, dsn("jane@va.gov"))

    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.email, bounce.mailing_list, bounce.subscription) == (
        Bounce.Kind.HARD, "jane@va.gov", None, None)
    assert "550 5.1.1 User unknown" in bounce.diagnostic
    assert inbound.result.endswith("bounce: hard for jane@va.gov; government address lapsed")
    assert lapsed("jane@va.gov")
    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.PUBLIC, "")
    assert AuditEvent.objects.filter(verb="accounts.address.lapsed",
                                     object_id=str(jane.pk)).count() == 1
    told = [m for m in mail.outbox if "government" in m.subject.lower()]
    assert [m.to for m in told] == [["jane@example.com"]]  # never the address that bounced


def test_bounce_of_a_forum_notification_lapses_the_address(
        community, organizer, gov_member, jane, django_capture_on_commit_callbacks):
    general = category_save(actor=organizer, community=community, name="General",
                            slug="general", access_level=AccessLevel.SIGNED_IN)
    watch_set(user=jane, level=Watch.Level.WATCHING, category=general)
    with django_capture_on_commit_callbacks(execute=True):
        topic_start(category=general, author=gov_member, title="Kick-off",
                    body_markdown="Hello")
    [notification] = [m for m in mail.outbox if "Kick-off" in m.subject]
    assert notification.to == ["jane@va.gov"]
    assert address_parse(notification.from_email).verp_email == "jane@va.gov"

    bounce_back(django_capture_on_commit_callbacks, notification, dsn("jane@va.gov"))

    assert lapsed("jane@va.gov")
    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC


def test_soft_bounce_of_a_notice_is_recorded_and_keeps_the_tier(
        jane, django_capture_on_commit_callbacks):
    sent = notice_to("jane@va.gov", django_capture_on_commit_callbacks)

    bounce_back(django_capture_on_commit_callbacks, sent,
                dsn("jane@va.gov", action="delayed", status="4.4.1",
                    diagnostic="smtp; 451 try later"))

    assert Bounce.objects.get().kind == Bounce.Kind.SOFT
    assert not QualifyingAddressLapse.objects.exists()
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT


def test_report_naming_someone_else_scores_nothing(jane, make_user,
                                                   django_capture_on_commit_callbacks):
    john = make_user("john@va.gov")
    sent = notice_to("jane@va.gov", django_capture_on_commit_callbacks)

    inbound = bounce_back(django_capture_on_commit_callbacks, sent, dsn("john@va.gov"))

    assert "nothing scored" in inbound.result
    assert not QualifyingAddressLapse.objects.exists()
    assert not Bounce.objects.filter(kind__in=[Bounce.Kind.HARD, Bounce.Kind.SOFT]).exists()
    assert Bounce.objects.get().kind == Bounce.Kind.UNVERIFIED
    for person in (jane, john):
        person.refresh_from_db()
        assert person.tier == Tier.GOVERNMENT


@pytest.mark.parametrize("to", [
    "bounces+jane=va.gov@lists.localhost",  # unsigned
    "bounces+aaaaaaaaaa-jane=va.gov@lists.localhost",  # made-up token
    "bounces@lists.localhost",  # the bare name: no list, nobody named
])
def test_forged_return_path_scores_nothing_even_if_stored(to, jane,
                                                          django_capture_on_commit_callbacks):
    # The mail server refuses these at RCPT (below); stored some other way, they still
    # score nothing.
    receive(django_capture_on_commit_callbacks, dsn("jane@va.gov"), to=to, mail_from="")

    assert not QualifyingAddressLapse.objects.exists()
    assert not Bounce.objects.filter(kind__in=[Bounce.Kind.HARD, Bounce.Kind.SOFT]).exists()
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT


def test_token_for_one_recipient_does_not_verify_for_another():
    signed = notice_return_path(to="jane@va.gov", from_email=settings.DEFAULT_FROM_EMAIL)
    moved = signed.replace("-jane=va.gov@", "-john=va.gov@")

    assert address_parse(signed).verp_verified
    assert not address_parse(moved).verp_verified


def test_mail_server_takes_only_signed_return_paths_at_rcpt():
    signed = notice_return_path(to="jane@va.gov", from_email=settings.DEFAULT_FROM_EMAIL)

    assert recipient_known(signed)
    assert recipient_known(signed.upper())  # local parts arrive in any case
    for forged in (signed.replace("-jane=", "-john="),
                   "bounces+jane=va.gov@lists.localhost",
                   "bounces+aaaaaaaaaa-jane=va.gov@lists.localhost",
                   "bounces@lists.localhost",
                   signed.replace("lists.localhost", "example.com")):
        assert not recipient_known(forged), forged


@pytest.mark.django_db(transaction=True)
def test_the_running_mail_server_refuses_a_forged_return_path_with_550():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = MailServer(host="127.0.0.1", port=port)
    server.start()
    try:
        signed = notice_return_path(to="jane@va.gov", from_email=settings.DEFAULT_FROM_EMAIL)
        forged = "bounces+aaaaaaaaaa-jane=va.gov@lists.localhost"
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.ehlo()
            assert client.mail("")[0] == 250
            assert client.rcpt(forged)[0] == 550
            assert client.rcpt(signed)[0] == 250
            assert client.data(dsn("jane@va.gov"))[0] == 250
    finally:
        server.stop_gracefully(timeout=5)
    assert InboundMessage.objects.get().rcpt_to == [signed]


# --- Government lists and a lapsed address -------------------------------------------------------

@pytest.fixture
def jane_twice(jane, gov_list, make_subscription):
    """Jane keeps the tier through a second government address; both are on ai@."""
    EmailAddress.objects.create(user=jane, email="jane@gsa.gov", verified=True)
    old = make_subscription(gov_list, "jane@va.gov", user=jane)
    new = make_subscription(gov_list, "jane@gsa.gov", user=jane)
    return old, new


def lapse_by_bounce(capture, address: str) -> None:
    sent = notice_to(address, capture)
    bounce_back(capture, sent, dsn(address))
    assert lapsed(address)


def test_government_copies_to_a_lapsed_address_are_withheld_and_the_other_address_receives(
        gov_list, organizer, jane, jane_twice, django_capture_on_commit_callbacks):
    old, new = jane_twice
    lapse_by_bounce(django_capture_on_commit_callbacks, "jane@va.gov")
    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.GOVERNMENT, "gsa.gov")
    post = post_compose(mailing_list=gov_list, author=organizer, subject="Pilot results",
                        body_markdown="The numbers are in.")
    post_fanout(post_id=post.pk)
    mail.outbox.clear()

    outbox_drain(max_seconds=60)

    assert [m.to for m in mail.outbox if "Pilot results" in m.subject] == [["jane@gsa.gov"]]
    withheld = OutgoingMail.objects.get(to="jane@va.gov", gate=SUBSCRIPTION_GATE)
    assert withheld.status == OutgoingMail.Status.WITHHELD
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.state == Subscription.State.UNSUBSCRIBED
    assert new.state == Subscription.State.ACTIVE
    notice = OutgoingMail.objects.get(template=NOTICE)
    assert notice.to == "jane@va.gov"
    assert "Pilot results" not in notice.subject + notice.body_text


def test_the_gate_refuses_a_lapsed_address_in_the_same_three_queries(
        jane, jane_twice, django_capture_on_commit_callbacks, django_assert_num_queries):
    old, new = jane_twice
    lapse_by_bounce(django_capture_on_commit_callbacks, "jane@va.gov")
    items = [GateItem(old.pk, "jane@va.gov"), GateItem(new.pk, "jane@gsa.gov")]

    with django_assert_num_queries(3):
        assert subscription_gate(items) == {items[1]}


def test_a_lapsed_address_cannot_subscribe_to_a_government_list(
        gov_list, public_list, jane, django_capture_on_commit_callbacks):
    lapse_by_bounce(django_capture_on_commit_callbacks, "jane@va.gov")

    ok, reason = list_accepts_address(mailing_list=gov_list, email="Jane@VA.gov")
    assert not ok
    assert "jane@va.gov no longer counts as a government address" in reason.lower()
    with pytest.raises(NotEligible, match="no longer counts as a government address"):
        subscription_request(mailing_list=gov_list, email="jane@va.gov", user=jane, via="web")
    assert list_accepts_address(mailing_list=public_list, email="jane@va.gov") == (True, "")
    assert list_accepts_address(mailing_list=gov_list, email="john@va.gov") == (True, "")
