"""Answering a survey through its pages: one section per page with branching decided on the
server, signed in, by personal link or on a public link; errors, closed surveys, the
Paperwork Reduction Act notice and anonymous surveys."""

import re
from datetime import date

import pytest
from django.urls import reverse

from cophub.accounts.models import User
from cophub.communities.services import community_role_ensure
from cophub.surveys import services
from cophub.surveys.links import recipient_path, recipient_token
from cophub.surveys.models import Answer, Ballot, Recipient, Response, Survey

pytestmark = [pytest.mark.django_db,
              pytest.mark.urls("cophub.surveys.tests.urls_for_tests")]

SECTION, ACTION = "survey.section", "survey.action"
FEEDBACK = {"satisfaction": "5", "usefulness": "4", "would_recommend": "yes",
            "comment": "Keep the live demos."}


# --- Helpers ---------------------------------------------------------------------------------

@pytest.fixture
def member(make_user, community):
    """A federal member of the community (so the survey needs no PRA clearance)."""
    person = make_user("mia@va.gov", name="Mia Member")
    community_role_ensure(community=community, user=person)
    User.objects.filter(pk=person.pk).update(level="federal", organization="VA")
    person.refresh_from_db()
    return person


def make_survey(community, organizer, template="event_feedback", **fields) -> Survey:
    User.objects.filter(pk=organizer.pk).update(level="federal")
    survey = services.survey_create(community=community, actor=organizer, title="Feedback",
                                    template=template)
    Survey.objects.filter(pk=survey.pk).update(**fields)
    survey.refresh_from_db()
    return services.survey_publish(survey=survey, actor=organizer)


def public_link(community, organizer, **fields) -> Survey:
    fields.setdefault("pra_exemption", "A general solicitation (5 CFR 1320.3(h)(4)).")
    return make_survey(community, organizer, audience=Survey.Audience.LINK,
                       access_level="public", **fields)


def answer_url(survey) -> str:
    return reverse("surveys:answer", kwargs={"pk": survey.pk})


def post(client, url, section, action="next", **answers):
    return client.post(url, {SECTION: section, ACTION: action, **answers})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Walking through a survey ----------------------------------------------------------------

def test_a_recipient_walks_through_event_feedback(client, community, organizer, member):
    survey = make_survey(community, organizer)
    client.force_login(member)
    page = client.get(answer_url(survey))
    assert page.status_code == 200
    body = text(page)
    assert "Overall, how satisfied were you with the event? (required)" in body
    assert "1 – Very dissatisfied" in body and "5 – Very satisfied" in body
    assert 'type="radio" name="would_recommend" value="yes"' in body
    assert 'maxlength="5000"' in body and "You can enter up to 5,000 characters" in body
    assert ">Submit</button>" in body and ">Back</button>" not in body
    assert "Section 1 of" not in body  # one section only
    assert "Your progress is saved" not in body  # there is no other page to go to

    done = post(client, answer_url(survey), 1, "submit", **FEEDBACK)
    assert done.status_code == 302 and done.url == reverse("surveys:thanks", args=[survey.pk])
    response = Response.objects.get()
    assert response.user == member
    answers = {a.question.code: a for a in Answer.objects.select_related("question")}
    assert answers["satisfaction"].number == 5
    assert answers["would_recommend"].option == "yes"
    assert answers["comment"].text == "Keep the live demos."
    thanks = text(client.get(done.url))
    assert "Thank you. Your answers are recorded." in thanks
    assert "kept apart from your name" not in thanks
    assert "See the results" not in thanks  # results are not published


def test_the_practitioner_survey_asks_about_training_only_after_lack_of_training(
        client, community, organizer, member):
    survey = make_survey(community, organizer, template="ai_practitioner")
    url = answer_url(survey)
    client.force_login(member)
    assert "Section 1 of 4" in text(client.get(url))
    first = post(client, url, 1, role="Data scientist", agency_type="Federal civilian agency")
    assert first.url == f"{url}?section=2"
    assert "Your progress is saved" in text(client.get(first.url))

    # Any other barrier goes straight to the last section.
    to_end = post(client, url, 2, barrier="Access to data", skills=["Machine learning",
                                                                   "Data engineering"])
    assert to_end.url == f"{url}?section=4"
    last = text(client.get(to_end.url))
    assert "Anything else" in last and "Section 3 of 3" in last and ">Submit</button>" in last
    assert "How do you like to learn?" not in last
    # The training section is not on this path: asking for it shows the first section.
    assert "Which best describes your role?" in text(client.get(f"{url}?section=3"))

    # Back, keeping the answers, then a lack of training leads to the training section.
    back = post(client, url, 4, "back", comment="draft words")
    assert back.url == f"{url}?section=2"
    again = text(client.get(back.url))
    assert 'value="Access to data" checked' in again
    assert 'value="Machine learning" checked' in again
    to_training = post(client, url, 2, barrier="Lack of training", skills=["Machine learning"])
    assert to_training.url == f"{url}?section=3"
    training = text(client.get(to_training.url))
    assert "How do you like to learn?" in training and "Section 3 of 4" in training
    assert ">Next</button>" in training and ">Back</button>" in training
    assert post(client, url, 3, training_formats=["Hands-on labs"]).url == f"{url}?section=4"
    assert 'draft words' in text(client.get(f"{url}?section=4"))
    done = post(client, url, 4, "submit", comment="Thanks")
    assert done.url == reverse("surveys:thanks", args=[survey.pk])

    stored = {(a.question.code, a.option or a.text)
              for a in Answer.objects.select_related("question")}
    assert ("training_formats", "Hands-on labs") in stored
    assert ("barrier", "Lack of training") in stored and ("comment", "Thanks") in stored
    assert ("skills", "Data engineering") not in stored  # unticked on the way back
    assert Recipient.objects.get(user=member).draft is None


