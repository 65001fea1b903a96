"""Access from the outside: anonymous visitors, public participants, government members (of
the use case's agency and of another), group members and organizers, against every page,
the CSV export, the search document and the contact opt-in.

Use cases are public data: everyone sees every use case. Contacts (people who offered to
answer questions for their agency) are shown to government members only, and only
government members whose *verified* domain belongs to the agency may offer themselves."""

import pytest
from django.urls import reverse

from cophub.accounts.models import DomainRule
from cophub.accounts.services import profile_update, user_tier_refresh
from cophub.communities.services import group_join
from cophub.usecases.models import UseCase, UseCaseContact
from cophub.usecases.searchable import usecase_document
from cophub.usecases.services import usecase_contact_add

from .conftest import use_case_row

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "public", "government", "agency_member", "group_member", "organizer")
SEES_CONTACTS = {"government", "agency_member", "group_member", "organizer"}


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, make_group, registry):
    group = make_group("ai-security", access_level="government")
    groupie = make_user("groupie@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=groupie)
    return {
        "anonymous": None,
        "public": public_user,
        "government": make_user("grace@energy.gov", name="Grace Energy"),
        "agency_member": gov_member,  # member@va.gov
        "group_member": groupie,
        "organizer": organizer,  # organizer@gsa.gov
    }


@pytest.fixture
def contact(inventory, make_user, registry):
    user = make_user("vera.contact@va.gov", name="Vera Contact")
    profile_update(user=user, data={"job_role": "Chief AI Officer"})
    usecase_contact_add(user=user, agency=UseCase.objects.get(key="VA:row-2").agency)
    return user


def login(client, people, who):
    if people[who] is not None:
        client.force_login(people[who])


@pytest.mark.parametrize("who", PEOPLE)
def test_everyone_sees_every_use_case_page(client, inventory, people, who):
    login(client, people, who)
    assert client.get(reverse("usecases:list")).content.decode().count(
        "usa-collection__item") == 5
    for use_case in UseCase.objects.all():
        assert client.get(use_case.get_absolute_url()).status_code == 200
    assert client.get(reverse("usecases:statistics")).status_code == 200
    export = client.get(reverse("usecases:export"))
    assert len(b"".join(export.streaming_content).splitlines()) == 6


@pytest.mark.parametrize("who", PEOPLE)
def test_only_government_members_see_contact_names(client, contact, people, who):
    login(client, people, who)
    page = client.get(UseCase.objects.get(key="VA:row-2").get_absolute_url()).content.decode()
    if who in SEES_CONTACTS:
        assert "Vera Contact" in page and "Chief AI Officer" in page
        assert 'href="mailto:vera.contact@va.gov"' in page
    else:
        assert "Vera Contact" not in page and "vera.contact@va.gov" not in page
        assert "Chief AI Officer" not in page


@pytest.mark.parametrize("who", PEOPLE)
def test_contacts_never_leave_through_the_list_export_statistics_or_search(
        client, contact, people, who):
    login(client, people, who)
    for url in (reverse("usecases:list"), reverse("usecases:statistics")):
        assert "vera.contact" not in client.get(url).content.decode()
    export = b"".join(client.get(reverse("usecases:export")).streaming_content).decode()
    assert "vera.contact" not in export and "Vera Contact" not in export
    for use_case in UseCase.objects.select_related("agency"):
        document = usecase_document(use_case)
        assert document.access_level == "public" and document.community_id is None
        assert "Vera" not in f"{document.title} {document.body} {document.extra}"


def test_the_opt_in_form_is_offered_only_to_members_of_the_agency(client, inventory, people):
    va = UseCase.objects.get(key="VA:row-2").get_absolute_url()
    for who in PEOPLE:
        login(client, people, who)
        page = client.get(va).content.decode()
        offered = "List me as a contact for my agency" in page
        assert offered == (who == "agency_member"), who
        client.logout()


@pytest.mark.parametrize("who", ["public", "government", "group_member", "organizer"])
def test_people_outside_the_agency_cannot_list_themselves(client, inventory, people, who):
    login(client, people, who)
    url = reverse("usecases:contact", kwargs={"pk": UseCase.objects.get(key="VA:row-2").pk})
    response = client.post(url, {"listed": "on"})
    assert response.status_code == 403
    assert "Only government members of Department of Veterans Affairs" in \
        response.content.decode()
    assert not UseCaseContact.objects.exists()


def test_visitors_are_sent_to_sign_in_and_nothing_is_listed(client, inventory):
    use_case = UseCase.objects.get(key="VA:row-2")
    response = client.post(reverse("usecases:contact", kwargs={"pk": use_case.pk}),
                           {"listed": "on"})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("account_login"))
    assert not UseCaseContact.objects.exists()


