"""View decorators other apps use for their community pages: organizer pages (MFA on, an
organizer of the community in the URL) and group management pages (organizers or the
group's leads)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from cophub.accounts.decorators import mfa_required
from cophub.core.access import can_view_object

from . import selectors
from .models import Community, Group


def community_or_404(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def visible_group_or_404(request, community: Community, slug: str) -> Group:
    group = get_object_or_404(Group.objects.select_related("community"), community=community,
                              slug=slug)
    # 404, not 403: people who may not see a group do not learn that it exists.
    if not can_view_object(selectors.request_viewer(request), group):
        raise Http404("No such group")
    return group


def organizer_page(view):
    """Organizer pages: MFA on, and an organizer of the community in the URL."""

    @wraps(view)
    @login_required
    def wrapper(request, community, *args, **kwargs):
        community = community_or_404(community)
        if not selectors.request_viewer(request).is_organizer(community.pk):
            raise PermissionDenied("Only this community's organizers can see this page.")
        return mfa_required(view)(request, community, *args, **kwargs)

    return wrapper


def group_manager_page(view):
    """Group management: MFA on, and an organizer of the community or a lead of the group."""

    @wraps(view)
    @login_required
    def wrapper(request, community, group, *args, **kwargs):
        community = community_or_404(community)
        group = visible_group_or_404(request, community, group)
        viewer = selectors.request_viewer(request)
        if not (viewer.is_organizer(community.pk) or viewer.leads(group.pk)):
            raise PermissionDenied("Only the group's leads and the community's organizers can "
                                   "manage it.")
        return mfa_required(view)(request, community, group, *args, **kwargs)

    return wrapper
