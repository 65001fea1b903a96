"""A new government member signs up with their name, verifies the address, lands on the next
steps of their profile and follows them to join a group; then signs in again."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail

from cophub.accounts.models import Tier, User
from cophub.communities.models import Membership
from cophub.core.access import AccessLevel
from cophub.core.models import OutgoingMail
from cophub.lists.models import MailingList

from .conftest import account_menu, is_signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "new.person@gsa.gov"
NAME = "Nova Person"
PASSPHRASE = "maple river lantern quietly"
CONFIRM_LINK = re.compile(r"https?://\S+?/accounts/confirm-email/[^\s/]+/")


def verification_link(to: str, timeout: float = 5.0) -> str:
    """The confirmation link from the message sent to `to`. The locmem outbox is shared with
    the live server's thread; the outbox table is the fallback if delivery went elsewhere."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if to in message.to and (match := CONFIRM_LINK.search(message.body)):
                return match.group(0)
        row = OutgoingMail.objects.filter(to=to).order_by("-id").first()
        if row is not None and (match := CONFIRM_LINK.search(row.body_text)):
            return match.group(0)
        time.sleep(0.1)
    sent = [(m.to, m.subject) for m in mail.outbox]
    rows = list(OutgoingMail.objects.values_list("to", "subject", "status"))
    raise AssertionError(f"no verification link for {to}; outbox: {sent}; rows: {rows}")


def test_new_government_member_signs_up_verifies_and_joins_a_group(
        page, live_server, assert_accessible, sign_in, community, make_group):
    group = make_group("generative-ai", name="Generative AI", kind="practice_area")
    MailingList.objects.create(
        community=community, local_part="ai", name="AI CoP", audience="government",
        kind="discussion", archive_access_level=AccessLevel.GOVERNMENT)

    # Given a visitor on the home page
    page.goto("/")
    assert_accessible(page)

    # When they create an account with a .gov address
    page.get_by_role("link", name="Create an account").first.click()
    page.wait_for_url("**/accounts/signup/")
    assert_accessible(page)
    assert page.get_by_role("heading", name="Create an account", level=1).is_visible()

    # Without a name the form says what is missing and nothing is created
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSPHRASE)
    page.locator("input[name=password2]").fill(PASSPHRASE)
    page.locator("input[name=name]").evaluate("input => input.removeAttribute('required')")
    page.locator("form:has(input[name=password1])").get_by_role(
        "button", name=re.compile(r"sign up|create", re.I)).click()
    page.wait_for_load_state("load")
    assert page.get_by_role("link", name="Your name: Enter your name.").is_visible()
    assert_accessible(page, "signup-without-name")
    assert not User.objects.filter(email=EMAIL).exists()

    # With their name, the account is created
    page.get_by_label("Your name").fill(NAME)
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSPHRASE)
    page.locator("input[name=password2]").fill(PASSPHRASE)
    page.locator("form:has(input[name=password1])").get_by_role(
        "button", name=re.compile(r"sign up|create", re.I)).click()

    # Then they are asked to verify it, and the account is not yet a government member
    page.wait_for_url("**/accounts/confirm-email/")
    assert_accessible(page, "verification-sent")
    person = User.objects.get(email=EMAIL)
    assert person.tier == Tier.PUBLIC and person.name == NAME

    # When they open the link from the e-mail and confirm
    link = urlsplit(verification_link(EMAIL))
    page.goto(f"{live_server.url}{link.path}")
    assert_accessible(page, "confirm-email")
    page.get_by_role("button", name=re.compile(r"confirm", re.I)).click()

    # Then they are signed in and land on the next steps of their profile
    page.wait_for_url("**/profile/")
    assert User.objects.get(email=EMAIL).tier == Tier.GOVERNMENT
    assert is_signed_in(page)
    steps = page.get_by_role("region", name="Next steps")
    for step in ("Complete your profile", "Join groups", "Subscribe to lists"):
        assert steps.get_by_role("heading", name=step).is_visible(), step
    assert page.get_by_role("heading", name="Government member").is_visible()
    assert_accessible(page, "next-steps")

    # At a phone's width the steps fit without scrolling sideways
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "next-steps-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # When they follow the step to the community's groups, open the group and join it
    steps.get_by_role("link", name="Groups of AI Community of Practice").click()
    page.wait_for_url(f"**{community.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("link", name="Generative AI").click()
    page.wait_for_url(f"**{group.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("button", name="Join the group").click()
    page.wait_for_load_state("load")

    # Then they are told so, the page shows it, and the membership exists
    assert page.get_by_role("status").get_by_text("You are a member of Generative AI.").is_visible()
    assert page.get_by_text("You are a member of this group.").is_visible()
    assert_accessible(page, "group-joined")
    membership = Membership.objects.get(group=group, user__email=EMAIL)
    assert membership.state == Membership.State.ACTIVE

    # And the "Join groups" step is done: their profile no longer asks for it
    account_menu(page, "My profile")
    page.wait_for_url("**/profile/")
    steps = page.get_by_role("region", name="Next steps")
    assert steps.get_by_role("heading", name="Complete your profile").is_visible()
    assert steps.get_by_role("heading", name="Join groups").count() == 0

    # When they sign out and in again with the verified address, they are still a member
    account_menu(page, "Sign out", role="button")
    page.wait_for_load_state("load")
    assert not is_signed_in(page)
    sign_in(page, EMAIL, PASSPHRASE)
    account_menu(page, "My profile")
    page.wait_for_url("**/profile/")
    assert page.get_by_role("heading", name="Government member").is_visible()
