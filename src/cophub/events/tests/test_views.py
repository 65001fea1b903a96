"""The event pages as people use them: the list, the event page, registering and
cancelling, and the organizers' event form, registrants table and CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import CommunityRole, Group
from cophub.communities.services import community_role_ensure, group_join
from cophub.core.csv_export import csv_safe
from cophub.core.models import AuditEvent
from cophub.events import services
from cophub.events.forms import monthly_dates
from cophub.events.models import Event, Question, Registration
from cophub.events.services import registration_create

pytestmark = pytest.mark.django_db

JOIN = "https://zoom.example/j/1"


def url(name, event=None, community="ai-cop", **kwargs):
    if event is not None:
        kwargs["pk"] = event.pk
    return reverse(f"events:{name}", kwargs={"community": community, **kwargs})


def text(response) -> str:
    return response.content.decode()


# --- The list ----------------------------------------------------------------------------------

def test_list_shows_upcoming_and_past_events(client, make_event):
    make_event(title="Next month's meeting")
    past_start = timezone.now() - timedelta(days=30)
    make_event(title="Last month's meeting", starts_at=past_start,
               ends_at=past_start + timedelta(hours=1))
    page = text(client.get(url("list")))
    upcoming, past = page.split("Past events")
    assert "Next month&#x27;s meeting" in upcoming
    assert "Last month&#x27;s meeting" in past


def test_list_shows_times_in_the_viewers_time_zone(client, make_event, make_user):
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    make_event(starts_at=start, ends_at=start + timedelta(hours=1))
    assert "1:00 PM" in text(client.get(url("list")))  # visitors: Eastern
    person = make_user("west@nasa.gov")
    person.time_zone = "America/Los_Angeles"
    person.save(update_fields=["time_zone"])
    client.force_login(person)
    page = text(client.get(url("list")))
    assert "10:00 AM" in page and "11:00 AM PST" in page and "Pacific time" in page
    assert "America/Los_Angeles" not in page


def test_list_filters_by_kind_group_practice_area_and_dates(client, make_event, make_group):
    genai = make_group("generative-ai", kind=Group.Kind.PRACTICE_AREA)
    outreach = make_group("outreach", kind=Group.Kind.WORKING_GROUP)
    base = datetime(2030, 3, 10, 17, 0, tzinfo=UTC)
    make_event(title="GenAI webinar", group=genai, starts_at=base,
               ends_at=base + timedelta(hours=1))
    make_event(title="Outreach workshop", kind=Event.Kind.WORKSHOP, group=outreach,
               starts_at=base + timedelta(days=40), ends_at=base + timedelta(days=40, hours=1))
    make_event(title="Quarterly town hall", kind=Event.Kind.COMMUNITY_MEETING,
               starts_at=base + timedelta(days=5), ends_at=base + timedelta(days=5, hours=1))

    def titles(**params):
        page = text(client.get(url("list"), params))
        return {t for t in ("GenAI webinar", "Outreach workshop", "Quarterly town hall")
                if t in page}

    assert titles(kind="workshop") == {"Outreach workshop"}
    assert titles(practice_area="generative-ai") == {"GenAI webinar"}
    assert titles(group="outreach") == {"Outreach workshop"}
    assert titles(date_from="2030-03-12", date_to="2030-03-31") == {"Quarterly town hall"}
    assert titles(date_to="2030-03-10") == {"GenAI webinar"}  # the whole day, Eastern
    assert titles() == {"GenAI webinar", "Outreach workshop", "Quarterly town hall"}


@pytest.mark.parametrize("params", [
    {"date_to": "9999-12-31"},  # the day after does not exist
    {"date_from": "9999-12-31"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
])
def test_list_answers_far_dates_with_a_form_error_not_a_crash(client, make_event, params):
    make_event(title="Webinar on evaluation")
    response = client.get(url("list"), params)
    assert response.status_code == 200
    assert "Enter a date between" in text(response)


def test_list_far_dates_cannot_overflow_in_the_viewers_time_zone(client, make_event,
                                                                 make_user):
    # 0001-01-01 at midnight in a zone ahead of UTC is before the first datetime there is.
    person = make_user("far-east@nasa.gov")
    person.time_zone = "Pacific/Kiritimati"
    person.save(update_fields=["time_zone"])
    client.force_login(person)
    response = client.get(url("list"), {"date_from": "0001-01-01"})
    assert response.status_code == 200


def test_list_answers_htmx_with_only_the_results(client, make_event):
    make_event(title="Webinar on evaluation")
    response = client.get(url("list"), {"kind": "webinar"}, headers={"HX-Request": "true"})
    page = text(response)
    assert "Webinar on evaluation" in page and "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_list_restored_from_history_by_htmx_is_the_whole_page(client, make_event):
    make_event(title="Webinar on evaluation")
    response = client.get(url("list"), {"kind": "webinar"}, headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in text(response) and "Webinar on evaluation" in text(response)


def test_list_paginates_past_events(client, make_event):
    for i in range(25):
        start = timezone.now() - timedelta(days=i + 1)
        make_event(title=f"Past event {i:02d}", starts_at=start,
                   ends_at=start + timedelta(hours=1))
    first = text(client.get(url("list")))
    assert "Past event 00" in first and "Past event 24" not in first and "Page 1 of 2" in first
    second = text(client.get(url("list"), {"page": 2}))
    assert "Past event 24" in second and "Past event 00" not in second


def test_list_shows_seats_left_and_the_viewers_registration(client, make_event, gov_member):
    event = make_event(title="Small workshop", capacity=2)
    registration_create(event=event, user=gov_member)
    client.force_login(gov_member)
    page = text(client.get(url("list")))
    assert "1 seat left" in page and "You are registered" in page


def test_list_query_count_does_not_grow_with_events(
        client, make_event, make_group, make_user, gov_member, django_assert_max_num_queries):
    group = make_group()
    group_join(group=group, user=gov_member)
    for i in range(30):
        event = make_event(title=f"Event {i}", group=group, capacity=5,
                           starts_at=timezone.now() + timedelta(days=i - 15 if i else 1),
                           ends_at=timezone.now() + timedelta(days=i - 15 if i else 1, hours=1))
        if i % 3 == 0 and event.ends_at > timezone.now():
            registration_create(event=event, user=make_user())
    client.force_login(gov_member)
    with django_assert_max_num_queries(12):
        response = client.get(url("list"))
    assert response.status_code == 200 and text(response).count("usa-collection__item") == 30


# --- The event page ----------------------------------------------------------------------------

def test_detail_shows_times_with_the_zone_speakers_location_and_markdown(
        client, make_event):
    start = datetime(2030, 7, 9, 17, 0, tzinfo=UTC)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=1, minutes=30),
                       time_zone="America/Chicago", location="GSA HQ, 1800 F St NW",
                       speakers="Ada Lovelace, Analyst\nAlan Turing, Mathematician",
                       description="We discuss **evaluation**.")
    page = text(client.get(event.get_absolute_url()))
    assert "Tuesday, July 9, 2030, 1:00 PM" in page and "2:30 PM EDT" in page
    assert "Times are shown in your time zone: Eastern time." in page
    assert "12:00 PM" in page and "1:30 PM CDT" in page  # where it is planned
    assert "Alan Turing, Mathematician" in page and "GSA HQ" in page
    assert "<strong>evaluation</strong>" in page


def test_detail_shows_seats_left_then_full(client, make_event, make_user, gov_member):
    event = make_event(capacity=2)
    client.force_login(gov_member)
    assert "2 seats left" in text(client.get(event.get_absolute_url()))
    registration_create(event=event, user=make_user("a@nasa.gov"))
    registration_create(event=event, user=make_user("b@nasa.gov"))
    page = text(client.get(event.get_absolute_url()))
    assert "Full: no seats left, but you can join the wait-list." in page
    assert "Join the wait-list</button>" in page


@pytest.mark.parametrize("fields,message", [
    ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "has not opened yet"),
    ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "has closed"),
    ({"starts_at": timezone.now() - timedelta(days=2),
      "ends_at": timezone.now() - timedelta(days=2) + timedelta(hours=1)}, "already taken place"),
    ({"status": Event.Status.CANCELLED}, "has been canceled"),
])
def test_detail_and_register_explain_why_registration_is_not_possible(
        client, make_event, gov_member, fields, message):
    event = make_event(**fields)
    client.force_login(gov_member)
    page = text(client.get(event.get_absolute_url()))
    assert message in page and "Register</button>" not in page
    response = client.post(url("register", event), follow=True)
    assert message in text(response)
    assert not Registration.objects.exists()


def test_register_confirms_shows_the_join_link_and_sends_the_invite(
        client, make_event, gov_member, django_capture_on_commit_callbacks):
    event = make_event(capacity=10)
    client.force_login(gov_member)
    assert JOIN not in text(client.get(event.get_absolute_url()))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("register", event), follow=True)
    page = text(response)
    assert "You are registered for LLMs in HR" in page
    assert "You are registered." in page and JOIN in page
    assert "Cancel my registration" in page
    assert Registration.objects.get().status == Registration.Status.CONFIRMED
    assert mail.outbox[-1].to == ["member@va.gov"]


def test_registering_twice_is_idempotent(client, make_event, gov_member):
    event = make_event()
    client.force_login(gov_member)
    client.post(url("register", event))
    response = client.post(url("register", event), follow=True)
    assert "You are already registered" in text(response)
    assert Registration.objects.count() == 1


def test_full_event_puts_people_on_the_wait_list_with_their_position(
        client, make_event, make_user):
    event = make_event(capacity=1)
    registration_create(event=event, user=make_user("first@nasa.gov"))
    registration_create(event=event, user=make_user("second@nasa.gov"))
    third = make_user("third@nasa.gov")
    client.force_login(third)
    response = client.post(url("register", event), follow=True)
    page = text(response)
    assert "you are on the wait-list (position 2)" in page
    assert "You are on the wait-list (position 2)." in page
    assert JOIN not in page


def test_cancelling_frees_the_seat_for_the_head_of_the_wait_list(
        client, make_event, make_user, django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    first, second = make_user("first@nasa.gov"), make_user("second@nasa.gov")
    registration_create(event=event, user=first)
    registration_create(event=event, user=second)
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cancel", event), follow=True)
    page = text(response)
    assert "Your registration is canceled" in page and JOIN not in page
    assert "Join the wait-list</button>" in page  # they may register again, at the back
    statuses = dict(Registration.objects.values_list("user__email", "status"))
    assert statuses == {"first@nasa.gov": "cancelled", "second@nasa.gov": "confirmed"}
    client.force_login(second)
    assert JOIN in text(client.get(event.get_absolute_url()))


def test_cancelling_without_a_registration_says_so(client, make_event, gov_member):
    event = make_event()
    client.force_login(gov_member)
    response = client.post(url("cancel", event), follow=True)
    assert "You are not registered for this event" in text(response)


def test_anonymous_register_goes_to_sign_in_and_back_to_the_event(client, make_event):
    event = make_event()
    response = client.post(url("register", event))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert response["Location"].endswith(f"?next={event.get_absolute_url()}")
    page = text(client.get(event.get_absolute_url()))
    assert "Sign in to register" in page and JOIN not in page


def _questions(event):
    return (
        Question.objects.create(event=event, label="Your agency", required=True, position=0),
        Question.objects.create(event=event, label="Track", kind=Question.Kind.CHOICE,
                                choices=["Acquisition", "Leadership", "Technical"],
                                required=True, position=1),
        Question.objects.create(event=event, label="Need captions?",
                                kind=Question.Kind.YES_NO, position=2),
    )


def test_registration_form_shows_the_questions_with_required_marked(
        client, make_event, gov_member):
    event = make_event()
    _questions(event)
    client.force_login(gov_member)
    page = text(client.get(event.get_absolute_url()))
    assert "Your agency" in page and 'type="radio"' in page and "Leadership" in page
    assert page.count('title="required"') >= 3  # two questions and the hint


def test_answers_are_saved_with_the_registration(client, make_event, gov_member):
    event = make_event()
    agency, track, captions = _questions(event)
    client.force_login(gov_member)
    client.post(url("register", event), {f"q_{agency.pk}": "VA", f"q_{track.pk}": "Technical",
                                         f"q_{captions.pk}": "yes"})
    assert Registration.objects.get().answers == {
        str(agency.pk): "VA", str(track.pk): "Technical", str(captions.pk): "yes"}


def test_missing_or_invalid_answers_rerender_the_form_with_errors(
        client, make_event, gov_member):
    event = make_event()
    agency, track, _captions = _questions(event)
    client.force_login(gov_member)
    response = client.post(url("register", event), {f"q_{track.pk}": "Astrology"})
    page = text(response)
    assert response.status_code == 200
    assert "This question needs an answer." in page and "Choose one of the options." in page
    assert f'href="#id_q_{agency.pk}"' in page  # the error summary links to the question
    assert not Registration.objects.exists()


def test_answers_rejected_by_the_service_rerender_the_form(
        client, make_event, gov_member, monkeypatch):
    event = make_event()
    agency, *_ = _questions(event)

    def reject(**kwargs):
        raise services.AnswersInvalid({agency.pk: "That agency is not on our list."})

    monkeypatch.setattr(services, "registration_create_safely", reject)
    client.force_login(gov_member)
    response = client.post(url("register", event), {
        f"q_{agency.pk}": "ACME", f"q_{_[0].pk}": "Technical"})
    assert response.status_code == 200
    assert "That agency is not on our list." in text(response)


def test_not_allowed_registration_gets_a_clear_message(
        client, make_event, gov_member, monkeypatch):
    event = make_event()

    def refuse(**kwargs):
        raise services.RegistrationNotAllowed("This event is not open to you.")

    monkeypatch.setattr(services, "registration_create_safely", refuse)
    client.force_login(gov_member)
    response = client.post(url("register", event), follow=True)
    assert "This event is not open to you." in text(response)


@pytest.mark.parametrize("who,sees_link", [
    ("confirmed", True), ("waitlisted", False), ("cancelled", False),
    ("signed_in_not_registered", False), ("anonymous", False),
])
def test_join_link_only_for_confirmed_registrants(client, make_event, make_user, who,
                                                  sees_link):
    event = make_event(capacity=1)
    holder = make_user("holder@nasa.gov")
    person = make_user("pat@example.com")  # a public participant, on a public event
    if who == "confirmed":
        registration_create(event=event, user=person)
    else:
        registration_create(event=event, user=holder)
    if who == "waitlisted":
        registration_create(event=event, user=person)
    if who == "cancelled":
        registration = registration_create(event=event, user=person)
        services.registration_cancel(registration=registration, actor=person)
    if who != "anonymous":
        client.force_login(person)
    page = text(client.get(event.get_absolute_url()))
    assert (JOIN in page) is sees_link


def test_material_links_follow_their_own_access_level(client, make_event, public_user,
                                                      gov_member):
    event = make_event()
    event.materials.create(kind="recording", title="Recording of the session")
    event.materials.create(kind="slides", title="Slides for everyone", access_level="public")
    client.force_login(public_user)
    page = text(client.get(event.get_absolute_url()))
    assert "Slides for everyone" in page and "Recording of the session" not in page
    client.force_login(gov_member)
    page = text(client.get(event.get_absolute_url()))
    assert "Slides for everyone" in page and "Recording of the session" in page


def test_detail_query_count_is_bounded(client, make_event, make_user, gov_member,
                                       django_assert_max_num_queries):
    event = make_event(capacity=50)
    _questions(event)
    for i in range(10):
        event.materials.create(kind="slides", title=f"Deck {i}", access_level="public")
        registration_create(event=event, user=make_user(), answers={
            str(q.pk): "x" for q in event.questions.filter(kind="text")} | {
            str(event.questions.get(kind="choice").pk): "Technical"})
    client.force_login(gov_member)
    with django_assert_max_num_queries(14):
        assert client.get(event.get_absolute_url()).status_code == 200


# --- Organizers: creating and editing events ---------------------------------------------------

def event_post(**overrides):
    data = {
        "kind": "webinar", "title": "Evaluating LLMs", "description": "All about **evals**.",
        "speakers": "Grace Hopper, Navy", "group": "", "date": "2026-07-14",
        "start_time": "13:00", "end_time": "14:30", "end_date": "",
        "time_zone": "America/Chicago", "join_url": "https://zoom.example/j/9", "location": "",
        "capacity": "100", "registration_opens": "", "registration_closes": "",
        "access_level": "public", "status": "published", "repeat_months": "1",
        "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
        "questions-0-label": "", "questions-0-kind": "text", "questions-0-choices": "",
        "questions-1-label": "", "questions-1-kind": "text", "questions-1-choices": "",
    }
    data.update(overrides)
    return data


def test_organizer_creates_an_event_stored_in_utc_with_its_questions(
        client, community, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(**{
        "questions-0-label": "Your agency", "questions-0-required": "on",
        "questions-1-label": "Track", "questions-1-kind": "choice",
        "questions-1-choices": "Acquisition\nLeadership\n\nTechnical\n",
    }))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == event.get_absolute_url()
    assert event.starts_at == datetime(2026, 7, 14, 18, 0, tzinfo=UTC)  # 1 PM CDT
    assert event.ends_at == datetime(2026, 7, 14, 19, 30, tzinfo=UTC)
    assert event.time_zone == "America/Chicago" and event.created_by == organizer
    assert [(q.label, q.kind, q.choices, q.required) for q in event.questions.all()] == [
        ("Your agency", "text", [], True),
        ("Track", "choice", ["Acquisition", "Leadership", "Technical"], False)]
    assert AuditEvent.objects.filter(verb="events.event.created").exists()
    assert AuditEvent.objects.filter(verb="events.questions.updated").exists()


def test_time_in_the_spring_forward_gap_is_refused(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(
        date="2026-03-08", start_time="02:30", end_time="03:30",
        time_zone="America/New_York"))
    page = text(response)
    assert response.status_code == 200
    assert "2:30 AM on March 8, 2026 does not exist in Eastern time" in page
    assert not Event.objects.exists()


def test_time_in_the_repeated_fall_back_hour_is_refused(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(
        date="2026-11-01", start_time="01:30", end_time="02:30",
        time_zone="America/New_York"))
    page = text(response)
    assert response.status_code == 200
    assert "1:30 AM on November 1, 2026 happens twice in Eastern time" in page
    assert not Event.objects.exists()


def test_dst_days_outside_the_changing_hour_are_fine(client, organizer):
    client.force_login(organizer)
    client.post(url("create"), event_post(date="2026-03-08", start_time="03:30",
                                          end_time="04:30", time_zone="America/New_York"))
    client.post(url("create"), event_post(date="2026-11-01", start_time="02:30",
                                          end_time="03:30", time_zone="America/New_York"))
    starts = sorted(Event.objects.values_list("starts_at", flat=True))
    assert starts == [datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 3:30 EDT
                      datetime(2026, 11, 1, 7, 30, tzinfo=UTC)]  # 2:30 EST


def test_registration_window_in_a_dst_gap_is_refused(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(registration_opens="2026-03-08T02:15"))
    assert "does not exist in Central time" in text(response)
    assert not Event.objects.exists()


def test_monthly_recurrence_keeps_the_weekday_of_the_month_across_dst(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(
        title="Monthly community meeting", date="2026-01-13",  # the second Tuesday
        start_time="12:00", end_time="13:00", time_zone="America/New_York",
        registration_closes="2026-01-13T11:00", repeat_months="4",
        **{"questions-0-label": "Your agency"}))
    events = list(Event.objects.order_by("starts_at"))
    assert "Created 4 occurrences" in text(client.get(response["Location"]))
    assert [e.starts_at for e in events] == [
        datetime(2026, 1, 13, 17, 0, tzinfo=UTC), datetime(2026, 2, 10, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 16, 0, tzinfo=UTC),  # noon EDT, after the clocks changed
        datetime(2026, 4, 14, 16, 0, tzinfo=UTC)]
    assert [e.registration_closes_at - e.starts_at for e in events] == [timedelta(hours=-1)] * 4
    assert len({e.recurrence_id for e in events}) == 1 and events[0].recurrence_id
    assert all(e.questions.get().label == "Your agency" for e in events)


def test_monthly_dates_use_the_last_weekday_for_a_fifth_one():
    from datetime import date
    assert monthly_dates(date(2026, 3, 31), 3) == [  # the fifth (last) Tuesday of March
        date(2026, 3, 31), date(2026, 4, 28), date(2026, 5, 26)]


def test_recurrence_occurrence_falling_in_a_dst_gap_is_refused(client, organizer):
    client.force_login(organizer)
    # The second Sunday of February 2026 at 2:30 AM; a month later it is 8 March, the gap.
    response = client.post(url("create"), event_post(
        date="2026-02-08", start_time="02:30", end_time="03:30",
        time_zone="America/New_York", repeat_months="2"))
    assert "March 8, 2026 does not exist" in text(response)
    assert not Event.objects.exists()


def test_oversized_description_gets_a_clear_error(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(description="x" * 20_001))
    page = text(response)
    assert response.status_code == 200
    assert "The description is too long: 20001 characters" in page
    assert 'maxlength="20000"' not in page  # the browser does not cut it silently
    assert not Event.objects.exists()


def test_event_must_end_after_it_starts(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(start_time="14:00", end_time="13:00"))
    assert "The event must end after it starts." in text(response)
    assert not Event.objects.exists()


def test_group_only_event_needs_a_group(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(access_level="group"))
    assert "Choose the group whose members may register." in text(response)
    assert not Event.objects.exists()


def test_choice_question_needs_two_options(client, organizer):
    client.force_login(organizer)
    response = client.post(url("create"), event_post(**{
        "questions-0-label": "Track", "questions-0-kind": "choice",
        "questions-0-choices": "Only one"}))
    assert "Give at least two options" in text(response)
    assert not Event.objects.exists()


def test_edit_form_shows_times_in_the_events_zone(client, make_event, organizer):
    start = datetime(2026, 7, 14, 18, 0, tzinfo=UTC)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=1),
                       time_zone="America/Denver")
    client.force_login(organizer)
    page = text(client.get(url("edit", event)))
    assert 'value="2026-07-14"' in page and 'value="12:00"' in page and 'value="13:00"' in page


def test_organizer_edits_the_event_and_its_questions(
        client, make_event, organizer, gov_member, django_capture_on_commit_callbacks):
    start = datetime(2030, 7, 14, 17, 0, tzinfo=UTC)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=1))
    keep = Question.objects.create(event=event, label="Agency", position=0)
    drop = Question.objects.create(event=event, label="Old question", position=1)
    registration_create(event=event, user=gov_member)
    client.force_login(organizer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("edit", event), event_post(**{
            "title": "LLMs in HR, moved", "date": "2030-07-14", "start_time": "14:00",
            "end_time": "15:00", "time_zone": "America/New_York",
            "questions-TOTAL_FORMS": "3", "questions-INITIAL_FORMS": "2",
            "questions-0-id": str(keep.pk), "questions-0-label": "Your agency",
            "questions-0-kind": "text", "questions-0-required": "on",
            "questions-1-id": str(drop.pk), "questions-1-label": "Old question",
            "questions-1-kind": "text", "questions-1-DELETE": "on",
            "questions-2-label": "Need captions?", "questions-2-kind": "yes_no",
            "questions-2-choices": "",
        }))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "LLMs in HR, moved" and event.sequence == 1
    assert event.starts_at == datetime(2030, 7, 14, 18, 0, tzinfo=UTC)
    assert [(q.pk, q.label, q.required) for q in event.questions.all()][0] == (
        keep.pk, "Your agency", True)
    assert [q.label for q in event.questions.all()] == ["Your agency", "Need captions?"]
    assert mail.outbox and mail.outbox[0].to == ["member@va.gov"]  # the updated invite


def test_a_question_of_another_event_cannot_be_edited_through_this_one(
        client, make_event, organizer):
    event, other = make_event(), make_event(title="Other")
    foreign = Question.objects.create(event=other, label="Theirs")
    client.force_login(organizer)
    start = timezone.localtime(event.starts_at)
    response = client.post(url("edit", event), event_post(**{
        "date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
        "end_time": (start + timedelta(hours=1)).strftime("%H:%M"),
        "time_zone": "America/New_York",
        "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "1",
        "questions-0-id": str(foreign.pk), "questions-0-label": "Hijacked",
        "questions-0-kind": "text"}))
    assert response.status_code == 200 and "does not belong to this event" in text(response)
    foreign.refresh_from_db()
    assert foreign.label == "Theirs" and foreign.event == other


def test_group_lead_creates_events_for_their_group_only(client, make_group, make_user,
                                                         make_lead):
    genai, other = make_group("generative-ai"), make_group("computer-vision")
    lead = make_user("lead@nasa.gov", mfa=True)
    make_lead(genai, lead)
    client.force_login(lead)
    page = text(client.get(url("create")))
    assert "Generative-Ai" in page and "Computer-Vision" not in page
    response = client.post(url("create"), event_post(group=str(other.pk)))
    assert response.status_code == 200 and not Event.objects.exists()
    response = client.post(url("create"), event_post(group=str(genai.pk)))
    assert response.status_code == 302 and Event.objects.get().group == genai


def test_organizer_pages_need_mfa(client, community, make_user, make_event):
    person = make_user("nomfa@gsa.gov")
    community_role_ensure(community=community, user=person,
                          role=CommunityRole.Role.ORGANIZER)
    event = make_event()
    client.force_login(person)
    for page in (url("create"), url("edit", event), url("registrants", event),
                 url("registrants_csv", event)):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


# --- Organizers: registrants -------------------------------------------------------------------

@pytest.fixture
def registered_event(make_event, make_user):
    event = make_event(capacity=1)
    agency = Question.objects.create(event=event, label="Your agency", position=0)
    people = [make_user("ada@nasa.gov", name="Ada Lovelace"),
              make_user("bob@nasa.gov", name="=HYPERLINK(\"http://evil.example\")"),
              make_user("cy@nasa.gov", name="Cy")]
    answers = ["NASA", "+1 call me", "@SUM(A1:A2)"]
    for person, answer in zip(people, answers, strict=True):
        registration_create(event=event, user=person, answers={str(agency.pk): answer})
    return event


def test_registrants_table_shows_status_position_and_answers(client, registered_event,
                                                             organizer):
    client.force_login(organizer)
    page = text(client.get(url("registrants", registered_event)))
    assert "Ada Lovelace" in page and "ada@nasa.gov" in page and "Your agency" in page
    assert "NASA" in page and "Wait-listed" in page and "Confirmed" in page
    rows = page.split("<tbody>")[1].split("</tr>")
    assert "<td>2</td>" in rows[2]  # Cy: second on the wait-list


def test_registrants_filter_by_status(client, registered_event, organizer):
    client.force_login(organizer)
    page = text(client.get(url("registrants", registered_event), {"status": "waitlisted"}))
    assert "Ada Lovelace" not in page and "cy@nasa.gov" in page
    assert "<td>1</td>" in page  # positions are within the wait-list


def test_registrants_csv_has_the_same_columns_and_defuses_formulas(
        client, registered_event, organizer):
    client.force_login(organizer)
    response = client.get(url("registrants_csv", registered_event))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["Name", "E-mail", "Organization", "Status", "Wait-list position",
                           "Your agency"]
    assert rows[0][6].startswith("Registered at")
    assert rows[1][:6] == ["Ada Lovelace", "ada@nasa.gov", "", "Confirmed", "", "NASA"]
    assert rows[2][0] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[2][5] == "'+1 call me" and rows[2][4] == "1"
    assert rows[3][5] == "'@SUM(A1:A2)" and rows[3][4] == "2"
    only_waiting = client.get(url("registrants_csv", registered_event), {"status": "waitlisted"})
    assert len(list(csv.reader(io.StringIO(
        b"".join(only_waiting.streaming_content).decode())))) == 3


def test_csv_safe_prefixes_every_formula_start():
    assert [csv_safe(v) for v in ["=1+1", "+1", "-1", "@A1", "\t=1", "ok", None, 3]] == [
        "'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "ok", "", "3"]


def test_registrants_pages_query_count_does_not_grow_with_registrants(
        client, make_event, make_user, organizer, django_assert_max_num_queries):
    event = make_event(capacity=20)
    questions = [Question.objects.create(event=event, label=f"Q{i}") for i in range(3)]
    for _ in range(40):
        registration_create(event=event, user=make_user(),
                            answers={str(q.pk): "an answer" for q in questions})
    client.force_login(organizer)
    with django_assert_max_num_queries(14):
        assert client.get(url("registrants", event)).status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(url("registrants_csv", event))
        assert len(b"".join(response.streaming_content).splitlines()) == 41
