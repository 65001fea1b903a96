"""Loaders for the objects in a community URL, and the management pages built on them with
the one gate, `accounts.decorators.manage_page` (re-exported here for the domain apps). Who
may manage what is decided in `core.access` only (ADR 0007)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from cophub.accounts.decorators import manage_page
from cophub.core.access import can_view_object

from .models import Community, Group


def community_or_404(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def visible_group_or_404(request, community: Community, slug: str) -> Group:
    group = get_object_or_404(Group.objects.select_related("community"), community=community,
                              slug=slug)
    # 404, not 403: people who may not see a group do not learn that it exists.
    if not can_view_object(request.viewer, group):
        raise Http404("No such group")
    return group


def load_community(request, community: str) -> tuple[Community]:
    return (community_or_404(community),)


def load_group(request, community: str, group: str) -> tuple[Community, Group]:
    community = community_or_404(community)
    return community, visible_group_or_404(request, community, group)


__all__ = ["community_or_404", "group_manager_page", "load_community", "load_group",
           "manage_page", "organizer_page", "visible_group_or_404"]

organizer_page = manage_page(load_community)
"""Pages about a whole community: its organizers (with MFA on)."""

group_manager_page = manage_page(load_group)
"""Pages that run a group: the community's organizers and the group's leads."""
