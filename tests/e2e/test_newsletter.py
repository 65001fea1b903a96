"""The newsletter in the browser: an organizer composes an issue with a block, previews it,
and sends it to both of the community's lists; a person on both lists gets one copy; the
web version is public. Every page goes through axe."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cophub.core.access import AccessLevel
from cophub.events import services as event_services
from cophub.events.models import Event
from cophub.lists.models import MailingList, NewsletterIssue, Subscriber, Subscription

from .conftest import TOTP_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_list(community, local_part, name, audience, level):
    return MailingList.objects.create(
        community=community, local_part=local_part, name=name, audience=audience,
        kind=MailingList.Kind.ANNOUNCE, archive_access_level=level)


def subscribe(mailing_list, email):
    subscriber, _ = Subscriber.objects.get_or_create(email=email)
    Subscription.objects.create(mailing_list=mailing_list, subscriber=subscriber,
                                via=Subscription.Via.WEB)


def test_organizer_sends_a_newsletter_with_a_block_to_both_lists(
        page, assert_accessible, sign_in, organizer, community):
    # Given the government list and the public list, one person on both
    gov = make_list(community, "ai", "AI CoP", MailingList.Audience.GOVERNMENT,
                    AccessLevel.GOVERNMENT)
    public = make_list(community, "aipublic", "AI CoP Public", MailingList.Audience.ANYONE,
                       AccessLevel.PUBLIC)
    for address in ("both@va.gov", "mia@va.gov"):
        subscribe(gov, address)
    for address in ("both@va.gov", "pat@example.com"):
        subscribe(public, address)
    # And a public and a government-only event coming up
    start = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    for title, level in (("Responsible AI webinar", "public"),
                         ("Federal briefing", "government")):
        event_services.event_save(community=community, actor=organizer, data={
            "kind": Event.Kind.WEBINAR, "title": title, "starts_at": start,
            "ends_at": start + timedelta(hours=1), "time_zone": "America/New_York",
            "access_level": level, "status": Event.Status.PUBLISHED})

    # When the organizer signs in and opens the newsletter
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto("/newsletters/ai-cop/")
    assert_accessible(page)
    page.get_by_role("link", name="New issue").click()
    page.wait_for_url("**/newsletters/ai-cop/new/")
    assert_accessible(page)

    # And writes an issue with the upcoming-events block, choosing both lists by keyboard
    page.get_by_label(re.compile(r"^Title")).fill("November issue")
    page.get_by_label(re.compile(r"^Issue")).fill(
        "Welcome to the November issue.\n\n{{ upcoming_events }}\n")
    for label in ("AI CoP (ai@", "AI CoP Public (aipublic@"):
        page.get_by_label(re.compile(re.escape(label))).focus()
        page.keyboard.press("Space")
    expect(page.get_by_label("Everyone, including visitors who are not signed in")).to_be_checked()
    page.get_by_role("button", name="Save and preview").click()

    # Then the preview shows the block filled with what every recipient may see
    page.wait_for_url("**/newsletters/ai-cop/november-issue/preview/")
    assert_accessible(page)
    expect(page.get_by_role("link", name="Responsible AI webinar")).to_be_visible()
    expect(page.get_by_text("Federal briefing")).to_have_count(0)
    expect(page.get_by_text("3 people, one copy each")).to_be_visible()

    # When they choose "Send now", the confirmation names both lists and the people
    page.get_by_role("link", name="Send now").click()
    page.wait_for_url("**/preview/?confirm=send")
    confirm = page.get_by_role("region", name="Send this issue now?")
    expect(confirm).to_contain_text("ai@lists.localhost")
    expect(confirm).to_contain_text("aipublic@lists.localhost")
    assert_accessible(page, "confirm-send")
    confirm.get_by_role("button", name="Yes, send to 3 people").click()

    # Then the web version opens and each person has exactly one copy
    page.wait_for_url("**/newsletters/ai-cop/november-issue/")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="November issue", level=1)).to_be_visible()
    issue = NewsletterIssue.objects.get(slug="november-issue")
    assert issue.status == NewsletterIssue.Status.SENT
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["both@va.gov", "mia@va.gov", "pat@example.com"]
    assert all(m.subject == "November issue" for m in mail.outbox)

    # And the archive lists it for a visitor who is not signed in
    page.context.clear_cookies()
    page.goto("/newsletters/ai-cop/")
    assert_accessible(page, "archive-anonymous")
    page.get_by_role("link", name="November issue").click()
    page.wait_for_url("**/newsletters/ai-cop/november-issue/")
    expect(page.get_by_role("link", name="Responsible AI webinar")).to_be_visible()
