"""Access is decided when mail is sent, not when the registration was made (issue 17, 3).

A member registers for a government event, then stops being a government member. Every
message about the event that would carry gated content (an update, a wait-list promotion, a
reminder) is checked against the access policy right before it goes to the mail server: it
is withheld, and the registration is cancelled with a notice that carries nothing gated, once.
"""

from datetime import timedelta

import pytest
from django.core import mail

from cophub.accounts.tests.tiers import leaves_government, rejoins_government
from cophub.core.mail import GateItem, outgoing_mail_deliver
from cophub.core.models import OutgoingMail
from cophub.events.gates import registration_gate
from cophub.events.models import Registration
from cophub.events.services import (
    event_save,
    registration_cancel,
    registration_create,
    reminders_send,
)

pytestmark = pytest.mark.django_db

JOIN = "https://zoom.example/j/secret-gov"
H = timedelta(hours=1)


def leaked(messages) -> list:
    """Messages that carry the event's join link or a calendar invite for it."""
    return [m for m in messages
            if JOIN in m.body or any(JOIN in str(a) or "VEVENT" in str(a)
                                     for a in m.attachments)
            or any(JOIN in str(alt[0]) for alt in getattr(m, "alternatives", []))]


@pytest.fixture
def gov_event(make_event):
    def make(**fields):
        return make_event(access_level="government", join_url=JOIN,
                          title="Secret pilot briefing", **fields)

    return make


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_event_update_is_not_mailed_to_someone_who_lost_government_status(
        gov_event, gov_member, organizer, capture):
    event = gov_event()
    registration = registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"starts_at": event.starts_at + H, "ends_at": event.ends_at + H})

    assert leaked(mail.outbox) == []
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    (notice,) = mail.outbox
    assert notice.to == ["mia@example.com"]
    assert "Secret pilot briefing" not in notice.subject + notice.body
    assert notice.attachments == []
    withheld = OutgoingMail.objects.get(template="events/email/event_updated")
    assert withheld.status == OutgoingMail.Status.WITHHELD
    assert withheld.sent_at is None
    assert "may no longer see" in withheld.last_error


def test_cancelling_the_event_tells_no_one_who_lost_access_its_details(
        gov_event, gov_member, organizer, capture):
    event = gov_event()
    registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"status": "cancelled"})

    assert leaked(mail.outbox) == []
    assert all("Secret pilot briefing" not in m.body for m in mail.outbox)


def test_wait_list_promotion_is_not_mailed_to_someone_who_lost_access(
        gov_event, gov_member, make_user, capture):
    event = gov_event(capacity=1)
    seated = make_user("seated@nasa.gov")
    seat = registration_create(event=event, user=seated)
    waiting = registration_create(event=event, user=gov_member)
    next_in_line = registration_create(event=event, user=make_user("next@nasa.gov"))
    assert waiting.status == Registration.Status.WAITLISTED
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        registration_cancel(registration=seat, actor=seated)

    assert leaked([m for m in mail.outbox if m.to == ["mia@example.com"]]) == []
    waiting.refresh_from_db()
    next_in_line.refresh_from_db()
    assert waiting.status == Registration.Status.CANCELLED
    # The seat the withheld promotion freed goes on down the wait-list (ADR 0004).
    assert next_in_line.status == Registration.Status.CONFIRMED
    assert any(m.to == ["next@nasa.gov"] and JOIN in m.body for m in mail.outbox)


def test_a_reminder_queued_before_access_was_lost_is_withheld_at_send(
        gov_event, gov_member, capture):
    event = gov_event()
    registration = registration_create(event=event, user=gov_member)
    mail.outbox.clear()
    # The job queues the reminder while the person may still see the event …
    with capture(execute=False):
        assert reminders_send(now=event.starts_at - 12 * H) == 1
    reminder = OutgoingMail.objects.get(template="events/email/reminder_24h")
    # … and they lose access before the worker sends it.
    leaves_government(gov_member)
    with capture(execute=True):
        assert outgoing_mail_deliver(mail_id=reminder.pk) == OutgoingMail.Status.WITHHELD

    assert leaked(mail.outbox) == []
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert len(mail.outbox) == 1  # the notice, and only one


def test_the_reminder_job_cancels_a_registration_whose_holder_lost_access(
        gov_event, gov_member, capture):
    event = gov_event()
    registration = registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        assert reminders_send(now=event.starts_at - 12 * H) == 0

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert leaked(mail.outbox) == [] and len(mail.outbox) == 1


def test_several_withheld_messages_cancel_once_with_one_notice(
        gov_event, gov_member, organizer, capture):
    event = gov_event()
    registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    mail.outbox.clear()
    with capture(execute=False):  # two updates queued, not yet sent
        event_save(community=event.community, actor=organizer, event=event,
                   data={"starts_at": event.starts_at + H, "ends_at": event.ends_at + H})
        event_save(community=event.community, actor=organizer, event=event,
                   data={"location": "Room 2"})
    queued = list(OutgoingMail.objects.filter(template="events/email/event_updated"))
    assert len(queued) == 2

    with capture(execute=True):
        for row in queued:
            outgoing_mail_deliver(mail_id=row.pk)

    assert len(mail.outbox) == 1 and leaked(mail.outbox) == []


def test_access_is_checked_once_at_send_so_regained_access_gets_the_update(
        gov_event, gov_member, organizer, capture):
    """The gate is asked when the worker sends, not when the row was queued: a person who
    lost access and got it back before the send gets the message, and keeps the seat."""
    event = gov_event()
    registration = registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    with capture(execute=False):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"location": "Room 2"})
    rejoins_government(gov_member)
    mail.outbox.clear()

    row = OutgoingMail.objects.get(template="events/email/event_updated")
    assert outgoing_mail_deliver(mail_id=row.pk) == OutgoingMail.Status.SENT

    assert [m.to for m in mail.outbox] == [["mia@example.com"]]
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_people_who_keep_access_get_their_updates_as_before(
        gov_event, gov_member, make_user, organizer, capture):
    event = gov_event()
    stays = make_user("stays@nasa.gov")
    registration_create(event=event, user=stays)
    registration_create(event=event, user=gov_member)
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"location": "Room 2"})

    assert [m.to for m in leaked(mail.outbox)] == [["stays@nasa.gov"]]


def test_a_cancelled_event_promotes_no_one_into_a_seat_freed_by_lost_access(
        gov_event, gov_member, make_user, organizer, capture):
    event = gov_event(capacity=1)
    registration_create(event=event, user=gov_member)
    waiting = registration_create(event=event, user=make_user("waiting@nasa.gov"))
    leaves_government(gov_member)
    mail.outbox.clear()

    with capture(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"status": "cancelled"})

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED
    assert not any("seat opened up" in m.body for m in mail.outbox)


def test_the_event_gate_answers_a_batch_in_two_queries(
        gov_event, make_user, django_assert_num_queries):
    event = gov_event()
    people = [make_user(f"p{i}@nasa.gov") for i in range(6)]
    registrations = [registration_create(event=event, user=person) for person in people]
    leaves_government(people[0], new_address="p0@example.com")
    items = [GateItem(r.pk, r.user.email) for r in registrations]

    with django_assert_num_queries(2):
        allowed = registration_gate(items)

    assert allowed == set(items[1:])
