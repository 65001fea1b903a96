"""A community's contact address, `contact+<community>@` the list domain, for anything that is
not a request for training links (those: learning/tests/test_access_requests_by_email.py):
the organizers get a copy they can answer, the sender one reply saying what the address is
for; calendar answers and our own mail coming back start nothing."""

from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cophub.lists.inbound import authentication
from cophub.lists.models import MailingList
from cophub.lists.services import mailing_list_save
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import receive

pytestmark = pytest.mark.django_db

CONTACT = "contact+ai-cop@lists.localhost"


@pytest.fixture(autouse=True)
def dkim_keys(monkeypatch):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)


def _mail(*, subject="Speaker for the May meeting", sign=True, headers=None,
          body="I would like to present our agency's chatbot evaluation.") -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "Ana Lopez <ana@nih.gov>", CONTACT
    message["Subject"], message["Message-ID"] = subject, make_msgid(domain="nih.gov")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    raw = message.as_bytes()
    return dkim_sign(raw, domain="nih.gov") if sign else raw


def _send(capture, raw):
    return receive(capture, raw, to=CONTACT, mail_from="ana@nih.gov")


def test_other_mail_reaches_the_organizers_and_the_sender_learns_what_the_address_is_for(
        community, organizer, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail())

    assert "forwarded to 1 organizer(s)" in inbound.result
    copy = next(m for m in mail.outbox if m.to == [organizer.email])
    assert copy.subject == "Message for AI CoP: Speaker for the May meeting"
    assert copy.extra_headers["Reply-To"] == "ana@nih.gov"  # answering writes to Ana
    assert "I would like to present our agency's chatbot evaluation." in copy.body
    assert "Not authenticated" not in copy.body
    reply = next(m for m in mail.outbox if m.to == ["ana@nih.gov"])
    assert reply.subject == "About your message to AI Community of Practice"
    assert "passed your message" in reply.body
    assert 'with "Request for AI Training Links" in the subject line' in reply.body
    assert len(mail.outbox) == 2


def test_unauthenticated_mail_is_passed_on_marked_as_such(
        community, organizer, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, _mail(sign=False))
    copy = next(m for m in mail.outbox if m.to == [organizer.email])
    assert "Not authenticated" in copy.body


def test_without_organizers_the_message_is_kept_and_the_sender_told(
        community, django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail())
    assert "forwarded to 0 organizer(s)" in inbound.result
    assert bytes(inbound.raw).count(b"chatbot evaluation") == 1  # the message itself is kept
    [reply] = mail.outbox
    assert "has no organizers to pass your message" in reply.body


def test_a_calendar_answer_to_an_invitation_starts_nothing(
        community, organizer, django_capture_on_commit_callbacks):
    answer = MIMEMultipart("alternative")
    answer["From"], answer["To"] = "ana@nih.gov", CONTACT
    answer["Subject"], answer["Message-ID"] = "Accepted: May meeting", make_msgid()
    answer.attach(MIMEText("Ana has accepted.", "plain"))
    ics = MIMEText("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n", "calendar")
    ics.set_param("method", "REPLY")
    answer.attach(ics)

    inbound = _send(django_capture_on_commit_callbacks, answer.as_bytes())

    assert "recorded: a calendar answer from ana@nih.gov" in inbound.result
    assert mail.outbox == []


def test_our_own_mail_coming_back_starts_nothing(community, organizer,
                                                django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks,
                    _mail(headers={"X-Loop": CONTACT}))
    assert "dropped: mail loop" in inbound.result
    assert mail.outbox == []


def test_no_list_may_take_the_contact_local_part(community, organizer):
    with pytest.raises(ValidationError, match="reserved"):
        mailing_list_save(community=community, actor=organizer, data={
            "local_part": "contact", "name": "Contact", "audience": "anyone",
            "kind": "discussion", "moderation": "none", "archive_access_level": "public"})
    assert not MailingList.objects.exists()
