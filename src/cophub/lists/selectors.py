"""Reads about lists, with visibility decided here and who runs a list decided by
`core.access` (`can_manage`: the community's organizers and, for a group's list, the
group's leads)."""

import nh3
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.safestring import SafeString, mark_safe

from cophub.accounts.domains import addresses_government
from cophub.accounts.models import QualifyingAddressLapse
from cophub.communities.models import CommunityRole, Membership
from cophub.communities.selectors import groups_visible_to, viewers_for
from cophub.core import markdown
from cophub.core.access import (
    ORGANIZE,
    AccessLevel,
    Viewer,
    can_manage,
    can_view,
    can_view_object,
    manageable_q,
    viewer_for_user,
)

from .mailparse import reply_split
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


def address_lapsed(*, email: str) -> bool:
    """Whether `email` (without case) has lapsed for the government tier: a verified hard
    bounce to a signed return path said its holder left (`accounts.services.address_lapse`).
    Its domain still reads as government; for government lists it no longer qualifies."""
    return QualifyingAddressLapse.objects.filter(email_address__email__iexact=email).exists()


def subscriptions_holder_may_receive(*, subscription_ids) -> set[int]:
    """Those of `subscription_ids` whose holder may still receive their list's mail: the
    list's audience rule, asked when the mail is sent (the outbox's gate, `lists.gates`).

    - anyone: yes;
    - government: the address still grants the tier (the rule at joining,
      `list_accepts_address`: an operator's deny rule ends it, and so does a lapse,
      `address_lapsed`: a person who keeps the tier through another address gets nothing
      more at the one that bounced) and, when the address belongs to an account
      (`Subscriber.user`), that account may see government content now
      (`core.access.can_view`) — a person who removed their .gov address from their account
      is no longer government, whatever address the list still knows;
    - a group's list: the account may see the group's content (an active member, or an
      organizer of the community); an address without an account never qualifies.

    A digest or newsletter copy carries only what the list's audience may see (newsletter
    blocks are composed for it: `newsletter.blocks.list_audience`), so this one rule covers
    posts, digests and newsletters. Three queries at most, however many subscriptions (the
    lapse is asked in the first)."""
    lapsed = QualifyingAddressLapse.objects.filter(
        email_address__email__iexact=OuterRef("subscriber__email"))
    subscriptions = list(Subscription.objects.filter(pk__in=subscription_ids)
                         .select_related("mailing_list", "subscriber__user")
                         .annotate(address_lapsed=Exists(lapsed)))
    government_emails = [s.subscriber.email for s in subscriptions
                         if s.mailing_list.audience == MailingList.Audience.GOVERNMENT
                         and not s.address_lapsed]
    qualifying = addresses_government(government_emails) if government_emails else set()
    holders = {s.subscriber.user for s in subscriptions if s.subscriber.user_id is not None}
    viewers = viewers_for(holders) if holders else {}
    return {s.pk for s in subscriptions
            if _holder_may_receive(s, qualifying, viewers.get(s.subscriber.user_id))}


def _holder_may_receive(subscription: Subscription, qualifying: set[str],
                        viewer: Viewer | None) -> bool:
    ml = subscription.mailing_list
    match ml.audience:
        case MailingList.Audience.ANYONE:
            return True
        case MailingList.Audience.GOVERNMENT:
            if subscription.subscriber.email not in qualifying:
                return False
            return viewer is None or can_view(viewer, access_level=AccessLevel.GOVERNMENT,
                                              community_id=ml.community_id)
        case MailingList.Audience.GROUP:
            return (viewer is not None and ml.group_id is not None
                    and can_view(viewer, access_level=AccessLevel.GROUP,
                                 community_id=ml.community_id, group_id=ml.group_id))
    return False  # an audience this code does not know: closed


def post_body_html(post: Post) -> SafeString | None:
    """The stored HTML (rendered from the post's Markdown when it was written or edited, or
    the mail's own) sanitised again here with the same allow-list: the stored copy is
    already clean, and this keeps the page safe even for rows imported by other means. A
    Markdown post without stored HTML is rendered. Plain text: None, shown in <pre>.
    (Sanitising is cheap; rendering Markdown again for each of a page's 50 posts was a
    fifth of a topic page's time.)"""
    if post.body_markdown and not post.body_html:
        return markdown.render_markdown(post.body_markdown)
    if post.body_html:
        return mark_safe(nh3.clean(  # noqa: S308 — sanitised by nh3 on this line
            post.body_html, tags=markdown.ALLOWED_TAGS, attributes=markdown.ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))
    return None


def post_reply_split(post: Post) -> tuple[str, str]:
    """An e-mailed post's own words, and the rest (its signature, the "On … wrote:" line
    and the quoted lines) that a web page may fold away (`mailparse.reply_split`). A post
    that only quotes shows whole."""
    own, rest = reply_split(post.body_text)
    return (own, rest) if own else (rest, "")
