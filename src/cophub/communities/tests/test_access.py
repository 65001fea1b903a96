"""Access to communities and groups from the outside: anonymous, public participant,
government member, group member, lead, organizer."""

import pytest
from django.urls import reverse

from cophub.communities.models import Group, Membership
from cophub.communities.services import group_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(make_group):
    return {
        "public": make_group("open-group"),
        "signed_in": make_group("signed-in-group", access_level="signed_in"),
        "government": make_group("gov-group", access_level="government",
                                 kind=Group.Kind.COMMITTEE),
    }


def group_url(group):
    return reverse("communities:group", kwargs={"community": group.community.slug,
                                                "group": group.slug})


@pytest.mark.parametrize("who,visible", [
    ("anonymous", {"public"}),
    ("public", {"public", "signed_in"}),
    ("government", {"public", "signed_in", "government"}),
    ("organizer", {"public", "signed_in", "government"}),
])
def test_group_pages_and_listing_follow_the_access_level(
        client, groups, community, who, visible, public_user, gov_member, organizer):
    users = {"public": public_user, "government": gov_member, "organizer": organizer}
    if who in users:
        client.force_login(users[who])
    listing = client.get(community.get_absolute_url()).content.decode()
    for level, group in groups.items():
        response = client.get(group_url(group))
        if level in visible:
            assert response.status_code == 200, (who, level)
            assert group.name in listing
        else:
            # 404, not 403: the group's existence is not revealed.
            assert response.status_code == 404, (who, level)
            assert group.name not in listing


def test_public_participant_cannot_join_government_group_by_posting(client, groups,
                                                                    public_user):
    client.force_login(public_user)
    group = groups["government"]
    response = client.post(reverse("communities:group_join", kwargs={
        "community": group.community.slug, "group": group.slug}))
    assert response.status_code == 404
    assert not Membership.objects.exists()


def test_group_members_are_shown_to_government_members_but_only_leads_to_the_public(
        client, groups, make_user, make_lead, gov_member, public_user):
    group = groups["public"]
    make_lead(group, make_user("lead@nih.gov", name="Leo Lead"))
    group_join(group=group, user=gov_member)
    client.force_login(public_user)
    page = client.get(group_url(group)).content.decode()
    assert "Leo Lead" in page and "Mia Member" not in page
    client.force_login(gov_member)
    page = client.get(group_url(group)).content.decode()
    assert "Leo Lead" in page and "Mia Member" in page


ORGANIZER_PAGES = ["communities:organize", "communities:group_create", "communities:audit"]


@pytest.mark.parametrize("name", ORGANIZER_PAGES)
def test_organizer_pages_refuse_everyone_but_organizers(client, community, name, gov_member,
                                                        public_user, organizer):
    url = reverse(name, kwargs={"community": community.slug})
    assert client.get(url).status_code == 302  # anonymous → sign in
    for person in (public_user, gov_member):
        client.force_login(person)
        assert client.get(url).status_code == 403
    client.force_login(organizer)
    assert client.get(url).status_code == 200


def test_organizer_without_mfa_is_sent_to_set_it_up(client, community, make_user):
    from cophub.communities.services import community_role_ensure

    person = make_user("new.organizer@gsa.gov")
    community_role_ensure(community=community, user=person, role="organizer", actor=person)
    client.force_login(person)
    response = client.get(reverse("communities:organize", kwargs={"community": community.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_group_management_is_for_its_leads_and_organizers(client, groups, make_user,
                                                         make_lead, gov_member):
    group = groups["public"]
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(group, lead)
    url = reverse("communities:group_manage", kwargs={"community": group.community.slug,
                                                      "group": group.slug})
    client.force_login(gov_member)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    assert client.get(url).status_code == 200


def test_community_audit_log_shows_only_that_community(client, community, organizer,
                                                       make_group, gov_member):
    from cophub.communities.models import Community

    other = Community.objects.create(slug="data-cop", name="Data CoP")
    group_join(group=make_group(), user=gov_member)
    other_group = Group.objects.create(community=other, slug="x", name="Other group",
                                       kind="working_group")
    group_join(group=other_group, user=gov_member)
    client.force_login(organizer)
    page = client.get(reverse("communities:audit", kwargs={"community": community.slug}))
    text = page.content.decode()
    assert "Generative-Ai" in text and "Other group" not in text


def test_community_page_query_count_does_not_grow_with_groups(
        client, community, make_group, gov_member, django_assert_max_num_queries):
    for i in range(30):
        group = make_group(f"group-{i}")
        group_join(group=group, user=gov_member)
    client.force_login(gov_member)
    # The first visit fills the hub's panels for this audience (one query or two each)...
    with django_assert_max_num_queries(20):
        assert client.get(community.get_absolute_url()).status_code == 200
    # ...and later visits read them back: the session, the person, their viewer, the page's
    # community. Nothing else asks the database, whatever is happening.
    with django_assert_max_num_queries(5):
        assert client.get(community.get_absolute_url()).status_code == 200


def test_group_page_query_count_does_not_grow_with_members(
        client, make_group, make_user, gov_member, django_assert_max_num_queries):
    group = make_group()
    for i in range(40):
        group_join(group=group, user=make_user(f"m{i}@nasa.gov"))
    client.force_login(gov_member)
    with django_assert_max_num_queries(22):  # the first visit fills the panels' cache
        response = client.get(group_url(group))
    assert response.status_code == 200 and response.content.decode().count("@") < 5
    with django_assert_max_num_queries(15):
        assert client.get(group_url(group)).status_code == 200


def test_cached_group_cards_never_show_a_government_group_to_the_public(
        client, groups, community, gov_member, public_user):
    """The cards are cached per kind of visitor: a government member's visit must not fill
    the cache that a public participant then reads."""
    client.force_login(gov_member)
    assert groups["government"].name in client.get(community.get_absolute_url()).content.decode()
    client.force_login(public_user)
    page = client.get(community.get_absolute_url()).content.decode()
    assert groups["government"].name not in page and groups["public"].name in page
    client.logout()
    page = client.get(community.get_absolute_url()).content.decode()
    assert groups["signed_in"].name not in page
