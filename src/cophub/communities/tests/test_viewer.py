"""The viewer is read with one hand-written statement (`selectors._viewer_sql`); these tests
hold it to what the ORM says about the same rows."""

import pytest

from cophub.communities import selectors
from cophub.communities.models import CommunityRole, Membership
from cophub.communities.services import (
    community_role_ensure,
    group_join,
    group_lead_appoint,
    group_leave,
)
from cophub.communities.tests.factories import CommunityFactory, GroupFactory


def _expected(user):
    active = Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
    return {
        "group_ids": frozenset(active.values_list("group_id", flat=True)),
        "led_group_ids": frozenset(
            active.filter(role=Membership.Role.LEAD).values_list("group_id", flat=True)),
        "lead_community_ids": frozenset(
            active.filter(role=Membership.Role.LEAD).values_list("group__community_id",
                                                                 flat=True)),
        "organizer_community_ids": frozenset(CommunityRole.objects.filter(
            user=user, role=CommunityRole.Role.ORGANIZER).values_list("community_id",
                                                                      flat=True)),
    }


@pytest.fixture
def people(make_user):
    """Two communities; people who are members, leads, organizers, on the way in, gone."""
    ai, data = CommunityFactory(slug="ai"), CommunityFactory(slug="data")
    open_ai = GroupFactory(community=ai)
    closed_ai = GroupFactory(community=ai, join_policy="approval")
    open_data = GroupFactory(community=data)
    member, lead, organizer, waiting, gone, nobody = (
        make_user(f"{who}@va.gov") for who in
        ("member", "lead", "organizer", "waiting", "gone", "nobody"))
    group_join(group=open_ai, user=member)
    group_join(group=open_data, user=member)
    group_lead_appoint(group=open_ai, user=lead)
    group_join(group=open_data, user=lead)
    community_role_ensure(community=data, user=organizer, role=CommunityRole.Role.ORGANIZER)
    community_role_ensure(community=ai, user=organizer)  # a plain member role: not organizer
    group_lead_appoint(group=closed_ai, user=organizer)
    group_join(group=closed_ai, user=waiting)  # a request, not yet a membership
    group_join(group=open_ai, user=gone)
    group_leave(group=open_ai, user=gone)
    return [member, lead, organizer, waiting, gone, nobody]


def test_the_statement_gives_what_the_orm_gives(people, django_assert_num_queries):
    with django_assert_num_queries(1):
        viewers = selectors.viewers_for(people)
    for person in people:
        viewer = viewers[person.pk]
        assert {field: getattr(viewer, field) for field in _expected(person)} \
            == _expected(person), person.email
    member, lead, organizer, waiting, gone, nobody = (viewers[p.pk] for p in people)
    assert len(member.group_ids) == 2 and not member.led_group_ids
    assert lead.led_group_ids and lead.lead_community_ids
    assert len(organizer.organizer_community_ids) == 1
    assert not waiting.group_ids and not gone.group_ids and not nobody.group_ids


def test_many_people_are_read_in_batches(people, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "_VIEWER_BATCH", 4)
    with django_assert_num_queries(2):
        viewers = selectors.viewers_for(people)
    assert viewers == selectors.viewers_for(people[:3]) | selectors.viewers_for(people[3:])
    assert selectors.viewers_for([]) == {}
