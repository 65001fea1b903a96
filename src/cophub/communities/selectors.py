"""Reads about communities and groups, always through the access policy."""

import functools
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from cophub.accounts.selectors import TierLapseSummary, tier_lapse_summary
from cophub.core.access import ANONYMOUS, Viewer, manageable_q, visible_q

from .models import Community, CommunityRole, Group, Membership


def viewer_for(user) -> Viewer:
    """What the access policy needs to know about a person: one query. Pages read
    `request.viewer`, built with this once per request (`COPHUB_VIEWER_BUILDER`)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return viewers_for([user])[user.pk]


def viewers_for(users) -> dict[int, Viewer]:
    """`viewer_for` for many people at once (a batch of reminders, a digest): one query
    whatever the number of people."""
    by_id = {user.pk: user for user in users}
    groups: dict[int, set[int]] = defaultdict(set)
    led: dict[int, set[int]] = defaultdict(set)
    lead_in: dict[int, set[int]] = defaultdict(set)
    organizer_of: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id, community_id, role in _viewer_rows(list(by_id)):
        if group_id is None:  # a community role
            organizer_of[user_id].add(community_id)
            continue
        groups[user_id].add(group_id)
        if role == Membership.Role.LEAD:
            led[user_id].add(group_id)
            lead_in[user_id].add(community_id)
    return {
        user_id: Viewer(
            user_id=user_id, is_government=user.is_government, is_staff=user.is_staff,
            group_ids=frozenset(groups[user_id]), led_group_ids=frozenset(led[user_id]),
            organizer_community_ids=frozenset(organizer_of[user_id]),
            lead_community_ids=frozenset(lead_in[user_id]),
        )
        for user_id, user in by_id.items()
    }


@functools.cache
def _viewer_sql() -> str:
    """The person's active memberships (group, its community, role) and the communities
    they organize, as (user, group or NULL, community, role) rows, with `{ids}` for the
    placeholders. Written out once rather than built by the ORM on every request: every
    page asks, and building and compiling the two querysets cost four times as long as
    running this one statement (0.8 ms of a 4.7 ms page on PostgreSQL, `bench/pages.py`).
    The names come from the models; `tests/communities/test_viewer.py` holds it to the
    ORM's answer."""
    m, g, r = Membership._meta, Group._meta, CommunityRole._meta

    def col(meta, field):
        return connection.ops.quote_name(meta.get_field(field).column)

    def table(meta):
        return connection.ops.quote_name(meta.db_table)

    return (
        f"SELECT m.{col(m, 'user')}, m.{col(m, 'group')}, g.{col(g, 'community')}, "
        f"m.{col(m, 'role')} FROM {table(m)} m "
        f"JOIN {table(g)} g ON g.{col(g, 'id')} = m.{col(m, 'group')} "
        f"WHERE m.{col(m, 'state')} = %s AND m.{col(m, 'user')} IN ({{ids}}) "
        f"UNION ALL "
        f"SELECT r.{col(r, 'user')}, NULL, r.{col(r, 'community')}, r.{col(r, 'role')} "
        f"FROM {table(r)} r WHERE r.{col(r, 'role')} = %s AND r.{col(r, 'user')} IN ({{ids}})"
    )


_VIEWER_BATCH = 500  # people per statement: well inside every backend's parameter limit


def _viewer_rows(user_ids: list[int]) -> list[tuple]:
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(user_ids), _VIEWER_BATCH):
            batch = user_ids[start:start + _VIEWER_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(_viewer_sql().format(ids=marks),
                           [Membership.State.ACTIVE.value, *batch,
                            CommunityRole.Role.ORGANIZER.value, *batch])
            rows.extend(cursor.fetchall())
    return rows


def groups_manageable_by(*, viewer: Viewer, community: Community) -> QuerySet[Group]:
    """The community's groups the person may manage (and so host events, resources or lists
    for): all of them for organizers, the groups they lead for leads."""
    return (Group.objects.filter(community=community)
            .filter(manageable_q(viewer, group_field="id")).order_by("name"))


def groups_visible_to(*, viewer: Viewer, community: Community | None = None) -> QuerySet[Group]:
    qs = Group.objects.filter(visible_q(viewer, group_field="id")).select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    return qs


def group_cards(*, viewer: Viewer, community: Community) -> QuerySet[Group]:
    """Groups for the community page, with their active member count (one query)."""
    return groups_visible_to(viewer=viewer, community=community).annotate(
        member_count=Count("memberships", filter=Q(memberships__state=Membership.State.ACTIVE))
    ).order_by("kind", "name")


def group_members_shown_to(*, group: Group, viewer: Viewer) -> bool:
    """Whether the viewer sees who a group's members are (else only its leads): government
    members, the group's own members and the community's organizers."""
    return (viewer.is_government or group.pk in viewer.group_ids
            or viewer.is_organizer(group.community_id))


def group_member_count(*, group: Group) -> int:
    """Every active member, leads included: the number a group's card shows too."""
    return Membership.objects.filter(group=group, state=Membership.State.ACTIVE).count()


def group_members(*, group: Group, viewer: Viewer) -> QuerySet[Membership]:
    """Active members shown on a group page. Government members (and the group's own
    members and organizers) see everyone listed in the directory; others see the leads."""
    qs = Membership.objects.filter(group=group, state=Membership.State.ACTIVE).select_related(
        "user"
    )
    if not group_members_shown_to(group=group, viewer=viewer):
        qs = qs.filter(role=Membership.Role.LEAD)
    return qs.filter(Q(role=Membership.Role.LEAD) | Q(user__in_directory=True)).order_by(
        "-role", "user__name", "user_id"
    )


def pending_requests(*, community: Community, viewer: Viewer) -> QuerySet[Membership]:
    """Join requests the viewer may decide: all in the community for organizers, their own
    groups' for leads."""
    qs = Membership.objects.filter(
        manageable_q(viewer, prefix="group__", group_field="id"), group__community=community,
        state=Membership.State.REQUESTED)
    return qs.select_related("user", "group").order_by("created_at")


def communities_for_home(*, viewer: Viewer) -> QuerySet[Community]:
    """Communities with their member count and the groups the viewer may see (so a card
    never counts a group that the viewer would get a 404 for)."""
    return Community.objects.annotate(
        member_count=Count("roles", distinct=True),
    ).prefetch_related(Prefetch(
        "groups", to_attr="visible_groups",
        queryset=groups_visible_to(viewer=viewer).order_by("kind", "name"),
    ))


def community_tier_lapses(*, community: Community) -> TierLapseSummary:
    """For the organizers' page: how many of the community's members (anyone with a role in
    it) lost the government tier to a lapsed address in the last 12 months, by reason, and
    how many are without it now. Counts only, never who; a fixed number of queries."""
    members = get_user_model().objects.filter(community_roles__community=community)
    return tier_lapse_summary(members=members, since=timezone.now() - timedelta(days=365))
