import pytest
from django.core import mail

from cophub.communities.models import CommunityRole, Group, Membership
from cophub.communities.selectors import viewer_for
from cophub.communities.services import (
    MembershipError,
    group_join,
    group_lead_appoint,
    group_leave,
    group_save,
    membership_decide,
    membership_invite,
    membership_set_role,
)
from cophub.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_joining_an_open_group_is_immediate_and_idempotent(make_group, gov_member):
    group = make_group()
    first = group_join(group=group, user=gov_member)
    again = group_join(group=group, user=gov_member)
    assert first.pk == again.pk and first.state == Membership.State.ACTIVE
    assert Membership.objects.filter(group=group).count() == 1
    assert CommunityRole.objects.filter(user=gov_member, community=group.community).exists()
    assert AuditEvent.objects.filter(verb="communities.membership.joined").count() == 1


def test_request_group_waits_for_a_lead_who_is_emailed_and_decides(
        make_group, make_user, make_lead, gov_member, django_capture_on_commit_callbacks):
    group = make_group("ai-security", join_policy=Group.JoinPolicy.REQUEST)
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(group, lead)
    with django_capture_on_commit_callbacks(execute=True):
        membership = group_join(group=group, user=gov_member, message="I run our red team.")
    assert membership.state == Membership.State.REQUESTED
    assert [m.to for m in mail.outbox] == [["lead@nih.gov"]]
    assert "I run our red team." in mail.outbox[0].body
    assert "/c/ai-cop/g/ai-security/manage/" in mail.outbox[0].body
    html = mail.outbox[0].alternatives[0].content
    assert "I run our red team." in html and "&lt;member@va.gov&gt;" in html
    with django_capture_on_commit_callbacks(execute=True):
        membership_decide(membership=membership, actor=lead, approve=True)
    membership.refresh_from_db()
    assert membership.state == Membership.State.ACTIVE and membership.decided_by == lead
    assert mail.outbox[-1].to == ["member@va.gov"]
    assert "approved" in mail.outbox[-1].body


def test_declined_request_is_removed_and_cannot_be_decided_twice(
        make_group, make_user, make_lead, gov_member):
    group = make_group("ai-security", join_policy=Group.JoinPolicy.REQUEST)
    lead = make_user("lead@nih.gov")
    make_lead(group, lead)
    membership = group_join(group=group, user=gov_member)
    membership_decide(membership=membership, actor=lead, approve=False)
    assert not Membership.objects.filter(user=gov_member).exists()


def test_only_leads_and_organizers_decide(make_group, make_user, gov_member):
    group = make_group("ai-security", join_policy=Group.JoinPolicy.REQUEST)
    outsider = make_user("other@nih.gov")
    membership = group_join(group=group, user=gov_member)
    with pytest.raises(MembershipError):
        membership_decide(membership=membership, actor=outsider, approve=True)
    membership.refresh_from_db()
    assert membership.state == Membership.State.REQUESTED


def test_invite_only_group_refuses_joins_but_accepts_invitations(
        make_group, organizer, gov_member):
    group = make_group("steering", kind=Group.Kind.COMMITTEE,
                       join_policy=Group.JoinPolicy.INVITE)
    with pytest.raises(MembershipError):
        group_join(group=group, user=gov_member)
    membership_invite(group=group, user=gov_member, actor=organizer)
    membership = group_join(group=group, user=gov_member)
    assert membership.state == Membership.State.ACTIVE


def test_government_only_group_cannot_be_joined_by_public_participant(make_group, public_user):
    group = make_group("gov-only", access_level="government")
    with pytest.raises(MembershipError):
        group_join(group=group, user=public_user)
    assert not Membership.objects.exists()


def test_last_lead_cannot_leave(make_group, make_user, make_lead):
    group = make_group()
    lead = make_user("lead@nih.gov")
    make_lead(group, lead)
    with pytest.raises(MembershipError):
        group_leave(group=group, user=lead)
    assert Membership.objects.filter(user=lead).exists()


def test_organizer_makes_a_member_lead(make_group, organizer, gov_member):
    group = make_group()
    membership = group_join(group=group, user=gov_member)
    membership_set_role(membership=membership, role=Membership.Role.LEAD, actor=organizer)
    membership.refresh_from_db()
    assert membership.role == Membership.Role.LEAD


def test_only_organizers_create_groups_and_bad_slugs_are_refused(community, organizer,
                                                                 gov_member):
    from django.core.exceptions import ValidationError

    data = {"name": "Computer Vision", "slug": "computer-vision", "kind": "practice_area",
            "join_policy": "open", "access_level": "public"}
    with pytest.raises(MembershipError):
        group_save(community=community, actor=gov_member, data=data)
    with pytest.raises(ValidationError):
        group_save(community=community, actor=organizer, data={**data, "slug": "bad slug!"})
    assert not Group.objects.exists()
    group = group_save(community=community, actor=organizer, data=data)
    assert group.slug == "computer-vision"


def test_a_viewer_costs_one_query_and_knows_where_its_person_leads(
        community, make_group, make_user, organizer, django_assert_num_queries):
    group = make_group("ai-security")
    lead = make_user("lead@dot.gov")
    group_lead_appoint(group=group, user=lead, actor=organizer)
    with django_assert_num_queries(1):
        viewer = viewer_for(lead)
    assert viewer.led_group_ids == {group.pk}
    assert viewer.lead_community_ids == {community.pk}
    assert viewer.group_ids == {group.pk}


def test_only_managers_appoint_leads(community, make_group, make_user, gov_member):
    group = make_group("ai-security")
    with pytest.raises(MembershipError):
        group_lead_appoint(group=group, user=make_user("x@dot.gov"), actor=gov_member)
