"""The training programme in the browser: a member enrols, attendance turns into CLPs and a
certificate anyone can verify (until the attendance is revoked); a government employee who
cannot sign in asks for the training links and an organizer approves. Every page goes
through axe."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cophub.events import services as event_services
from cophub.events.models import Attendance, Event, Registration
from cophub.events.services import attendance_revoke
from cophub.learning.models import AccessRequest, Certificate, Enrolment, RecordingAccessGrant
from cophub.learning.services import management

from .conftest import TOTP_SECRET, account_menu
from .test_events import attachment, download, ics_value, mail_to, status_message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIES_TITLE = "2026 AI Training Series"


# --- helpers ---------------------------------------------------------------------------------


def training_series(community, organizer):
    """A series with two tracks and a 90-minute session in each, led by a professor, set up
    through the organizers' services."""
    series = management.series_save(community=community, actor=organizer, data={
        "title": SERIES_TITLE, "slug": "2026-ai-training", "year": 2026,
        "description": "Role-based training led by university faculty."})
    acquisition = management.track_save(series=series, actor=organizer, data={
        "name": "Acquisition", "slug": "acquisition", "position": 0,
        "description": "Buying AI responsibly."})
    technical = management.track_save(series=series, actor=organizer, data={
        "name": "Technical", "slug": "technical", "position": 1,
        "description": "Building and evaluating AI systems."})
    professor = management.instructor_save(community=community, actor=organizer, data={
        "name": "Grace Hopper", "title": "Professor of Computer Science",
        "affiliation": "Example State University"})
    sessions = {}
    for days, title, track in [(10, "Acquiring AI: contracts and risk", acquisition),
                               (12, "Evaluating large language models", technical)]:
        start = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
        event = event_services.event_save(community=community, actor=organizer, data={
            "kind": Event.Kind.TRAINING, "title": title, "starts_at": start,
            "ends_at": start + timedelta(minutes=90), "time_zone": "America/New_York",
            "join_url": "https://zoom.example/j/555", "capacity": 100,
            "access_level": "signed_in", "status": Event.Status.PUBLISHED})
        sessions[track.slug] = management.session_save(
            series=series, actor=organizer,
            data={"event": event, "tracks": [track], "instructors": [professor]})
    return series, sessions


# --- 5. enrol, earn CLPs, get a certificate, verify it, and see it revoked ------------------


