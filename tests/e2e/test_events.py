"""Events in the browser: members register (by keyboard), join the wait-list and cancel; the
invitations they are sent; organizers create an event and run it afterwards (check-in,
attendance import, materials, feedback, the fiscal-year report); attendees give feedback; the
personal calendar feed. Every page goes through axe."""

import re
import time
from datetime import timedelta
from email.mime.base import MIMEBase
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cophub.events import services
from cophub.events.models import Attendance, Event, Feedback, Material, Question, Registration
from cophub.events.reports import fiscal_year_of
from cophub.events.services import attendance_check_in, feedback_request_send

from .conftest import TOTP_SECRET, account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOIN_URL = "https://zoom.example/j/8765432109"
EASTERN = ZoneInfo("America/New_York")


# --- helpers ---------------------------------------------------------------------------------


def make_event(community, organizer, *, title: str, kind: str = Event.Kind.WEBINAR,
               starts_in: timedelta = timedelta(days=7), minutes: int = 60,
               questions: list[dict] | None = None, **fields) -> Event:
    """A published event, made through the organizers' service."""
    start = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    data = {"kind": kind, "title": title, "starts_at": start,
            "ends_at": start + timedelta(minutes=minutes), "time_zone": "America/New_York",
            "join_url": JOIN_URL, "access_level": "public", "status": Event.Status.PUBLISHED,
            **fields}
    event = services.event_save(community=community, actor=organizer, data=data)
    if questions:
        services.event_questions_save(event=event, actor=organizer, questions=questions)
    return event


def move_to_past(event: Event, *, ended_ago: timedelta = timedelta(hours=1)) -> Event:
    """Registration is closed for past events, so events that need registrants are made in
    the future and then moved back in time (keeping their length)."""
    length = event.ends_at - event.starts_at
    ends = (timezone.now() - ended_ago).replace(second=0, microsecond=0)
    Event.objects.filter(pk=event.pk).update(starts_at=ends - length, ends_at=ends)
    event.refresh_from_db()
    return event


def mail_to(address: str, subject: str, timeout: float = 5.0):
    """The message to `address` whose subject contains `subject`, from the locmem outbox the
    live server's thread shares with the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mail.outbox:
            if address in message.to and subject in message.subject:
                return message
        time.sleep(0.05)
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"no message to {address} with {subject!r}; outbox: {sent}")


def attachment(message, filename: str) -> str:
    for part in message.attachments:
        if isinstance(part, MIMEBase):
            if part.get_filename() == filename:
                return part.get_payload(decode=True).decode()
        elif part[0] == filename:
            content = part[1]
            return content.decode() if isinstance(content, bytes) else content
    raise AssertionError(f"no {filename} attached to {message.subject!r}")


def ics_value(ics: str, name: str) -> str:
    match = re.search(rf"^{name}[:;](.*)$", ics, re.M)
    assert match, f"no {name} in\n{ics}"
    return match.group(1).strip()


def download(page, link) -> bytes:
    """Click a link to a file and return its bytes."""
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def status_message(page, text: str):
    return page.get_by_role("status").get_by_text(text)


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const shows = (style) => (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                           || style.boxShadow !== 'none';
  let visible = shows(getComputedStyle(el));
  // USWDS draws radios and checkboxes on the label: the focus ring is on label::before.
  if (!visible && (el.type === 'radio' || el.type === 'checkbox') && el.labels.length) {
    const ring = getComputedStyle(el.labels[0], '::before');
    visible = ring.outlineStyle !== 'none' && parseFloat(ring.outlineWidth) > 0;
  }
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
          type: el.type || '', value: el.value || '', checked: !!el.checked,
          text: (el.innerText || '').trim(), visible};
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, what: str, limit: int = 60) -> dict:
    """Tab until the focused element `matches`; each element on the way must show that it
    has focus (WCAG 2.4.7)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = focused(page)
        assert el is not None, f"focus fell off the page after {seen}"
        assert el["visible"], f"no visible focus indicator on {el}"
        seen.append(el["text"] or el["name"] or el["tag"])
        if matches(el):
            return el
    raise AssertionError(f"could not reach {what} with Tab; focus went through {seen}")


QUESTIONS = [
    {"label": "Which track interests you most?", "kind": Question.Kind.CHOICE,
     "choices": ["Acquisition", "Leadership", "Technical"], "required": True},
    {"label": "Do you need live captions?", "kind": Question.Kind.YES_NO, "required": True},
    {"label": "What do you hope to learn?", "kind": Question.Kind.TEXT, "required": False},
]


