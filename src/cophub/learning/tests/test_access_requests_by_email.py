"""A "Request for AI Training Links" by e-mail: mail with that subject to the community's
contact address gets a link that confirms the sender's address; on the page it opens they
send the same request the web form makes; the organizers' answer is mailed to them. Nothing
happens twice, and mail that cannot be trusted starts nothing."""

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cophub.communities.tests.factories import CommunityFactory
from cophub.core.models import AuditEvent
from cophub.learning.models import AccessRequest, RecordingAccessGrant, Series
from cophub.learning.services import (
    access_request_approve,
    access_request_decline,
    access_request_series_guess,
    access_request_submit,
    subject_asks_for_training_links,
)
from cophub.learning.services.access import access_request_link_url
from cophub.learning.views.public import ACCESS_REQUESTS_PER_HOUR
from cophub.lists.inbound import authentication, inbound_message_process
from cophub.lists.inbound.mailserver import recipient_known
from cophub.lists.models import InboundMessage
from cophub.lists.services import AUTO_MAIL_PER_ADDRESS
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import receive

pytestmark = pytest.mark.django_db

CONTACT = "contact+ai-cop@lists.localhost"
SENDER = "jordan.ellis@va.gov"
BODY = ("Hello, I am at the VA and our mail blocks the community page. Could I have the "
        "links to the 2023 recordings?\n\nThanks,\nJordan\n")


@pytest.fixture(autouse=True)
def dkim_keys(monkeypatch):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)


@pytest.fixture
def series_2023(community, make_session):
    """The 2023 series, whose sessions were held (so it has recordings)."""
    series = Series.objects.create(community=community, slug="2023-ai-training",
                                   title="2023 AI Training Series", year=2023)
    make_session(series=series, past=True)
    return series


def _mail(*, subject="Request for AI Training Links", body=BODY, sign=True,
          sender=f"Jordan Ellis <{SENDER}>", message_id=None, headers=None) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = CONTACT
    if subject is not None:
        message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="va.gov")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if not sign:
        return message.as_bytes()
    return dkim_sign(message.as_bytes(), domain=sender.rpartition("@")[2].rstrip(">"))


def _send(capture, raw, mail_from=SENDER) -> InboundMessage:
    return receive(capture, raw, to=CONTACT, mail_from=mail_from)


def _link_path(message) -> str:
    """The path of the one confirmation link in a message."""
    [url] = re.findall(r"https?://\S+/training/request-access/\S+/", message.body)
    return "/" + url.split("://", 1)[1].partition("/")[2]


def _form(series, **overrides):
    return {"series": series.pk, "name": "Jordan Ellis", "agency": "Veterans Affairs",
            "reason": "My agency mail blocks the community page.", **overrides}


def test_a_mailed_request_is_confirmed_sent_decided_and_answered_by_mail(
        client, community, organizer, series, series_2023, django_capture_on_commit_callbacks):
    # The mail: a link to confirm, nothing stored yet.
    inbound = _send(django_capture_on_commit_callbacks, _mail())
    assert "confirmation link sent to jordan.ellis@va.gov" in inbound.result
    [link_mail] = mail.outbox
    assert link_mail.to == [SENDER]
    sent = link_mail.message()
    assert sent["From"] == f"AI Community of Practice <{CONTACT}>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"]  # filed under the person's message
    assert link_mail.subject == "Confirm your training links request to AI CoP"
    assert "request is for the 2023 AI Training Series, which your message named" in (
        link_mail.body)
    assert not AccessRequest.objects.exists()

    # Opening the link shows the request, filled in from the mail; it changes nothing.
    path = _link_path(link_mail)
    page = client.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert SENDER in content and "Send the request" in content
    assert page.context["form"].initial["series"] == series_2023.pk
    assert page.context["form"].initial["name"] == "Jordan Ellis"
    assert "our mail blocks the community page" in page.context["form"].initial["reason"]
    assert not AccessRequest.objects.exists()

    # Sending it makes the web form's request, for the confirmed address.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, _form(series_2023), follow=True)
    assert "The organizers will review your request" in response.content.decode()
    request = AccessRequest.objects.get()
    assert (request.series, request.email, request.status, request.user) == (
        series_2023, SENDER, AccessRequest.Status.REQUESTED, None)
    assert AuditEvent.objects.get(verb="learning.access_request.submitted").data == {
        "email": SENDER, "via": "email"}
    assert [m.to for m in mail.outbox] == [[organizer.email]]  # the organizers are told

    # The organizer approves: the answer goes to the address that wrote.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access_request_approve(access_request=request, actor=organizer)
    [answer] = mail.outbox
    assert answer.to == [SENDER]
    assert answer.subject == "Your access to the 2023 AI Training Series recordings"
    assert RecordingAccessGrant.objects.filter(series=series_2023, email=SENDER).exists()

    # The same link again, even after the decision: no second request, nobody told again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(path, _form(series_2023), follow=True)
    assert "already sent on" in again.content.decode()
    assert AccessRequest.objects.count() == 1 and mail.outbox == []


