import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from cophub.events.models import Question, Registration
from cophub.events.services import (
    AnswersInvalid,
    RegistrationClosed,
    RegistrationNotAllowed,
    event_save,
    registration_cancel,
    registration_create,
    registration_create_safely,
)

pytestmark = pytest.mark.django_db


def test_full_event_waitlists_in_arrival_order_and_cancellation_promotes_the_head(
        make_event, make_user, django_capture_on_commit_callbacks):
    event = make_event(capacity=2)
    people = [make_user(f"p{i}@nasa.gov") for i in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        regs = [registration_create(event=event, user=p) for p in people]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=regs[0], actor=people[0])
    statuses = dict(Registration.objects.values_list("user__email", "status"))
    assert statuses == {"p0@nasa.gov": "cancelled", "p1@nasa.gov": "confirmed",
                        "p2@nasa.gov": "confirmed", "p3@nasa.gov": "waitlisted"}
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["p0@nasa.gov", "p2@nasa.gov"]
    promoted = next(m for m in mail.outbox if m.to == ["p2@nasa.gov"])
    assert "https://zoom.example/j/1" in promoted.body
    invite = promoted.attachments[0]
    assert "METHOD:REQUEST" in invite.get_payload(decode=True).decode()
    cancelled = next(m for m in mail.outbox if m.to == ["p0@nasa.gov"])
    assert "METHOD:CANCEL" in cancelled.attachments[0].get_payload(decode=True).decode()


def test_registering_twice_is_idempotent(make_event, gov_member):
    event = make_event(capacity=5)
    first = registration_create(event=event, user=gov_member)
    again = registration_create(event=event, user=gov_member)
    assert first.pk == again.pk and Registration.objects.count() == 1


def test_confirmation_carries_a_stable_uid_invite_and_the_join_link(
        make_event, gov_member, django_capture_on_commit_callbacks):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=gov_member)
    message = mail.outbox[-1]
    ics = message.attachments[0].get_payload(decode=True).decode()
    assert f"UID:{event.uid}@cophub" in ics and "SEQUENCE:0" in ics
    assert "zoom.example" in ics and "zoom.example" in message.body
    assert message.attachments[0].get_content_type() == "text/calendar"
    assert message.attachments[0].get_param("method") == "REQUEST"


def test_waitlisted_person_gets_no_join_link(make_event, make_user,
                                             django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    registration_create(event=event, user=make_user("first@nasa.gov"))
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=make_user("second@nasa.gov"))
    message = mail.outbox[-1]
    assert "wait-list" in message.body and "zoom.example" not in message.body
    assert not message.attachments


@pytest.mark.parametrize("fields,state", [
    ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "closed"),
    ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "not_open"),
    ({"status": "cancelled"}, "cancelled"),
    ({"status": "draft"}, "draft"),
    ({"starts_at": timezone.now() - timedelta(hours=3),
      "ends_at": timezone.now() - timedelta(hours=2)}, "past"),
])
def test_closed_past_cancelled_and_draft_events_refuse_with_a_reason(make_event, gov_member,
                                                                     fields, state):
    event = make_event(**fields)
    with pytest.raises(RegistrationClosed) as excinfo:
        registration_create(event=event, user=gov_member)
    assert excinfo.value.state == state and str(excinfo.value)
    assert not Registration.objects.exists()


def test_government_event_refuses_public_participant(make_event, public_user):
    event = make_event(access_level="government")
    with pytest.raises(RegistrationNotAllowed):
        registration_create(event=event, user=public_user)


def test_group_event_is_for_group_members(make_event, make_group, gov_member, make_user):
    from cophub.communities.services import group_join

    group = make_group()
    event = make_event(access_level="group", group=group)
    with pytest.raises(RegistrationNotAllowed):
        registration_create(event=event, user=gov_member)
    group_join(group=group, user=gov_member)
    assert registration_create(event=event, user=gov_member).status == "confirmed"


def test_required_and_choice_questions_are_checked(make_event, gov_member):
    event = make_event()
    role = Question.objects.create(event=event, label="Your role", kind="choice",
                                   choices=["Technical", "Leadership"], required=True)
    yes_no = Question.objects.create(event=event, label="First time?", kind="yes_no")
    with pytest.raises(AnswersInvalid) as excinfo:
        registration_create(event=event, user=gov_member, answers={str(yes_no.pk): "maybe"})
    assert set(excinfo.value.errors) == {role.pk, yes_no.pk}
    assert not Registration.objects.exists()
    registration = registration_create(event=event, user=gov_member,
                                       answers={str(role.pk): "Technical"})
    assert registration.answers == {str(role.pk): "Technical"}


def test_moving_an_event_sends_updated_invites_with_a_higher_sequence(
        make_event, organizer, gov_member, django_capture_on_commit_callbacks):
    event = make_event()
    registration_create(event=event, user=gov_member)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"starts_at": event.starts_at + timedelta(hours=1),
                         "ends_at": event.ends_at + timedelta(hours=1)})
    assert [m.to for m in mail.outbox] == [["member@va.gov"]]
    ics = mail.outbox[0].attachments[0].get_payload(decode=True).decode()
    assert "SEQUENCE:1" in ics and "METHOD:REQUEST" in ics


def test_cancelling_an_event_sends_cancel_to_registrants(
        make_event, organizer, gov_member, django_capture_on_commit_callbacks):
    event = make_event()
    registration_create(event=event, user=gov_member)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_save(community=event.community, actor=organizer, event=event,
                   data={"status": "cancelled"})
    ics = mail.outbox[0].attachments[0].get_payload(decode=True).decode()
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics


def test_raising_capacity_promotes_from_the_waitlist(make_event, make_user, organizer):
    event = make_event(capacity=1)
    registration_create(event=event, user=make_user("a@nasa.gov"))
    waiting = registration_create(event=event, user=make_user("b@nasa.gov"))
    event_save(community=event.community, actor=organizer, event=event, data={"capacity": 2})
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_event_that_ends_before_it_starts_is_refused(make_event, organizer, community):
    from django.core.exceptions import ValidationError

    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError):
        event_save(community=community, actor=organizer, data={
            "kind": "webinar", "title": "Backwards", "starts_at": start,
            "ends_at": start - timedelta(hours=1), "status": "published",
            "access_level": "public"})


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_confirm_exactly_capacity(make_event, make_user):
    """Real threads, real connections: 12 people race for 5 seats."""
    event = make_event(capacity=5)
    people = [make_user(f"racer{i}@nasa.gov") for i in range(12)]
    barrier = threading.Barrier(len(people))
    errors = []

    def register(person):
        try:
            barrier.wait()
            registration_create_safely(event=event, user=person)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    regs = list(Registration.objects.filter(event=event).order_by("arrival"))
    assert [r.arrival for r in regs] == list(range(1, 13))
    assert sum(r.status == "confirmed" for r in regs) == 5
    # Arrival order decides: the first five to get the lock are the confirmed ones.
    assert all(r.status == "confirmed" for r in regs[:5])
    assert all(r.status == "waitlisted" for r in regs[5:])