# --- 1. register by keyboard, get the invite, cancel, and the wait-list moves up -------------


def test_member_registers_by_keyboard_gets_the_invite_and_cancelling_promotes_the_waitlist(
        page, assert_accessible, sign_in, community, organizer, gov_member, make_user):
    workshop = make_event(community, organizer, title="Prompt engineering workshop",
                          kind=Event.Kind.WORKSHOP, capacity=1, questions=QUESTIONS)
    make_event(community, organizer, title="LLMs in HR", kind=Event.Kind.WEBINAR)
    q_choice, q_yes_no, q_text = workshop.questions.all()
    waiting = make_user("wes.waiting@gsa.gov", name="Wes Waiting")

    sign_in(page, gov_member.email)

    # The events list, filtered to workshops
    page.goto(f"/c/{community.slug}/events/")
    assert_accessible(page)
    results = page.locator("#event-results")
    expect(results.get_by_role("link", name="LLMs in HR")).to_be_visible()
    page.get_by_label("Kind of event").select_option(label="Workshop")
    page.get_by_role("button", name="Filter").click()
    expect(results.get_by_role("link", name="LLMs in HR")).to_have_count(0)
    expect(results.get_by_role("link", name="Prompt engineering workshop")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]kind=workshop"))
    assert_accessible(page, "events-filtered")

    # The event page: one seat, no join link before registering
    results.get_by_role("link", name="Prompt engineering workshop").click()
    page.wait_for_url(f"**{workshop.get_absolute_url()}")
    assert page.get_by_text("1 seat left").is_visible()
    assert page.locator(f'a[href="{JOIN_URL}"]').count() == 0
    assert page.get_by_text("the join link is shown here to confirmed registrants").is_visible()
    assert_accessible(page)

    # Keyboard only from here: skip to the content, answer the questions, register
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    first = tab_to(page, lambda el: el["name"] == f"q_{q_choice.pk}", "the choice question")
    assert first["type"] == "radio" and first["value"] == "Acquisition", first
    page.keyboard.press("Space")  # choose the focused option
    page.keyboard.press("ArrowDown")  # then the next one instead
    chosen = focused(page)
    assert (chosen["value"], chosen["checked"]) == ("Leadership", True), chosen
    tab_to(page, lambda el: el["name"] == f"q_{q_yes_no.pk}", "the yes/no question")
    page.keyboard.press("Space")
    assert focused(page)["value"] == "yes" and focused(page)["checked"]
    tab_to(page, lambda el: el["name"] == f"q_{q_text.pk}", "the text question")
    page.keyboard.type("How to write prompts for contract reviews.")
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Register",
           "the Register button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # They are registered, the page says so and shows the join link
    assert page.url.endswith(workshop.get_absolute_url()), page.url
    expect(status_message(page, "You are registered for Prompt engineering workshop.")
           ).to_be_visible()
    registration_box = page.get_by_role("region", name="Registration")
    expect(registration_box.get_by_text("You are registered.")).to_be_visible()
    expect(registration_box.get_by_role("link", name="Join the event")).to_have_attribute(
        "href", JOIN_URL)
    assert_accessible(page, "registered")
    registration = Registration.objects.get(event=workshop, user=gov_member)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.answers == {str(q_choice.pk): "Leadership", str(q_yes_no.pk): "yes",
                                    str(q_text.pk): "How to write prompts for contract reviews."}

    # The confirmation carries the join link and a calendar invitation (METHOD:REQUEST)
    confirmation = mail_to(gov_member.email, "You are registered: Prompt engineering workshop")
    assert JOIN_URL in confirmation.body
    invite = attachment(confirmation, "invite.ics")
    assert ics_value(invite, "METHOD") == "REQUEST"
    assert ics_value(invite, "UID").startswith(str(workshop.uid))
    assert "SUMMARY:Prompt engineering workshop" in invite

    # Someone else now joins the full event's wait-list
    waitlisted = services.registration_create(event=workshop, user=waiting, answers={
        str(q_choice.pk): "Technical", str(q_yes_no.pk): "no"})
    assert waitlisted.status == Registration.Status.WAITLISTED

    # When the member cancels, the seat goes to the head of the wait-list at once
    page.reload()
    page.get_by_role("button", name="Cancel my registration").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Your registration is canceled.")).to_be_visible()
    assert page.locator(f'a[href="{JOIN_URL}"]').count() == 0
    assert_accessible(page, "cancelled")
    registration.refresh_from_db()
    waitlisted.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert waitlisted.status == Registration.Status.CONFIRMED

    cancellation = mail_to(gov_member.email, "Registration canceled: Prompt engineering")
    assert ics_value(attachment(cancellation, "invite.ics"), "METHOD") == "CANCEL"
    promoted = mail_to(waiting.email, "A seat opened: you are registered for Prompt engineering")
    assert JOIN_URL in promoted.body
    assert ics_value(attachment(promoted, "invite.ics"), "METHOD") == "REQUEST"