def test_the_last_page_of_a_branch_asks_to_submit_rather_than_submitting(
        client, community, organizer, member):
    """A page that said Next but whose answers end the survey does not send them yet."""
    survey = make_survey(community, organizer, template="ai_practitioner")
    url = answer_url(survey)
    client.force_login(member)
    post(client, url, 1, role="Other", agency_type="Other")
    post(client, url, 2, barrier="Funding")
    stay = post(client, url, 4, "next", comment="hi")
    assert stay.url == f"{url}?section=4"
    assert "This is the last page" in text(client.get(stay.url))
    assert not Response.objects.exists()


# --- Bad input -------------------------------------------------------------------------------

def test_bad_answers_are_shown_on_their_page_and_nothing_is_stored(
        client, community, organizer, member):
    survey = make_survey(community, organizer)
    client.force_login(member)
    page = post(client, answer_url(survey), 1, "submit", satisfaction="9",
                would_recommend="", comment="x" * 5001)
    assert page.status_code == 400
    body = text(page)
    assert "Some answers need your attention" in body
    assert 'href="#q-satisfaction-1"' in body and 'href="#q-would_recommend-1"' in body
    assert "Enter a whole number from 1 to 5." in body
    assert "This question needs an answer." in body
    assert "Keep this under 5,000 characters" in body
    assert 'aria-describedby="q-satisfaction-error"' in body
    assert 'id="q-satisfaction-error"' in body
    assert 'aria-describedby="q-comment-info q-comment-hint q-comment-error"' in body
    assert "x" * 5001 in body  # what they typed is kept on the page
    assert not Response.objects.exists() and not Ballot.objects.exists()
    assert Recipient.objects.get(user=member).draft is None
    assert not Recipient.objects.get(user=member).responded


def test_only_the_errors_of_the_page_are_shown(client, community, organizer, member):
    survey = make_survey(community, organizer, template="ai_practitioner")
    client.force_login(member)
    page = post(client, answer_url(survey), 1, role="Astronaut")
    assert page.status_code == 400
    body = text(page)
    assert "Choose one of the options given." in body and 'href="#q-agency_type-1"' in body
    assert "q-barrier" not in body  # a later page's required question
    assert Recipient.objects.get(user=member).draft is None


def test_a_made_up_section_or_page_starts_again_from_the_first(client, community, organizer,
                                                               member):
    survey = make_survey(community, organizer, template="ai_practitioner")
    url = answer_url(survey)
    client.force_login(member)
    for section in ("3", "99", "x", ""):
        assert "Which best describes your role?" in text(client.get(url, {"section": section}))
    skipped = post(client, url, 3, training_formats=["Peer groups"])
    assert skipped.url == url
    assert Recipient.objects.get(user=member).draft is None


def test_a_second_submit_finds_the_survey_already_answered(client, community, organizer,
                                                           member):
    survey = make_survey(community, organizer)
    client.force_login(member)
    post(client, answer_url(survey), 1, "submit", **FEEDBACK)
    again = post(client, answer_url(survey), 1, "submit", **FEEDBACK)
    assert again.status_code == 200
    assert "You have already answered this survey. Thank you." in text(again)
    assert "You have already answered this survey." in text(client.get(answer_url(survey)))
    assert Response.objects.count() == 1


# --- Who may answer --------------------------------------------------------------------------

def test_a_stranger_gets_the_same_404_as_for_a_missing_survey(client, community, organizer,
                                                              member, make_user):
    survey = make_survey(community, organizer)
    client.force_login(make_user("stranger@nasa.gov"))
    assert client.get(answer_url(survey)).status_code == 404
    assert post(client, answer_url(survey), 1, "submit", **FEEDBACK).status_code == 404
    assert client.get(reverse("surveys:answer", args=[survey.pk + 100])).status_code == 404
    assert not Response.objects.exists() and not Recipient.objects.filter(
        user__email="stranger@nasa.gov").exists()


