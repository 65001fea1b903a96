"""Government status that follows people, in the browser (issue 17): mail to a member's
agency address bounced for good, so it lapsed; the organizers see the count (no names), the
member is told on signing in, asks for a confirmation link from their e-mail page, follows
it from the mail, confirms, and is a government member again. Keyboard and axe included."""

import re

import pytest
from django.core import mail

from cophub.accounts.models import QualifyingAddressLapse, Tier, User
from cophub.accounts.services import address_lapse
from cophub.communities.services import community_role_ensure

from .conftest import TOTP_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lapsed_address_is_counted_told_and_confirmed_again(
        page, assert_accessible, sign_in, organizer, gov_member, community):
    community_role_ensure(community=community, user=gov_member)
    address_lapse(email=gov_member.email, reason=QualifyingAddressLapse.Reason.HARD_BOUNCE,
                  detail="550 5.1.1 user unknown")
    assert User.objects.get(pk=gov_member.pk).tier == Tier.PUBLIC

    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto("/c/ai-cop/organize/")
    assert page.get_by_role("heading", name="Government status").is_visible()
    assert page.get_by_text(re.compile(r"1\s+member lost the government tier")).is_visible()
    assert_accessible(page, "organize-government-status")
    assert gov_member.email not in page.content()  # counts only
    page.context.clear_cookies()

    sign_in(page, gov_member.email)
    page.goto("/accounts/email/")
    assert_accessible(page, "account-email-lapsed")
    assert page.get_by_text(re.compile("No longer counts for government membership")).is_visible()
    mail.outbox.clear()
    page.get_by_role("button", name=re.compile("Send me a confirmation link")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    [message] = [m for m in mail.outbox if m.to == [gov_member.email]]
    path = re.search(r"https?://[^/\s]+(/addresses/confirm/\S+/)", message.body).group(1)

    page.goto(path)
    assert_accessible(page, "address-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Confirm {gov_member.email}").click()
    assert_accessible(page, "address-confirmed")
    assert User.objects.get(pk=gov_member.pk).tier == Tier.GOVERNMENT
    assert not QualifyingAddressLapse.objects.exists()
