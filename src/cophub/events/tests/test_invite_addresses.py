"""Who a calendar invite says it is from, and where replies go: the community's organizers
at its contact address, sent on their behalf by the site's own address; the description is
the event's Markdown as readable text."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from cophub.events.ical import event_ics
from cophub.events.services import registration_create
from cophub.events.services.reminders import reminders_send

pytestmark = pytest.mark.django_db

CONTACT = "contact+ai-cop@lists.localhost"


def _invite(message) -> Calendar:
    return Calendar.from_ical(message.attachments[0].get_payload(decode=True))


def test_an_invite_names_the_organizers_and_replies_reach_them(
        make_event, gov_member, settings, django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "AI CoP <events@cop.example.gov>"
    event = make_event(description="Bring **questions**. [Slides](https://x.gov/s.pdf)\n\n"
                                   "- Model cards\n- Evaluation")
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=gov_member)

    [message] = mail.outbox
    sent = message.message()
    assert sent["From"] == "AI CoP <events@cop.example.gov>"  # the site sends it
    assert message.extra_headers["Reply-To"] == CONTACT  # a person's reply: the organizers
    [vevent] = _invite(message).walk("VEVENT")
    organizer = vevent["ORGANIZER"]
    assert str(organizer) == f"mailto:{CONTACT}"
    assert organizer.params["CN"] == "AI Community of Practice organizers"
    assert organizer.params["SENT-BY"] == "mailto:events@cop.example.gov"
    assert "noreply" not in message.attachments[0].get_payload(decode=True).decode()
    description = str(vevent["DESCRIPTION"])
    assert description.startswith("Bring questions. Slides (https://x.gov/s.pdf)\n\n"
                                  "- Model cards\n- Evaluation")
    assert "**" not in description


def test_a_downloaded_event_names_the_same_organizer(make_event):
    event = make_event()
    [vevent] = Calendar.from_ical(event_ics(event, show_join_url=False)).walk("VEVENT")
    assert str(vevent["ORGANIZER"]) == f"mailto:{CONTACT}"


def test_a_reminder_reply_reaches_the_organizers(make_event, gov_member,
                                                 django_capture_on_commit_callbacks):
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=1))
    registration_create(event=event, user=gov_member)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(now=start - timedelta(hours=20))

    [reminder] = mail.outbox
    assert reminder.extra_headers["Reply-To"] == CONTACT
    assert reminder.extra_headers["Auto-Submitted"] == "auto-generated"
