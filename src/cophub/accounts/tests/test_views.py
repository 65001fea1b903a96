import json

import pytest
from django.urls import reverse

from cophub.accounts.models import DomainRule, Interest, User
from cophub.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_directory_is_for_government_members_only(client, gov_member, public_user):
    url = reverse("accounts:directory")
    assert client.get(url).status_code == 302
    client.force_login(public_user)
    assert client.get(url).status_code == 403
    client.force_login(gov_member)
    assert client.get(url).status_code == 200


def test_directory_filters_and_hides_unlisted_people(client, make_user, gov_member):
    ai = Interest.objects.create(name="Computer Vision", slug="computer-vision")
    vision = make_user("ada@nasa.gov", name="Ada Vision")
    vision.interests.add(ai)
    User.objects.filter(pk=vision.pk).update(level="federal", organization="NASA")
    make_user("hidden@nasa.gov", name="Hidden Person")
    User.objects.filter(email="hidden@nasa.gov").update(in_directory=False)
    make_user("pat@example.com", name="Pat Public")
    client.force_login(gov_member)
    page = client.get(reverse("accounts:directory")).content.decode()
    assert "Ada Vision" in page and "Hidden Person" not in page and "Pat Public" not in page
    page = client.get(reverse("accounts:directory"),
                      {"interest": "computer-vision"}).content.decode()
    assert "Ada Vision" in page and "Mia Member" not in page
    page = client.get(reverse("accounts:directory"), {"organization": "nasa",
                                                      "level": "federal"}).content.decode()
    assert "Ada Vision" in page and "Mia Member" not in page