def test_a_declined_request_is_answered_by_mail_too(client, community, organizer, series,
                                                    django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail(body="Please."))
    path = _link_path(mail.outbox[0])
    client.post(path, _form(series))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access_request_decline(access_request=AccessRequest.objects.get(), actor=organizer)
    assert [m.to for m in mail.outbox] == [[SENDER]]


@pytest.mark.parametrize("subject", [
    "Request for AI Training Links", "request for ai training links",
    "Re: Request for AI Training Links", "FWD: Fwd: REQUEST FOR AI  TRAINING LINKS (2023)",
    "Request for AI Training Links - Jordan Ellis, VA"])
def test_the_subject_may_be_written_any_way(subject):
    assert subject_asks_for_training_links(subject)


@pytest.mark.parametrize("subject", ["Training links", "Request for AI training", "", None])
def test_other_subjects_are_not_requests(subject):
    assert not subject_asks_for_training_links(subject)


def test_the_series_is_the_one_the_message_names_else_the_latest_with_recordings(
        community, series, series_2023):
    def guess(text):
        found = access_request_series_guess(community=community, text=text)
        return found.series, found.how

    assert guess("the 2024 AI Training Series, please") == (series, "named")
    assert guess("links for 2024-ai-training") == (series, "named")
    assert guess("the 2023 sessions") == (series_2023, "named")
    # Named nothing (or two years): the newest series whose sessions were held.
    assert guess("Request for AI Training Links") == (series_2023, "latest_held")
    assert guess("2023 or 2024?") == (series_2023, "latest_held")


def test_without_held_sessions_the_newest_series_is_asked_for(community, series):
    assert access_request_series_guess(community=community, text="hello").how == "latest"


def test_the_mail_says_which_series_was_chosen_and_that_another_can_be(
        client, community, series, series_2023, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail(body="Could I have the links?"))
    [link_mail] = mail.outbox
    assert ("did not name a training series, so the request is for the 2023 AI Training "
            "Series, the most recent series with recordings") in link_mail.body
    # The page lets them choose another series of the community.
    form = client.get(_link_path(link_mail)).context["form"]
    assert set(form.fields["series"].queryset) == {series, series_2023}


def test_a_community_without_series_says_so_and_sends_no_link(
        community, organizer, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail())
    assert "no training series" in inbound.result
    [reply] = mail.outbox
    assert "has no training series yet" in reply.body
    assert "/training/request-access/" not in reply.body


def test_the_same_message_delivered_twice_is_answered_once(
        community, series, django_capture_on_commit_callbacks):
    raw = _mail(message_id="<once@va.gov>")
    _send(django_capture_on_commit_callbacks, raw)
    second = _send(django_capture_on_commit_callbacks, raw)  # the sender's server retried
    assert "already handled" in second.result
    assert len(mail.outbox) == 1


def test_processing_a_message_again_sends_nothing_more(
        community, series, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail())
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_message_process(inbound_id=inbound.pk) == "processed"
    assert len(mail.outbox) == 1


def test_two_mails_give_two_links_but_one_request(
        client, community, organizer, series, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail())
    _send(django_capture_on_commit_callbacks, _mail(subject="Re: Request for AI Training Links"))
    first, second = (_link_path(m) for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first, _form(series))
        client.post(second, _form(series))
    assert AccessRequest.objects.count() == 1
    assert len(mail.outbox) == 1  # the organizer, once


