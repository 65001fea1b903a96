"""Access to the library from the outside: anonymous, public participant, government member,
group member, group lead and organizer, against every access level and every channel (the
resource page, its file, the site-wide and community lists, related resources on another
page, and the search document). Someone who may not see a resource gets a 404 on every URL
about it (never a 403 that reveals it)."""

import pytest
from django.urls import reverse

from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure, group_join
from cophub.core.access import can_view
from cophub.library import services
from cophub.library.models import Resource
from cophub.library.searchable import resource_document

from . import samples as s

pytestmark = pytest.mark.django_db

LEVELS = ("public", "signed_in", "government", "group", "organizers")
VISIBLE = {
    "anonymous": {"public"},
    "public": {"public", "signed_in"},
    "government": {"public", "signed_in", "government"},
    "group_member": {"public", "signed_in", "government", "group"},
    "organizer": set(LEVELS),
}
MANAGER_PAGES = ("edit", "history", "withdraw")


@pytest.fixture
def group(make_group):
    return make_group("ai-security", access_level="public")


@pytest.fixture
def resources(make_resource, group):
    return {level: make_resource(title=f"Resource for {level}", kind="tool",
                                 access_level=level, group=group if level == "group" else None,
                                 upload=s.upload(f"{level}.pdf", s.PDF))
            for level in LEVELS}


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, group):
    member = make_user("groupie@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


def url(name, resource, **extra):
    return reverse(f"library:{name}", kwargs={"community": resource.community.slug,
                                              "pk": resource.pk, **extra})


def login(client, people, who):
    client.logout()
    if people[who] is not None:
        client.force_login(people[who])


@pytest.mark.parametrize("who", list(VISIBLE))
def test_pages_files_and_lists_follow_the_access_level(client, resources, people, who):
    login(client, people, who)
    listing = client.get(reverse("library:browse")).content.decode()
    community = client.get(reverse("library:community",
                                   kwargs={"community": "ai-cop"})).content.decode()
    for level, resource in resources.items():
        page = client.get(resource.get_absolute_url())
        file = client.get(url("file", resource))
        if level in VISIBLE[who]:
            assert page.status_code == 200 and file.status_code == 200, (who, level)
            assert resource.title in listing and resource.title in community, (who, level)
        else:
            assert page.status_code == 404 and file.status_code == 404, (who, level)
            assert resource.title not in listing and resource.title not in community, (
                who, level)


@pytest.mark.parametrize("who", list(VISIBLE))
def test_related_resources_never_show_what_the_viewer_may_not_see(client, make_resource,
                                                                  resources, people, who):
    host = make_resource(title="Host page", kind="tool")
    login(client, people, who)
    page = client.get(host.get_absolute_url()).content.decode()
    related = page[page.index("Related resources"):]
    shown = {level for level, r in resources.items() if r.title in related}
    assert shown and shown <= VISIBLE[who]


@pytest.mark.parametrize("who", list(VISIBLE))
def test_the_search_document_carries_the_same_access_rule_as_the_page(client, resources,
                                                                      people, who):
    from cophub.communities.selectors import viewer_for

    viewer = viewer_for(people[who])
    for level, resource in resources.items():
        document = resource_document(Resource.objects.get(pk=resource.pk))
        allowed = can_view(viewer, access_level=document.access_level,
                           community_id=document.community_id, group_id=document.group_id)
        assert allowed == (level in VISIBLE[who]), (who, level)


@pytest.mark.parametrize("who", ["anonymous", "public", "government", "group_member"])
@pytest.mark.parametrize("page", MANAGER_PAGES)
def test_organizer_pages_are_404_when_hidden_and_closed_to_members(client, resources, people,
                                                                   who, page):
    login(client, people, who)
    for level, resource in resources.items():
        response = client.get(url(page, resource))
        if level not in VISIBLE[who]:
            assert response.status_code == 404, (who, level)
        elif who == "anonymous":
            assert response.status_code == 302, (who, level)
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403, (who, level)


@pytest.mark.parametrize("who", ["anonymous", "public", "government", "group_member"])
def test_members_cannot_change_resources_by_posting(client, resources, people, who):
    login(client, people, who)
    for resource in resources.values():
        client.post(url("edit", resource), {"title": "Defaced"})
        client.post(url("withdraw", resource))
        client.post(url("restore", resource, number=1))
    assert not Resource.objects.filter(title="Defaced").exists()
    assert not Resource.objects.filter(withdrawn_at__isnull=False).exists()
    assert all(r.version == 1 for r in Resource.objects.all())


@pytest.mark.parametrize("page", MANAGER_PAGES)
def test_organizers_reach_every_organizer_page(client, resources, people, page):
    login(client, people, "organizer")
    for resource in resources.values():
        assert client.get(url(page, resource)).status_code == 200


def test_members_cannot_add_resources(client, people):
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    for who in ("public", "government", "group_member"):
        login(client, people, who)
        assert client.get(create).status_code == 403, who
        assert client.post(create, {"title": "Sneaky"}).status_code == 403, who
    client.logout()
    assert client.get(create).status_code == 302
    assert not Resource.objects.filter(title="Sneaky").exists()


def test_organizer_pages_need_mfa(client, make_user, community, resources):
    no_mfa = make_user("organizer2@gsa.gov")
    community_role_ensure(community=community, user=no_mfa, role=CommunityRole.Role.ORGANIZER)
    client.force_login(no_mfa)
    response = client.get(url("edit", resources["public"]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    response = client.get(reverse("library:create", kwargs={"community": "ai-cop"}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_group_lead_manages_their_groups_resources_only(client, make_resource, make_user,
                                                        make_lead, group, make_group):
    other = make_group("nlp")
    lead = make_user("lead@nasa.gov", mfa=True)
    make_lead(group, lead)
    theirs = make_resource(title="Theirs", group=group)
    not_theirs = make_resource(title="Not theirs", group=other)
    client.force_login(lead)
    for page in MANAGER_PAGES:
        assert client.get(url(page, theirs)).status_code == 200, page
        assert client.get(url(page, not_theirs)).status_code == 403, page


@pytest.mark.parametrize("who", ["anonymous", "public", "government", "group_member"])
def test_withdrawn_resources_are_404_to_everyone_but_the_people_who_run_them(
        client, resources, people, who, organizer):
    for resource in resources.values():
        services.resource_withdraw(resource=resource, actor=organizer)
    login(client, people, who)
    listing = client.get(reverse("library:browse")).content.decode()
    for level, resource in resources.items():
        assert client.get(resource.get_absolute_url()).status_code == 404, (who, level)
        assert client.get(url("file", resource)).status_code == 404, (who, level)
        assert resource.title not in listing
        assert resource_document(Resource.objects.get(pk=resource.pk)) is None
    login(client, people, "organizer")
    for resource in resources.values():
        assert client.get(resource.get_absolute_url()).status_code == 200
        assert client.get(url("file", resource)).status_code == 200


def test_the_withdrawn_list_is_only_for_the_people_who_run_them(client, resources, people,
                                                                organizer):
    services.resource_withdraw(resource=resources["public"], actor=organizer)
    community = reverse("library:community", kwargs={"community": "ai-cop"})
    login(client, people, "government")
    page = client.get(community, {"status": "withdrawn"}).content.decode()
    assert "Resource for public" not in page and "Withdrawn resources" not in page
    login(client, people, "organizer")
    page = client.get(community, {"status": "withdrawn"}).content.decode()
    assert "Resource for public" in page and "Resource for government" not in page


def test_a_resource_is_only_found_under_its_own_community(client, resources, people):
    from cophub.communities.models import Community

    Community.objects.create(slug="data-cop", name="Data CoP")
    login(client, people, "organizer")
    resource = resources["public"]
    wrong = reverse("library:detail", kwargs={"community": "data-cop", "pk": resource.pk,
                                              "slug": resource.slug})
    assert client.get(wrong).status_code == 404
    assert client.get(reverse("library:file", kwargs={"community": "data-cop",
                                                      "pk": resource.pk})).status_code == 404


def test_a_lead_sees_every_resource_of_their_group_but_not_other_organizer_only_ones(
        client, make_resource, make_user, make_lead, group, make_group):
    lead = make_user("lead@nasa.gov", mfa=True)
    make_lead(group, lead)
    theirs = make_resource(title="Lead notes", group=group, access_level="organizers")
    others = make_resource(title="Organizer notes", access_level="organizers")
    client.force_login(lead)
    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert client.get(others.get_absolute_url()).status_code == 404
    listing = client.get(reverse("library:browse")).content.decode()
    assert "Lead notes" in listing and "Organizer notes" not in listing
