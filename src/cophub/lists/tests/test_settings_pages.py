"""The pages for starting a list (/lists/new/<community>/) and a list's settings
(/lists/<address>/settings/): forms, the service's reasons shown at the fields, and access
(sign-in, organizers and the group's leads only, MFA). The "New list" buttons on the index."""

import pytest
from django.urls import reverse

from cophub.communities.models import Community, CommunityRole
from cophub.communities.services import community_role_ensure
from cophub.lists.models import MailingList, Subscription

from .settings_helpers import form_data

pytestmark = pytest.mark.django_db


def test_organizer_creates_a_list_on_the_page(client, community, organizer):
    client.force_login(organizer)
    page = client.get(reverse("lists:create", args=["ai-cop"]))
    assert page.status_code == 200
    assert "@lists.localhost" in page.content.decode()
    response = client.post(reverse("lists:create", args=["ai-cop"]), form_data())
    ml = MailingList.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("lists:detail", args=["ai-news"])
    assert (ml.local_part, ml.digests_enabled, ml.is_active) == ("ai-news", True, True)
    assert "Created AI News at ai-news@lists.localhost." in client.get(
        response.url).content.decode()


def test_create_page_shows_the_services_reasons(client, community, organizer, gov_list):
    client.force_login(organizer)
    response = client.post(reverse("lists:create", args=["ai-cop"]),
                           form_data(local_part="new"))
    assert response.status_code == 400
    assert "“new” is reserved by the site" in response.content.decode()
    response = client.post(reverse("lists:create", args=["ai-cop"]),
                           form_data(local_part="ai", audience="group"))
    page = response.content.decode()
    assert "already a list with the address" in page
    assert "Choose the group whose members may join the list." in page
    assert MailingList.objects.count() == 1


def test_organizer_edits_settings_on_the_page(client, organizer, gov_list):
    client.force_login(organizer)
    page = client.get(reverse("lists:settings", args=["ai"])).content.decode()
    assert 'value="AI CoP"' in page and 'name="local_part"' not in page
    response = client.post(reverse("lists:settings", args=["ai"]), form_data(
        gov_list, name="AI CoP talk", digests_enabled=False))
    assert response.status_code == 302 and response.url == reverse("lists:detail",
                                                                    args=["ai"])
    gov_list.refresh_from_db()
    assert (gov_list.name, gov_list.digests_enabled) == ("AI CoP talk", False)


def test_settings_page_refuses_narrowing_until_confirmed(client, organizer, public_list,
                                                          make_subscription):
    make_subscription(public_list, "pat@example.com")
    client.force_login(organizer)
    url = reverse("lists:settings", args=["aipublic"])
    refused = client.post(url, form_data(public_list, audience="government"))
    assert refused.status_code == 400
    assert "1 subscriber (pat@example.com) does not qualify" in refused.content.decode()
    assert Subscription.objects.get().state == "active"
    confirmed = client.post(url, form_data(public_list, audience="government",
                                           confirm_narrow=True))
    assert confirmed.status_code == 302
    assert Subscription.objects.get().state == "unsubscribed"


def test_group_lead_edits_own_list_with_the_group_fixed(client, lead, group_list, make_group):
    other = make_group("ai-ethics", name="AI Ethics")
    client.force_login(lead)
    url = reverse("lists:settings", args=["aisec"])
    page = client.get(url).content.decode()
    assert "Only the community&#x27;s organizers can move a list" in page
    # A disabled field keeps its value whatever is posted.
    response = client.post(url, form_data(group_list, name="Security talk", group=other))
    assert response.status_code == 302
    group_list.refresh_from_db()
    assert (group_list.name, group_list.group_id) == ("Security talk", group_list.group.pk)


def test_group_lead_closing_their_list_lands_on_the_index(client, lead, group_list):
    client.force_login(lead)
    response = client.post(reverse("lists:settings", args=["aisec"]),
                           form_data(group_list, is_active=False))
    assert response.status_code == 302 and response.url == reverse("lists:index")


@pytest.mark.parametrize("who", ["gov_member", "public_user", "lead"])
def test_create_page_is_for_organizers_only(client, community, request, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("lists:create", args=["ai-cop"])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    assert not MailingList.objects.exists()


def test_create_page_for_anonymous_asks_to_sign_in_and_404s_unknown(client, community,
                                                                    organizer):
    response = client.get(reverse("lists:create", args=["ai-cop"]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(organizer)
    assert client.get(reverse("lists:create", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("who", ["gov_member", "public_user", "lead"])
def test_settings_page_is_for_the_lists_owners(client, gov_list, request, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("lists:settings", args=["ai"])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(gov_list, name="Hijacked")).status_code == 403
    gov_list.refresh_from_db()
    assert gov_list.name == "AI CoP"


def test_settings_page_for_anonymous_asks_to_sign_in(client, gov_list):
    response = client.get(reverse("lists:settings", args=["ai"]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_settings_of_a_hidden_groups_list_is_404_to_outsiders(client, make_group, make_list):
    secret = make_group("secret", access_level="government", name="Secret group")
    make_list("secretlist", audience="group", group=secret, archive_access_level="group")
    assert client.get(reverse("lists:settings", args=["secretlist"])).status_code == 404


@pytest.mark.parametrize("page", ["create", "settings"])
def test_settings_pages_need_mfa(client, make_user, community, gov_list, page):
    no_mfa = make_user("boss@gsa.gov")
    community_role_ensure(community=community, user=no_mfa, role=CommunityRole.Role.ORGANIZER)
    client.force_login(no_mfa)
    response = client.get(reverse(f"lists:{page}", args=["ai-cop" if page == "create" else "ai"]))
    assert response.status_code == 302 and response.url == reverse("mfa_index")


def test_settings_page_query_count_does_not_grow(client, organizer, gov_list, make_group,
                                                 make_subscription,
                                                 django_assert_max_num_queries):
    for i in range(15):
        make_group(f"group-{i}", name=f"Group {i}")
        make_subscription(gov_list, f"person{i}@va.gov")
    client.force_login(organizer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("lists:settings", args=["ai"]))
    assert response.content.decode().count("<option") == 16  # 15 groups and "no group"


def test_owner_nav_links_to_settings(client, organizer, gov_list):
    client.force_login(organizer)
    page = client.get(reverse("lists:detail", args=["ai"])).content.decode()
    assert reverse("lists:settings", args=["ai"]) in page


def test_index_offers_new_list_to_organizers_only(client, community, organizer, gov_member,
                                                  gov_list):
    empty = Community.objects.create(slug="cloud", name="Cloud CoP")
    community_role_ensure(community=empty, user=organizer, role=CommunityRole.Role.ORGANIZER)
    client.force_login(organizer)
    page = client.get(reverse("lists:index")).content.decode()
    assert reverse("lists:create", args=["ai-cop"]) in page
    assert reverse("lists:create", args=["cloud"]) in page  # a community with no list yet
    client.force_login(gov_member)
    assert "New list" not in client.get(reverse("lists:index")).content.decode()
    client.logout()
    assert "New list" not in client.get(reverse("lists:index")).content.decode()