# --- 2. a full event's wait-list; a government-only event is not there for the public --------


def test_member_joins_the_waitlist_of_a_full_event_and_sees_the_position(
        page, assert_accessible, sign_in, community, organizer, gov_member, make_user):
    huddle = make_event(community, organizer, title="Chatbot huddle", kind=Event.Kind.HUDDLE,
                        capacity=1)
    services.registration_create(event=huddle, user=make_user("first@gsa.gov", name="First"))

    sign_in(page, gov_member.email)
    page.goto(f"/c/{community.slug}/events/")
    expect(page.get_by_text("Full: wait-list open")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Chatbot huddle").click()
    page.wait_for_url(f"**{huddle.get_absolute_url()}")
    box = page.get_by_role("region", name="Registration")
    expect(box.get_by_text("Full: no seats left, but you can join the wait-list.")).to_be_visible()
    assert_accessible(page)

    box.get_by_role("button", name="Join the wait-list").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Chatbot huddle is full, so you are on the wait-list "
                                "(position 1).")).to_be_visible()
    expect(box.get_by_text("You are on the wait-list (position 1).")).to_be_visible()
    assert page.locator(f'a[href="{JOIN_URL}"]').count() == 0
    assert_accessible(page, "waitlisted")
    registration = Registration.objects.get(event=huddle, user=gov_member)
    assert registration.status == Registration.Status.WAITLISTED

    # The wait-list e-mail has no join link and no invitation
    message = mail_to(gov_member.email, "Wait-list: Chatbot huddle")
    assert JOIN_URL not in message.body
    assert not message.attachments


def test_public_participant_gets_404_for_a_government_only_event(
        page, assert_accessible, sign_in, community, organizer, public_user):
    secret = make_event(community, organizer, title="Agency AI inventory clinic",
                        access_level="government")
    make_event(community, organizer, title="Open AI office hours")

    sign_in(page, public_user.email)
    page.goto(f"/c/{community.slug}/events/")
    expect(page.get_by_role("link", name="Open AI office hours")).to_be_visible()
    assert page.get_by_text("Agency AI inventory clinic").count() == 0
    assert_accessible(page)

    response = page.goto(secret.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    assert page.get_by_text("Agency AI inventory clinic").count() == 0
    assert_accessible(page, "government-event-404")
    # Nor is its calendar file there
    ics = page.request.get(f"/c/{community.slug}/events/{secret.pk}/event.ics")
    assert ics.status == 404


# --- 3. an organizer creates an event and runs it ----------------------------------------------


def zoom_report(event: Event, rows: list[tuple[str, str, int, int]]) -> str:
    """A Zoom participant report: a meeting summary block, then one row per join.
    `rows`: (name, e-mail, minutes after the start they joined, minutes they stayed)."""
    fmt = "%m/%d/%Y %I:%M:%S %p"
    start = event.starts_at.astimezone(EASTERN)
    end = event.ends_at.astimezone(EASTERN)
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,",
        f'876 5432 1098,"{event.title}",{start:{fmt}},{end:{fmt}},organizer@gsa.gov,60,'
        f"{len(rows)},",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
        "Recording Consent,In Waiting Room",
    ]
    for name, email, joined_after, stayed in rows:
        joined = start + timedelta(minutes=joined_after)
        left = joined + timedelta(minutes=stayed)
        lines.append(f'"{name}",{email},{joined:{fmt}},{left:{fmt}},{stayed},Yes,Y,No')
    return "\n".join(lines) + "\n"


