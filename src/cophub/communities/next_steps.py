"""The "Join groups" next step (accounts.next_steps): until the person is in a group, links to
the communities whose groups they may join."""

from django.http import HttpRequest

from cophub.accounts.next_steps import NextStep, next_step_register

from .models import Community, Group
from .selectors import groups_visible_to

SHOWN_COMMUNITIES = 3


def join_groups_step(request: HttpRequest) -> NextStep | None:
    """One query: the communities (at most `SHOWN_COMMUNITIES`) with a group the person may
    see and join without an invitation."""
    viewer = request.viewer
    if viewer.group_ids:
        return None
    joinable = (groups_visible_to(viewer=viewer)
                .exclude(join_policy=Group.JoinPolicy.INVITE).values("community_id"))
    communities = list(Community.objects.filter(pk__in=joinable)
                       .order_by("name")[:SHOWN_COMMUNITIES])
    if not communities:
        return None
    return NextStep(
        title="Join groups",
        text="Working groups and practice areas are where members meet, share and plan. "
             "Join the ones that match your work.",
        links=tuple((f"Groups of {community.name}", community.get_absolute_url())
                    for community in communities),
    )


next_step_register(key="communities.join_groups", order=20, provide=join_groups_step)
