"""Feedback: the survey e-mail, the attendee's form, and the organizer's results."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cophub.core.models import AuditEvent, OutgoingMail
from cophub.events.models import Event, Feedback
from cophub.events.selectors import feedback_results
from cophub.events.services import (
    FeedbackAlreadyGiven,
    FeedbackError,
    attendance_check_in,
    attendance_revoke,
    feedback_request_send,
    feedback_submit,
    registration_create,
)
from cophub.events.services.feedback import FEEDBACK_HEADER, FEEDBACK_TEMPLATE

pytestmark = pytest.mark.django_db


def held(event: Event, *, hours_ago: int = 3) -> Event:
    start = timezone.now() - timedelta(hours=hours_ago)
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    event.refresh_from_db()
    return event


def attend(event, organizer, *people):
    """Register people while registration is open, hold the event, check them in."""
    for person in people:
        registration_create(event=event, user=person)
    held(event)
    return [attendance_check_in(event=event, user=p, actor=organizer) for p in people]


@pytest.fixture
def people(make_user):
    return [make_user(f"attendee{i}@nasa.gov", name=f"Attendee {i}") for i in range(4)]


@pytest.fixture
def webinar(make_event, organizer, people):
    event = make_event(title="LLMs in HR")
    attend(event, organizer, *people)
    return event


def surveys():
    return OutgoingMail.objects.filter(template=FEEDBACK_TEMPLATE)


def feedback_url(event):
    return reverse("events:feedback", kwargs={"community": "ai-cop", "pk": event.pk})


def answer(event, user, satisfaction=4, usefulness=4, would_recommend=True, comment=""):
    return feedback_submit(event=event, user=user, satisfaction=satisfaction,
                           usefulness=usefulness, would_recommend=would_recommend,
                           comment=comment)


# --- Sending the survey ---------------------------------------------------------------------

def test_survey_goes_to_attendees_once_and_not_to_revoked_or_answered_ones(
        webinar, organizer, people, django_capture_on_commit_callbacks):
    attendance_revoke(attendance=webinar.attendances.get(user=people[0]), actor=organizer)
    answer(webinar, people[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback_request_send(event=webinar, actor=organizer) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["attendee2@nasa.gov", "attendee3@nasa.gov"]
    message = mail.outbox[0]
    assert "LLMs in HR" in message.subject
    assert feedback_url(webinar) in message.body
    assert message.extra_headers[FEEDBACK_HEADER] == str(webinar.pk)
    assert "&#x27;" not in message.body and message.alternatives
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback_request_send(event=webinar, actor=organizer) == 0
    assert mail.outbox == []
    assert AuditEvent.objects.filter(verb="events.feedback.requested").count() == 2


def test_a_late_attendee_is_asked_on_the_next_send_and_the_others_are_not_asked_again(
        webinar, organizer, make_user, django_capture_on_commit_callbacks):
    feedback_request_send(event=webinar, actor=organizer)
    late = make_user("late@nasa.gov")
    webinar.attendances.create(user=late, minutes=30, source="zoom")
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback_request_send(event=webinar, actor=organizer) == 1
    assert [m.to for m in mail.outbox] == [["late@nasa.gov"]]


def test_the_survey_of_one_event_does_not_count_for_another(
        make_event, webinar, organizer, people):
    feedback_request_send(event=webinar, actor=organizer)
    second = make_event(title="Second webinar")
    attend(second, organizer, people[0])
    assert feedback_request_send(event=second, actor=organizer) == 1
    assert surveys().filter(to="attendee0@nasa.gov").count() == 2


def test_survey_waits_for_the_end_of_the_event_and_is_for_organizers(
        make_event, webinar, organizer, gov_member):
    with pytest.raises(PermissionDenied):
        feedback_request_send(event=webinar, actor=gov_member)
    upcoming = make_event()
    with pytest.raises(FeedbackError, match="after the event has ended"):
        feedback_request_send(event=upcoming, actor=organizer)
    assert not surveys().exists()


def test_send_button_reports_what_it_did(client, webinar, organizer):
    client.force_login(organizer)
    url = reverse("events:feedback_send", kwargs={"community": "ai-cop", "pk": webinar.pk})
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Sent the feedback survey to 4 attendees." in response.content.decode()
    response = client.post(url, follow=True)
    assert "Nobody was e-mailed again." in response.content.decode()
    assert surveys().count() == 4


# --- Answering ------------------------------------------------------------------------------

def test_attendee_answers_once_with_clear_messages(client, webinar, people):
    client.force_login(people[0])
    url = feedback_url(webinar)
    page = client.get(url)
    assert page.status_code == 200 and "Overall, how satisfied" in page.content.decode()
    data = {"satisfaction": "5", "usefulness": "4", "would_recommend": "no",
            "comment": "More examples, please."}
    response = client.post(url, data, follow=True)
    assert "Thank you for your feedback." in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.satisfaction, feedback.usefulness, feedback.would_recommend,
            feedback.comment) == (5, 4, False, "More examples, please.")
    again = client.post(url, {**data, "satisfaction": "1"}, follow=True)
    assert "you gave your feedback" in again.content.decode()
    assert Feedback.objects.get().satisfaction == 5


def test_incomplete_answers_are_shown_with_errors(client, webinar, people):
    client.force_login(people[0])
    response = client.post(feedback_url(webinar), {"comment": "hi"})
    assert response.status_code == 400
    assert "Please correct the following" in response.content.decode()
    assert not Feedback.objects.exists()


def test_people_who_did_not_attend_are_told_why_they_cannot_answer(
        client, webinar, organizer, people, gov_member):
    client.force_login(gov_member)
    response = client.get(feedback_url(webinar))
    assert response.status_code == 403
    assert "Only people who attended" in response.content.decode()
    assert client.post(feedback_url(webinar), {"satisfaction": "5", "usefulness": "5",
                                               "would_recommend": "yes"}).status_code == 403
    attendance_revoke(attendance=webinar.attendances.get(user=people[0]), actor=organizer)
    client.force_login(people[0])
    assert client.get(feedback_url(webinar)).status_code == 403
    assert not Feedback.objects.exists()


def test_feedback_opens_when_the_event_ends(client, make_event, gov_member):
    event = make_event()
    client.force_login(gov_member)
    assert "opens when the event has ended" in client.get(feedback_url(event)).content.decode()
    with pytest.raises(FeedbackError, match="opens when"):
        answer(event, gov_member)


def test_feedback_service_refuses_out_of_range_and_second_answers(webinar, people):
    with pytest.raises(FeedbackError, match="from 1 to 5"):
        answer(webinar, people[0], satisfaction=6)
    answer(webinar, people[0])
    with pytest.raises(FeedbackAlreadyGiven):
        answer(webinar, people[0])
    assert Feedback.objects.count() == 1


def test_anonymous_visitors_sign_in_and_hidden_events_are_404(client, make_event, organizer,
                                                               public_user):
    secret = make_event(access_level="government")
    response = client.get(feedback_url(secret))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(public_user)
    assert client.get(feedback_url(secret)).status_code == 404


# --- Results ---------------------------------------------------------------------------------

def test_results_count_average_and_distribute_the_answers(webinar, people):
    answer(webinar, people[0], 5, 3, True, "Great speakers.")
    answer(webinar, people[1], 4, 5, True)
    answer(webinar, people[2], 4, 4, False, "Too short.")
    results = feedback_results(event=webinar)
    assert (results.responses, results.attendees, results.would_recommend) == (3, 4, 2)
    assert round(results.average_satisfaction, 2) == 4.33
    assert results.average_usefulness == 4.0
    assert results.response_rate == 0.75
    assert results.distribution == [(5, 1, 1), (4, 2, 1), (3, 0, 1), (2, 0, 0), (1, 0, 0)]


def test_results_page_shows_figures_and_comments_without_names(
        client, webinar, organizer, people, django_assert_max_num_queries):
    answer(webinar, people[0], 5, 3, True, "Great <script>speakers</script>.")
    answer(webinar, people[1], 4, 5, True, "Line one\nline two")
    client.force_login(organizer)
    url = reverse("events:feedback_results", kwargs={"community": "ai-cop", "pk": webinar.pk})
    with django_assert_max_num_queries(18):
        response = client.get(url)
    page = response.content.decode()
    assert "2 of 4 attendees (50%)" in page and "4.50" in page
    assert "Great &lt;script&gt;speakers&lt;/script&gt;." in page
    assert "Line one<br>line two" in page
    assert "Attendee 0" not in page and "attendee0@nasa.gov" not in page
    assert "2 attendees have not been sent the survey yet." in page


def test_results_page_query_count_does_not_grow_with_answers(
        client, make_event, organizer, make_user, django_assert_max_num_queries):
    event = make_event()
    crowd = [make_user(f"c{i}@nasa.gov") for i in range(40)]
    attend(event, organizer, *crowd)
    for person in crowd:
        answer(event, person, comment=f"Comment from {person.pk}")
    client.force_login(organizer)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("events:feedback_results",
                                      kwargs={"community": "ai-cop", "pk": event.pk}))
    assert response.status_code == 200