def test_a_draft_survey_is_not_found_even_by_its_audience(client, community, organizer,
                                                          member):
    survey = services.survey_create(community=community, actor=organizer, title="Soon",
                                    template="event_feedback")
    client.force_login(member)
    assert client.get(answer_url(survey)).status_code == 404
    assert client.get(reverse("surveys:thanks", args=[survey.pk])).status_code == 404


def test_a_visitor_on_a_survey_for_signed_in_people_is_sent_to_sign_in(
        client, community, organizer, member):
    survey = make_survey(community, organizer)
    page = client.get(answer_url(survey))
    assert page.status_code == 302 and "/accounts/login/" in page.url
    assert f"next=/surveys/{survey.pk}/" in page.url
    assert post(client, answer_url(survey), 1, "submit", **FEEDBACK).status_code == 302
    assert not Response.objects.exists()


def test_a_public_participant_on_a_government_link_gets_404(client, community, organizer,
                                                            public_user):
    survey = make_survey(community, organizer, audience=Survey.Audience.LINK,
                         access_level="government", pra_exemption="Federal employees.")
    client.force_login(public_user)
    assert client.get(answer_url(survey)).status_code == 404


def test_a_visitor_answers_a_public_link(client, community, organizer):
    survey = public_link(community, organizer, template="ai_practitioner")
    url = answer_url(survey)
    assert client.get(url).status_code == 200
    assert post(client, url, 1, role="Other", agency_type="Nonprofit").url == f"{url}?section=2"
    assert client.session[f"surveys.answers.{survey.pk}"]["role"] == "Other"
    assert post(client, url, 2, barrier="Funding").url == f"{url}?section=4"
    done = post(client, url, 4, "submit", comment="From the public")
    assert done.url == reverse("surveys:thanks", args=[survey.pk])
    response = Response.objects.get()
    assert response.user_id is None and response.organization == ""
    assert f"surveys.answers.{survey.pk}" not in client.session
    assert "Thank you. Your answers are recorded." in text(client.get(done.url))
    assert "already answered" in text(client.get(url))
    assert Response.objects.count() == 1


def test_the_thank_you_page_is_only_for_those_who_answered(client, community, organizer,
                                                           member):
    survey = make_survey(community, organizer)
    client.force_login(member)
    thanks = reverse("surveys:thanks", args=[survey.pk])
    assert client.get(thanks).url == answer_url(survey)


def test_published_results_are_linked_from_the_thank_you_page(client, community, organizer,
                                                              member):
    survey = make_survey(community, organizer, results_published=True)
    client.force_login(member)
    post(client, answer_url(survey), 1, "submit", **FEEDBACK)
    results = reverse("surveys:results", kwargs={"community": community.slug,
                                                 "pk": survey.pk})
    assert f'href="{results}"' in text(client.get(reverse("surveys:thanks", args=[survey.pk])))


# --- Personal links --------------------------------------------------------------------------

def test_a_personal_link_answers_as_its_recipient_without_signing_in(
        client, community, organizer, member):
    survey = make_survey(community, organizer)
    recipient = Recipient.objects.get(survey=survey, user=member)
    url = recipient_path(recipient)
    page = client.get(url)
    assert page.status_code == 200 and f'action="{url}"' in text(page)
    done = post(client, url, 1, "submit", **FEEDBACK)
    assert done.url == reverse("surveys:thanks", args=[survey.pk])
    assert Response.objects.get().user == member
    assert Recipient.objects.get(pk=recipient.pk).responded
    assert "Thank you. Your answers are recorded." in text(client.get(done.url))
    assert "already answered" in text(client.get(url))
    assert Response.objects.count() == 1


def test_a_personal_link_keeps_a_visitors_progress_in_the_session(
        client, community, organizer, member):
    survey = make_survey(community, organizer, template="ai_practitioner")
    recipient = Recipient.objects.get(survey=survey, user=member)
    url = recipient_path(recipient)
    assert post(client, url, 1, role="Leadership", agency_type="Other").url \
        == f"{url}?section=2"
    assert client.session[f"surveys.answers.{survey.pk}.{recipient.pk}"]["role"] == "Leadership"
    assert Recipient.objects.get(pk=recipient.pk).draft is None


def test_a_forged_or_altered_link_is_not_valid(client, community, organizer, member):
    survey = make_survey(community, organizer)
    token = recipient_token(Recipient.objects.get(survey=survey, user=member))
    survey_id, recipient_id = token.split(":")[0].split(".")
    altered = f"{survey_id}.{int(recipient_id) + 1}:{token.split(':', 1)[1]}"
    for bad in (altered, "forged", token[:-3], f"{survey_id}.{recipient_id}"):
        page = client.get(reverse("surveys:personal", kwargs={"token": bad}))
        assert page.status_code == 404
        assert "check that you copied the whole link" in text(page)
    assert post(client, reverse("surveys:personal", kwargs={"token": altered}), 1, "submit",
                **FEEDBACK).status_code == 404
    assert not Response.objects.exists()


