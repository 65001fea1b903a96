"""Reminders 24 hours and 1 hour before an event: who gets them, when, and never twice.

The job takes the time it runs at (`now`), so the tests move the clock instead of the events:
people register days ahead, as they do, and the job then runs at chosen moments."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection

from cophub.communities.services import group_join, group_leave
from cophub.core.models import OutgoingMail
from cophub.core.scheduler import load_periodic_jobs
from cophub.events import tasks
from cophub.events.models import Registration, ReminderSent
from cophub.events.services import event_save, registration_cancel, registration_create, reminders
from cophub.events.services.reminders import REMINDER_1H, reminder_send, reminders_send

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


def run(callbacks, *, at) -> int:
    """Run the job at `at` and deliver what it enqueued."""
    with callbacks(execute=True):
        return reminders_send(now=at)


def sent(kind: str) -> list[str]:
    return sorted(m.to[0] for m in mail.outbox if _kind(m) == kind)


def _kind(message) -> str:
    if message.subject.startswith("Reminder:"):
        return "24h"
    if message.subject.startswith("Starting soon:"):
        return "1h"
    return "other"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_24h_reminder_has_the_join_link_and_the_time_in_the_person_zone(
        make_event, gov_member, capture):
    gov_member.time_zone = "America/Los_Angeles"
    gov_member.save(update_fields=["time_zone"])
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)  # 10:00 AM in Los Angeles
    event = make_event(title="LLMs in HR", starts_at=start, ends_at=start + H,
                       location="GSA HQ, Room 1")
    registration_create(event=event, user=gov_member)

    assert run(capture, at=start - 20 * H) == 1

    (message,) = mail.outbox
    assert message.to == ["member@va.gov"]
    assert message.subject == "Reminder: LLMs in HR starts Tue, Jan 15, 10:00 AM PST"
    assert "Tuesday, January 15, 2030, 10:00 AM – 11:00 AM PST" in message.body
    assert "Join: https://zoom.example/j/1" in message.body
    assert "Where: GSA HQ, Room 1" in message.body
    assert f"/c/ai-cop/events/{event.pk}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "&#x27;" not in message.body and "&amp;" not in message.body


def test_reminder_time_is_right_across_a_daylight_saving_change(make_event, gov_member,
                                                                capture):
    # US clocks go forward on Sunday 10 March 2030: the reminder goes out on Saturday (EST)
    # for an event on Sunday (EDT).
    start = datetime(2030, 3, 10, 15, 0, tzinfo=UTC)
    event = make_event(title="Spring forward", starts_at=start, ends_at=start + H)
    registration_create(event=event, user=gov_member)

    run(capture, at=start - 23 * H)

    (message,) = mail.outbox
    assert message.subject == "Reminder: Spring forward starts Sun, Mar 10, 11:00 AM EDT"


def test_24h_and_1h_reminders_go_out_separately_and_once_each(make_event, gov_member,
                                                               capture):
    event = make_event()
    registration_create(event=event, user=gov_member)
    start = event.starts_at

    assert run(capture, at=start - 25 * H) == 0  # not yet
    assert run(capture, at=start - 23 * H) == 1
    assert sent("24h") == ["member@va.gov"] and sent("1h") == []
    assert run(capture, at=start - 22 * H) == 0  # the job runs again: nothing new
    assert run(capture, at=start - 2 * H) == 0
    assert run(capture, at=start - 50 * timedelta(minutes=1)) == 1
    assert sent("1h") == ["member@va.gov"] and "zoom.example" in mail.outbox[-1].body
    assert run(capture, at=start - 10 * timedelta(minutes=1)) == 0
    assert run(capture, at=start + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 2
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"24h", "1h"}


def test_running_the_job_twice_at_the_same_moment_sends_once(make_event, make_user,
                                                              capture):
    event = make_event()
    for i in range(3):
        registration_create(event=event, user=make_user(f"p{i}@nasa.gov"))
    at = event.starts_at - 12 * H
    assert run(capture, at=at) == 3
    assert run(capture, at=at) == 0
    assert sent("24h") == ["p0@nasa.gov", "p1@nasa.gov", "p2@nasa.gov"]


def test_a_second_worker_with_a_stale_batch_sends_nothing(make_event, gov_member, capture):
    """The unique constraint decides: a worker that read the batch before the other one
    committed tries to insert the same ReminderSent row, fails, and sends nothing."""
    event = make_event()
    registration_create(event=event, user=gov_member)
    at = event.starts_at - 30 * timedelta(minutes=1)
    (stale,) = reminders.reminders_due(kind=REMINDER_1H, now=at)
    with capture(execute=True):
        assert reminder_send(registration=stale, kind=REMINDER_1H, now=at) is True
        assert reminder_send(registration=stale, kind=REMINDER_1H, now=at) is False
    assert len(mail.outbox) == 1
    assert OutgoingMail.objects.filter(template="events/email/reminder_1h").count() == 1


def test_no_reminders_for_the_wait_list_cancellations_or_cancelled_events(
        make_event, make_user, organizer, capture):
    full = make_event(title="Full", capacity=1)
    seated, waiting = make_user("seated@nasa.gov"), make_user("waiting@nasa.gov")
    registration_create(event=full, user=seated)
    registration_create(event=full, user=waiting)
    changed_mind = make_user("changed@nasa.gov")
    registration_cancel(registration=registration_create(event=full, user=changed_mind),
                        actor=changed_mind)  # was wait-listed: the seat stays taken
    called_off = make_event(title="Called off")
    registration_create(event=called_off, user=make_user("called@nasa.gov"))
    event_save(community=called_off.community, actor=organizer, event=called_off,
               data={"status": "cancelled"})
    unpublished = make_event(title="Back to draft")
    registration_create(event=unpublished, user=make_user("draft@nasa.gov"))
    event_save(community=unpublished.community, actor=organizer, event=unpublished,
               data={"status": "draft"})

    run(capture, at=full.starts_at - 12 * H)
    run(capture, at=full.starts_at - 30 * timedelta(minutes=1))

    assert sent("24h") == ["seated@nasa.gov"] and sent("1h") == ["seated@nasa.gov"]


def test_a_seat_cancelled_after_the_24h_reminder_gets_no_1h_reminder(make_event, gov_member,
                                                                      capture):
    event = make_event()
    registration = registration_create(event=event, user=gov_member)
    run(capture, at=event.starts_at - 20 * H)
    registration_cancel(registration=registration, actor=gov_member)
    run(capture, at=event.starts_at - 30 * timedelta(minutes=1))
    assert sent("24h") == ["member@va.gov"] and sent("1h") == []


def test_someone_seated_inside_the_24h_window_gets_only_the_1h_reminder(
        make_event, make_user, capture):
    """Their confirmation, minutes old, already says when and how to join."""
    event = make_event(capacity=1)
    first = registration_create(event=event, user=make_user("first@nasa.gov"))
    registration_create(event=event, user=make_user("second@nasa.gov"))  # wait-listed
    # Ten hours before the start the first person cancels and the second gets the seat.
    registration_cancel(registration=first, actor=first.user)
    Registration.objects.filter(user__email="second@nasa.gov").update(
        confirmed_at=event.starts_at - 10 * H)

    run(capture, at=event.starts_at - 9 * H)
    assert sent("24h") == []
    run(capture, at=event.starts_at - 40 * timedelta(minutes=1))
    assert sent("1h") == ["second@nasa.gov"]


def test_a_job_down_all_day_sends_only_the_1h_reminder(make_event, gov_member, capture):
    event = make_event()
    registration_create(event=event, user=gov_member)
    run(capture, at=event.starts_at - 40 * timedelta(minutes=1))
    run(capture, at=event.starts_at - 35 * timedelta(minutes=1))
    assert sent("24h") == [] and sent("1h") == ["member@va.gov"]


def test_no_reminder_for_someone_who_lost_access_to_the_event(make_event, make_group,
                                                             make_user, capture):
    group = make_group("nlp")
    stays, leaves = make_user("stays@nasa.gov"), make_user("leaves@nasa.gov")
    for person in (stays, leaves):
        group_join(group=group, user=person)
    event = make_event(access_level="group", group=group)
    for person in (stays, leaves):
        registration_create(event=event, user=person)
    group_leave(group=group, user=leaves)

    run(capture, at=event.starts_at - 12 * H)

    assert sent("24h") == ["stays@nasa.gov"]


def test_no_reminder_for_a_deactivated_account(make_event, gov_member, capture):
    event = make_event()
    registration_create(event=event, user=gov_member)
    gov_member.is_active = False
    gov_member.save(update_fields=["is_active"])
    assert run(capture, at=event.starts_at - 12 * H) == 0


def test_reminder_reads_are_a_fixed_number_of_queries_per_batch(
        make_event, make_group, make_user, django_assert_max_num_queries):
    group = make_group("nlp")
    government = make_event(access_level="government")
    grouped = make_event(access_level="group", group=group)
    people = [make_user(f"p{i}@nasa.gov") for i in range(12)]
    for person in people:
        group_join(group=group, user=person)
        registration_create(event=government, user=person)
        registration_create(event=grouped, user=person)
    at = government.starts_at - 12 * H
    # 24 reminders in batches of 5: 5 full batches and one of 4, each one read plus two
    # for the access policy; then one empty read for the 1h kind. Each reminder writes in
    # its own savepoint: lock and re-check, ReminderSent, outbox row (5 statements).
    reads = 6 * 3 + 1
    with django_assert_max_num_queries(reads + 24 * 5):
        assert reminders_send(now=at, batch_size=5) == 24
    assert ReminderSent.objects.count() == 24


def test_the_job_is_registered_every_five_minutes_and_sends(make_event, gov_member,
                                                             capture):
    job = load_periodic_jobs()["events.reminders"]
    assert job.every == timedelta(minutes=5)
    event = make_event()
    registration_create(event=event, user=gov_member)
    assert job.func() == 0  # a week away
    with capture(execute=True):
        assert tasks.event_reminders_send() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_each_reminder_once(make_event, make_user, monkeypatch):
    """Real threads with their own connections, released together once both have read the
    same batch: the unique constraint lets exactly one of them send each reminder."""
    event = make_event()
    people = [make_user(f"racer{i}@nasa.gov") for i in range(4)]
    for person in people:
        registration_create(event=event, user=person)
    at = event.starts_at - 30 * timedelta(minutes=1)
    barrier = threading.Barrier(2, timeout=30)
    real_due = reminders.reminders_due

    def due_then_wait(**kwargs):
        batch = real_due(**kwargs)
        if batch:
            barrier.wait()  # both workers now hold the same stale batch
        return batch

    monkeypatch.setattr(reminders, "reminders_due", due_then_wait)
    results, errors = [], []

    def worker():
        try:
            results.append(reminders_send(now=at))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(results) == 4  # however the work interleaved
    assert ReminderSent.objects.filter(kind="1h").count() == 4
    assert OutgoingMail.objects.filter(template="events/email/reminder_1h").count() == 4
    assert sent("1h") == sorted(p.email for p in people)
