"""The organizers' "Government status": how many of the community's members lost the
government tier to a lapsed address in the last 12 months, and why, and how many are without
it now. Counts only, for organizers only, in a fixed number of queries."""

from datetime import timedelta

import pytest
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from cophub.accounts.models import QualifyingAddressLapse
from cophub.accounts.selectors import address_pending_state
from cophub.accounts.services import address_checks_run, address_lapse, address_reconfirm
from cophub.accounts.tests.tiers import with_personal_address
from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure, group_lead_appoint
from cophub.core.models import AuditEvent

pytestmark = pytest.mark.django_db

BOUNCE = QualifyingAddressLapse.Reason.HARD_BOUNCE


@pytest.fixture
def members(make_user, community, organizer):
    """Community members: Bea and Cy will lose the tier, Dee lapses one of two government
    addresses and keeps it, Eve is fine. Omar is not a member."""
    people = {
        "bea": make_user("bea@va.gov", name="Bea Bounced"),
        "cy": with_personal_address(make_user("cy@nih.gov", name="Cy Checked"),
                                    address="cy@example.com"),
        "dee": with_personal_address(make_user("dee@gsa.gov", name="Dee Double"),
                                     address="dee@army.mil"),
        "eve": make_user("eve@nasa.gov", name="Eve Fine"),
    }
    for person in people.values():
        community_role_ensure(community=community, user=person)
    people["omar"] = make_user("omar@dol.gov", name="Omar Outsider")
    return people


def lapse_everyone(members, capture):
    with capture(execute=True):
        address_lapse(email="bea@va.gov", reason=BOUNCE)
        address_lapse(email="dee@gsa.gov", reason=BOUNCE)  # still government (army.mil)
        address_lapse(email="omar@dol.gov", reason=BOUNCE)  # not a member
        # A year on, everyone is asked; all but Cy confirm, and Cy's address lapses.
        now = timezone.now()
        address_checks_run(now=now)
        address_checks_run(now=now + timedelta(days=365))
        for address in EmailAddress.objects.filter(
                qualifying_check__requested_at__isnull=False).exclude(email="cy@nih.gov"):
            assert address_reconfirm(email_address=address,
                                     state=address_pending_state(email_address=address))
        assert address_checks_run(now=now + timedelta(days=395)).lapsed == 1


def organize_page(client, community):
    return client.get(reverse("communities:organize", kwargs={"community": community.slug}))


def section(page: str) -> str:
    return page[page.index('id="government-status-heading"'):]


def test_organizers_see_counts_by_reason_and_no_addresses_or_names(
        client, community, organizer, members, django_capture_on_commit_callbacks):
    lapse_everyone(members, django_capture_on_commit_callbacks)
    client.force_login(organizer)

    response = organize_page(client, community)

    assert response.status_code == 200
    status = section(response.content.decode())
    assert "<strong>2</strong> members lost the government tier" in status
    assert "Mail to the address bounced permanently</th><td>1<" in status
    assert "Not confirmed by the deadline of the yearly check</th><td>1<" in status
    assert "lapsed: <strong>2</strong> members" in status
    for person in members.values():
        assert person.email not in status and person.name not in status
    for email in ("bea@va.gov", "cy@nih.gov", "dee@gsa.gov", "omar@dol.gov"):
        assert email not in response.content.decode()


def test_a_lapse_older_than_a_year_no_longer_counts_but_the_member_is_still_lapsed(
        client, community, organizer, members, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="bea@va.gov", reason=BOUNCE)
    AuditEvent.objects.filter(verb="accounts.address.lapsed").update(
        created_at=timezone.now() - timedelta(days=400))
    client.force_login(organizer)

    status = section(organize_page(client, community).content.decode())

    assert "No member lost the government tier in the last 12 months" in status
    assert "lapsed: <strong>1</strong> member." in status


def test_a_lifted_lapse_still_counts_as_lost_this_year_but_not_as_lapsed_now(
        client, community, organizer, members, django_capture_on_commit_callbacks, rf):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="bea@va.gov", reason=BOUNCE)
    account_signals.email_confirmed.send(sender=EmailAddress, request=rf.post("/"),
                                         email_address=EmailAddress.objects.get(
                                             email="bea@va.gov"))
    client.force_login(organizer)

    status = section(organize_page(client, community).content.decode())

    assert "<strong>1</strong> member lost the government tier" in status
    assert "lapsed: <strong>0</strong> members" in status


def test_only_organizers_see_the_page(client, community, make_group, members, gov_member,
                                      public_user, make_user):
    lead = make_user("lena@gsa.gov", mfa=True)
    group_lead_appoint(group=make_group(), user=lead)
    community_role_ensure(community=community, user=gov_member)

    assert organize_page(client, community).status_code == 302
    for person in (public_user, gov_member, lead, members["bea"]):
        client.force_login(person)
        assert organize_page(client, community).status_code == 403


def test_the_section_takes_the_same_queries_however_many_members(
        client, community, organizer, make_user, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    def add_lapsed_members(start, count):
        for i in range(start, start + count):
            person = make_user(f"person{i}@va.gov")
            community_role_ensure(community=community, user=person)
            with django_capture_on_commit_callbacks(execute=True):
                address_lapse(email=person.email, reason=BOUNCE)

    add_lapsed_members(0, 2)
    client.force_login(organizer)
    with django_assert_max_num_queries(16) as few:
        organize_page(client, community)
    add_lapsed_members(2, 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = organize_page(client, community)
    assert "<strong>27</strong> members lost the government tier" in response.content.decode()
    assert CommunityRole.objects.filter(community=community).count() == 28
