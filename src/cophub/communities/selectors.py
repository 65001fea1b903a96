"""Reads about communities and groups, always through the access policy."""

from django.db.models import Count, Prefetch, Q, QuerySet

from cophub.core.access import ANONYMOUS, Viewer, visible_q

from .models import Community, CommunityRole, Group, Membership


def viewer_for(user) -> Viewer:
    """What the access policy needs to know about a person: two queries, once per request
    (see `request_viewer`)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    memberships = list(
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
        .values_list("group_id", "role")
    )
    organizer_of = CommunityRole.objects.filter(
        user=user, role=CommunityRole.Role.ORGANIZER
    ).values_list("community_id", flat=True)
    return Viewer(
        user_id=user.pk,
        is_government=user.is_government,
        is_staff=user.is_staff,
        group_ids=frozenset(g for g, _ in memberships),
        led_group_ids=frozenset(g for g, role in memberships if role == Membership.Role.LEAD),
        organizer_community_ids=frozenset(organizer_of),
    )


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
