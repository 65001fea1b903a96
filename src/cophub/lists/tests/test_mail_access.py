"""List mail decides access when it is sent, not when it was composed (issue 17, finding 3).

A digest, a newsletter issue or a post is composed from what every subscriber of the list
could see at the time, and queued. If a subscriber stops qualifying for the list before the
worker sends the copy (they removed their .gov address, an operator denied their domain,
they left the group), the copy is withheld and the subscription cancelled with a notice that
carries nothing gated. Someone who qualifies again by the send gets it; others never notice.
"""

from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.utils import timezone

from cophub.accounts.domains import addresses_government, domain_verdict
from cophub.accounts.models import DomainRule
from cophub.accounts.tests.tiers import leaves_government, rejoins_government
from cophub.communities.services import group_join, group_leave
from cophub.core.access import AccessLevel
from cophub.core.mail import GateItem, outbox_drain
from cophub.core.models import OutgoingMail
from cophub.events.models import Event
from cophub.lists.gates import subscription_gate
from cophub.lists.models import MailingList, Post, Subscription
from cophub.lists.newsletter import sending
from cophub.lists.newsletter.services import newsletter_issue_send
from cophub.lists.services import post_compose, post_fanout
from cophub.lists.services.access import SUBSCRIPTION_GATE, subscription_access_revoke
from cophub.lists.services.digests import digest_fanout, digests_build

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
NOON = datetime(2026, 5, 13, 12, 0, tzinfo=TZ)
SECRET = "Pilot results for the federal sandbox"
NOTICE = "lists/email/subscription_access_lost"


def drain() -> None:
    mail.outbox.clear()
    outbox_drain(max_seconds=60)