def test_a_request_already_waiting_from_the_web_form_is_not_made_again(
        client, community, organizer, series, django_capture_on_commit_callbacks):
    access_request_submit(series=series, name="Jordan Ellis", email=SENDER, agency="VA",
                          reason="Asked on the web first.")
    _send(django_capture_on_commit_callbacks, _mail())
    response = client.post(_link_path(mail.outbox[-1]), _form(series), follow=True)
    assert "already sent on" in response.content.decode()
    assert AccessRequest.objects.count() == 1


def test_an_unsigned_message_gets_the_web_form_and_no_link(
        community, series, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail(sign=False))
    assert "not authenticated, no link" in inbound.result
    [reply] = mail.outbox
    assert reply.to == [SENDER]
    assert "did not sign it" in reply.body
    assert f"/c/{community.slug}/training/request-access/" in reply.body
    assert not re.search(r"/training/request-access/[^/\s]+/", reply.body)  # no token


def test_a_message_without_a_sender_starts_nothing(
        community, series, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail(sender="", sign=False),
                    mail_from="")
    assert "recorded" in inbound.result
    assert mail.outbox == [] and not AccessRequest.objects.exists()


def test_a_robot_asking_gets_nothing(community, series, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks,
                    _mail(headers={"Auto-Submitted": "auto-replied"}))
    assert inbound.result.startswith(f"{CONTACT}: dropped: automated message")
    assert mail.outbox == []


def test_links_are_throttled_per_address(community, series,
                                         django_capture_on_commit_callbacks):
    for _ in range(AUTO_MAIL_PER_ADDRESS + 1):
        inbound = _send(django_capture_on_commit_callbacks, _mail())
    assert "throttled" in inbound.result
    assert len(mail.outbox) == AUTO_MAIL_PER_ADDRESS


def test_the_contact_address_of_a_community_is_taken_and_others_are_refused(community):
    assert community.contact_address == CONTACT
    assert recipient_known(CONTACT)
    assert recipient_known("contact+AI-CoP@lists.localhost")
    assert not recipient_known("contact+nope@lists.localhost")


@pytest.mark.parametrize("case", ["garbled", "other community", "expired"])
def test_a_bad_link_explains_and_changes_nothing(client, community, series, make_user, case):
    path = access_request_link_url(community=community, email=SENDER, name="J",
                                   reason="A reason long enough.", series=series)
    path = "/" + path.split("://", 1)[1].partition("/")[2]
    if case == "garbled":
        path = path.replace("/request-access/", "/request-access/x")
    elif case == "other community":
        other = CommunityFactory(slug="data-cop", name="Data CoP")
        path = path.replace(f"/c/{community.slug}/", f"/c/{other.slug}/")
    later = timezone.now() + timedelta(days=8 if case == "expired" else 0)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.post(path, _form(series))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert response.context["community"].contact_address in response.content.decode()
    assert reverse("learning:access_request", kwargs={"community": response.context[
        "community"].slug}) in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_an_incomplete_request_explains_and_saves_nothing(
        client, community, series, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail(sender=SENDER))  # no name given
    response = client.post(_link_path(mail.outbox[0]), _form(series, name="", reason="pls"))
    page = response.content.decode()
    assert response.status_code == 200 and "Please correct the following" in page
    assert "a sentence is enough" in page
    assert not AccessRequest.objects.exists()


def test_the_web_form_says_how_to_ask_by_email(client, community, series):
    page = client.get(reverse("learning:access_request", kwargs={"community": community.slug}))
    content = page.content.decode()
    assert f'href="mailto:{CONTACT}?subject=Request%20for%20AI%20Training%20Links"' in content
    assert "“Request for AI Training Links” in the subject line" in content


def test_the_confirmation_page_shares_the_web_forms_limit_per_network(
        client, community, series, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail())
    path = _link_path(mail.outbox[0])
    for _ in range(ACCESS_REQUESTS_PER_HOUR):
        assert client.post(path, _form(series)).status_code == 302
    response = client.post(path, _form(series))
    assert response.status_code == 429
    assert "Please try again later" in response.content.decode()
    assert AccessRequest.objects.count() == 1
