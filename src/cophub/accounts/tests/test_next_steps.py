"""Next steps on the profile (`accounts.next_steps`): complete the profile, join groups, subscribe
to the lists the person qualifies for; each step goes away once it is done."""

import pytest
from django.urls import reverse

from cophub.accounts.models import Interest
from cophub.accounts.next_steps import NextStep, next_step_register, next_steps_for
from cophub.communities.models import Group
from cophub.communities.services import group_join
from cophub.core.access import AccessLevel, viewer_for_user
from cophub.lists.models import MailingList, Subscription
from cophub.lists.services import subscription_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(community, make_group):
    group = make_group("ai-security", name="AI Security")

    def make(local_part, name, audience, group=None):
        return MailingList.objects.create(
            community=community, group=group, local_part=local_part, name=name,
            audience=audience, kind=MailingList.Kind.DISCUSSION,
            archive_access_level=AccessLevel.GOVERNMENT)

    return {
        "public": make("aipublic", "AI CoP Public", MailingList.Audience.ANYONE),
        "government": make("ai", "AI CoP", MailingList.Audience.GOVERNMENT),
        "group": make("aisec", "AI Security list", MailingList.Audience.GROUP, group),
        "closed": MailingList.objects.create(
            community=community, local_part="old", name="Old list", is_active=False,
            audience=MailingList.Audience.ANYONE, kind=MailingList.Kind.ANNOUNCE,
            archive_access_level=AccessLevel.PUBLIC),
    }


def request_of(rf, user):
    request = rf.get("/")
    request.user = user
    request.viewer = viewer_for_user(user)
    return request


def steps_on_profile(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_government_member_sees_all_three_steps_with_their_links(
        client, make_user, community, lists):
    person = make_user("new.person@gsa.gov", name="Nova Person")
    page = steps_on_profile(client, person)
    assert "Next steps" in page
    assert "Complete your profile" in page and 'href="/profile/#profile-form"' in page
    assert "Join groups" in page
    assert f'href="{community.get_absolute_url()}"' in page
    assert "Subscribe to lists" in page
    assert f'href="{reverse("lists:detail", args=["aipublic"])}"' in page
    assert f'href="{reverse("lists:detail", args=["ai"])}"' in page
    # Not a member of the group, so its list is not one they qualify for; nor a closed list.
    assert reverse("lists:detail", args=["aisec"]) not in page
    assert reverse("lists:detail", args=["old"]) not in page


def test_a_public_participant_is_offered_only_the_lists_open_to_them(
        client, public_user, lists):
    page = steps_on_profile(client, public_user)
    assert reverse("lists:detail", args=["aipublic"]) in page
    assert f'href="{reverse("lists:detail", args=["ai"])}"' not in page


def test_each_step_goes_away_once_it_is_done(client, make_user, community, make_group, lists):
    person = make_user("new.person@gsa.gov", name="Nova Person")
    group = Group.objects.get(slug="ai-security")
    client.force_login(person)

    person.organization, person.job_role = "GSA", "Data scientist"
    person.save(update_fields=["organization", "job_role"])
    person.interests.add(Interest.objects.create(name="NLP", slug="nlp"))
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Complete your profile" not in page and "Join groups" in page

    group_join(group=group, user=person)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Join groups" not in page and "Subscribe to lists" in page
    # As a member of the group now, its list is one they qualify for.
    assert reverse("lists:detail", args=["aisec"]) in page

    subscription_request(mailing_list=lists["public"], email=person.email, user=person,
                         via=Subscription.Via.WEB)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Next steps" not in page


def test_the_profile_step_says_what_is_missing(rf, make_user):
    person = make_user("new.person@gsa.gov", name="Nova Person")
    person.organization = "GSA"
    [step] = [s for s in next_steps_for(request_of(rf, person))
              if s.title == "Complete your profile"]
    assert step.text.startswith("Add your job role and the topics you follow,")


def test_invite_only_groups_are_no_step(client, make_user, make_group):
    make_group("leadership", join_policy=Group.JoinPolicy.INVITE)
    page = steps_on_profile(client, make_user("new.person@gsa.gov", name="Nova Person"))
    assert "Join groups" not in page


def test_nobody_signed_out_has_steps(rf):
    from django.contrib.auth.models import AnonymousUser

    assert next_steps_for(request_of(rf, AnonymousUser())) == []


def test_an_app_registers_a_step_of_its_own(rf, make_user, monkeypatch):
    from cophub.accounts import next_steps

    monkeypatch.setattr(next_steps, "_providers", dict(next_steps._providers))
    next_step_register(key="tests.first", order=1,
                       provide=lambda request: NextStep(title="First", text="Do this first."))
    next_step_register(key="tests.done", order=2, provide=lambda request: None)
    person = make_user("new.person@gsa.gov", name="Nova Person")
    titles = [step.title for step in next_steps_for(request_of(rf, person))]
    assert titles[0] == "First" and len(titles) == len(set(titles))


def test_profile_with_next_steps_keeps_a_bounded_number_of_queries(
        client, make_user, community, make_group, lists, django_assert_max_num_queries):
    for n in range(10):
        make_group(f"group-{n}")
    person = make_user("new.person@gsa.gov", name="Nova Person")
    client.force_login(person)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("accounts:profile"))
    assert "Subscribe to lists" in response.content.decode()