def received(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def text_of(message) -> str:
    """Every text part of the message as sent, decoded (digests are MIME of messages)."""
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    return parsed["Subject"] + "".join(
        part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text")


def carries_secret(messages) -> bool:
    return any(SECRET in text_of(m) for m in messages)


@pytest.fixture
def member_and_colleague(gov_list, gov_member, make_user, make_subscription):
    """Mia (member@va.gov, an account) and Carl (carl@nasa.gov, an account), both on ai@
    with a daily digest."""
    colleague = make_user("carl@nasa.gov", name="Carl Colleague")
    mine = make_subscription(gov_list, "member@va.gov", user=gov_member, delivery="daily")
    theirs = make_subscription(gov_list, "carl@nasa.gov", user=colleague, delivery="daily")
    return mine, theirs


def queue_digest(mailing_list, author) -> int:
    """A post from yesterday, the daily digest built and fanned out; nothing sent yet."""
    post = post_compose(mailing_list=mailing_list, author=author, subject=SECRET,
                        body_markdown="The numbers are in.")
    Post.objects.filter(pk=post.pk).update(published_at=NOON - timedelta(hours=15))
    daily = next(d for d in digests_build(now=NOON) if d.period == "daily")
    return digest_fanout(digest_id=daily.pk)


# --- Digests ---------------------------------------------------------------------------------

def test_digest_is_withheld_from_a_member_who_left_government_before_the_send(
        gov_list, organizer, gov_member, member_and_colleague):
    mine, theirs = member_and_colleague
    assert queue_digest(gov_list, organizer) == 2
    leaves_government(gov_member)

    drain()

    assert not carries_secret(received("member@va.gov"))
    assert carries_secret(received("carl@nasa.gov"))  # never lost access: unchanged
    withheld = OutgoingMail.objects.get(to="member@va.gov", gate=SUBSCRIPTION_GATE)
    assert withheld.status == OutgoingMail.Status.WITHHELD
    assert withheld.sent_at is None
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == Subscription.State.UNSUBSCRIBED
    assert theirs.state == Subscription.State.ACTIVE
    notice = OutgoingMail.objects.get(template=NOTICE)
    assert notice.to == "member@va.gov"
    assert notice.gate == ""
    assert SECRET not in notice.subject + notice.body_text
    assert "ai@" in notice.subject  # a government list's address is public


def test_digest_goes_to_a_member_who_regained_government_status_before_the_send(
        gov_list, organizer, gov_member, member_and_colleague):
    mine, _ = member_and_colleague
    queue_digest(gov_list, organizer)
    leaves_government(gov_member)
    rejoins_government(gov_member)

    drain()

    assert carries_secret(received("member@va.gov"))
    mine.refresh_from_db()
    assert mine.state == Subscription.State.ACTIVE
    assert not OutgoingMail.objects.filter(template=NOTICE).exists()


def test_digest_is_withheld_from_an_address_the_operator_denied(gov_list, organizer,
                                                                 make_subscription):
    # Most listserv members have no account: the address alone qualified them.
    subscription = make_subscription(gov_list, "jo@contractor.gov", delivery="daily")
    queue_digest(gov_list, organizer)
    DomainRule.objects.create(domain="contractor.gov", kind=DomainRule.Kind.DENY)

    drain()

    assert not carries_secret(received("jo@contractor.gov"))
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_group_list_digest_is_withheld_from_someone_who_left_the_group(
        group_list, group, lead, make_user, make_subscription):
    member = make_user("sam@example.com", name="Sam Member")
    group_join(group=group, user=member)
    subscription = make_subscription(group_list, "sam@example.com", user=member,
                                     delivery="daily")
    queue_digest(group_list, lead)
    group_leave(group=group, user=member)

    drain()

    assert not carries_secret(received("sam@example.com"))
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED
    notice = OutgoingMail.objects.get(template=NOTICE)
    # A group's list may be hidden from someone outside the group: not even its name.
    assert group_list.address not in notice.subject + notice.body_text
    assert group_list.name not in notice.subject + notice.body_text


# --- Posts -----------------------------------------------------------------------------------

def test_government_list_post_is_withheld_from_a_member_who_left_government(
        gov_list, organizer, gov_member, make_subscription):
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    post = post_compose(mailing_list=gov_list, author=organizer, subject=SECRET,
                        body_markdown="The numbers are in.")
    post_fanout(post_id=post.pk)
    leaves_government(gov_member)

    drain()

    assert not carries_secret(received("member@va.gov"))
    assert OutgoingMail.objects.get(to="member@va.gov",
                                    gate=SUBSCRIPTION_GATE).status == "withheld"


def test_mail_of_a_list_anyone_may_join_is_not_gated(public_list, organizer,
                                                     make_subscription):
    make_subscription(public_list, "pat@example.com")
    post = post_compose(mailing_list=public_list, author=organizer, subject="Open news",
                        body_markdown="Hello.")
    post_fanout(post_id=post.pk)

    assert OutgoingMail.objects.get(to="pat@example.com").gate == ""


# --- Newsletters -----------------------------------------------------------------------------

@pytest.fixture
def gov_briefing(community):
    starts = timezone.now() + timedelta(days=7)
    return Event.objects.create(community=community, kind=Event.Kind.WEBINAR, title=SECRET,
                                starts_at=starts, ends_at=starts + timedelta(hours=1),
                                access_level=AccessLevel.GOVERNMENT,
                                status=Event.Status.PUBLISHED)


def queue_issue(issue, organizer) -> None:
    """Start sending and write the outbox rows; the drain has not run."""
    newsletter_issue_send(issue=issue, actor=organizer)
    sending.newsletter_issue_fanout(issue_id=issue.pk)


def test_newsletter_with_government_items_is_withheld_from_a_member_who_left_government(
        gov_list, organizer, gov_member, gov_briefing, member_and_colleague, make_issue):
    mine, _ = member_and_colleague
    issue = make_issue([gov_list], body="{{ upcoming_events }}")
    queue_issue(issue, organizer)
    leaves_government(gov_member)

    drain()

    assert not carries_secret(received("member@va.gov"))
    assert carries_secret(received("carl@nasa.gov"))
    mine.refresh_from_db()
    assert mine.state == Subscription.State.UNSUBSCRIBED


def test_newsletter_goes_to_a_member_who_regained_government_status(
        gov_list, organizer, gov_member, gov_briefing, member_and_colleague, make_issue):
    issue = make_issue([gov_list], body="{{ upcoming_events }}")
    queue_issue(issue, organizer)
    leaves_government(gov_member)
    rejoins_government(gov_member)

    drain()

    assert carries_secret(received("member@va.gov"))
    assert carries_secret(received("carl@nasa.gov"))


def test_newsletter_to_a_list_anyone_may_join_carries_nothing_gated_and_is_not_gated(
        gov_list, public_list, organizer, gov_member, make_subscription, make_issue):
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    issue = make_issue([gov_list, public_list], body="{{ upcoming_events }}")
    queue_issue(issue, organizer)

    assert OutgoingMail.objects.get(to="member@va.gov").gate == ""


# --- The gate --------------------------------------------------------------------------------

def test_the_gate_asks_a_fixed_number_of_queries_per_batch(
        gov_list, group_list, public_list, group, make_user, make_subscription,
        django_assert_num_queries):
    def subscribe(n: int) -> list[GateItem]:
        items = []
        for i in range(n):
            person = make_user(f"p{n}-{i}@va.gov")
            group_join(group=group, user=person)
            for ml in (gov_list, group_list, public_list):
                s = make_subscription(ml, person.email, user=person)
                items.append(GateItem(s.pk, person.email))
            unlinked = make_subscription(gov_list, f"u{n}-{i}@nasa.gov")
            items.append(GateItem(unlinked.pk, f"u{n}-{i}@nasa.gov"))
        return items

    small, large = subscribe(1), subscribe(8)
    # Subscriptions, the operator's domain rules, the holders' memberships and roles (one).
    with django_assert_num_queries(3):
        assert subscription_gate(small) == set(small)
    with django_assert_num_queries(3):
        assert subscription_gate(large) == set(large)


def test_the_refusal_cancels_once_and_spares_those_who_qualify_again(
        gov_list, gov_member, make_subscription):
    subscription = make_subscription(gov_list, "member@va.gov", user=gov_member)
    assert subscription_access_revoke(subscription_id=subscription.pk) is None  # qualifies

    leaves_government(gov_member)
    assert subscription_access_revoke(subscription_id=subscription.pk) is not None
    assert subscription_access_revoke(subscription_id=subscription.pk) is None
    assert OutgoingMail.objects.filter(template=NOTICE).count() == 1


def test_batch_government_check_agrees_with_the_domain_verdict():
    DomainRule.objects.create(domain="denied.gov", kind=DomainRule.Kind.DENY)
    DomainRule.objects.create(domain="partner.org", kind=DomainRule.Kind.ALLOW)
    DomainRule.objects.create(domain="bad.partner.org", kind=DomainRule.Kind.DENY)
    addresses = ["a@va.gov", "b@army.mil", "c@example.com", "d@denied.gov",
                 "e@sub.denied.gov", "f@partner.org", "g@x.partner.org", "h@bad.partner.org",
                 "i@x.bad.partner.org", "not-an-address", "j@xn--nh-e1b.gov", "k@10.0.0.1"]
    assert addresses_government(addresses) == {
        a for a in addresses if domain_verdict(a).is_government}


def test_a_list_audience_this_code_does_not_know_receives_nothing(gov_list, gov_member,
                                                                   make_subscription):
    subscription = make_subscription(gov_list, "member@va.gov", user=gov_member)
    MailingList.objects.filter(pk=gov_list.pk).update(audience="martians")
    assert subscription_gate([GateItem(subscription.pk, "member@va.gov")]) == set()