def test_organizer_creates_an_event_and_runs_it_from_registration_to_report(
        page, assert_accessible, sign_in, community, organizer, gov_member, public_user,
        tmp_path):
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto(f"/c/{community.slug}/events/")
    assert_accessible(page)
    page.get_by_role("link", name="New event").click()
    page.wait_for_url("**/events/new/")
    assert_accessible(page)

    # An end before the start is refused, next to the end time
    page.get_by_label("Kind of event").select_option(label="Workshop")
    page.locator("input[name=title]").fill("Generative AI in acquisition")
    page.locator("textarea[name=description]").fill("How contracting officers use **LLMs**.")
    page.locator("input[name=date]").fill("2026-03-08")
    page.locator("input[name=start_time]").fill("02:30")
    page.locator("input[name=end_time]").fill("01:00")
    page.get_by_role("button", name="Create the event").click()
    page.wait_for_load_state("load")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    expect(summary.get_by_role("link", name="End time: The event must end after it starts.")
           ).to_be_visible()
    assert page.locator("input[name=end_time][aria-invalid=true], "
                        "input[name=end_time][aria-describedby*=error]").count() == 1
    assert_accessible(page, "end-before-start")

    # A time that does not exist (clocks spring forward at 2:00 on March 8, 2026) is refused
    page.locator("input[name=end_time]").fill("03:30")
    page.get_by_role("button", name="Create the event").click()
    page.wait_for_load_state("load")
    expect(summary.get_by_role("link", name="Start time: 2:30 AM on March 8, 2026 does not "
                               "exist in Eastern time: clocks skip that hour")
           ).to_be_visible()
    assert_accessible(page, "dst-gap")
    assert Event.objects.count() == 0

    # A valid draft with a registration question
    day = (timezone.now() + timedelta(days=21)).astimezone(EASTERN).date()
    page.locator("input[name=date]").fill(day.isoformat())
    page.locator("input[name=start_time]").fill("13:00")
    page.locator("input[name=end_time]").fill("14:30")
    page.locator("input[name=join_url]").fill(JOIN_URL)
    page.locator("input[name=capacity]").fill("40")
    page.locator("input[name='questions-0-label']").fill("Which format do you prefer?")
    page.locator("select[name='questions-0-kind']").select_option(label="Choice")
    page.locator("textarea[name='questions-0-choices']").fill("In person\nOnline")
    page.locator("label[for='id_questions-0-required']").click()
    expect(page.locator("input[name=status][value=draft]")).to_be_checked()
    page.get_by_role("button", name="Create the event").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Created Generative AI in acquisition.")).to_be_visible()
    expect(page.get_by_text("This is a draft")).to_be_visible()
    assert_accessible(page, "draft-created")
    event = Event.objects.get(title="Generative AI in acquisition")
    assert event.status == Event.Status.DRAFT
    assert event.starts_at.astimezone(EASTERN).strftime("%H:%M") == "13:00"
    assert (event.ends_at - event.starts_at) == timedelta(minutes=90)
    (question,) = event.questions.all()
    assert (question.kind, question.choices, question.required) == (
        Question.Kind.CHOICE, ["In person", "Online"], True)

    # Publish it
    page.get_by_role("link", name="Edit the event").click()
    page.wait_for_url(f"**/events/{event.pk}/edit/")
    assert_accessible(page)
    page.locator("label[for='id_status_1']").click()
    expect(page.locator("input[name=status][value=published]")).to_be_checked()
    page.get_by_role("button", name="Save the event").click()
    page.wait_for_url(f"**{event.get_absolute_url()}")
    expect(status_message(page, "Saved Generative AI in acquisition.")).to_be_visible()
    assert_accessible(page, "published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED

    # Registrants, with their answers, and the CSV export
    services.registration_create(event=event, user=gov_member,
                                 answers={str(question.pk): "Online"})
    page.get_by_role("link", name="Registrants").click()
    page.wait_for_url(f"**/events/{event.pk}/registrants/")
    row = page.get_by_role("row").filter(has_text="Mia Member")
    expect(row.get_by_role("cell", name="Online")).to_be_visible()
    expect(row.get_by_role("cell", name="Confirmed")).to_be_visible()
    assert_accessible(page)
    exported = download(page, page.get_by_role("link", name="Download as CSV")).decode()
    assert exported.splitlines()[0].startswith("Name,E-mail,Organization,Status")
    assert "Which format do you prefer?" in exported.splitlines()[0]
    assert "Mia Member,member@va.gov" in exported and ",Online," in exported

    # After an event: check-in, attendance import, materials, feedback survey
    webinar = make_event(community, organizer, title="AI use case inventory webinar",
                         starts_in=timedelta(days=2))
    for person in (gov_member, public_user):
        services.registration_create(event=webinar, user=person)
    move_to_past(webinar)
    base = f"/c/{community.slug}/events/{webinar.pk}"

    page.goto(f"{base}/check-in/")
    assert_accessible(page)
    row = page.get_by_role("row").filter(has_text="Mia Member")
    row.get_by_role("button", name="Check in Mia Member").click()
    expect(page.get_by_role("row").filter(has_text="Mia Member").get_by_text("Checked in")
           ).to_be_visible()
    expect(page.locator("#checkin-status")).to_have_text("Checked in Mia Member.")
    assert_accessible(page, "checked-in")
    assert Attendance.objects.get(event=webinar, user=gov_member).source == "check_in"

    report = tmp_path / "participants.csv"
    report.write_text(zoom_report(webinar, [
        ("Pat Public", "Pat@Example.com", 2, 50),
        ("Guest Visitor", "guest.visitor@contractor.example", 5, 30),
        ("+1 202-555-0147", "", 10, 20),
    ]), encoding="utf-8")
    page.get_by_role("navigation", name="Managing this event").get_by_role(
        "link", name="Import a report").click()
    page.wait_for_url(f"**{base}/attendance/import/")
    assert_accessible(page)
    page.locator("input[name=report]").set_input_files(str(report))
    page.get_by_role("button", name="Import attendance").click()
    page.wait_for_load_state("load")
    result = page.get_by_role("region", name="Import result")
    expect(result.get_by_role("row", name="Rows matched to an account 1")).to_be_visible()
    expect(result.get_by_role("row", name="New attendance 1")).to_be_visible()
    expect(result.get_by_role("row", name="Unmatched rows 2")).to_be_visible()
    expect(result.get_by_text("guest.visitor@contractor.example")).to_be_visible()
    assert_accessible(page, "import-result")
    imported = Attendance.objects.get(event=webinar, user=public_user)
    assert (imported.source, imported.minutes) == ("zoom", 50)

    page.get_by_role("navigation", name="Managing this event").get_by_role(
        "link", name="Attendance").click()
    page.wait_for_url(f"**{base}/attendance/")
    expect(page.get_by_text("2 attended.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Managing this event").get_by_role(
        "link", name="Materials").click()
    page.wait_for_url(f"**{base}/materials/")
    assert_accessible(page)
    page.locator("input[name=title]").fill("Recording of the webinar")
    expect(page.locator("input[name=kind][value=recording]")).to_be_checked()
    page.locator("input[name=url]").fill("https://video.example/recordings/ai-inventory")
    page.get_by_role("button", name="Add material").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Added Recording of the webinar.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Recording of the webinar")
           .get_by_text("Government members only")).to_be_visible()
    assert_accessible(page, "material-added")
    material = Material.objects.get(event=webinar)
    assert (material.kind, material.access_level) == ("recording", "government")

    page.get_by_role("navigation", name="Managing this event").get_by_role(
        "link", name="Feedback").click()
    page.wait_for_url(f"**{base}/feedback/results/")
    expect(page.get_by_text("2 attendees have not been sent the survey yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send feedback survey").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Sent the feedback survey to 2 attendees.")).to_be_visible()
    assert_accessible(page, "survey-sent")
    for person in (gov_member, public_user):
        survey = mail_to(person.email, "How was AI use case inventory webinar?")
        assert f"{base}/feedback/" in survey.body

    # The fiscal-year report counts both events (only the webinar if the new event falls in
    # the next fiscal year, which happens in the last weeks of September)
    fy = fiscal_year_of(webinar.starts_at)
    both = fiscal_year_of(event.starts_at) == fy
    page.goto(f"/c/{community.slug}/events/report/?fy={fy}")
    expect(page.get_by_role("heading", level=1, name=f"Events report, fiscal year {fy}")
           ).to_be_visible()
    figures = page.locator("dl.cophub-figures")
    for label, value in [("Events", "2" if both else "1"),
                         ("Registrations", "3" if both else "2"), ("Unique attendees", "2")]:
        expect(figures.locator("div").filter(has=page.locator("dt", has_text=label))
               .locator("dd")).to_have_text(value)
    expect(page.get_by_role("link", name=f"Download the report as CSV for FY{fy}")
           ).to_be_visible()
    assert_accessible(page)


def test_organizer_reaches_the_pages_after_an_event_and_the_report_by_links(
        page, assert_accessible, sign_in, community, organizer):
    """The organizer runs events in the browser: from the event page to check-in,
    attendance, materials and feedback, and from the events list to the fiscal-year report,
    without typing addresses."""
    event = make_event(community, organizer, title="Monthly community meeting",
                       kind=Event.Kind.COMMUNITY_MEETING, starts_in=timedelta(days=2))
    move_to_past(event)

    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto(event.get_absolute_url())
    assert_accessible(page)
    base = f"/c/{community.slug}/events/{event.pk}"
    missing = [f"{name} ({href})" for name, href in [
        ("Check-in", f"{base}/check-in/"), ("Attendance", f"{base}/attendance/"),
        ("Materials", f"{base}/materials/"), ("Feedback", f"{base}/feedback/results/")]
        if page.locator(f'main a[href="{href}"]').count() == 0]

    page.goto(f"/c/{community.slug}/events/")
    assert_accessible(page)
    if page.locator(f'main a[href="/c/{community.slug}/events/report/"]').count() == 0:
        missing.append(f"Events report (/c/{community.slug}/events/report/) on the events list")
    assert not missing, "no link for organizers to: " + "; ".join(missing)


# --- 4. an attendee gives feedback ---------------------------------------------------------


def test_attendee_gives_feedback_after_the_event(
        page, assert_accessible, sign_in, community, organizer, gov_member):
    demo = make_event(community, organizer, title="Demo day: AI pilots",
                      kind=Event.Kind.DEMO_DAY, starts_in=timedelta(days=2))
    services.registration_create(event=demo, user=gov_member)
    move_to_past(demo)
    attendance_check_in(event=demo, user=gov_member, actor=organizer)
    assert feedback_request_send(event=demo, actor=organizer) == 1
    link = re.search(r"https?://\S+/feedback/", mail_to(gov_member.email,
                                                        "How was Demo day").body).group(0)

    sign_in(page, gov_member.email)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1, name="Feedback on Demo day: AI pilots")
           ).to_be_visible()
    assert_accessible(page)

    # Sending nothing shows what is missing
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state("load")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    expect(summary.get_by_role("link", name=re.compile(r"^Overall, how satisfied"))
           ).to_be_visible()
    assert_accessible(page, "feedback-errors")
    assert not Feedback.objects.exists()

    page.get_by_text("5 – Very satisfied").click()
    page.get_by_text("4 – Useful", exact=True).click()
    page.get_by_role("group", name=re.compile("Would you recommend")).get_by_text(
        "Yes").click()
    page.get_by_label("Anything else you want to tell the organizers?").fill(
        "More time for questions, please.")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state("load")
    expect(status_message(page, "Thank you for your feedback.")).to_be_visible()
    expect(page.get_by_text("Each person answers once.")).to_be_visible()
    assert page.get_by_role("button", name="Send feedback").count() == 0
    assert_accessible(page, "feedback-given")
    feedback = Feedback.objects.get(event=demo, user=gov_member)
    assert (feedback.satisfaction, feedback.usefulness, feedback.would_recommend,
            feedback.comment) == (5, 4, True, "More time for questions, please.")


