"""A qualifying address that hard-bounces lapses: it stops counting for the tier until the
address is confirmed again (today: removed and added again, then confirmed) (issue 17,
"Government status that follows people")."""

import pytest
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.core import mail

from cophub.accounts.models import QualifyingAddressLapse, Tier
from cophub.accounts.services import address_lapse, user_tier_refresh
from cophub.accounts.tests.tiers import with_personal_address
from cophub.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(make_user):
    """A government member through jane@va.gov, with a verified personal address too."""
    return with_personal_address(make_user("jane@va.gov"), address="jane@example.com")


def lapse(capture, email="jane@va.gov"):
    with capture(execute=True):
        return address_lapse(email=email, reason=QualifyingAddressLapse.Reason.HARD_BOUNCE,
                             detail="smtp; 550 5.1.1 User unknown")


def test_lapse_drops_the_tier_writes_audit_and_notifies_the_other_address(
        jane, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    assert lapse(django_capture_on_commit_callbacks) == 1

    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC
    event = AuditEvent.objects.get(verb="accounts.address.lapsed")
    assert event.data["reason"] == "hard_bounce"
    assert event.data["tier"] == Tier.PUBLIC
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]
    body = mail.outbox[0].body
    assert "jane@va.gov" in body and "new work address" in body
    assert "&#x27;" not in body and "&amp;" not in body


def test_lapse_without_another_verified_address_tells_nobody(
        make_user, django_capture_on_commit_callbacks):
    user = make_user("sam@army.mil")
    EmailAddress.objects.create(user=user, email="sam@example.com", verified=False)
    mail.outbox.clear()

    assert lapse(django_capture_on_commit_callbacks, "sam@army.mil") == 1

    user.refresh_from_db()
    assert user.tier == Tier.PUBLIC
    assert mail.outbox == []


def test_lapse_ignores_unknown_unverified_and_non_qualifying_addresses(
        make_user, jane, django_capture_on_commit_callbacks):
    make_user("pat@gsa.gov", verified=False)

    for email in ("nobody@va.gov", "pat@gsa.gov", "jane@example.com"):
        assert lapse(django_capture_on_commit_callbacks, email) == 0

    assert not QualifyingAddressLapse.objects.exists()
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT


def test_lapse_matches_the_address_without_case(jane, django_capture_on_commit_callbacks):
    assert lapse(django_capture_on_commit_callbacks, "Jane@VA.gov") == 1


def test_confirming_the_address_again_lifts_the_lapse(
        rf, jane, django_capture_on_commit_callbacks):
    lapse(django_capture_on_commit_callbacks)
    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC
    address = EmailAddress.objects.get(email="jane@va.gov")

    # What allauth's verify_email sends once a confirmation link is followed. (Its HMAC
    # links refuse an address that is already verified, so the product has no link for a
    # lapsed address yet; the receiver is the path any such flow ends in.)
    request = rf.post("/accounts/confirm-email/key/")
    request.user = jane
    account_signals.email_confirmed.send(sender=EmailAddress, request=request,
                                         email_address=address)

    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.GOVERNMENT, "va.gov")
    assert not QualifyingAddressLapse.objects.exists()
    assert AuditEvent.objects.filter(verb="accounts.address.lapse_lifted").count() == 1


def test_a_lapsed_address_never_counts_for_the_tier(jane, django_capture_on_commit_callbacks):
    lapse(django_capture_on_commit_callbacks)

    # A later refresh (a domain rule saved, another address removed) must not restore it.
    user_tier_refresh(user=jane)

    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC


def test_removing_and_adding_the_address_again_restores_the_tier(
        jane, django_capture_on_commit_callbacks):
    """The way back the notice gives: remove the address, add it again, confirm it."""
    lapse(django_capture_on_commit_callbacks)
    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC
    EmailAddress.objects.filter(user=jane, email="jane@va.gov").delete()
    assert not QualifyingAddressLapse.objects.exists()  # the lapse went with the address
    again = EmailAddress.objects.create(user=jane, email="jane@va.gov", verified=True)
    account_signals.email_confirmed.send(sender=EmailAddress, request=None,
                                         email_address=again)
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT
