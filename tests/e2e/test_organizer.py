"""An organizer runs the community from the dashboard; without MFA they are sent to set it up."""

import re

import pytest

from cophub.communities import services
from cophub.communities.models import CommunityRole, Group, Membership
from cophub.core.models import AuditEvent

from .conftest import TOTP_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_organizer_creates_a_group_approves_a_request_and_reads_the_audit_log(
        page, assert_accessible, sign_in, organizer, gov_member, community, make_group):
    # Given a request-only group with a pending request from a government member
    tools = make_group("tools-and-resources", name="Tools and Resources",
                       kind=Group.Kind.WORKING_GROUP, join_policy=Group.JoinPolicy.REQUEST)
    request = services.group_join(group=tools, user=gov_member, message="I maintain our tools.")
    assert request.state == Membership.State.REQUESTED

    # When the organizer signs in with password and authenticator code
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)

    # And opens the dashboard from the community page
    page.goto(community.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Organizer dashboard").click()
    page.wait_for_url("**/c/ai-cop/organize/")
    assert_accessible(page)

    # Then the request is listed, and approving it makes the person a member
    row = page.get_by_role("row").filter(has_text="Mia Member")
    assert row.get_by_text("I maintain our tools.").is_visible()
    row.get_by_role("button", name="Approve Mia Member").click()
    page.wait_for_url("**/c/ai-cop/organize/")
    assert page.get_by_role("status").get_by_text("Request from Mia Member approved.").is_visible()
    assert page.get_by_text("No requests are waiting.").is_visible()
    assert_accessible(page, "request-approved")
    request.refresh_from_db()
    assert request.state == Membership.State.ACTIVE
    assert request.decided_by == organizer

    # When they submit the new-group form empty, they see an error summary and nothing is made
    page.get_by_role("link", name="New group").click()
    page.wait_for_url("**/organize/groups/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("load")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    assert summary.is_visible()
    for label in ("Name", "Slug", "Kind"):
        assert summary.get_by_role("link", name=re.compile(rf"^{label}:")).is_visible()
    assert page.locator("input[name=name][aria-invalid=true], "
                        "input[name=name][aria-describedby*=error]").count() == 1
    assert_accessible(page, "new-group-errors")
    assert Group.objects.count() == 1

    # And when they fill it in, the group exists with what they chose
    page.locator("input[name=name]").fill("Event Planning")
    page.locator("input[name=slug]").fill("event-planning")
    page.locator("select[name=kind]").select_option(label="Working group")
    page.locator("input[name=summary]").fill("Plans the monthly community meetings.")
    page.locator("label", has_text="Request: a lead approves each request").click()
    page.locator("label", has_text="Government members only").click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/c/ai-cop/g/event-planning/")
    assert page.get_by_role("status").get_by_text("Created Event Planning.").is_visible()
    assert_accessible(page)
    group = Group.objects.get(community=community, slug="event-planning")
    assert (group.name, group.kind, group.join_policy, group.access_level) == (
        "Event Planning", Group.Kind.WORKING_GROUP, Group.JoinPolicy.REQUEST, "government")

    # And the audit log records both actions
    page.goto("/c/ai-cop/organize/")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/c/ai-cop/organize/audit/")
    table = page.get_by_role("table")
    assert table.get_by_text("communities.group.created").is_visible()
    assert table.get_by_text("communities.membership.approved").is_visible()
    assert_accessible(page)
    assert AuditEvent.objects.filter(scope="ai-cop", verb="communities.group.created",
                                     actor=organizer).exists()


def test_organizer_without_mfa_is_sent_to_set_up_two_factor(
        page, assert_accessible, sign_in, make_user, community):
    person = make_user("olu.organizer@gsa.gov", name="Olu Organizer")
    services.community_role_ensure(community=community, user=person,
                                   role=CommunityRole.Role.ORGANIZER)

    sign_in(page, person.email)
    page.goto(community.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Organizer dashboard").click()
    page.wait_for_load_state("load")

    assert page.url.endswith("/accounts/2fa/"), page.url
    warning = page.get_by_text("Organizer and operator pages need two-factor authentication")
    assert warning.is_visible()
    assert_accessible(page, "two-factor-required")

    # The dashboard itself stays closed
    page.goto("/c/ai-cop/organize/")
    assert page.url.endswith("/accounts/2fa/"), page.url
    assert page.get_by_role("heading", name="Organize AI Community of Practice").count() == 0
