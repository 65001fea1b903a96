"""An organizer builds an anonymous survey from a template, adds a question, publishes it to
the community; a member answers from the personal link in their invitation on a phone;
the organizer reads the results: charts with tables. Every page passes axe (WCAG 2.2 AA)
and nothing scrolls sideways on the phone."""

import re

import pytest

from cophub.accounts.models import User
from cophub.communities.services import community_role_ensure
from cophub.core.models import OutgoingMail
from cophub.surveys import services
from cophub.surveys.models import Ballot, Recipient, Response, Survey

from .conftest import TOTP_SECRET, WCAG22_TAGS, sideways_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def choose(scope, label: str) -> None:
    """Tick a USWDS radio or checkbox the way a person does: on its label (the input itself
    is drawn off-screen)."""
    scope.locator("label").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()


def test_an_anonymous_survey_from_building_to_results(
        page, browser, live_server, assert_accessible, sign_in, organizer, gov_member,
        community):
    community_role_ensure(community=community, user=gov_member)
    User.objects.filter(pk__in=[organizer.pk, gov_member.pk]).update(level="federal")

    # The organizer starts a survey from the event-feedback template, anonymous.
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto(f"/c/{community.slug}/organize/")
    page.get_by_role("link", name="New survey").click()
    page.wait_for_url("**/surveys/new/")
    assert_accessible(page, tags=WCAG22_TAGS)
    page.get_by_label("Title").fill("Webinar feedback")
    choose(page, "Event feedback")
    page.locator("label[for=id_anonymous]").click()
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url(re.compile(r"/surveys/\d+/$"))
    assert page.get_by_text("The survey is saved as a draft.").is_visible()
    assert_accessible(page, "overview-draft", tags=WCAG22_TAGS)
    survey = Survey.objects.get()
    assert survey.anonymous

    # They add a question with options, then see it in the builder.
    page.get_by_role("link", name=re.compile(r"^Questions")).click()
    assert_accessible(page, "builder", tags=WCAG22_TAGS)
    page.get_by_role("link", name="Add a question").click()
    assert_accessible(page, "question-form", tags=WCAG22_TAGS)
    page.get_by_label(re.compile(r"^Question\b")).fill("Which session did you attend?")
    page.get_by_label("Kind of answer").select_option("single")
    page.get_by_label("Options").fill("Morning\nAfternoon")
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url(re.compile(r"/questions/#section-1$"))
    assert page.get_by_text("Which session did you attend?", exact=True).is_visible()
    assert_accessible(page, "builder-added", tags=WCAG22_TAGS)

    # They publish: the audience (the organizer and the member) is sent personal links.
    page.get_by_role("link", name="Back to the survey").click()
    page.get_by_role("button", name="Publish and send to 2 people").click()
    assert page.get_by_text("The survey is open.").is_visible()
    assert_accessible(page, "overview-open", tags=WCAG22_TAGS)
    mail = OutgoingMail.objects.get(to=gov_member.email)
    link = re.search(r"https?://\S+/surveys/r/\S+/", mail.body_text).group(0)
    path = "/surveys/r/" + link.split("/surveys/r/")[1]

    # The member opens the link on a phone, without signing in, and answers.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    member = phone.new_page()
    member.problems = []
    member.goto(path)
    assert member.get_by_text("This survey is anonymous", exact=False).first.is_visible()
    assert not sideways_overflow(member), sideways_overflow(member)
    assert_accessible(member, "answer-phone", tags=WCAG22_TAGS)
    submit = member.get_by_role("button", name=re.compile("^(Submit|Next)"))
    submit.first.click()  # nothing chosen: the required questions say so
    assert member.get_by_text("This question needs an answer.").first.is_visible()
    assert_accessible(member, "answer-errors-phone", tags=WCAG22_TAGS)
    choose(member.get_by_role("group", name=re.compile("Overall, how satisfied")),
           "5 – Very satisfied")
    choose(member.get_by_role("group", name=re.compile("How useful")), "4")
    choose(member.get_by_role("group", name=re.compile("Would you recommend")), "Yes")
    choose(member.get_by_role("group", name=re.compile("Which session")), "Afternoon")
    member.get_by_role("button", name=re.compile("^(Submit|Next)")).first.click()
    member.wait_for_url(re.compile(r"/thanks/$"))
    assert member.get_by_text("Your answers are recorded.").is_visible()
    assert_accessible(member, "thanks-phone", tags=WCAG22_TAGS)
    phone.close()

    # The answer waits in the ballot box; the recipient is marked, with nothing else.
    assert Ballot.objects.count() == 1 and not Response.objects.exists()
    assert Recipient.objects.get(user=gov_member).responded

    # Closing counts it; the organizer reads the results.
    services.survey_close(survey=survey, actor=organizer)
    page.goto(f"/c/{community.slug}/surveys/{survey.pk}/results/")
    assert_accessible(page, "results", tags=WCAG22_TAGS)
    assert page.locator("svg[role=img]").count() >= 4
    table = page.get_by_role("table", name=re.compile("Which session did you attend"))
    row = table.get_by_role("row", name=re.compile("Afternoon"))
    assert row.get_by_role("cell", name="1", exact=True).is_visible()
    response = Response.objects.get()
    assert response.user_id is None and response.submitted_at is None
