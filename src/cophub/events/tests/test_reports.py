"""The federal fiscal-year report, on a small hand-made data set with events at the edges of
the fiscal year."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from cophub.communities.models import Community
from cophub.events.models import Attendance, Event, Feedback, Registration
from cophub.events.reports import fiscal_year_bounds, fiscal_year_of, fy_report

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Eastern daylight time is UTC-4 on both edges of FY2023.
FY23_FIRST_MINUTES = utc(2022, 10, 1, 4, 30)  # 12:30 AM, October 1, 2022, Eastern
FY23_LAST_MINUTES = utc(2023, 10, 1, 3, 30)  # 11:30 PM, September 30, 2023, Eastern
FY22_LAST_MINUTES = utc(2022, 10, 1, 3, 30)  # 11:30 PM, September 30, 2022, Eastern
FY24_FIRST_MINUTE = utc(2023, 10, 1, 4, 0)  # midnight, October 1, 2023, Eastern


@pytest.fixture
def data(community, make_event, make_group, make_user):
    """Three FY2023 events (A, B, C) and five that must not count."""
    genai = make_group("generative-ai", name="Generative AI")
    u1, u2, u3, u4, u5 = (make_user(f"u{i}@nasa.gov") for i in range(1, 6))
    arrival = iter(range(1, 1000))

    def event(kind, starts_at, **fields):
        return make_event(kind=kind, starts_at=starts_at,
                          ends_at=starts_at + timedelta(hours=1), **fields)

    def register(event, user, status="confirmed"):
        Registration.objects.create(event=event, user=user, status=status,
                                    arrival=next(arrival))

    def attended(event, user, revoked=False):
        Attendance.objects.create(event=event, user=user, minutes=60, source="zoom",
                                  revoked_at=utc(2023, 11, 1) if revoked else None)

    def rated(event, user, satisfaction):
        Feedback.objects.create(event=event, user=user, satisfaction=satisfaction,
                                usefulness=3, would_recommend=True)

    a = event(Event.Kind.COMMUNITY_MEETING, FY23_FIRST_MINUTES)
    for user, status in ((u1, "confirmed"), (u2, "confirmed"), (u3, "waitlisted"),
                         (u4, "cancelled")):
        register(a, user, status)
    attended(a, u1)
    attended(a, u5)  # joined without registering
    rated(a, u1, 5)

    b = event(Event.Kind.WORKSHOP, utc(2023, 3, 15, 18), group=genai)
    for user in (u1, u2, u3):
        register(b, user)
    attended(b, u1)
    attended(b, u2)
    attended(b, u3, revoked=True)
    rated(b, u1, 4)
    rated(b, u2, 3)

    c = event(Event.Kind.WEBINAR, FY23_LAST_MINUTES, group=genai)
    register(c, u2)
    attended(c, u2)

    outside = [
        event(Event.Kind.WEBINAR, FY22_LAST_MINUTES),
        event(Event.Kind.WEBINAR, FY24_FIRST_MINUTE),
        event(Event.Kind.WORKSHOP, utc(2023, 5, 1, 16), status=Event.Status.CANCELLED),
        event(Event.Kind.WORKSHOP, utc(2023, 5, 2, 16), status=Event.Status.DRAFT),
        event(Event.Kind.WORKSHOP, utc(2023, 5, 3, 16), community=Community.objects.create(
            slug="data-cop", name="Data CoP")),
    ]
    for other in outside:
        register(other, u4)
        attended(other, u4)
        rated(other, u4, 1)
    return {"a": a, "b": b, "c": c}


def figures(row):
    return (row.events, row.registrations, row.confirmed, row.attended_registrants,
            row.attendances, row.unique_attendees, row.responses, row.average_satisfaction)


def test_fiscal_year_runs_october_to_september_in_eastern_time():
    start, end = fiscal_year_bounds(2023)
    assert start == utc(2022, 10, 1, 4) and end == utc(2023, 10, 1, 4)
    assert fiscal_year_of(FY23_FIRST_MINUTES) == 2023
    assert fiscal_year_of(FY23_LAST_MINUTES) == 2023
    assert fiscal_year_of(FY22_LAST_MINUTES) == 2022
    assert fiscal_year_of(FY24_FIRST_MINUTE) == 2024
    # Winter: Eastern standard time is UTC-5.
    assert fiscal_year_bounds(2024)[1] == utc(2024, 10, 1, 4)
    assert fiscal_year_of(utc(2023, 1, 1, 4, 59)) == 2023


def test_totals_count_published_events_of_the_fiscal_year_only(data):
    report = fy_report(community=data["a"].community, fy=2023)
    assert figures(report.total) == (3, 7, 6, 4, 5, 3, 3, 4.0)
    assert round(report.total.attendance_rate, 3) == 0.667
    assert (report.first_day, report.last_day) == (date(2022, 10, 1), date(2023, 9, 30))


def test_breakdown_by_kind(data):
    report = fy_report(community=data["a"].community, fy=2023)
    rows = {row.label: figures(row) for row in report.by_kind}
    assert list(rows) == ["Community meeting", "Webinar", "Workshop"]
    assert rows["Community meeting"] == (1, 3, 2, 1, 2, 2, 1, 5.0)
    assert rows["Webinar"] == (1, 1, 1, 1, 1, 1, 0, None)
    assert rows["Workshop"] == (1, 3, 3, 2, 2, 2, 2, 3.5)
    assert report.by_kind[0].attendance_rate == 0.5


def test_breakdown_by_host_group(data):
    report = fy_report(community=data["a"].community, fy=2023)
    rows = {row.label: figures(row) for row in report.by_group}
    assert list(rows) == ["Generative AI", "No host group"]
    assert rows["Generative AI"] == (2, 4, 4, 3, 3, 2, 2, 3.5)
    assert rows["No host group"] == (1, 3, 2, 1, 2, 2, 1, 5.0)


def test_neighbouring_years_get_the_edge_events(data):
    community = data["a"].community
    assert figures(fy_report(community=community, fy=2022).total)[:2] == (1, 1)
    assert figures(fy_report(community=community, fy=2024).total)[:2] == (1, 1)
    empty = fy_report(community=community, fy=2019)
    assert figures(empty.total) == (0, 0, 0, 0, 0, 0, 0, None)
    assert empty.total.attendance_rate is None and empty.by_kind == []


def test_report_takes_a_fixed_number_of_queries(data, django_assert_num_queries):
    community = data["a"].community
    with django_assert_num_queries(13):
        fy_report(community=community, fy=2023)


def report_url(**params):
    url = reverse("events:fy_report", kwargs={"community": "ai-cop"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_report_page_shows_the_figures(client, data, organizer,
                                       django_assert_max_num_queries):
    client.force_login(organizer)
    with django_assert_max_num_queries(22):
        response = client.get(report_url(fy=2023))
    page = response.content.decode()
    assert response.status_code == 200
    assert "fiscal year 2023" in page and "October 1, 2022 to September 30, 2023" in page
    assert "67%" in page and "4.00" in page and "Generative AI" in page
    assert "No host group" in page


def test_report_page_defaults_to_the_current_year_and_refuses_a_bad_one(client, organizer):
    client.force_login(organizer)
    assert client.get(report_url()).status_code == 200
    response = client.get(report_url(fy="twenty"))
    assert response.status_code == 400 and "Enter a whole number" in response.content.decode()
    assert client.get(report_url(fy=1999)).status_code == 400


def test_csv_export_has_every_breakdown_and_defuses_formulas(client, data, organizer):
    group = data["b"].group
    group.name = "=HYPERLINK(\"http://evil.example\")"
    group.save()
    client.force_login(organizer)
    response = client.get(reverse("events:fy_report_csv", kwargs={"community": "ai-cop"}),
                          {"fy": "2023"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ai-cop-events-fy2023.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["breakdown"], r["label"]) for r in rows] == [
        ("total", "All events, FY2023"), ("kind", "Community meeting"), ("kind", "Webinar"),
        ("kind", "Workshop"), ("host_group", "'=HYPERLINK(\"http://evil.example\")"),
        ("host_group", "No host group")]
    total = rows[0]
    assert (total["events"], total["registrations"], total["unique_attendees"],
            total["attendance_rate"], total["average_satisfaction"]) == (
        "3", "7", "3", "0.667", "4.00")
    bad = client.get(reverse("events:fy_report_csv", kwargs={"community": "ai-cop"}),
                     {"fy": "x"})
    assert bad.status_code == 400
