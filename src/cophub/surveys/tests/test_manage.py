"""The organizers' survey pages and the builder, driven from the outside (the test client):
who may open them, what each form does with good and bad input."""

import html

import pytest
from django.urls import reverse

from cophub.accounts.models import User
from cophub.communities.services import community_role_ensure
from cophub.core.models import OutgoingMail
from cophub.surveys import services
from cophub.surveys.models import Question, Recipient, Survey

pytestmark = pytest.mark.django_db

GOOD = {"satisfaction": "5", "usefulness": "4", "would_recommend": "yes", "comment": ""}


def url(name, survey=None, *args, community="ai-cop"):
    if survey is None:
        return reverse(f"surveys:{name}", args=[community])
    return reverse(f"surveys:{name}", args=[survey.community.slug, survey.pk, *args])


@pytest.fixture
def survey(community, organizer):
    User.objects.filter(pk=organizer.pk).update(level="federal")
    return services.survey_create(community=community, actor=organizer, title="Feedback",
                                  template="event_feedback")


@pytest.fixture
def signed_in(client, organizer):
    client.force_login(organizer)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def questions(survey):
    version = services.survey_current_version(survey)
    return list(Question.objects.filter(section__version=version)
                .order_by("section__position", "position"))


# --- Who may open the pages ------------------------------------------------------------------

def test_only_those_who_run_surveys_open_the_pages(client, survey, gov_member, make_user,
                                                   community):
    pages = [url("list"), url("create"), url("manage", survey), url("settings", survey),
             url("questions", survey), url("question_add", survey),
             url("question_edit", survey, 1, 1)]
    for page in pages[:2]:
        assert client.get(page).status_code == 302  # a visitor signs in first
    for page in pages[2:]:
        assert client.get(page).status_code == 404  # a draft nobody may see: no such survey
    client.force_login(gov_member)
    community_role_ensure(community=community, user=gov_member)
    assert client.get(url("list")).status_code == 403
    for page in pages[2:]:
        assert client.get(page).status_code == 404  # nobody asked them: no such survey
    for name in ("publish", "close", "remind"):
        assert client.post(url(name, survey)).status_code == 404
    assert Survey.objects.get().status == Survey.Status.DRAFT


def test_a_recipient_may_not_run_the_survey(client, survey, organizer, gov_member, community):
    community_role_ensure(community=community, user=gov_member)
    services.survey_publish(survey=survey, actor=organizer)
    client.force_login(gov_member)
    assert client.get(url("manage", survey)).status_code == 403
    assert client.post(url("close", survey)).status_code == 403
    assert Survey.objects.get().status == Survey.Status.OPEN


def test_a_lead_creates_surveys_for_the_group_they_lead(client, community, make_group,
                                                        make_user, make_lead):
    group, other = make_group("ai-security"), make_group("generative-ai")
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(group, lead)
    client.force_login(lead)
    page = client.get(url("create")).content.decode()
    assert "Ai-Security" in page and "Generative-Ai" not in page
    response = client.post(url("create"), {"title": "Security survey", "template": "",
                                           "group": other.pk})
    assert response.status_code == 200 and not Survey.objects.exists()
    response = client.post(url("create"), {"title": "Security survey", "template": "a11_cx",
                                           "group": group.pk})
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.group == group
    assert client.get(url("manage", survey)).status_code == 200


# --- Creating, settings, publishing ----------------------------------------------------------

def test_create_from_a_template_and_see_what_stops_publishing(signed_in, community):
    response = signed_in.post(url("create"), {"title": "Practitioners",
                                              "template": "ai_practitioner",
                                              "anonymous": "on"})
    survey = Survey.objects.get()
    assert response.url == url("manage", survey)
    assert survey.anonymous and len(questions(survey)) > 5
    page = signed_in.get(response.url).content.decode()
    assert "Publish and send to 1 person" in page  # the organizer, alone in the community
    assert "Paperwork Reduction Act" in page


