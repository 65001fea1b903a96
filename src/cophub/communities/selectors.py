"""Reads about communities and groups, always through the access policy."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet

from cophub.core.access import ANONYMOUS, Viewer, visible_q

from .models import Community, CommunityRole, Group, Membership


def viewer_for(user) -> Viewer:
    """What the access policy needs to know about a person: two queries, once per request
    (see `request_viewer`)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return viewers_for([user])[user.pk]


def viewers_for(users) -> dict[int, Viewer]:
    """`viewer_for` for many people at once (a batch of reminders, a digest): two queries
    whatever the number of people."""
    by_id = {user.pk: user for user in users}
    groups: dict[int, set[int]] = defaultdict(set)
    led: dict[int, set[int]] = defaultdict(set)
    organizer_of: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id, role in Membership.objects.filter(
            user_id__in=by_id, state=Membership.State.ACTIVE).values_list(
            "user_id", "group_id", "role"):
        groups[user_id].add(group_id)
        if role == Membership.Role.LEAD:
            led[user_id].add(group_id)
    for user_id, community_id in CommunityRole.objects.filter(
            user_id__in=by_id, role=CommunityRole.Role.ORGANIZER).values_list(
            "user_id", "community_id"):
        organizer_of[user_id].add(community_id)
    return {
        user_id: Viewer(
            user_id=user_id, is_government=user.is_government, is_staff=user.is_staff,
            group_ids=frozenset(groups[user_id]), led_group_ids=frozenset(led[user_id]),
            organizer_community_ids=frozenset(organizer_of[user_id]),
        )
        for user_id, user in by_id.items()
    }


def request_viewer(request) -> Viewer:
    if not hasattr(request, "_cophub_viewer"):
        request._cophub_viewer = viewer_for(getattr(request, "user", None))
    return request._cophub_viewer


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


def group_members(*, group: Group, viewer: Viewer) -> QuerySet[Membership]:
    """Active members shown on a group page. Government members (and the group's own
    members and organizers) see everyone listed in the directory; others see the leads."""
    qs = Membership.objects.filter(group=group, state=Membership.State.ACTIVE).select_related(
        "user"
    )
    sees_people = (viewer.is_government or group.pk in viewer.group_ids
                   or viewer.is_organizer(group.community_id))
    if not sees_people:
        qs = qs.filter(role=Membership.Role.LEAD)
    return qs.filter(Q(role=Membership.Role.LEAD) | Q(user__in_directory=True)).order_by(
        "-role", "user__name", "user_id"
    )


def pending_requests(*, community: Community, viewer: Viewer) -> QuerySet[Membership]:
    """Join requests the viewer may decide: all in the community for organizers, their own
    groups' for leads."""
    qs = Membership.objects.filter(group__community=community,
                                   state=Membership.State.REQUESTED)
    if not viewer.is_organizer(community.pk):
        qs = qs.filter(group_id__in=sorted(viewer.led_group_ids))
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
