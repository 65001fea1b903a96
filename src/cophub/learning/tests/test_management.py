"""Organizers set up a series in the browser: series, track, instructor, session."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from cophub.events.models import Event
from cophub.learning.models import Instructor, Series, Session, Track

pytestmark = pytest.mark.django_db


def test_organizer_sets_up_a_series_with_a_track_an_instructor_and_a_session(
        client, organizer, community):
    client.force_login(organizer)
    c = community.slug
    response = client.post(reverse("learning:series_create", kwargs={"community": c}), {
        "title": "2025 AI Training Series", "slug": "2025-ai-training", "year": 2025,
        "description": "Role-based tracks."})
    series = Series.objects.get(slug="2025-ai-training")
    assert response.status_code == 302 and response["Location"] == series.get_absolute_url()
    client.post(reverse("learning:track_create", kwargs={"community": c,
                                                         "series": series.slug}),
                {"name": "Technical", "slug": "technical", "position": 0})
    track = Track.objects.get(series=series)
    client.post(reverse("learning:instructor_create", kwargs={"community": c}),
                {"name": "Dr. Grace Hopper", "title": "Professor",
                 "affiliation": "Princeton University"})
    instructor = Instructor.objects.get()
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(days=14)
    event = Event.objects.create(community=community, kind="training", title="RAG in practice",
                                 starts_at=start, ends_at=start + timedelta(hours=1),
                                 status="published")
    form_url = reverse("learning:session_create", kwargs={"community": c,
                                                          "series": series.slug})
    assert "RAG in practice" in client.get(form_url).content.decode()
    response = client.post(form_url, {"event": event.pk, "tracks": [track.pk],
                                      "instructors": [instructor.pk],
                                      "credit_per_hour": "1.5", "min_attendance_ratio": "0.5",
                                      "credit_points": ""})
    assert response.status_code == 302
    session = Session.objects.get(event=event)
    assert session.series == series and session.credit_per_hour == Decimal("1.5")
    page = client.get(series.get_absolute_url()).content.decode()
    assert "RAG in practice" in page and "Dr. Grace Hopper" in page
    assert "Technical track" in page and "Up to 1.5 CLPs" in page


def test_series_address_cannot_take_a_page_address(client, organizer, community):
    client.force_login(organizer)
    response = client.post(reverse("learning:series_create", kwargs={"community": community.slug}),
                           {"title": "Organize", "slug": "organize", "year": 2025})
    assert response.status_code == 200 and "taken by a page" in response.content.decode()
    assert not Series.objects.exists()


def test_session_settings_reject_an_out_of_range_threshold(client, organizer, make_session):
    session = make_session()
    client.force_login(organizer)
    url = reverse("learning:session_edit", kwargs={"community": session.series.community.slug,
                                                   "series": session.series.slug,
                                                   "pk": session.pk})
    response = client.post(url, {"credit_per_hour": "1", "min_attendance_ratio": "1.5"})
    assert response.status_code == 200 and "Please correct the following" in \
        response.content.decode()
    session.refresh_from_db()
    assert session.min_attendance_ratio == Decimal("0.5")


def test_demo_adds_both_training_series_with_figures(settings, tmp_path):
    from cophub.learning.selectors import series_report

    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")
    call_command("demo", members=80, stdout=io.StringIO())
    s2023 = Series.objects.get(title="2023 AI Training Series")
    s2024 = Series.objects.get(title="2024 AI Training Series")
    assert list(s2024.tracks.values_list("name", flat=True)) == [
        "Acquisition", "Leadership", "Technical"]
    assert s2023.sessions.count() == 8
    assert set(Instructor.objects.values_list("affiliation", flat=True)) == {
        "Stanford University", "George Washington University", "Princeton University"}
    assert all(s.event.kind == "training" and s.event.status == "published"
               for s in Session.objects.select_related("event"))
    report = series_report(series=s2023)
    assert report.totals.unique_attendees > 20 and report.totals.credit > 0
    assert series_report(series=s2024).totals.attendees > 0
    member = s2023.enrolments.get(user__email="member@va.gov").user
    assert member.certificates.count() >= 2
