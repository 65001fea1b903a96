"""A verified hard bounce to the address that gives a person the government tier lapses it
(issue 17, "Government status that follows people"): the tier is recomputed without it and the
person is told at their other verified addresses. Soft and unverified bounces do nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from cophub.accounts.models import QualifyingAddressLapse, Tier
from cophub.accounts.tests.tiers import with_personal_address
from cophub.core.models import AuditEvent

from .inbound_helpers import receive
from .test_bounces import bounce_to, dsn


@pytest.fixture
def jane(make_user):
    """A government member through jane@va.gov, with a verified personal address too."""
    return with_personal_address(make_user("jane@va.gov"), address="jane@example.com")


def test_signed_hard_bounce_lapses_the_government_tier_and_tells_the_person(
        gov_list, make_subscription, jane, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov", user=jane)
    mail.outbox.clear()

    inbound = bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"),
                        recipient="jane@va.gov")

    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.PUBLIC, "")
    lapse = QualifyingAddressLapse.objects.get()
    assert lapse.email_address.email == "jane@va.gov"
    assert lapse.reason == QualifyingAddressLapse.Reason.HARD_BOUNCE
    assert AuditEvent.objects.filter(verb="accounts.address.lapsed",
                                     object_id=str(jane.pk)).count() == 1
    assert "lapsed" in inbound.result
    notices = [m for m in mail.outbox if "government" in m.subject.lower()]
    assert [m.to for m in notices] == [["jane@example.com"]]
    assert "jane@va.gov" in notices[0].body
    assert "/accounts/email/" in notices[0].body
    assert not [m for m in mail.outbox if "jane@va.gov" in m.to]


def test_repeated_hard_bounces_lapse_once_and_notify_once(
        gov_list, make_subscription, jane, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov", user=jane)
    mail.outbox.clear()

    for _ in range(2):
        bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"),
                  recipient="jane@va.gov")

    assert QualifyingAddressLapse.objects.count() == 1
    assert AuditEvent.objects.filter(verb="accounts.address.lapsed").count() == 1
    assert len([m for m in mail.outbox if m.to == ["jane@example.com"]]) == 1


def test_soft_bounce_keeps_the_tier(gov_list, make_subscription, jane,
                                    django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov", user=jane)

    bounce_to(django_capture_on_commit_callbacks,
              dsn("jane@va.gov", action="delayed", status="4.4.1",
                  diagnostic="smtp; 451 try later"),
              recipient="jane@va.gov")

    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT
    assert not QualifyingAddressLapse.objects.exists()


@pytest.mark.parametrize("to", [
    "ai-bounces@lists.localhost",  # the plain address: anyone can name anyone there
    "ai-bounces+jane=va.gov@lists.localhost",  # unsigned VERP
    "ai-bounces+aaaaaaaaaa-jane=va.gov@lists.localhost",  # made-up token
])
def test_unverified_hard_bounce_keeps_the_tier(to, gov_list, make_subscription, jane,
                                               django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov", user=jane)
    mail.outbox.clear()

    receive(django_capture_on_commit_callbacks, dsn("jane@va.gov"), to=to, mail_from="")

    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT
    assert not QualifyingAddressLapse.objects.exists()
    assert not AuditEvent.objects.filter(verb="accounts.address.lapsed").exists()
    assert not [m for m in mail.outbox if m.to == ["jane@example.com"]]


def test_second_qualifying_address_keeps_the_tier(gov_list, make_subscription, jane,
                                                 django_capture_on_commit_callbacks):
    EmailAddress.objects.create(user=jane, email="jane@gsa.gov", verified=True)
    make_subscription(gov_list, "jane@va.gov", user=jane)

    bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"),
              recipient="jane@va.gov")

    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.GOVERNMENT, "gsa.gov")
    assert QualifyingAddressLapse.objects.get().email_address.email == "jane@va.gov"


def test_hard_bounce_to_a_public_address_lapses_nothing(gov_list, make_subscription, jane,
                                                       django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@example.com", user=jane)

    bounce_to(django_capture_on_commit_callbacks, dsn("jane@example.com"),
              recipient="jane@example.com")

    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT
    assert not QualifyingAddressLapse.objects.exists()
