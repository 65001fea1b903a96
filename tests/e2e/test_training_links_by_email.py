"""A government employee who asked for training links by e-mail opens the link mailed back:
the page shows the request filled in from their message, they send it with the keyboard,
and it reaches the organizers' queue. The page and its "link does not work" version pass axe
at desktop width and at 390 px, without sideways scrolling."""

import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from cophub.learning.models import AccessRequest
from cophub.learning.services import management
from cophub.lists.inbound import authentication, inbound_message_store
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key

from .test_events import mail_to, status_message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SENDER = "jordan.ellis@va.gov"


def narrow(page, assert_accessible, label: str) -> None:
    """The page at 390 px: axe, and nothing wider than the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, label)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_request_mailed_in_is_confirmed_and_sent_on_the_page(
        page, assert_accessible, community, organizer, monkeypatch):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)
    series = management.series_save(community=community, actor=organizer, data={
        "title": "2023 AI Training Series", "slug": "2023-ai-training", "year": 2023,
        "description": "Fundamentals."})

    message = EmailMessage()
    message["From"], message["To"] = f"Jordan Ellis <{SENDER}>", community.contact_address
    message["Subject"] = "Request for AI Training Links"
    message["Message-ID"] = make_msgid(domain="va.gov")
    message.set_content("Hello, our agency mail blocks the community page. May I have the "
                        "2023 recordings?")
    inbound_message_store(mail_from=SENDER, rcpt_to=[community.contact_address],
                          raw=dkim_sign(message.as_bytes(), domain="va.gov"), peer="127.0.0.1")
    link_mail = mail_to(SENDER, "Confirm your training links request")
    [url] = re.findall(r"https?://\S+/training/request-access/\S+/", link_mail.body)
    path = "/" + url.split("://", 1)[1].partition("/")[2]

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Send your request for training links")
    expect(page.get_by_text(SENDER)).to_be_visible()
    expect(page.get_by_label("Training series")).to_have_value(str(series.pk))
    expect(page.get_by_label("Your name")).to_have_value("Jordan Ellis")
    assert_accessible(page, "request-confirm")  # (the token would make a too-long name)
    narrow(page, assert_accessible, "request-confirm-390")
    assert not AccessRequest.objects.exists()  # opening the link sends nothing

    # With the keyboard: type the agency, tab to the button, press Enter.
    page.get_by_label("Agency or organization").fill("Department of Veterans Affairs")
    page.get_by_label("Why you cannot sign in with a government address").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send the request")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/c/{community.slug}/training/")
    expect(status_message(page, f"e-mail {SENDER} with their decision")).to_be_visible()
    assert_accessible(page, "request-sent")
    request = AccessRequest.objects.get()
    assert (request.email, request.series, request.agency) == (
        SENDER, series, "Department of Veterans Affairs")
    mail_to(organizer.email, "Request for training links: Jordan Ellis")

    # A link that has been tampered with explains what to do instead.
    page.goto(path.replace("/request-access/", "/request-access/x"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(page.get_by_role("link", name="ask for the training links on the web")
           ).to_be_visible()
    assert_accessible(page, "link-invalid")
    narrow(page, assert_accessible, "link-invalid-390")
