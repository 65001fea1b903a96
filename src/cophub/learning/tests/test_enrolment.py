"""Enrolment registers for the sessions of a series or track through the events app, so
capacity, wait-lists and mail behave as on event pages."""

import pytest
from django.core import mail
from django.urls import reverse

from cophub.events.models import Registration
from cophub.events.services import registration_cancel, registration_create
from cophub.learning.models import Enrolment
from cophub.learning.services import (
    EnrolmentError,
    enrolment_cancel,
    enrolment_create,
    enrolments_sync,
    session_save,
)

pytestmark = pytest.mark.django_db


def statuses(user):
    return dict(Registration.objects.filter(user=user).values_list("event__title", "status"))


def test_enrolling_in_a_series_registers_for_every_upcoming_session_only(
        make_session, gov_member, django_capture_on_commit_callbacks):
    upcoming = [make_session(), make_session()]
    make_session(past=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = enrolment_create(user=gov_member, series=upcoming[0].series)
    assert result.created and len(result.confirmed) == 2 and not result.skipped
    assert statuses(gov_member) == {s.event.title: "confirmed" for s in upcoming}
    # Each registration sends its own confirmation with a calendar invite.
    assert len(mail.outbox) == 2 and all(m.attachments for m in mail.outbox)


def test_enrolment_respects_capacity_and_waitlists_when_full(make_session, make_user):
    roomy, full = make_session(), make_session(capacity=1)
    registration_create(event=full.event, user=make_user("first@nasa.gov"))
    person = make_user("second@nasa.gov")
    result = enrolment_create(user=person, series=roomy.series)
    assert [e.pk for e in result.confirmed] == [roomy.event_id]
    assert [e.pk for e in result.waitlisted] == [full.event_id]
    assert Registration.objects.filter(event=full.event, status="confirmed").count() == 1


def test_track_enrolment_registers_only_for_that_tracks_sessions(make_session, make_track,
                                                                 gov_member):
    acquisition, technical = make_track("Acquisition"), make_track("Technical")
    mine = make_session(tracks=[acquisition])
    shared = make_session(tracks=[acquisition, technical])
    make_session(tracks=[technical])
    enrolment_create(user=gov_member, series=mine.series, track=acquisition)
    assert set(statuses(gov_member)) == {mine.event.title, shared.event.title}


def test_sessions_the_person_may_not_join_are_reported_not_registered(make_session,
                                                                     public_user):
    open_session = make_session()
    closed = make_session(access_level="government")
    result = enrolment_create(user=public_user, series=open_session.series)
    assert [e.pk for e in result.confirmed] == [open_session.event_id]
    assert [(e.pk, reason) for e, reason in result.skipped] == [
        (closed.event_id, "This event is not open to you.")]
    assert not Registration.objects.filter(event=closed.event).exists()


def test_enrolling_twice_keeps_one_enrolment_and_one_registration(make_session, gov_member):
    session = make_session()
    enrolment_create(user=gov_member, series=session.series)
    again = enrolment_create(user=gov_member, series=session.series)
    assert not again.created
    assert Enrolment.objects.count() == 1 and Registration.objects.count() == 1


def test_track_of_another_series_is_refused(make_session, make_track, gov_member, community):
    from cophub.learning.models import Series

    other = Series.objects.create(community=community, slug="other", title="Other", year=2023)
    track = make_track("Leadership", series=other)
    with pytest.raises(EnrolmentError):
        enrolment_create(user=gov_member, series=make_session().series, track=track)


def test_cancelling_an_enrolment_cancels_its_registrations_and_promotes_the_waitlist(
        make_session, make_user, gov_member, django_capture_on_commit_callbacks):
    session = make_session(capacity=1)
    enrolment_create(user=gov_member, series=session.series)
    waiting = make_user("waiting@nasa.gov")
    registration_create(event=session.event, user=waiting)
    enrolment = Enrolment.objects.get(user=gov_member)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = enrolment_cancel(enrolment=enrolment, actor=gov_member)
    assert [e.pk for e in cancelled] == [session.event_id]
    assert statuses(gov_member) == {session.event.title: "cancelled"}
    assert statuses(waiting) == {session.event.title: "confirmed"}
    assert not Enrolment.objects.exists()
    assert "waiting@nasa.gov" in [m.to[0] for m in mail.outbox]


def test_leaving_a_track_keeps_sessions_the_series_enrolment_covers(make_session, make_track,
                                                                   gov_member):
    track = make_track()
    session = make_session(tracks=[track])
    enrolment_create(user=gov_member, series=session.series)
    enrolment_create(user=gov_member, series=session.series, track=track)
    track_enrolment = Enrolment.objects.get(track=track)
    assert enrolment_cancel(enrolment=track_enrolment, actor=gov_member) == []
    assert statuses(gov_member) == {session.event.title: "confirmed"}


def test_a_session_added_later_registers_enrolled_people(
        make_session, make_track, make_user, organizer, gov_member, community,
        django_capture_on_commit_callbacks):
    from cophub.events.models import Event

    track = make_track()
    first = make_session(tracks=[track])
    enrolment_create(user=gov_member, series=first.series, track=track)
    outsider = make_user("outsider@nasa.gov")
    enrolment_create(user=outsider, series=first.series, track=make_track("Leadership"))
    event = Event.objects.create(community=community, kind="training", title="Added later",
                                 starts_at=first.event.starts_at,
                                 ends_at=first.event.ends_at, status="published")
    with django_capture_on_commit_callbacks(execute=True):
        session_save(series=first.series, actor=organizer,
                     data={"event": event, "tracks": [track], "instructors": []})
    assert statuses(gov_member)["Added later"] == "confirmed"
    assert "Added later" not in statuses(outsider)


def test_sync_does_not_re_register_someone_who_cancelled_a_session(make_session, gov_member):
    session = make_session()
    enrolment_create(user=gov_member, series=session.series)
    registration = Registration.objects.get(user=gov_member)
    registration_cancel(registration=registration, actor=gov_member)
    assert enrolments_sync() == 0
    assert statuses(gov_member) == {session.event.title: "cancelled"}


def test_sync_registers_enrolled_people_once_registration_opens(make_session, gov_member):
    from datetime import timedelta

    from django.utils import timezone

    session = make_session(registration_opens_at=timezone.now() + timedelta(days=1))
    result = enrolment_create(user=gov_member, series=session.series)
    assert [reason for _, reason in result.skipped] == [
        "Registration for this event has not opened yet."]
    assert enrolments_sync() == 0
    session.event.registration_opens_at = timezone.now() - timedelta(minutes=1)
    session.event.save(update_fields=["registration_opens_at"])
    assert enrolments_sync() == 1
    assert statuses(gov_member) == {session.event.title: "confirmed"}
    assert enrolments_sync() == 0  # never twice


def test_enrol_button_reports_confirmed_and_waitlisted_sessions(client, make_session,
                                                                make_user, gov_member):
    roomy, full = make_session(), make_session(capacity=1)
    registration_create(event=full.event, user=make_user("first@nasa.gov"))
    client.force_login(gov_member)
    series = roomy.series
    url = reverse("learning:enrol", kwargs={"community": series.community.slug,
                                            "series": series.slug})
    page = client.post(url, follow=True).content.decode()
    assert "You are enrolled in 2024 AI Training Series" in page
    assert "registered for 1 session" in page and "wait-list: " + full.event.title in page
    assert "Cancel enrollment" in page
    cancel = reverse("learning:enrolment_cancel", kwargs={"community": series.community.slug,
                                                          "series": series.slug})
    page = client.post(cancel, follow=True).content.decode()
    assert "You are no longer enrolled" in page
    assert not Enrolment.objects.exists()


def test_enrolling_needs_sign_in_and_post(client, make_session):
    series = make_session().series
    url = reverse("learning:enrol", kwargs={"community": series.community.slug,
                                            "series": series.slug})
    assert client.post(url).status_code == 302
    assert not Enrolment.objects.exists()