def test_settings_refuse_a_group_audience_without_its_group(signed_in, survey):
    data = {"title": "Feedback", "audience": "group", "access_level": "signed_in",
            "small_cell_min": 5}
    response = signed_in.post(url("settings", survey), data)
    assert response.status_code == 200
    assert "Choose who the survey goes to." in response.content.decode()
    assert Survey.objects.get().audience == "community"


def test_a_control_number_needs_its_expiration_date(signed_in, survey):
    data = {"title": "Feedback", "audience": "community", "access_level": "signed_in",
            "small_cell_min": 5, "omb_control_number": "3090-0297"}
    response = signed_in.post(url("settings", survey), data)
    assert "Enter the date the control number expires." in response.content.decode()
    data |= {"omb_expires_on": "2099-01-31", "burden_minutes": 5,
             "omb_control_number": "30900297"}
    assert "Write the number as 0000-0000." in signed_in.post(url("settings", survey),
                                                               data).content.decode()
    data["omb_control_number"] = "3090-0297"
    assert signed_in.post(url("settings", survey), data).status_code == 302
    assert Survey.objects.get().omb_control_number == "3090-0297"


def test_publishing_sends_the_links_and_fixes_the_audience_and_anonymity(
        signed_in, survey, make_user, community):
    people = [make_user(f"p{i}@va.gov") for i in range(3)]
    for person in people:
        community_role_ensure(community=community, user=person)
    User.objects.filter(pk__in=[p.pk for p in people]).update(level="federal")
    response = signed_in.post(url("publish", survey), follow=True)
    assert "The survey is open" in response.content.decode()
    assert Recipient.objects.count() == 4 and OutgoingMail.objects.count() == 4
    data = {"title": "Renamed", "audience": "link", "anonymous": "on",
            "access_level": "public", "small_cell_min": 5}
    assert signed_in.post(url("settings", survey), data).status_code == 302
    survey.refresh_from_db()
    assert survey.title == "Renamed"
    assert survey.audience == "community" and not survey.anonymous  # fixed once published


def test_publishing_is_refused_with_the_reason_when_the_act_applies(signed_in, survey,
                                                                    make_user, community):
    for i in range(10):
        community_role_ensure(community=community, user=make_user(f"p{i}@example.com"))
    response = signed_in.post(url("publish", survey), follow=True)
    assert "Paperwork Reduction Act applies" in response.content.decode()
    assert Survey.objects.get().status == Survey.Status.DRAFT
    assert not OutgoingMail.objects.exists()


def test_remind_and_close_from_the_overview(signed_in, survey, organizer, make_user,
                                            community):
    person = make_user("p@va.gov")
    community_role_ensure(community=community, user=person)
    survey = services.survey_publish(survey=survey, actor=organizer)
    services.response_submit(survey=survey, submitted=GOOD, user=organizer)
    page = signed_in.get(url("manage", survey)).content.decode()
    assert "1 of 2 asked have answered" in page and "Remind the 1 who have not answered" in page
    response = signed_in.post(url("remind", survey), follow=True)
    assert "Reminder sent to 1 person who have not answered" in response.content.decode()
    response = signed_in.post(url("remind", survey), follow=True)
    assert "less than a day ago" in response.content.decode()
    signed_in.post(url("close", survey))
    assert Survey.objects.get().status == Survey.Status.CLOSED


# --- The builder -----------------------------------------------------------------------------

