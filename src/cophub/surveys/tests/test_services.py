"""The survey engine's writes: definitions in versions, the Paperwork Reduction Act's rule,
publishing to an audience, answering once, and the anonymous ballot box (ADR 0012)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cophub.accounts.models import User
from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure, group_join
from cophub.core.models import AuditEvent
from cophub.surveys import services
from cophub.surveys.models import Answer, Ballot, Question, Recipient, Response, Survey

pytestmark = pytest.mark.django_db

GOOD = {"satisfaction": "5", "usefulness": "4", "would_recommend": "yes",
        "comment": "<script>alert(1)</script> Very useful"}


def federal(*people) -> None:
    """What the .gov registry says of these addresses in production (tests load none): a
    federal agency."""
    User.objects.filter(pk__in=[p.pk for p in people]).update(
        level="federal", organization="Department of Veterans Affairs")
    for person in people:
        person.refresh_from_db()


@pytest.fixture
def members(community, make_user):
    """Federal members of the community."""
    def make(n: int) -> list:
        people = [make_user(f"m{i}.{n}@va.gov") for i in range(n)]
        for person in people:
            community_role_ensure(community=community, user=person)
        federal(*people)
        return people
    return make


@pytest.fixture
def survey(community, organizer):
    """The event-feedback template, to the community (whose organizer is a member too)."""
    federal(organizer)
    return services.survey_create(community=community, actor=organizer, title="Feedback",
                                  template="event_feedback")


def published(survey, organizer, **fields):
    Survey.objects.filter(pk=survey.pk).update(**fields)
    survey.refresh_from_db()
    return services.survey_publish(survey=survey, actor=organizer)


# --- Definitions -----------------------------------------------------------------------------

def test_a_survey_starts_from_a_template(survey):
    version = services.survey_current_version(survey)
    assert version.number == 1
    codes = list(Question.objects.filter(section__version=version)
                 .order_by("section__position", "position").values_list("code", flat=True))
    assert codes == ["satisfaction", "usefulness", "would_recommend", "comment"]
    assert AuditEvent.objects.filter(verb="surveys.survey.created").count() == 1


def test_an_unknown_template_or_a_foreign_group_is_refused(community, organizer, make_group):
    with pytest.raises(services.SurveyError, match="templates"):
        services.survey_create(community=community, actor=organizer, title="x",
                               template="nope")
    from cophub.communities.tests.factories import CommunityFactory, GroupFactory
    other = GroupFactory(community=CommunityFactory(slug="other"))
    with pytest.raises(services.SurveyError, match="group"):
        services.survey_create(community=community, actor=organizer, title="x", group=other)
    assert not Survey.objects.exists()


def test_the_definition_is_rewritten_until_someone_answers(survey, organizer, members):
    data = services.definition_data(services.survey_current_version(survey))
    data[0]["questions"][0]["text"] = "How satisfied were you overall?"
    version = services.definition_replace(survey=survey, sections=data, actor=organizer)
    assert version.number == 1
    assert Question.objects.get(section__version=version, code="satisfaction").text \
        == "How satisfied were you overall?"

    [person] = members(1)
    survey = published(survey, organizer)
    services.response_submit(survey=survey, submitted=GOOD, user=person)
    data[0]["questions"][0]["text"] = "Changed after an answer"
    second = services.definition_replace(survey=survey, sections=data, actor=organizer)
    assert second.number == 2
    first = Response.objects.get()
    assert first.version.number == 1  # the answer keeps the questions it was given
    assert Question.objects.get(section__version=first.version, code="satisfaction").text \
        == "How satisfied were you overall?"


def test_a_bad_definition_changes_nothing(survey, organizer):
    before = services.definition_data(services.survey_current_version(survey))
    bad = [{"title": "", "questions": [{"code": "pick", "kind": "single", "text": "Pick",
                                        "choices": []}]}]
    with pytest.raises(services.SurveyError):
        services.definition_replace(survey=survey, sections=bad, actor=organizer)
    with pytest.raises(services.SurveyError, match="at least one question"):
        services.definition_replace(survey=survey, sections=[{"title": "Empty"}],
                                    actor=organizer)
    assert services.definition_data(services.survey_current_version(survey)) == before


# --- The Paperwork Reduction Act -------------------------------------------------------------

def test_federal_members_need_no_control_number(survey, members):
    members(12)
    check = services.pra_check(survey)
    assert (check.recipients, check.non_federal, check.needs_clearance) == (13, 0, False)
    assert check.ok


def test_ten_people_with_one_from_the_public_need_a_control_number_or_an_exemption(
        survey, members, make_user, community, organizer):
    members(8)
    public = make_user("pat@example.com")
    community_role_ensure(community=community, user=public)
    check = services.pra_check(survey)
    assert (check.recipients, check.non_federal, check.needs_clearance) == (10, 1, True)
    assert "Paperwork Reduction Act" in check.problem and "10 people, 1 of them" in check.problem
    with pytest.raises(services.SurveyError, match="OMB control number"):
        services.survey_publish(survey=survey, actor=organizer)
    assert Survey.objects.get().status == Survey.Status.DRAFT
    assert not Recipient.objects.exists()

    survey.pra_exemption = "Federal employees answering in their official role."
    assert services.pra_check(survey).cleared_by == "exemption"
    survey.pra_exemption = ""
    survey.omb_control_number, survey.omb_expires_on = "3090-0297", date(2099, 1, 31)
    assert "burden estimate" in services.pra_check(survey).problem
    survey.burden_minutes = 10
    check = services.pra_check(survey)
    assert check.ok and check.cleared_by == "control number"


def test_nine_people_need_no_clearance_and_an_expired_number_is_refused(
        survey, members, make_user, community):
    members(7)
    community_role_ensure(community=community, user=make_user("pat@example.com"))
    assert services.pra_check(survey).ok  # nine in all, the organizer included
    survey.omb_control_number, survey.omb_expires_on = "3090-0297", date(2020, 1, 31)
    survey.burden_minutes = 5
    assert "expired on January 31, 2020" in services.pra_check(survey).problem


def test_an_open_link_always_needs_clearance(survey):
    survey.audience = Survey.Audience.LINK
    check = services.pra_check(survey)
    assert check.recipients is None and check.needs_clearance and not check.ok
    assert check.problem.startswith("Anyone with the link may answer")


# --- Publishing ------------------------------------------------------------------------------

def test_publishing_asks_the_audience_once_each(survey, organizer, members, make_group,
                                                 community):
    people = members(3)
    group = make_group("ai-security")
    for person in people[:2]:
        group_join(group=group, user=person)
    survey.audience, survey.audience_group = Survey.Audience.GROUP, group
    survey.save()
    services.survey_publish(survey=survey, actor=organizer)
    assert set(Recipient.objects.values_list("user_id", flat=True)) == {p.pk for p in people[:2]}
    assert AuditEvent.objects.filter(verb="surveys.survey.published").get().data["recipients"] == 2
    with pytest.raises(services.SurveyError, match="Only a draft"):
        services.survey_publish(survey=survey, actor=organizer)


def test_a_group_survey_without_its_group_or_with_a_past_closing_time_is_refused(
        survey, organizer):
    survey.audience = Survey.Audience.GROUP
    survey.closes_at = timezone.now() - timedelta(hours=1)
    problems = services.publish_problems(survey)
    assert "Choose which group the survey goes to." in problems
    assert "The closing time has passed: choose a later one." in problems


# --- Answering -------------------------------------------------------------------------------

def test_a_named_answer_is_stored_once_with_the_person(survey, organizer, members):
    person, other = members(2)
    survey = published(survey, organizer)
    services.response_submit(survey=survey, submitted=GOOD, user=person)
    response = Response.objects.get()
    assert response.user == person and response.submitted_at is not None
    assert response.organization == person.organization and response.level == "federal"
    answers = {a.question.code: a for a in Answer.objects.select_related("question")}
    assert answers["satisfaction"].number == 5 and answers["would_recommend"].option == "yes"
    assert answers["comment"].text == "<script>alert(1)</script> Very useful"
    with pytest.raises(services.AlreadyAnswered):
        services.response_submit(survey=survey, submitted=GOOD, user=person)
    assert Response.objects.count() == 1
    assert Recipient.objects.get(user=person).responded
    assert not Recipient.objects.get(user=other).responded


def test_bad_answers_and_strangers_change_nothing(survey, organizer, members, make_user):
    [person] = members(1)
    survey = published(survey, organizer)
    with pytest.raises(services.AnswersInvalid) as bad:
        services.response_submit(survey=survey, submitted={**GOOD, "satisfaction": "9",
                                                           "would_recommend": "maybe"},
                                 user=person)
    assert set(bad.value.errors) == {"satisfaction", "would_recommend"}
    with pytest.raises(services.AnswersInvalid) as missing:
        services.response_submit(survey=survey, submitted={"comment": "hi"}, user=person)
    assert "satisfaction" in missing.value.errors
    with pytest.raises(services.SurveyError, match="not sent to you"):
        services.response_submit(survey=survey, submitted=GOOD,
                                 user=make_user("stranger@va.gov"))
    with pytest.raises(services.SurveyError, match="Sign in"):
        services.response_submit(survey=survey, submitted=GOOD)
    assert not Response.objects.exists() and not Ballot.objects.exists()
    assert not Recipient.objects.filter(responded=True).exists()


def test_a_draft_or_closed_survey_takes_no_answers(survey, organizer, members):
    [person] = members(1)
    with pytest.raises(services.SurveyError, match="not opened"):
        services.response_submit(survey=survey, submitted=GOOD, user=person)
    survey = published(survey, organizer)
    services.survey_close(survey=survey, actor=organizer)
    survey.refresh_from_db()
    with pytest.raises(services.SurveyError, match="closed"):
        services.response_submit(survey=survey, submitted=GOOD, user=person)


def test_an_open_link_makes_each_signed_in_person_a_recipient_once(
        survey, organizer, make_user):
    survey = published(survey, organizer, audience=Survey.Audience.LINK,
                       pra_exemption="Federal employees in their official role.")
    person = make_user("someone@nasa.gov")
    services.response_submit(survey=survey, submitted=GOOD, user=person)
    with pytest.raises(services.AlreadyAnswered):
        services.response_submit(survey=survey, submitted=GOOD, user=person)
    assert Response.objects.count() == 1


# --- Anonymous surveys -----------------------------------------------------------------------

def test_an_anonymous_answer_is_a_ballot_until_enough_are_counted_together(
        survey, organizer, members):
    people = members(6)
    survey = published(survey, organizer, anonymous=True)
    services.draft_save(survey=survey, user=people[0], submitted={"comment": "half"})
    assert Recipient.objects.get(user=people[0]).draft == {"comment": "half"}
    for person in people[:4]:
        services.response_submit(survey=survey, submitted=GOOD, user=person)
    assert Ballot.objects.count() == 4 and not Response.objects.exists()
    assert Recipient.objects.get(user=people[0]).draft is None
    assert services.ballot_boxes_count() == 0  # four is below the small-cell size of five

    services.response_submit(survey=survey, submitted={**GOOD, "comment": "last"},
                             user=people[4])
    assert services.ballot_boxes_count() == 5
    assert not Ballot.objects.exists() and Response.objects.count() == 5
    for response in Response.objects.all():
        assert response.user_id is None and response.submitted_at is None
        assert response.submitted_on == timezone.localdate()
        assert response.level == "federal"
    assert Answer.objects.filter(question__code="comment", text="last").count() == 1
    assert Recipient.objects.filter(responded=True).count() == 5
    # Nothing an organizer or operator reads ties a response to a person.
    assert not AuditEvent.objects.filter(verb__startswith="surveys.response").exists()


def test_closing_counts_what_is_left_in_the_ballot_box(survey, organizer, members):
    people = members(2)
    survey = published(survey, organizer, anonymous=True)
    for person in people:
        services.response_submit(survey=survey, submitted=GOOD, user=person)
    services.survey_close(survey=survey, actor=organizer)
    assert Response.objects.count() == 2 and not Ballot.objects.exists()


def test_an_answered_anonymous_version_is_frozen_even_before_counting(
        survey, organizer, members):
    [person] = members(1)
    survey = published(survey, organizer, anonymous=True)
    services.response_submit(survey=survey, submitted=GOOD, user=person)
    data = services.definition_data(services.survey_current_version(survey))
    assert services.definition_replace(survey=survey, sections=data,
                                       actor=organizer).number == 2


def test_surveys_close_when_due_or_when_their_control_number_expires(
        survey, organizer, members, community):
    members(1)
    survey = published(survey, organizer)
    other = services.survey_create(community=community, actor=organizer, title="Two",
                                   template="event_feedback")
    other = published(other, organizer)
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    Survey.objects.filter(pk=other.pk).update(
        omb_control_number="3090-0297", omb_expires_on=timezone.localdate() - timedelta(days=1),
        burden_minutes=5)
    other.refresh_from_db()
    assert "OMB control number has expired" in services.survey_accepting_problem(other)
    assert services.surveys_close_due() == 2
    assert set(Survey.objects.values_list("status", flat=True)) == {Survey.Status.CLOSED}
    reasons = set(AuditEvent.objects.filter(verb="surveys.survey.closed")
                  .values_list("data__reason", flat=True))
    assert reasons == {"closing time", "control number expired"}


def test_organizer_role_members_count_in_the_community_audience(survey, organizer):
    # The organizer fixture has an organizer role: they are part of the community too.
    assert CommunityRole.objects.filter(user=organizer).exists()
    assert organizer in services.audience_people(survey)


def test_state_and_unknown_levels_count_as_not_federal(survey, members, make_user, community):
    members(2)
    state = make_user("analyst@state.example.gov")
    User.objects.filter(pk=state.pk).update(tier="government", level="state")
    unknown = make_user("someone@agency.gov")  # a government address the registry lacks
    for person in (state, unknown):
        community_role_ensure(community=community, user=person)
    assert services.pra_check(survey).non_federal == 2


def test_a_public_link_takes_answers_from_visitors_who_are_not_signed_in(survey, organizer):
    survey = published(survey, organizer, audience=Survey.Audience.LINK, access_level="public",
                       pra_exemption="A general solicitation (5 CFR 1320.3(h)(4)).")
    services.response_submit(survey=survey, submitted=GOOD)
    response = Response.objects.get()
    assert response.user_id is None and response.organization == ""


# --- Invitations and reminders ---------------------------------------------------------------

def _mails(to=None):
    from cophub.core.models import OutgoingMail

    mails = OutgoingMail.objects.order_by("pk")
    return list(mails.filter(to=to) if to else mails)


def test_publishing_invites_each_recipient_once_with_a_personal_link(
        survey, organizer, members, client):
    from cophub.surveys.links import recipient_from_token

    people = members(2)
    survey = published(survey, organizer, anonymous=True, burden_minutes=4)
    mails = _mails(people[0].email)
    assert len(mails) == 1 and "asks for your answers: Feedback" in mails[0].subject
    assert "about 4 minutes" in mails[0].body_text and "anonymous" in mails[0].body_text
    token = mails[0].body_text.split("/surveys/r/")[1].split("/")[0]
    assert recipient_from_token(token).user == people[0]
    assert recipient_from_token(token[:-2] + "xx") is None  # altered: no one
    assert services.invitations_send(survey=survey) == 0  # again: nobody asked twice
    assert len(_mails()) == 3  # the two members and the organizer
    assert Recipient.objects.filter(invited=True).count() == 3


def test_reminders_reach_only_those_who_have_not_answered_once_a_day(
        survey, organizer, members):
    answered, waiting = members(2)
    survey = published(survey, organizer)
    services.response_submit(survey=survey, submitted=GOOD, user=answered)
    assert services.reminders_send(survey=survey, actor=organizer) == 2  # waiting, organizer
    reminded = {m.to for m in _mails() if m.subject.startswith("Reminder")}
    assert reminded == {waiting.email, organizer.email}
    with pytest.raises(services.SurveyError, match="less than a day ago"):
        services.reminders_send(survey=survey, actor=organizer)
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert services.reminders_send(survey=survey, actor=organizer, now=later) == 2
    assert Recipient.objects.get(user=waiting).reminders_sent == 2
    assert Recipient.objects.get(user=answered).reminders_sent == 0