def test_member_enrols_earns_clps_and_a_certificate_that_is_verifiable_until_revoked(
        page, assert_accessible, sign_in, community, organizer, gov_member):
    series, sessions = training_series(community, organizer)
    technical = sessions["technical"]
    llm_title = "Evaluating large language models"

    sign_in(page, gov_member.email)
    page.goto(community.get_absolute_url())
    assert_accessible(page)
    page.locator("#main-content").get_by_role("link", name="Training", exact=True).click()
    page.wait_for_url(f"**/c/{community.slug}/training/")
    assert_accessible(page)
    page.get_by_role("link", name=SERIES_TITLE).click()
    page.wait_for_url(f"**{series.get_absolute_url()}")

    # The series page: its tracks, their sessions and the instructor
    for heading in ("Acquisition track", "Technical track"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(page.get_by_role("heading", level=3, name=llm_title)).to_be_visible()
    expect(page.get_by_text("Led by Grace Hopper, Professor of Computer Science, Example State "
                            "University").first).to_be_visible()
    assert_accessible(page)

    # Enrolling in a track registers for its sessions
    page.get_by_role("button", name="Enroll in the Technical track").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "You are enrolled in the Technical track. You are registered "
                                "for 1 session")).to_be_visible()
    expect(page.get_by_text("You are enrolled in the Technical track.", exact=True)
           ).to_be_visible()
    assert_accessible(page, "enrolled")
    assert Enrolment.objects.filter(user=gov_member, track__slug="technical").exists()
    registration = Registration.objects.get(event=technical.event, user=gov_member)
    assert registration.status == Registration.Status.CONFIRMED
    assert not Registration.objects.filter(event=sessions["acquisition"].event,
                                           user=gov_member).exists()
    invite = attachment(mail_to(gov_member.email, f"You are registered: {llm_title}"),
                        "invite.ics")
    assert ics_value(invite, "METHOD") == "REQUEST"

    # The session takes place and the member attends all 90 minutes
    event = technical.event
    ends = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    Event.objects.filter(pk=event.pk).update(starts_at=ends - timedelta(minutes=90),
                                             ends_at=ends)
    attendance = Attendance.objects.create(event=event, user=gov_member, minutes=90,
                                           source=Attendance.Source.ZOOM)

    # The transcript shows 1.5 hours and 1.50 CLPs
    page.get_by_role("link", name="Your transcript and certificates").click()
    page.wait_for_url("**/training/transcript/")
    row = page.get_by_role("row").filter(has_text=llm_title)
    expect(row.get_by_role("cell", name="1.5", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="1.50", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Total")).get_by_text("1.50")
           ).to_be_visible()
    assert_accessible(page)

    # The certificate, its PDF, and its public verification page
    row.get_by_role("button", name=f"Get the certificate for {llm_title}").click()
    page.wait_for_load_state("load")
    certificate = Certificate.objects.get(user=gov_member)
    expect(status_message(page, f"Your certificate for {llm_title} is ready. Its verification "
                                f"code is {certificate.code}.")).to_be_visible()
    certificates = page.get_by_role("table").filter(has_text="Verification")
    expect(certificates.get_by_text("Valid", exact=True)).to_be_visible()
    assert_accessible(page, "certificate-issued")
    assert str(certificate.credit) == "1.50"

    pdf = download(page, page.get_by_role(
        "link", name=f"Download PDF certificate for {llm_title}"))
    assert pdf.startswith(b"%PDF"), pdf[:20]

    verify_path = urlsplit(certificates.get_by_role(
        "link", name=re.compile("^Public verification page")).get_attribute("href")).path
    assert verify_path == f"/certificates/{certificate.code}/"

    account_menu(page, "Sign out", role="button")
    page.wait_for_load_state("load")
    page.goto(verify_path)
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.get_by_text("Mia Member", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{llm_title} ({SERIES_TITLE})")).to_be_visible()
    expect(page.locator("dt:text-is('Continuous Learning Points') + dd")).to_have_text("1.5")
    assert gov_member.email not in page.content()
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert_accessible(page, "certificate-valid")

    # Revoking the attendance invalidates the certificate
    attendance_revoke(attendance=attendance, actor=organizer)
    page.reload()
    expect(page.get_by_role("heading", name="Revoked certificate")).to_be_visible()
    assert page.get_by_role("heading", name="Valid certificate").count() == 0
    assert_accessible(page, "certificate-revoked")


# --- 6. request for training links ----------------------------------------------------------


def test_anonymous_request_for_training_links_is_approved_by_an_organizer(
        page, assert_accessible, sign_in, community, organizer):
    series, _sessions = training_series(community, organizer)
    requester = "dana.ortiz@contractor.example"

    # A visitor who is not signed in finds the form from the series page
    page.goto(series.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="request access to the training links").click()
    page.wait_for_url(re.compile(r"/training/request-access/\?series=2026-ai-training$"))
    expect(page.get_by_label("Training series")).to_have_value(str(series.pk))
    assert_accessible(page)

    # An incomplete request is explained
    page.get_by_label("Your name").fill("Dana Ortiz")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("load")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    expect(summary.get_by_role("link", name=re.compile(r"^E-mail address you will sign in with")
                               )).to_be_visible()
    assert_accessible(page, "request-errors")
    assert not AccessRequest.objects.exists()

    page.get_by_label("E-mail address you will sign in with").fill(requester)
    page.get_by_label("Agency or organization").fill("Census Bureau (contractor)")
    page.get_by_label("Why you cannot sign in with a government address").fill(
        "I am a contractor supporting the Census Bureau's AI projects.")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(f"**/c/{community.slug}/training/")
    expect(status_message(page, f"The organizers will review your request and e-mail "
                                f"{requester}")).to_be_visible()
    assert_accessible(page, "request-sent")
    access_request = AccessRequest.objects.get(email=requester)
    assert access_request.status == AccessRequest.Status.REQUESTED
    notice = mail_to(organizer.email, f"Request for training links: Dana Ortiz ({SERIES_TITLE})")
    assert f"/c/{community.slug}/training/organize/access-requests/" in notice.body

    # The organizer approves it from the queue
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto(f"/c/{community.slug}/training/")
    page.get_by_role("link", name="Organize training").click()
    page.wait_for_url(f"**/c/{community.slug}/training/organize/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Attendance report for {SERIES_TITLE}").click()
    page.wait_for_url(f"**{series.get_absolute_url()}report/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(SERIES_TITLE)
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Access requests (1 waiting)").click()
    page.wait_for_url("**/organize/access-requests/")
    row = page.get_by_role("row").filter(has_text=requester)
    expect(row.get_by_text("Census Bureau (contractor)")).to_be_visible()
    assert_accessible(page)
    row.get_by_role("button", name=f"Approve {requester}").click()
    page.wait_for_url("**/organize/access-requests/")
    expect(status_message(page, f"Approved: {requester} may now see the recordings")
           ).to_be_visible()
    expect(page.get_by_text("No requests are waiting.")).to_be_visible()
    assert_accessible(page, "request-approved")

    access_request.refresh_from_db()
    assert (access_request.status, access_request.decided_by) == (
        AccessRequest.Status.APPROVED, organizer)
    assert RecordingAccessGrant.objects.filter(series=series, email=requester,
                                               revoked_at__isnull=True).exists()
    approval = mail_to(requester, f"Your access to the {SERIES_TITLE} recordings")
    assert series.get_absolute_url() in approval.body
