"""The events part of `cophub demo`: the rows are in states the product itself could create."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from cophub.communities.models import Community
from cophub.events.models import (
    Attendance,
    Event,
    Feedback,
    FeedbackRequest,
    Material,
    Question,
    Registration,
)
from cophub.events.reports import fy_events, fy_report

pytestmark = pytest.mark.django_db

CONFIRMED, WAITLISTED = Registration.Status.CONFIRMED, Registration.Status.WAITLISTED


@pytest.fixture
def demo(settings, tmp_path):
    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")  # the built-in agencies
    call_command("demo", members=120, stdout=io.StringIO())
    return Community.objects.get(slug="ai-cop")


def test_demo_never_confirms_more_than_the_capacity_and_fills_seats_before_wait_listing(demo):
    events = Event.objects.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=CONFIRMED)),
        waiting=Count("registrations", filter=Q(registrations__status=WAITLISTED)))
    for event in events:
        if event.capacity is None:
            assert event.waiting == 0, event
        else:
            assert event.confirmed <= event.capacity, event
            assert not event.waiting or event.confirmed == event.capacity, event
    assert events.filter(waiting__gt=0).exists()


def test_demo_registrations_have_consecutive_arrivals_and_consistent_times(demo):
    per_event = (Registration.objects.values("event").order_by()
                 .annotate(n=Count("id"), low=Min("arrival"), high=Max("arrival"),
                           distinct=Count("arrival", distinct=True)))
    assert per_event
    for row in per_event:
        assert (row["low"], row["high"], row["distinct"]) == (1, row["n"], row["n"])
    assert not Registration.objects.filter(status=CONFIRMED, confirmed_at__isnull=True).exists()
    assert not Registration.objects.filter(status=WAITLISTED, confirmed_at__isnull=False).exists()
    assert not Registration.objects.filter(status="cancelled", cancelled_at__isnull=True).exists()
    assert not Registration.objects.filter(created_at__gt=F("event__starts_at")).exists()
    # Arrival order is registration order.
    for event_id in Event.objects.values_list("pk", flat=True):
        times = list(Registration.objects.filter(event=event_id).order_by("arrival")
                     .values_list("created_at", flat=True))
        assert times == sorted(times)


def test_demo_attendance_and_feedback_come_only_from_confirmed_attendees(demo):
    attendances = Attendance.objects.all()
    assert attendances.exists()
    confirmed = Registration.objects.filter(status=CONFIRMED)
    for attendance in attendances.select_related("event"):
        assert confirmed.filter(event=attendance.event_id, user=attendance.user_id).exists()
        duration = (attendance.event.ends_at - attendance.event.starts_at).total_seconds() / 60
        assert 0 < attendance.minutes <= duration
    assert not attendances.filter(event__starts_at__gt=timezone.now()).exists()
    assert not attendances.filter(event__status=Event.Status.CANCELLED).exists()
    for feedback in Feedback.objects.all():
        assert attendances.filter(event=feedback.event_id, user=feedback.user_id).exists()
        assert FeedbackRequest.objects.filter(event=feedback.event_id,
                                              user=feedback.user_id).exists()
        assert 1 <= feedback.satisfaction <= 5 and 1 <= feedback.usefulness <= 5
    assert Feedback.objects.exists()


def test_demo_fy2023_calendar_and_report_show_realistic_figures(demo):
    meetings = Event.objects.filter(community=demo, kind=Event.Kind.COMMUNITY_MEETING,
                                    starts_at__year__lte=2023)
    assert meetings.count() == 12
    assert meetings.values("recurrence_id").distinct().count() == 1
    assert meetings.first().recurrence_id is not None
    others = fy_events(community=demo, fy=2023).exclude(
        kind__in=[Event.Kind.COMMUNITY_MEETING, Event.Kind.TRAINING])
    assert 24 <= others.count() <= 30
    assert Event.objects.filter(community=demo, status=Event.Status.CANCELLED).count() == 1
    assert others.filter(access_level="group").count() == 1
    assert others.filter(access_level="government").count() >= 3

    report = fy_report(community=demo, fy=2023)
    total = report.total
    assert 38 <= total.events <= 50  # 12 meetings, ~26 events and the training sessions
    assert total.registrations > total.events and total.unique_attendees > 0
    assert 0.55 <= total.attendance_rate <= 0.8
    assert total.responses > 0 and 3.8 <= total.average_satisfaction <= 4.6
    assert {row.label for row in report.by_kind} >= {"Community meeting", "Webinar",
                                                     "Workshop", "Huddle", "Demo day"}
    assert Material.objects.filter(event__community=demo, kind="recording",
                                   access_level="government").exists()
    assert Material.objects.filter(event__community=demo, kind="slides",
                                   access_level="public").exists()
    assert fy_report(community=Community.objects.get(slug="data-cop"), fy=2023).total.events


def test_demo_member_is_registered_for_one_upcoming_event_and_wait_listed_for_a_full_one(demo):
    upcoming = Registration.objects.filter(user__email="member@va.gov",
                                           event__starts_at__gt=timezone.now())
    assert upcoming.filter(status=CONFIRMED).exists()
    waiting = upcoming.get(status=WAITLISTED)
    event = waiting.event
    assert event.registrations.filter(status=CONFIRMED).count() == event.capacity
    assert event.registration_state() == "open"
    assert event.created_by.email == "organizer@gsa.gov"


def test_demo_has_upcoming_events_open_for_registration_one_with_questions(demo):
    now = timezone.now()
    upcoming = Event.objects.filter(community=demo, starts_at__gt=now,
                                    status=Event.Status.PUBLISHED).exclude(
        kind=Event.Kind.TRAINING)
    assert all(e.registration_state(now) == "open" for e in upcoming)
    meetings = upcoming.filter(kind=Event.Kind.COMMUNITY_MEETING)
    assert meetings.count() == 3 and meetings.values("recurrence_id").distinct().count() == 1
    assert upcoming.exclude(kind=Event.Kind.COMMUNITY_MEETING).count() == 4
    questions = Question.objects.filter(event__in=upcoming)
    assert set(questions.values_list("kind", flat=True)) == {"choice", "yes_no", "text"}
    role = questions.get(kind="choice")
    assert "Data scientist or engineer" in role.choices
    answered = Registration.objects.filter(event=role.event).exclude(answers={})
    assert answered.exists()
    assert all(r.answers[str(role.pk)] in role.choices for r in answered)
