"""Reads about lists, with visibility decided here and who runs a list decided by
`core.access` (`can_manage`: the community's organizers and, for a group's list, the
group's leads)."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from cophub.communities.models import CommunityRole, Membership
from cophub.communities.selectors import groups_visible_to
from cophub.core.access import (
    ORGANIZE,
    Viewer,
    can_manage,
    can_view_object,
    manageable_q,
    viewer_for_user,
)

from .models import MailingList, Post, Subscription


def lists_visible_to(*, viewer: Viewer, community=None) -> QuerySet[MailingList]:
    """The lists a person may see described (not their archives: see
    `list_can_read_archive`). That `ai@` exists is public, as the AI CoP advertises it; a
    group's list is as visible as its group. Inactive lists only to their organizers (who
may reopen them: `ORGANIZE`)."""
    qs = MailingList.objects.select_related("community", "group")
    if community is not None:
        qs = qs.filter(community=community)
    visible_groups = groups_visible_to(viewer=viewer).values("id")
    qs = qs.filter(Q(group__isnull=True) | Q(group__in=visible_groups))
    return qs.filter(Q(is_active=True) | manageable_q(viewer, action=ORGANIZE))


def list_owners(*, mailing_list: MailingList) -> QuerySet:
    """The people to tell about the list (held posts, bounces, mail to `-owner@`): exactly
    the active people `can_manage` admits for it — the community's organizers and, for a
    group's list, the group's active leads (test_selectors proves the two agree)."""
    who = Q(community_roles__community_id=mailing_list.community_id,
            community_roles__role=CommunityRole.Role.ORGANIZER)
    if mailing_list.group_id:
        who |= Q(memberships__group_id=mailing_list.group_id,
                 memberships__role=Membership.Role.LEAD,
                 memberships__state=Membership.State.ACTIVE)
    return get_user_model().objects.filter(who, is_active=True).distinct().order_by("email")


def list_can_manage(*, user, mailing_list: MailingList) -> bool:
    """May moderate, see subscribers and bounces, and post to an announce list: the rule
    of `core.access.can_manage`, for a person outside a request (a service's actor, the
    account behind an e-mailed post; pages ask `can_manage(request.viewer, …)`). A
    deactivated account runs nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return can_manage(viewer_for_user(user), mailing_list)


def list_shows_addresses(*, viewer: Viewer, mailing_list: MailingList) -> bool:
    """Whether the archive shows senders' addresses: to government members and to the
    people who run the list. Anonymous and public readers see names, so the archive feeds
    no address harvester."""
    return viewer.is_government or can_manage(viewer, mailing_list)


def list_can_read_archive(*, viewer: Viewer, mailing_list: MailingList) -> bool:
    return can_view_object(viewer, mailing_list)


def archive_posts(*, viewer: Viewer, mailing_list: MailingList) -> QuerySet[Post]:
    """Published posts of the list, newest first; none if the viewer may not read it."""
    if not list_can_read_archive(viewer=viewer, mailing_list=mailing_list):
        return Post.objects.none()
    return (Post.objects.filter(mailing_list=mailing_list, status=Post.Status.PUBLISHED)
            .select_related("mailing_list").order_by("-published_at", "-id"))


def subscriptions_for_user(*, user) -> QuerySet[Subscription]:
    """A person's subscriptions (active or disabled by bounces), through every subscriber
    record linked to their account."""
    return (Subscription.objects.filter(subscriber__user=user)
            .exclude(state=Subscription.State.UNSUBSCRIBED)
            .select_related("mailing_list", "mailing_list__community", "subscriber")
            .order_by("mailing_list__name", "subscriber__email"))


def list_who(*, mailing_list: MailingList) -> QuerySet[Subscription]:
    """Active subscriptions with their subscribers, by address."""
    return (Subscription.objects.filter(mailing_list=mailing_list,
                                        state=Subscription.State.ACTIVE)
            .select_related("subscriber").order_by("subscriber__email"))