def test_someone_elses_link_is_refused_to_a_signed_in_person(client, community, organizer,
                                                             member):
    survey = make_survey(community, organizer)
    url = recipient_path(Recipient.objects.get(survey=survey, user=member))
    client.force_login(organizer)  # a recipient too, with a link of their own
    page = client.get(url)
    assert page.status_code == 403
    assert "This link was sent to someone else." in text(page)
    assert "Feedback" not in text(page).split("<main", 1)[1]  # nothing about the survey
    assert post(client, url, 1, "submit", **FEEDBACK).status_code == 403
    assert not Response.objects.exists()


# --- Closed surveys and the PRA --------------------------------------------------------------

def test_a_closed_survey_says_so(client, community, organizer, member):
    survey = make_survey(community, organizer)
    services.survey_close(survey=survey, actor=organizer)
    client.force_login(member)
    page = client.get(answer_url(survey))
    assert page.status_code == 200
    assert "This survey is closed. Thank you for your interest." in text(page)
    assert post(client, answer_url(survey), 1, "submit", **FEEDBACK).status_code == 200
    link = client.get(recipient_path(Recipient.objects.get(survey=survey, user=member)))
    assert "This survey is closed." in text(link)
    assert not Response.objects.exists()


def test_the_paperwork_reduction_act_notice_is_shown(client, community, organizer):
    survey = public_link(community, organizer, pra_exemption="",
                         omb_control_number="3090-0297", omb_expires_on=date(2099, 1, 31),
                         burden_minutes=10)
    body = text(client.get(answer_url(survey)))
    assert "OMB Control No. 3090-0297 · Expiration date 01/31/2099" in body
    assert "estimated to average 10 minutes per response" in body
    assert ("An agency may not conduct or sponsor, and a person is not required to respond "
            "to, a collection of information unless it displays a currently valid OMB "
            "control number.") in body


def test_a_survey_without_a_control_number_shows_no_notice(client, community, organizer,
                                                           member):
    survey = make_survey(community, organizer)
    client.force_login(member)
    assert "OMB Control No." not in text(client.get(answer_url(survey)))


# --- Anonymous surveys -----------------------------------------------------------------------

def test_an_anonymous_survey_explains_itself_and_casts_a_ballot(client, community, organizer,
                                                                member):
    survey = make_survey(community, organizer, template="ai_practitioner", anonymous=True)
    url = answer_url(survey)
    client.force_login(member)
    body = text(client.get(url))
    assert "This survey is anonymous" in body
    assert "No name, e-mail address, browser or time of day is kept" in body
    assert "counted in batches" in body

    post(client, url, 1, role="Leadership", agency_type="Other")
    assert Recipient.objects.get(user=member).draft["role"] == "Leadership"
    post(client, url, 2, barrier="Funding")
    done = post(client, url, 4, "submit", comment="quiet")
    assert done.url == reverse("surveys:thanks", args=[survey.pk])
    assert not Response.objects.exists() and Ballot.objects.count() == 1
    recipient = Recipient.objects.get(user=member)
    assert recipient.responded and recipient.draft is None
    thanks = text(client.get(done.url))
    assert ("They are kept apart from your name: nobody, the organizers included, can tell "
            "which answers are yours.") in thanks


# --- Speed -----------------------------------------------------------------------------------

def test_the_answer_page_takes_a_bounded_number_of_queries(
        client, community, organizer, member, django_assert_max_num_queries):
    survey = make_survey(community, organizer, template="a11_cx")
    client.force_login(member)
    client.get(answer_url(survey))  # the session's first writes
    with django_assert_max_num_queries(12):
        page = client.get(answer_url(survey))
    body = text(page)
    assert 'name="drivers__0"' in body and 'name="drivers__6"' in body
    assert "I was treated fairly." in body


def test_a_grid_is_answered_row_by_row(client, community, organizer, member):
    survey = make_survey(community, organizer, template="a11_cx")
    client.force_login(member)
    rows = {f"drivers__{i}": "Agree" for i in range(7)}
    partial = post(client, answer_url(survey), 1, "submit", trust="Agree",
                   drivers__0="Bogus")
    assert partial.status_code == 400
    assert "Choose one of the options given for each row." in text(partial)
    done = post(client, answer_url(survey), 1, "submit", trust="Agree", **rows)
    assert done.status_code == 302
    assert Answer.objects.filter(question__code="drivers").count() == 7
