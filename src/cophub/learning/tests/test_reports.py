"""Organizer figures per series, track and session, and bounded queries on every list page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cophub.events.models import Material, Registration
from cophub.events.services import registration_create
from cophub.learning.selectors import series_report, unique_attendees
from cophub.learning.services import certificate_issue, enrolment_create

pytestmark = pytest.mark.django_db


def test_unique_attendees_count_each_person_once_and_ignore_revoked_attendance(
        make_session, attend, make_user, series):
    sessions = [make_session(past=True) for _ in range(3)]
    people = [make_user(f"p{i}@nasa.gov") for i in range(5)]
    for session in sessions:
        for person in people[:3]:
            attend(person, session, 60)
    attend(people[3], sessions[0], 5)  # too short for credit, but attended
    attend(people[4], sessions[1], 60, revoked=True)
    assert unique_attendees(series=series) == 4


def test_series_report_figures_per_session_track_and_series(make_session, make_track,
                                                            attend, make_user, series):
    acquisition, technical = make_track("Acquisition"), make_track("Technical")
    kickoff = make_session(tracks=[acquisition, technical], capacity=2)
    buying = make_session(tracks=[acquisition], minutes=90)
    people = [make_user(f"p{i}@nasa.gov") for i in range(4)]
    for person in people[:3]:
        registration_create(event=kickoff.event, user=person)  # the third is wait-listed
    registration_create(event=buying.event, user=people[0])
    enrolment_create(user=people[3], series=series, track=technical)  # wait-listed too
    attend(people[0], kickoff, 60)
    attend(people[1], kickoff, 20)   # no credit
    attend(people[0], buying, 90)
    attend(people[2], buying, 45)    # 1/2 of 90 minutes: 0.75 CLP
    attend(people[3], buying, 90, revoked=True)

    report = series_report(series=series)
    by_session = {s.pk: f for s, f in report.sessions}
    assert (by_session[kickoff.pk].registrations, by_session[kickoff.pk].waitlisted) == (2, 2)
    assert (by_session[kickoff.pk].attendees, by_session[kickoff.pk].earning) == (2, 1)
    assert by_session[kickoff.pk].credit == Decimal("1.00")
    assert (by_session[buying.pk].attendees, by_session[buying.pk].credit) == (2,
                                                                               Decimal("2.25"))
    by_track = {t.name: f for t, f in report.tracks}
    assert by_track["Acquisition"].unique_attendees == 3
    assert by_track["Acquisition"].credit == Decimal("3.25")
    assert by_track["Technical"].unique_attendees == 2
    assert by_track["Technical"].enrolments == 1
    assert report.totals.unique_attendees == 3
    assert report.totals.attendees == 4 and report.totals.credit == Decimal("3.25")
    assert report.totals.registrations == 3 and report.totals.waitlisted == 2


def test_report_page_shows_the_unique_attendee_figure(client, organizer, series, make_session,
                                                      attend, make_user):
    session = make_session(past=True)
    for i in range(3):
        attend(make_user(f"p{i}@nasa.gov"), session, 60)
    client.force_login(organizer)
    page = client.get(reverse("learning:series_report", kwargs={
        "community": series.community.slug, "series": series.slug})).content.decode()
    assert "unique attendees across the series" in page
    assert ">3<" in page


# --- query counts ----------------------------------------------------------------------------


def populate(n, *, tracks, make_session, attend, make_user, instructor, who):
    """n sessions over the tracks, each with a recording and slides, registrations and
    attendance, and a certificate for `who` per session."""
    for i in range(n):
        session = make_session(past=True, tracks=[tracks[i % 2]], instructors=[instructor])
        for kind in ("recording", "slides"):
            Material.objects.create(event=session.event, kind=kind, title=f"{kind} {i}",
                                    url="https://video.example/x")
        for j in range(3):
            person = make_user()
            Registration.objects.create(event=session.event, user=person, status="confirmed",
                                        arrival=j + 1)
            attend(person, session, 60)
        Registration.objects.create(event=session.event, user=who, status="confirmed",
                                    arrival=10)
        attend(who, session, 60)
        certificate_issue(user=who, session=session)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def pages(series):
    c, s = series.community.slug, series.slug
    return {
        "series_list": reverse("learning:series_list", kwargs={"community": c}),
        "series_detail": reverse("learning:series_detail", kwargs={"community": c,
                                                                   "series": s}),
        "transcript": reverse("learning:transcript"),
        "series_report": reverse("learning:series_report", kwargs={"community": c,
                                                                   "series": s}),
        "access_requests": reverse("learning:access_requests", kwargs={"community": c}),
        "organize": reverse("learning:organize", kwargs={"community": c}),
    }


MAX_QUERIES = {"series_list": 7, "series_detail": 14, "transcript": 7,
               "series_report": 15, "access_requests": 8, "organize": 10}


@pytest.mark.parametrize("page", list(MAX_QUERIES))
def test_pages_make_a_fixed_number_of_queries_however_much_data(
        client, page, pages, organizer, make_session, make_track, attend, make_user,
        instructor, series, django_assert_max_num_queries):
    from cophub.learning.services import access_request_submit

    kw = {"make_session": make_session, "tracks": [make_track("Leadership"),
                                                   make_track("Technical")], "attend": attend,
          "make_user": make_user, "instructor": instructor, "who": organizer}
    client.force_login(organizer)
    populate(2, **kw)
    access_request_submit(series=series, name="A", email="a@example.com", agency="X",
                          reason="Because of reasons.")
    client.get(pages[page])  # warm caches (content types, sessions)
    small = count_queries(client, pages[page])
    populate(4, **kw)
    for i in range(3):
        access_request_submit(series=series, name="B", email=f"b{i}@example.com", agency="X",
                              reason="Because of reasons.")
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        large = count_queries(client, pages[page])
    assert small == large, (page, small, large)
