"""The home pages' "Surveys for you": open surveys the person is asked to answer and has
not, and open links they may answer; nothing for others."""

import pytest
from django.urls import reverse

from cophub.accounts.models import User
from cophub.communities.services import community_role_ensure
from cophub.surveys import services
from cophub.surveys.models import Survey

pytestmark = pytest.mark.django_db

GOOD = {"satisfaction": "5", "usefulness": "4", "would_recommend": "yes"}


@pytest.fixture
def open_survey(community, organizer, gov_member):
    User.objects.filter(pk__in=[organizer.pk, gov_member.pk]).update(level="federal")
    community_role_ensure(community=community, user=gov_member)
    survey = services.survey_create(community=community, actor=organizer,
                                    title="Webinar feedback", template="event_feedback")
    return services.survey_publish(survey=survey, actor=organizer)


def test_a_recipient_sees_the_survey_until_they_answer(client, open_survey, gov_member,
                                                       community,
                                                       django_capture_on_commit_callbacks):
    client.force_login(gov_member)
    for page in ("/", community.get_absolute_url()):
        html = client.get(page).content.decode()
        assert "Surveys for you" in html
        assert reverse("surveys:answer", args=[open_survey.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        services.response_submit(survey=open_survey, submitted=GOOD, user=gov_member)
    assert "Webinar feedback" not in client.get("/").content.decode()


def test_others_see_nothing(client, open_survey, make_user, community, organizer):
    assert "Surveys for you" not in client.get("/").content.decode()
    stranger = make_user("someone@nasa.gov")
    client.force_login(stranger)
    assert "Surveys for you" not in client.get("/").content.decode()
    services.survey_create(community=community, actor=organizer, title="Draft one")
    client.force_login(organizer)
    assert "Draft one" not in client.get("/").content.decode()


def test_an_open_link_shows_to_those_its_level_lets_answer(client, community, organizer,
                                                           gov_member, public_user):
    survey = services.survey_create(community=community, actor=organizer,
                                    title="Open to government")
    Survey.objects.filter(pk=survey.pk).update(
        audience=Survey.Audience.LINK, access_level="government",
        pra_exemption="Federal employees in their role.")
    services.definition_replace(survey=survey, sections=[{"title": "", "questions": [
        {"code": "q", "kind": "short_text", "text": "Anything?"}]}], actor=organizer)
    survey.refresh_from_db()
    services.survey_publish(survey=survey, actor=organizer)
    client.force_login(gov_member)
    assert "Open to government" in client.get("/").content.decode()
    client.force_login(public_user)
    assert "Open to government" not in client.get("/").content.decode()