def test_directory_bad_filter_shows_an_error_not_a_crash(client, gov_member):
    client.force_login(gov_member)
    response = client.get(reverse("accounts:directory"), {"level": "galactic"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_directory_query_count_is_bounded(client, make_user, gov_member,
                                         django_assert_max_num_queries):
    interest = Interest.objects.create(name="NLP", slug="nlp")
    for i in range(60):
        make_user(f"p{i}@nih.gov").interests.add(interest)
    client.force_login(gov_member)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("accounts:directory"))
    assert response.status_code == 200


def test_profile_update_and_invalid_time_zone_changes_nothing(client, gov_member):
    client.force_login(gov_member)
    url = reverse("accounts:profile")
    data = {"name": "Mia M.", "organization": "VA", "level": "federal",
            "job_role": "Data Scientist", "bio": "Hi", "time_zone": "America/Chicago",
            "in_directory": "on"}
    assert client.post(url, data).status_code == 302
    gov_member.refresh_from_db()
    assert gov_member.name == "Mia M." and gov_member.time_zone == "America/Chicago"
    response = client.post(url, {**data, "name": "Changed", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    gov_member.refresh_from_db()
    assert gov_member.name == "Mia M."


def test_export_contains_the_persons_data_and_nobody_elses(client, gov_member, public_user):
    client.force_login(gov_member)
    response = client.get(reverse("accounts:export"))
    data = json.loads(response.content)
    assert data["account"]["email"] == "member@va.gov"
    assert data["account"]["tier"] == "government"
    assert "pat@example.com" not in response.content.decode()
    assert response["Content-Disposition"].startswith("attachment")


def test_account_deletion_needs_confirmation(client, gov_member):
    client.force_login(gov_member)
    url = reverse("accounts:delete")
    assert client.post(url, {"confirm": "delete"}).status_code == 200
    assert User.objects.filter(pk=gov_member.pk).exists()
    assert client.post(url, {"confirm": "DELETE"}).status_code == 302
    assert not User.objects.filter(pk=gov_member.pk).exists()
    assert AuditEvent.objects.filter(verb="accounts.account.deleted",
                                     actor_label="member@va.gov").exists()
    assert "_auth_user_id" not in client.session


def test_operator_pages_need_staff_and_mfa(client, make_user, gov_member):
    url = reverse("accounts:domain_rules")
    client.force_login(gov_member)
    assert client.get(url).status_code == 403
    staff_without_mfa = make_user("ops@gsa.gov", staff=True)
    client.force_login(staff_without_mfa)
    assert client.get(url)["Location"] == reverse("mfa_index")
    operator = make_user("ops2@gsa.gov", staff=True, mfa=True)
    client.force_login(operator)
    assert client.get(url).status_code == 200
    assert client.get(reverse("accounts:audit")).status_code == 200


def test_operator_adds_a_rule_and_bad_domain_gets_a_clear_error(client, make_user):
    operator = make_user("ops@gsa.gov", staff=True, mfa=True)
    client.force_login(operator)
    url = reverse("accounts:domain_rules")
    response = client.post(url, {"domain": "not a domain", "kind": "allow"})
    assert response.status_code == 200 and "Enter a domain name" in response.content.decode()
    assert not DomainRule.objects.exists()
    client.post(url, {"domain": "Partner.ORG", "kind": "allow", "organization": "Lab"})
    assert DomainRule.objects.get().domain == "partner.org"


def test_directory_answers_htmx_with_the_results_only(client, make_user, gov_member):
    make_user("ada@nasa.gov", name="Ada Vision")
    client.force_login(gov_member)
    response = client.get(reverse("accounts:directory"), {"q": "ada"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Ada Vision" in html and "<form" not in html and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_cached_directory_results_still_follow_the_filters(client, make_user, gov_member):
    make_user("ada@nasa.gov", name="Ada Vision")
    client.force_login(gov_member)
    assert "Ada Vision" in client.get(reverse("accounts:directory")).content.decode()
    filtered = client.get(reverse("accounts:directory"), {"q": "mia"}).content.decode()
    assert "Ada Vision" not in filtered and "Mia Member" in filtered


def test_directory_links_never_carry_another_members_unknown_parameters(client, make_user,
                                                                       gov_member):
    """The results are cached for every member: what one member put in the address beyond
    the filters must not reach the links another member is shown."""
    for i in range(55):  # more than a page, so the results have pagination links
        make_user(f"p{i}@nih.gov", name=f"Person {i}")
    stranger = make_user("stranger@nasa.gov")
    client.force_login(stranger)
    mine = client.get(reverse("accounts:directory"),
                      {"level": "", "utm_source": "phish", "page": "1"}).content.decode()
    assert "phish" not in mine
    client.force_login(gov_member)
    theirs = client.get(reverse("accounts:directory"), {"level": ""}).content.decode()
    assert "page=2" in theirs and "utm_source" not in theirs and "phish" not in theirs


def test_directory_links_keep_only_the_valid_filters(client, make_user, gov_member):
    for i in range(55):
        make_user(f"p{i}@nih.gov", name=f"Person {i}")
    User.objects.filter(email__endswith="@nih.gov").update(organization="NIH")
    client.force_login(gov_member)
    page = client.get(reverse("accounts:directory"),
                      {"organization": "NIH", "extra": "1"}).content.decode()
    assert "organization=NIH&amp;page=2" in page and "extra=" not in page
    # A filter that is not valid filters nothing, and is not carried to the next page.
    links = client.get(reverse("accounts:directory"),
                       {"organization": "NIH", "level": "galactic"}
                       ).content.decode().split('aria-label="Pagination"')[1]
    assert 'href="?page=2"' in links and "galactic" not in links


def test_directory_finds_people_by_name_and_never_by_address(client, make_user, gov_member):
    make_user("ada.l@nasa.gov", name="Ada Lovelace")
    client.force_login(gov_member)
    url = reverse("accounts:directory")
    assert "Ada Lovelace" in client.get(url, {"q": "lovelace"}).content.decode()
    assert "Ada Lovelace" in client.get(url, {"q": "ADA LOVE"}).content.decode()
    assert "Ada Lovelace" not in client.get(url, {"q": "ada.l"}).content.decode()


def test_people_without_a_name_show_as_a_member_never_by_their_address(client, make_user,
                                                                      gov_member):
    nameless = make_user("jdoe.hidden@nasa.gov")
    make_user("zed@nasa.gov", name="Zed Zebra")
    assert nameless.display_name == "A member"
    client.force_login(gov_member)
    page = client.get(reverse("accounts:directory")).content.decode()
    assert "jdoe.hidden" not in page
    # Named people first, then those who have given no name yet.
    assert page.index("Zed Zebra") < page.index("A member")


def test_profile_needs_a_name(client, gov_member):
    client.force_login(gov_member)
    data = {"name": "  ", "organization": "VA", "level": "federal", "job_role": "",
            "bio": "", "time_zone": "America/Chicago", "in_directory": "on"}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200 and "Enter your name." in response.content.decode()
    response = client.post(reverse("accounts:profile"), {**data, "name": "mia@va.gov"})
    assert "Enter your name, not an e-mail address." in response.content.decode()
    gov_member.refresh_from_db()
    assert gov_member.name == "Mia Member" and gov_member.time_zone != "America/Chicago"