def test_add_edit_move_and_delete_a_question(signed_in, survey):
    response = signed_in.post(url("question_add", survey), {
        "section": "new", "kind": "single", "text": "Which agency type?",
        "choices": "Federal\nState\nLocal", "scale_min": "1", "scale_max": "5"})
    assert response.status_code == 302
    added = questions(survey)[-1]
    assert (added.code, added.choices, added.section.position) == (
        "which-agency-type", ["Federal", "State", "Local"], 2)
    assert added.scale_min is None  # a choice question keeps no scale

    response = signed_in.post(url("question_edit", survey, 2, 1), {
        "section": "2", "kind": "single", "text": "Which level of government?",
        "choices": "Federal\nState", "code": "which-agency-type"})
    assert response.status_code == 302
    assert questions(survey)[-1].text == "Which level of government?"

    signed_in.post(url("question_move", survey, 1, 2), {"direction": "up"})
    assert [q.code for q in questions(survey)][:2] == ["usefulness", "satisfaction"]
    signed_in.post(url("question_delete", survey, 1, 1))
    assert "usefulness" not in [q.code for q in questions(survey)]
    assert services.survey_current_version(survey).number == 1  # nobody answered yet


def test_a_bad_question_is_explained_and_changes_nothing(signed_in, survey):
    before = [(q.code, q.text) for q in questions(survey)]
    response = signed_in.post(url("question_add", survey), {
        "section": "1", "kind": "yes_no", "text": "Go back?", "branches": "yes = 1"})
    assert response.status_code == 200
    assert "forward" in response.content.decode()
    response = signed_in.post(url("question_add", survey), {
        "section": "1", "kind": "single", "text": "Pick", "choices": ""})
    assert response.status_code == 200
    response = signed_in.post(url("question_add", survey), {
        "section": "1", "kind": "yes_no", "text": "Bad", "branches": "yes to the end"})
    assert 'as "answer = section number"' in text(response)
    response = signed_in.post(url("question_add", survey), {
        "section": "1", "kind": "short_text", "text": "Dup", "code": "comment"})
    assert "Another question of this survey has this short name." in text(response)
    assert [(q.code, q.text) for q in questions(survey)] == before
    assert signed_in.get(url("question_edit", survey, 1, 9)).status_code == 404
    assert signed_in.post(url("question_delete", survey, 7, 1)).status_code == 404


def test_changing_answered_questions_makes_a_new_version(signed_in, survey, organizer):
    survey = services.survey_publish(survey=survey, actor=organizer)
    services.response_submit(survey=survey, submitted=GOOD, user=organizer)
    page = signed_in.get(url("questions", survey)).content.decode()
    assert "A change makes version 2" in page
    response = signed_in.post(url("question_edit", survey, 1, 4), {
        "section": "1", "kind": "long_text", "text": "Anything else?", "code": "comment"},
        follow=True)
    assert "makes version 2" in response.content.decode()
    assert services.survey_current_version(survey).number == 2


def test_sections_are_added_renamed_and_removed_when_empty(signed_in, survey):
    signed_in.post(url("section_save", survey), {"action": "add"})
    version = services.survey_current_version(survey)
    assert version.sections.count() == 2
    signed_in.post(url("section_save", survey), {"action": "rename", "section": "2",
                                                 "section-2-title": "About you"})
    assert version.sections.get(position=2).title == "About you"
    response = signed_in.post(url("section_save", survey), {"action": "delete",
                                                            "section": "1"}, follow=True)
    assert "Move or delete the section's questions first." in text(response)
    signed_in.post(url("section_save", survey), {"action": "delete", "section": "2"})
    assert version.sections.count() == 1
    response = signed_in.post(url("section_save", survey), {"action": "rename",
                                                            "section": "x"}, follow=True)
    assert "Choose a section of this survey" in response.content.decode()
    assert version.sections.count() == 1


def test_the_list_page_costs_the_same_for_many_surveys(signed_in, community, organizer,
                                                        django_assert_max_num_queries):
    for n in range(3):
        services.survey_create(community=community, actor=organizer, title=f"S{n}")
    signed_in.get(url("list"))
    with django_assert_max_num_queries(12):
        first = signed_in.get(url("list"))
    for n in range(3, 12):
        services.survey_create(community=community, actor=organizer, title=f"S{n}")
    with django_assert_max_num_queries(12):
        second = signed_in.get(url("list"))
    assert first.content.decode().count("usa-tag") < second.content.decode().count("usa-tag")