def test_a_member_of_the_agency_opts_in_and_out(client, inventory, people):
    member = people["agency_member"]
    client.force_login(member)
    use_case = UseCase.objects.get(key="VA:row-2")
    url = reverse("usecases:contact", kwargs={"pk": use_case.pk})
    response = client.post(url, {"listed": "on"}, follow=True)
    assert "You are listed as a contact" in response.content.decode()
    assert "Mia Member" in response.content.decode()
    client.post(url, {"listed": "on"})  # twice: still one listing
    assert UseCaseContact.objects.filter(user=member, agency=use_case.agency).count() == 1
    # The listing is per agency: it shows on the agency's other use cases too.
    other = UseCase.objects.get(key="VA:row-3")
    assert "Mia Member" in client.get(other.get_absolute_url()).content.decode()
    response = client.post(url, {}, follow=True)
    assert "no longer listed" in response.content.decode()
    assert not UseCaseContact.objects.exists()


def test_a_typed_organization_does_not_make_someone_a_member_of_an_agency(
        client, inventory, people):
    """The profile's organization is free text; the verified domain decides."""
    grace = people["government"]  # energy.gov
    profile_update(user=grace, data={"organization": "Department of Veterans Affairs"})
    client.force_login(grace)
    url = reverse("usecases:contact", kwargs={"pk": UseCase.objects.get(key="VA:row-2").pk})
    assert client.post(url, {"listed": "on"}).status_code == 403
    assert not UseCaseContact.objects.exists()


def test_a_denied_domain_cannot_list_itself(client, inventory, people):
    member = people["agency_member"]
    DomainRule.objects.create(domain="va.gov", kind=DomainRule.Kind.DENY)
    client.force_login(member)
    url = reverse("usecases:contact", kwargs={"pk": UseCase.objects.get(key="VA:row-2").pk})
    assert client.post(url, {"listed": "on"}).status_code == 403


def test_contacts_who_lose_the_government_tier_are_no_longer_shown(
        client, contact, people):
    contact.emailaddress_set.update(verified=False)  # as if the address were removed
    user_tier_refresh(user=contact)
    client.force_login(people["agency_member"])
    page = client.get(UseCase.objects.get(key="VA:row-2").get_absolute_url()).content.decode()
    assert "Vera Contact" not in page


def test_a_suborganization_agency_takes_members_of_its_domain_only(
        client, registry, load, make_user):
    load([use_case_row("NIGC", "NIGC-1", "Gaming compliance")])
    use_case = UseCase.objects.get()
    url = reverse("usecases:contact", kwargs={"pk": use_case.pk})
    client.force_login(make_user("ian@doi.gov", name="Ian Interior"))
    assert client.post(url, {"listed": "on"}).status_code == 403
    client.force_login(make_user("nina@nigc.gov", name="Nina Gaming"))
    assert client.post(url, {"listed": "on"}).status_code == 302
    assert UseCaseContact.objects.get().user.email == "nina@nigc.gov"


def test_a_contact_finds_their_listing_in_their_data_export(contact):
    from cophub.accounts.services import account_export

    data = account_export(user=contact)

    assert [c["agency"] for c in data["usecase_contacts"]] == ["VA"]