# --- 7. the personal calendar feed ----------------------------------------------------------


def test_member_finds_the_calendar_feed_and_resets_it(
        page, assert_accessible, sign_in, community, organizer, gov_member):
    meeting = make_event(community, organizer, title="Monthly community meeting",
                         kind=Event.Kind.COMMUNITY_MEETING)
    services.registration_create(event=meeting, user=gov_member)

    sign_in(page, gov_member.email)
    account_menu(page, "My profile")
    page.wait_for_url("**/profile/")
    assert_accessible(page)
    page.get_by_role("link", name="Your calendar feed").click()
    page.wait_for_url("**/calendar/")
    assert_accessible(page)
    field = page.get_by_label("Your feed address")
    old_url = field.input_value()
    old_path = urlsplit(old_url).path
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{16,64}\.ics", old_path), old_url
    assert page.get_by_role("link", name="Subscribe in my calendar app").get_attribute(
        "href").startswith("webcal://")

    feed = page.request.get(old_path)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    body = feed.text()
    assert "BEGIN:VCALENDAR" in body and "SUMMARY:Monthly community meeting" in body
    assert JOIN_URL in body.replace("\r\n ", "")

    page.get_by_role("button", name="Create a new address").click()
    page.wait_for_url("**/calendar/")
    expect(status_message(page, "Your calendar feed has a new address.")).to_be_visible()
    assert_accessible(page, "feed-reset")
    new_path = urlsplit(page.get_by_label("Your feed address").input_value()).path
    assert new_path != old_path
    assert page.request.get(old_path).status == 404
    assert page.request.get(new_path).status == 200
