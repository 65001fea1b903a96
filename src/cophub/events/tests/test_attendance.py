"""Attendance: check-in, Zoom and Teams report import, revocation."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import Community
from cophub.communities.services import community_role_ensure
from cophub.core.models import AuditEvent
from cophub.events.models import Attendance, Event, Registration
from cophub.events.services import attendance as attendance_module
from cophub.events.services import attendance_reports, material_add, registration_create
from cophub.events.services.attendance import (
    AttendanceError,
    AttendanceImportError,
    attendance_check_in,
    attendance_import,
    attendance_revoke,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
# The sample reports are of a meeting on October 18, 2023, 1–2 PM Eastern.
OCT18 = datetime(2023, 10, 18, 17, 0, tzinfo=UTC)


def held(event: Event, *, starts_at=OCT18, minutes=60) -> Event:
    """Move an event (set up while registration was open) to when it took place."""
    Event.objects.filter(pk=event.pk).update(starts_at=starts_at,
                                             ends_at=starts_at + timedelta(minutes=minutes))
    event.refresh_from_db()
    return event


@pytest.fixture
def priya(make_user):
    return make_user("priya.raman@nasa.gov", name="Priya Raman")


@pytest.fixture
def meeting(make_event, organizer, gov_member, public_user, priya):
    event = make_event(title="AI CoP Monthly Meeting: October 2023",
                       kind=Event.Kind.COMMUNITY_MEETING)
    for person in (gov_member, public_user, priya):
        registration_create(event=event, user=person)
    return held(event)


def import_sample(event, actor, name, **options):
    return attendance_import(event=event, actor=actor, data=(DATA / name).read_bytes(),
                             filename=name, **options)


def minutes_by_email(event):
    return dict(Attendance.objects.filter(event=event, revoked_at__isnull=True)
                .values_list("user__email", "minutes"))


def snapshot(event):
    return sorted(Attendance.objects.filter(event=event).values_list(
        "user_id", "minutes", "source", "recorded_at", "revoked_at"))


# --- Import: the two formats --------------------------------------------------------------

def test_zoom_report_sums_rejoins_caps_at_the_event_length_and_lists_unmatched_rows(
        meeting, organizer):
    result = import_sample(meeting, organizer, "zoom_participants.csv")
    assert result.format == "zoom"
    assert minutes_by_email(meeting) == {
        "organizer@gsa.gov": 60,  # 73 minutes as host, capped at the hour-long event
        "member@va.gov": 56,  # 31 + 25: left and rejoined, and "Member@VA.gov" is the same
        "priya.raman@nasa.gov": 60,
        "pat@example.com": 40,
    }
    assert set(Attendance.objects.values_list("source", flat=True)) == {"zoom"}
    assert (result.rows, result.matched_rows, result.people, result.created) == (7, 5, 4, 4)
    assert [(p.line, p.email, p.name) for p in result.unmatched] == [
        (10, "dana.ortiz@census.gov", "Dana Ortiz"), (11, "", "+1 202-555-0147")]
    assert result.rejected == []
    audit = AuditEvent.objects.get(verb="events.attendance.imported")
    assert audit.actor == organizer and audit.data["created"] == 4
    assert audit.data["unmatched"] == 2 and audit.data["file"] == "zoom_participants.csv"


def test_teams_report_in_utf16_with_tabs_reads_the_participants_section(meeting, organizer):
    assert (DATA / "teams_attendance.csv").read_bytes()[:2] == b"\xff\xfe"
    result = import_sample(meeting, organizer, "teams_attendance.csv")
    assert result.format == "teams"
    # "2. Participants" already adds up rejoins; "3. In-Meeting Activities" is not counted
    # again (Mia would have 110 minutes).
    assert minutes_by_email(meeting) == {"organizer@gsa.gov": 60, "member@va.gov": 55,
                                         "priya.raman@nasa.gov": 46}
    assert set(Attendance.objects.values_list("source", flat=True)) == {"teams"}
    assert [(p.line, p.email, p.name) for p in result.unmatched] == [
        (14, "jordan.lee@contractor.example", "Jordan Lee (External)"),
        (15, "", "Conference Room 4B (Guest)")]


def test_teams_report_saved_as_utf8_with_commas_is_read_too(meeting, organizer):
    text = (DATA / "teams_attendance.csv").read_bytes().decode("utf-16")
    data = text.replace("\t", ",").replace("10/18/23, ", "10/18/23 ").encode("utf-8")
    result = attendance_import(event=meeting, actor=organizer, data=data)
    assert result.format == "teams" and result.people == 3


def test_format_is_detected_and_a_wrong_choice_is_refused(meeting, organizer):
    with pytest.raises(AttendanceImportError, match="looks like a Zoom participant report"):
        import_sample(meeting, organizer, "zoom_participants.csv", report_format="teams")
    assert not Attendance.objects.exists()
    assert import_sample(meeting, organizer, "zoom_participants.csv",
                         report_format="zoom").format == "zoom"


def test_rows_match_any_verified_address_of_an_account_but_not_unverified_ones(
        meeting, organizer, make_user):
    dana = make_user("dana@census.gov", name="Dana Ortiz")
    EmailAddress.objects.create(user=dana, email="Dana.Ortiz@Census.gov", verified=True)
    sneaky = make_user("sneaky@example.com")
    EmailAddress.objects.create(user=sneaky, email="+1 202-555-0147", verified=False)
    result = import_sample(meeting, organizer, "zoom_participants.csv")
    assert minutes_by_email(meeting)["dana@census.gov"] == 43
    assert [p.line for p in result.unmatched] == [11]
    assert not Attendance.objects.filter(user=sneaky).exists()


def test_a_person_listed_under_two_of_their_addresses_is_summed_once(
        meeting, organizer, gov_member):
    EmailAddress.objects.create(user=gov_member, email="mia.member@va.gov", verified=True)
    data = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
            b"Mia,member@va.gov,10/18/2023 01:00:00 PM,10/18/2023 01:20:00 PM,20\n"
            b"Mia (phone),mia.member@va.gov,10/18/2023 01:25:00 PM,10/18/2023 01:40:00 PM,15\n")
    result = attendance_import(event=meeting, actor=organizer, data=data)
    assert result.people == 1 and minutes_by_email(meeting) == {"member@va.gov": 35}


# --- Import: idempotency and what imports leave alone -------------------------------------

def test_importing_the_same_report_twice_changes_nothing(meeting, organizer):
    import_sample(meeting, organizer, "zoom_participants.csv")
    before = snapshot(meeting)
    again = import_sample(meeting, organizer, "zoom_participants.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot(meeting) == before


def test_a_corrected_report_updates_imported_minutes(meeting, organizer):
    import_sample(meeting, organizer, "zoom_participants.csv")
    data = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
            b"Pat Public,pat@example.com,10/18/2023 01:05:00 PM,10/18/2023 01:50:00 PM,45\n")
    result = attendance_import(event=meeting, actor=organizer, data=data)
    assert result.updated == 1 and minutes_by_email(meeting)["pat@example.com"] == 45


def test_import_keeps_check_ins_and_never_undoes_a_revocation(meeting, organizer, gov_member,
                                                            public_user):
    attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    import_sample(meeting, organizer, "zoom_participants.csv")
    revoked = attendance_revoke(attendance=Attendance.objects.get(user=public_user),
                                actor=organizer)
    result = import_sample(meeting, organizer, "zoom_participants.csv")
    assert (result.kept_check_in, result.kept_revoked) == (1, 1)
    mia = Attendance.objects.get(user=gov_member)
    assert (mia.source, mia.minutes) == ("check_in", 60)
    pat = Attendance.objects.get(user=public_user)
    assert pat.revoked_at == revoked.revoked_at


# --- Import: bad files change nothing -----------------------------------------------------

@pytest.mark.parametrize("data,message", [
    ((DATA / "registrations_export.csv").read_bytes(), "does not have the columns"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
     "not a text CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "spreadsheet workbook"),
    (b"", "empty"),
    (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n",
     "no participant rows"),
    ("Name,Email\nJosé,jose@va.gov\n".encode("utf-16-le"), "does not have the columns"),
])
def test_malformed_files_are_refused_with_a_clear_message(meeting, organizer, data, message):
    with pytest.raises(AttendanceImportError, match=message):
        attendance_import(event=meeting, actor=organizer, data=data)
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(verb="events.attendance.imported").exists()


def test_a_file_over_the_size_limit_is_refused(meeting, organizer):
    data = (DATA / "zoom_participants.csv").read_bytes()
    data += b"x" * (attendance_reports.MAX_BYTES + 1 - len(data))
    with pytest.raises(AttendanceImportError, match="larger than 5 MB"):
        attendance_import(event=meeting, actor=organizer, data=data)
    assert not Attendance.objects.exists()


def test_a_report_with_too_many_rows_is_refused_whole(meeting, organizer, monkeypatch):
    monkeypatch.setattr(attendance_reports, "MAX_ROWS", 6)
    with pytest.raises(AttendanceImportError, match="more than 6 rows"):
        import_sample(meeting, organizer, "zoom_participants.csv")
    assert not Attendance.objects.exists()


def test_a_failure_while_writing_leaves_nothing_behind(meeting, organizer, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(attendance_module, "audit_record", fail)
    with pytest.raises(RuntimeError):
        import_sample(meeting, organizer, "zoom_participants.csv")
    assert not Attendance.objects.exists()


def test_a_report_of_another_meeting_is_refused(meeting, organizer):
    Event.objects.filter(pk=meeting.pk).update(starts_at=OCT18 + timedelta(days=28),
                                               ends_at=OCT18 + timedelta(days=28, hours=1))
    meeting.refresh_from_db()
    with pytest.raises(AttendanceImportError, match="None of the join times"):
        import_sample(meeting, organizer, "zoom_participants.csv")
    assert not Attendance.objects.exists()


def test_the_report_time_zone_decides_the_join_times(meeting, organizer):
    # The same wall-clock times read as Pacific time are 3 hours after the event.
    with pytest.raises(AttendanceImportError, match="time zone"):
        import_sample(meeting, organizer, "zoom_participants.csv",
                      time_zone="America/Los_Angeles")
    pacific = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
               b"Pat Public,pat@example.com,10/18/2023 10:05:00 AM,10/18/2023 10:45:00 AM,40\n")
    attendance_import(event=meeting, actor=organizer, data=pacific,
                      time_zone="America/Los_Angeles")
    assert minutes_by_email(meeting) == {"pat@example.com": 40}


def test_single_bad_rows_are_rejected_with_reasons_and_the_rest_imported(meeting, organizer):
    data = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
            b"Pat Public,pat@example.com,10/18/2023 01:05:00 PM,10/18/2023 01:45:00 PM,40\n"
            b"Mia Member,member@va.gov,10/18/2023 01:05:00 PM,10/18/2023 01:45:00 PM,forty\n"
            b"Priya,priya.raman@nasa.gov,someday,10/18/2023 01:45:00 PM,40\n"
            b"Early,early@va.gov,10/17/2023 01:05:00 PM,10/17/2023 01:45:00 PM,40\n"
            b"Typo,lee.wong at epa.gov,10/18/2023 01:05:00 PM,10/18/2023 01:45:00 PM,40\n")
    result = attendance_import(event=meeting, actor=organizer, data=data)
    assert minutes_by_email(meeting) == {"pat@example.com": 40}
    reasons = {p.line: p.reason for p in result.rejected}
    assert set(reasons) == {3, 4, 5, 6}
    assert "duration" in reasons[3] and "not a date" in reasons[4]
    assert "outside the event" in reasons[5] and "not an e-mail" in reasons[6]


def test_attendance_is_not_imported_for_future_or_cancelled_events(make_event, organizer):
    future = make_event()
    with pytest.raises(AttendanceImportError, match="not started"):
        attendance_import(event=future, actor=organizer,
                          data=(DATA / "zoom_participants.csv").read_bytes())
    cancelled = held(make_event(status=Event.Status.CANCELLED))
    with pytest.raises(AttendanceImportError, match="draft or canceled"):
        import_sample(cancelled, organizer, "zoom_participants.csv")


def test_only_organizers_import(meeting, gov_member):
    with pytest.raises(PermissionDenied):
        import_sample(meeting, gov_member, "zoom_participants.csv")


# --- Check-in -----------------------------------------------------------------------------

def test_check_in_records_the_whole_event_once(meeting, organizer, gov_member):
    first = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    again = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    assert first.pk == again.pk and Attendance.objects.count() == 1
    assert (again.minutes, again.source, again.revoked_at) == (60, "check_in", None)
    assert AuditEvent.objects.filter(verb="events.attendance.checked_in").count() == 1


def test_check_in_is_for_confirmed_registrants_and_opens_an_hour_before(
        make_event, organizer, gov_member, make_user):
    soon = make_event(capacity=1, starts_at=timezone.now() + timedelta(minutes=30),
                      ends_at=timezone.now() + timedelta(minutes=90))
    registration_create(event=soon, user=gov_member)
    waiting = make_user("waiting@nasa.gov")
    assert registration_create(event=soon, user=waiting).status == "waitlisted"
    attendance_check_in(event=soon, user=gov_member, actor=organizer)
    with pytest.raises(AttendanceError, match="confirmed registrants"):
        attendance_check_in(event=soon, user=waiting, actor=organizer)
    later = make_event()  # a week ahead
    registration_create(event=later, user=gov_member)
    with pytest.raises(AttendanceError, match="opens an hour before"):
        attendance_check_in(event=later, user=gov_member, actor=organizer)


def test_checking_in_a_revoked_attendance_restores_it(meeting, organizer, gov_member):
    attendance = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    attendance_revoke(attendance=attendance, actor=organizer)
    restored = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    assert restored.revoked_at is None
    assert AuditEvent.objects.filter(verb="events.attendance.restored").count() == 1


def test_checkin_page_lists_confirmed_registrants_and_checks_in_without_javascript(
        client, meeting, organizer, gov_member, make_user):
    Registration.objects.create(event=meeting, user=make_user("late@nasa.gov"),
                                status="waitlisted", arrival=99)
    client.force_login(organizer)
    url = reverse("events:checkin", kwargs={"community": "ai-cop", "pk": meeting.pk})
    page = client.get(url).content.decode()
    assert "member@va.gov" in page and "priya.raman@nasa.gov" in page
    assert "late@nasa.gov" not in page
    registration = Registration.objects.get(event=meeting, user=gov_member)
    response = client.post(url, {"registration": registration.pk, "q": "mia"})
    assert response.status_code == 302 and response["Location"] == url + "?q=mia"
    assert Attendance.objects.get(user=gov_member).source == "check_in"
    assert "Checked in Mia Member" in client.get(url).content.decode()


def test_checkin_with_htmx_answers_with_the_row_and_an_announcement(
        client, meeting, organizer, gov_member):
    client.force_login(organizer)
    url = reverse("events:checkin", kwargs={"community": "ai-cop", "pk": meeting.pk})
    registration = Registration.objects.get(event=meeting, user=gov_member)
    response = client.post(url, {"registration": registration.pk}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="checkin-{registration.pk}"' in body and "Checked in" in body
    assert 'hx-swap-oob="true"' in body and "Checked in Mia Member." in body


def test_checkin_search_finds_people_by_name_or_address(client, meeting, organizer):
    client.force_login(organizer)
    url = reverse("events:checkin", kwargs={"community": "ai-cop", "pk": meeting.pk})
    page = client.get(url, {"q": "nasa"}).content.decode()
    assert "priya.raman@nasa.gov" in page and "member@va.gov" not in page


def test_checkin_page_query_count_does_not_grow_with_registrants(
        client, make_event, organizer, make_user, django_assert_max_num_queries):
    event = make_event()
    for i in range(60):
        registration_create(event=event, user=make_user(f"p{i}@nasa.gov"))
    held(event)
    for registration in Registration.objects.filter(event=event)[:30]:
        attendance_check_in(event=event, user=registration.user, actor=organizer)
    client.force_login(organizer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("events:checkin",
                                      kwargs={"community": "ai-cop", "pk": event.pk}))
    assert response.status_code == 200 and response.content.decode().count("Checked in") >= 30


# --- Revocation and the attendance page ---------------------------------------------------

def test_revoking_keeps_the_first_time_and_writes_one_audit_row(meeting, organizer,
                                                                gov_member):
    attendance = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    first = attendance_revoke(attendance=attendance, actor=organizer)
    again = attendance_revoke(attendance=attendance, actor=organizer)
    assert first.revoked_at is not None and again.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(verb="events.attendance.revoked").count() == 1


def test_only_organizers_revoke(meeting, organizer, gov_member):
    attendance = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    with pytest.raises(PermissionDenied):
        attendance_revoke(attendance=attendance, actor=gov_member)
    assert Attendance.objects.get().revoked_at is None


def test_revoke_page_asks_first_then_revokes(client, meeting, organizer, gov_member):
    attendance = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    client.force_login(organizer)
    url = reverse("events:attendance_revoke", kwargs={"community": "ai-cop", "pk": meeting.pk,
                                                      "attendance_pk": attendance.pk})
    assert "Revoke the attendance of" in client.get(url).content.decode()
    assert Attendance.objects.get().revoked_at is None
    response = client.post(url)
    assert response.status_code == 302
    assert Attendance.objects.get().revoked_at is not None


def test_attendance_page_query_count_does_not_grow_with_attendees(
        client, meeting, organizer, make_user, django_assert_max_num_queries):
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)"]
    for i in range(50):
        make_user(f"a{i}@nasa.gov")
        lines.append(f"A{i},a{i}@nasa.gov,10/18/2023 01:00:00 PM,10/18/2023 01:30:00 PM,30")
    attendance_import(event=meeting, actor=organizer, data="\n".join(lines).encode())
    client.force_login(organizer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("events:attendance",
                                      kwargs={"community": "ai-cop", "pk": meeting.pk}))
    assert response.status_code == 200 and "a49@nasa.gov" in response.content.decode()


# --- The import page ----------------------------------------------------------------------

def upload(name, content=None):
    return SimpleUploadedFile(name, content if content is not None
                              else (DATA / name).read_bytes(), content_type="text/csv")


def test_import_page_reports_unmatched_rows_with_line_numbers(client, meeting, organizer):
    client.force_login(organizer)
    url = reverse("events:attendance_import", kwargs={"community": "ai-cop", "pk": meeting.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"report": upload("zoom_participants.csv"),
                                 "report_format": "auto", "time_zone": "America/New_York"})
    page = response.content.decode()
    assert response.status_code == 200 and "Zoom participant report" in page
    assert "dana.ortiz@census.gov" in page and "<th scope=\"row\">10</th>" in page
    assert Attendance.objects.count() == 4


def test_import_page_shows_the_error_and_changes_nothing(client, meeting, organizer):
    client.force_login(organizer)
    url = reverse("events:attendance_import", kwargs={"community": "ai-cop", "pk": meeting.pk})
    response = client.post(url, {"report": upload("registrations_export.csv"),
                                 "report_format": "auto", "time_zone": "America/New_York"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "does not have the columns" in page and "Nothing was changed" in page
    assert not Attendance.objects.exists()


def test_import_page_refuses_an_oversized_upload_before_reading_it(client, meeting, organizer,
                                                                   monkeypatch):
    monkeypatch.setattr(attendance_reports, "MAX_BYTES", 100)
    client.force_login(organizer)
    url = reverse("events:attendance_import", kwargs={"community": "ai-cop", "pk": meeting.pk})
    response = client.post(url, {"report": upload("zoom_participants.csv"),
                                 "report_format": "auto", "time_zone": "America/New_York"})
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not Attendance.objects.exists()


# --- Access from the outside -------------------------------------------------------------

ORGANIZER_PAGES = [  # (URL name, method, extra URL arguments)
    ("events:checkin", "get", {}),
    ("events:checkin", "post", {}),
    ("events:attendance", "get", {}),
    ("events:attendance_import", "get", {}),
    ("events:attendance_import", "post", {}),
    ("events:attendance_revoke", "get", {"attendance_pk": "attendance"}),
    ("events:attendance_revoke", "post", {"attendance_pk": "attendance"}),
    ("events:materials", "get", {}),
    ("events:materials", "post", {}),
    ("events:material_delete", "post", {"material_pk": "material"}),
    ("events:feedback_results", "get", {}),
    ("events:feedback_send", "post", {}),
    ("events:fy_report", "get", None),
    ("events:fy_report_csv", "get", None),
]


@pytest.fixture
def targets(meeting, organizer, gov_member):
    attendance = attendance_check_in(event=meeting, user=gov_member, actor=organizer)
    material = material_add(event=meeting, actor=organizer, title="Recording",
                            kind="recording", url="https://video.example.gov/1")
    return {"attendance": attendance.pk, "material": material.pk}


def page_url(name, extra, event, targets):
    if extra is None:
        return reverse(name, kwargs={"community": "ai-cop"})
    kwargs = {"community": "ai-cop", "pk": event.pk}
    kwargs.update({key: targets[value] for key, value in extra.items()})
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name,method,extra", ORGANIZER_PAGES)
def test_manage_pages_refuse_members_and_the_leads_of_other_groups(
        client, meeting, targets, name, method, extra, public_user, gov_member, make_user,
        make_group, make_lead):
    url = page_url(name, extra, meeting, targets)
    call = getattr(client, method)
    response = call(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(make_group(), lead)
    for person in (public_user, gov_member, lead):
        client.force_login(person)
        assert call(url).status_code == 403, person
    assert Attendance.objects.get().revoked_at is None
    assert meeting.materials.count() == 1


@pytest.mark.parametrize("name,method,extra", ORGANIZER_PAGES)
def test_the_host_groups_leads_run_the_event_and_other_groups_leads_do_not(
        client, meeting, targets, name, method, extra, make_user, make_group, make_lead):
    """The after-event pages of one event are the host group's leads' too (the services
    always let them act); the community-wide fiscal-year report stays the organizers'."""
    host, other = make_group("host-group"), make_group("other-group")
    Event.objects.filter(pk=meeting.pk).update(group=host)
    host_lead, other_lead = (make_user(email, mfa=True)
                             for email in ("host.lead@nih.gov", "other.lead@nih.gov"))
    make_lead(host, host_lead)
    make_lead(other, other_lead)
    url = page_url(name, extra, meeting, targets)
    call = getattr(client, method)
    client.force_login(other_lead)
    assert call(url).status_code == 403
    client.force_login(host_lead)
    response = call(url)
    if extra is None:  # about the whole community
        assert response.status_code == 403
    elif method == "get":
        assert response.status_code == 200
    else:  # reaches the view: done, redirected, or a form or lookup error, never refused
        assert response.status_code in (200, 302, 400, 404)
        assert "/accounts/login/" not in response.get("Location", "")


