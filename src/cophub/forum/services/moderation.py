"""Moderation: flags and the hiding they cause, held first posts, silencing, posting and
link limits, and the moderators' decisions. Every decision is audited (`forum.*` verbs) and
shown on the moderators' page.

- A member flags a post with a reason. Flags from FLAGS_TO_HIDE distinct members hide it
  pending review (in both doors: a hidden post is out of the topic, the list archive and
  search; copies already mailed stay as sent). One person's flags never hide anything
  alone, and each person may flag FLAGS_PER_DAY posts a day, so nobody can empty a
  category by flagging everything.
- A moderator keeps the post (flags dismissed, a hidden post restored) or hides it.
- In a category set to hold first posts, the first post of a new account (younger than
  NEW_ACCOUNT_DAYS, no published post in the community's forum yet) waits for a moderator.
- A silenced person may not post in the community's forum, by web or reply e-mail, until
  the silence ends.
- Everyone may post a number of times per POST_WINDOW; new accounts fewer, and with at
  most NEW_ACCOUNT_LINKS links in a post (`posts_per_window`)."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cophub.core.access import viewer_for_user
from cophub.core.audit import audit_record
from cophub.lists import services as lists
from cophub.lists.models import Post

from ..exceptions import ForumError, NotAllowed
from ..models import Category, Flag, Silence
from ..selectors import category_can_moderate, category_can_view, topic_for_post

FLAGS_TO_HIDE = 3
FLAGS_PER_DAY = 10
NEW_ACCOUNT_DAYS = 7
NEW_ACCOUNT_LINKS = 2
POST_WINDOW = timedelta(minutes=10)


def posts_per_window(*, new: bool) -> int:
    """COPHUB_FORUM_POSTS_PER_10_MIN (default 20), and for new accounts
    COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN (default 5)."""
    if new:
        return settings.COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN
    return settings.COPHUB_FORUM_POSTS_PER_10_MIN
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def is_new_account(user) -> bool:
    return user.date_joined > timezone.now() - timedelta(days=NEW_ACCOUNT_DAYS)


def silence_of(*, user, community) -> Silence | None:
    return (Silence.objects.filter(user=user, community=community, until__gt=timezone.now(),
                                   lifted_at__isnull=True).order_by("-until").first())


def posting_check(*, author, category: Category, body: str) -> str:
    """Raises NotAllowed if the person is silenced or over a limit; returns the reason to
    hold the post ("" to publish): a new account's first post where the category holds
    them."""
    silence = silence_of(user=author, community=category.community)
    if silence is not None:
        raise NotAllowed(f"You cannot post in this community's forum until "
                         f"{timezone.localtime(silence.until):%B %-d, %Y %H:%M %Z}.")
    new = is_new_account(author)
    limit = posts_per_window(new=new)
    recent = Post.objects.filter(author=author,
                                 created_at__gt=timezone.now() - POST_WINDOW).count()
    if recent >= limit:
        raise NotAllowed(f"You have posted {recent} times in the last "
                         f"{int(POST_WINDOW.total_seconds() // 60)} minutes; wait a few "
                         "minutes before posting again.")
    if new and len(_LINK.findall(body or "")) > NEW_ACCOUNT_LINKS:
        raise NotAllowed(f"New accounts may include at most {NEW_ACCOUNT_LINKS} links in a "
                         "post. Remove some links, or post again in a few days.")
    if category.hold_first_posts and new and not Post.objects.filter(
            author=author, status=Post.Status.PUBLISHED,
            thread__forum_topic__category__community=category.community).exists():
        return "The first post of a new account waits for a moderator in this category."
    return ""


# --- Flags -----------------------------------------------------------------------------------

@transaction.atomic
def post_flag(*, post: Post, user, reason: str, note: str = "") -> Flag:
    """Flag a published post of a topic the person can see. A second flag of the same post
    by the same person changes nothing. Hides the post when FLAGS_TO_HIDE distinct members
    have flagged it. Raises ForumError (own post, unknown reason, daily limit)."""
    if reason not in Flag.Reason.values:
        raise ForumError("Choose why you flag this post.")
    topic = topic_for_post(post=post)
    if topic is None or post.status != Post.Status.PUBLISHED or not category_can_view(
            viewer=viewer_for_user(user), category=topic.category):
        raise ForumError("This post is not in the forum.")
    if post.author_id == user.pk:
        raise ForumError("You cannot flag your own post; edit it instead.")
    existing = Flag.objects.filter(post=post, user=user).first()
    if existing is not None:
        return existing
    if Flag.objects.filter(user=user, created_at__gt=timezone.now() - timedelta(days=1)
                           ).count() >= FLAGS_PER_DAY:
        raise ForumError(f"You have flagged {FLAGS_PER_DAY} posts today, the most one person "
                         "may. The moderators will review them; write to them for more.")
    flag = Flag.objects.create(post=post, topic=topic, user=user, reason=reason,
                               note=(note or "").strip()[:500])
    audit_record(actor=user, verb="forum.post.flagged", obj=topic,
                 scope=topic.category.community.slug, data={"post": post.pk, "reason": reason})
    pending = Flag.objects.filter(post=post, resolved_at__isnull=True).values("user").distinct()
    if pending.count() >= FLAGS_TO_HIDE:
        lists.post_hide(post=post, reason=f"Flagged by {pending.count()} members",
                        audit_scope=topic.category.community.slug)
    return flag


@transaction.atomic
def flags_resolve(*, post: Post, actor, action: str) -> Post:
    """A moderator's decision on a flagged or hidden post: "keep" (flags dismissed; a hidden
    post published again) or "hide" (hidden for good; flags resolved)."""
    post = Post.objects.select_for_update(of=("self",)).get(pk=post.pk)
    topic = topic_for_post(post=post)
    if topic is None or not category_can_moderate(viewer=viewer_for_user(actor),
                                                  category=topic.category):
        raise NotAllowed("Only the category's moderators can decide on flags.")
    if action not in ("keep", "hide"):
        raise ForumError("Keep the post or hide it.")
    scope = topic.category.community.slug
    if action == "keep" and post.status == Post.Status.HIDDEN:
        post = lists.post_restore(post=post, audit_scope=scope)
    elif action == "hide" and post.status == Post.Status.PUBLISHED:
        post = lists.post_hide(post=post, reason="Hidden by a moderator", audit_scope=scope)
    now = timezone.now()
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor, resolution=action)
    audit_record(actor=actor, verb=f"forum.flags.{'dismissed' if action == 'keep' else 'upheld'}",
                 obj=topic, scope=scope, data={"post": post.pk})
    return post


# --- Held posts ------------------------------------------------------------------------------

@transaction.atomic
def held_post_decide(*, post: Post, actor, action: str, reason: str = "") -> Post:
    """Approve, reject (the author is told `reason`) or discard a post held in a category
    bound to no list (a list's held posts are decided on the list's moderation page)."""
    if post.mailing_list_id is not None:
        raise ForumError("Decide posts held on a list on the list's moderation page.")
    category = _category_of_held(post)
    if category is None or not category_can_moderate(viewer=viewer_for_user(actor),
                                                     category=category):
        raise NotAllowed("Only the category's moderators can decide on held posts.")
    try:
        return lists.post_moderate(post=post, actor=actor, action=action, reason=reason,
                                   as_moderator=True, audit_scope=category.community.slug)
    except lists.ListError as exc:
        raise ForumError(str(exc)) from exc


def _category_of_held(post: Post) -> Category | None:
    topic = topic_for_post(post=post)  # held first posts have their (hidden) topic too
    return topic.category if topic is not None else None


# --- Silencing -------------------------------------------------------------------------------

@transaction.atomic
def silence_set(*, community, user, actor, days: int, reason: str) -> Silence:
    """Silence a person in the community's forum for `days` (1 to 365). Organizers only."""
    if not viewer_for_user(actor).is_organizer(community.pk):
        raise NotAllowed("Only the community's organizers can silence a person.")
    if not 1 <= days <= 365:
        raise ForumError("Silence a person for 1 to 365 days.")
    if not (reason or "").strip():
        raise ForumError("Say why: the person is told.")
    silence = Silence.objects.create(community=community, user=user, by=actor,
                                     until=timezone.now() + timedelta(days=days),
                                     reason=reason.strip()[:500])
    audit_record(actor=actor, verb="forum.member.silenced", obj=silence, scope=community.slug,
                 data={"user": user.email, "days": days, "reason": silence.reason})
    return silence


@transaction.atomic
def silence_lift(*, silence: Silence, actor) -> Silence:
    if not viewer_for_user(actor).is_organizer(silence.community_id):
        raise NotAllowed("Only the community's organizers can lift a silence.")
    silence.lifted_at = timezone.now()
    silence.save(update_fields=["lifted_at"])
    audit_record(actor=actor, verb="forum.member.unsilenced", obj=silence,
                 scope=silence.community.slug, data={"user": silence.user.email})
    return silence


__all__ = ["FLAGS_TO_HIDE", "flags_resolve", "held_post_decide", "post_flag",
           "posting_check", "silence_lift", "silence_of", "silence_set"]