@pytest.mark.parametrize("name,method,extra", [p for p in ORGANIZER_PAGES if p[1] == "get"])
def test_organizer_pages_open_for_the_organizer(client, meeting, targets, organizer, name,
                                                method, extra):
    client.force_login(organizer)
    assert client.get(page_url(name, extra, meeting, targets)).status_code == 200


@pytest.mark.parametrize("name,method,extra", [p for p in ORGANIZER_PAGES if p[2] is not None])
def test_an_organizer_of_another_community_gets_nothing(
        client, meeting, targets, make_user, name, method, extra):
    other = Community.objects.create(slug="data-cop", name="Data CoP")
    stranger = make_user("organizer@census.gov", mfa=True)
    community_role_ensure(community=other, user=stranger, role="organizer")
    client.force_login(stranger)
    # Their own community's slug with this event's id: the event is not found there.
    url = page_url(name, extra, meeting, targets).replace("/c/ai-cop/", "/c/data-cop/")
    assert getattr(client, method)(url).status_code == 404
    assert getattr(client, method)(page_url(name, extra, meeting, targets)).status_code == 403


def test_organizer_without_mfa_is_sent_to_set_it_up(client, meeting, make_user, community):
    person = make_user("new.organizer@gsa.gov")
    community_role_ensure(community=community, user=person, role="organizer")
    client.force_login(person)
    response = client.get(reverse("events:checkin", kwargs={"community": "ai-cop",
                                                            "pk": meeting.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
