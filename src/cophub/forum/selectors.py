"""Reads about the forum, with visibility decided here from `core.access`.

A category is visible when `can_view` admits its level and, for a category bound to a list,
the list's archive too (the same posts must never be visible through one door and not the
other, even if the list's archive level changes after binding). Communities hold tens of
categories, so visibility is decided on the loaded rows and the topic queries filter by the
visible category ids: one rule, no second SQL copy of it."""

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import (
    AccessLevel,
    Viewer,
    can_manage,
    can_view_object,
    viewer_for_user,
)
from cophub.core.links import site_url
from cophub.lists.models import Post

from .models import Category, Flag, MergedTopic, Notification, Preference, Silence, Topic, Watch

# Each level admits a subset of the people the levels before it admit.
_NARROWING = [AccessLevel.PUBLIC, AccessLevel.SIGNED_IN, AccessLevel.GOVERNMENT]
TOPIC_FILTERS = {
    "unanswered": ("Unanswered", Q(reply_count=0)),
    "unsolved": ("Not solved", Q(accepted_answer__isnull=True)),
    "solved": ("Solved", Q(accepted_answer__isnull=False)),
}


def category_can_view(*, viewer: Viewer, category: Category) -> bool:
    if not can_view_object(viewer, category):
        return False
    return category.mailing_list is None or can_view_object(viewer, category.mailing_list)


def categories_visible_to(*, viewer: Viewer, community=None, group=None) -> list[Category]:
    """The categories a person may see, in their order, with list, group and community."""
    qs = Category.objects.select_related("community", "group", "mailing_list")
    if community is not None:
        qs = qs.filter(community=community)
    if group is not None:
        qs = qs.filter(group=group)
    return [c for c in qs if category_can_view(viewer=viewer, category=c)]


def effective_level(category: Category) -> str:
    """The level that admits exactly those both the category's and its list's admit, or
    the organizers' level where no single level does (group members who are also
    government members)."""
    level = category.access_level
    ml = category.mailing_list
    if ml is None or ml.archive_access_level == level:
        return level
    levels = {level, ml.archive_access_level}
    if AccessLevel.ORGANIZERS in levels:
        return AccessLevel.ORGANIZERS
    if levels <= set(_NARROWING):
        return max(levels, key=_NARROWING.index)
    if levels - {AccessLevel.GROUP} <= {AccessLevel.PUBLIC, AccessLevel.SIGNED_IN}:
        return AccessLevel.GROUP  # group members are signed in
    return AccessLevel.ORGANIZERS


def category_can_moderate(*, viewer: Viewer, category: Category) -> bool:
    """Pin, close, edit anyone's post, accept an answer for the asker: the people who run
    the category (`can_manage`: the community's organizers, the group's leads)."""
    return can_manage(viewer, category)


def category_can_post(*, viewer: Viewer, category: Category) -> bool:
    """Start topics and reply, by the category's posting rule (closed topics aside)."""
    if not viewer.is_authenticated or not category_can_view(viewer=viewer, category=category):
        return False
    match category.posting_rule:
        case Category.PostingRule.VIEWERS:
            return True
        case Category.PostingRule.GROUP:
            return ((category.group_id is not None and category.group_id in viewer.group_ids)
                    or can_manage(viewer, category))
        case Category.PostingRule.MANAGERS:
            return can_manage(viewer, category)
    return False  # a rule this code does not know: closed


def category_post_refusal(*, viewer: Viewer, category: Category) -> str:
    """Why this person may not post here, in words for them ("" if they may)."""
    if category_can_post(viewer=viewer, category=category):
        return ""
    if not viewer.is_authenticated:
        return "Sign in to start a topic or reply."
    if category.posting_rule == Category.PostingRule.GROUP:
        return f"Only members of {category.group} can post here."
    return "Only the organizers can post here."


def category_for_page(*, viewer: Viewer, community_slug: str, slug: str) -> Category:
    """The category, or Category.DoesNotExist for someone who may not see it."""
    category = (Category.objects.select_related("community", "group", "mailing_list")
                .get(community__slug=community_slug, slug=slug))
    if not category_can_view(viewer=viewer, category=category):
        raise Category.DoesNotExist
    return category


def topics_of(*, category: Category, show: str = "") -> QuerySet[Topic]:
    """The category's topics whose first post is published, pinned first, then by latest
    activity; `show` one of TOPIC_FILTERS to narrow them."""
    qs = (Topic.objects.filter(category=category, root__status=Post.Status.PUBLISHED)
          .select_related("category__community", "root", "root__author", "last_post"))
    if show in TOPIC_FILTERS:
        qs = qs.filter(TOPIC_FILTERS[show][1])
    return qs.order_by("-pinned", "-last_posted_at", "-id")


def topics_visible_to(*, viewer: Viewer, community=None, group=None) -> QuerySet[Topic]:
    """Every topic a person may see (in a community, or a group's categories), latest first."""
    ids = [c.pk for c in categories_visible_to(viewer=viewer, community=community,
                                               group=group)]
    return (Topic.objects.filter(category_id__in=ids, root__status=Post.Status.PUBLISHED)
            .select_related("category", "category__community", "root", "last_post")
            .order_by("-last_posted_at", "-id"))


def topics_latest_and_hidden(*, viewer: Viewer, community=None, group=None,
                             limit: int = 5) -> tuple[list[Topic], int]:
    """The latest topics the viewer may see (of a community, or a group's categories) and
    how many published ones they may not: a count for "sign in to see them", nothing about
    them. Three queries (the categories once)."""
    ids = [c.pk for c in categories_visible_to(viewer=viewer, community=community,
                                               group=group)]
    latest = list(Topic.objects.filter(category_id__in=ids, root__status=Post.Status.PUBLISHED)
                  .select_related("category", "category__community", "root", "last_post")
                  .order_by("-last_posted_at", "-id")[:limit])
    hidden = Topic.objects.filter(root__status=Post.Status.PUBLISHED).exclude(category_id__in=ids)
    if community is not None:
        hidden = hidden.filter(category__community=community)
    if group is not None:
        hidden = hidden.filter(category__group=group)
    return latest, hidden.count()


def topic_for_page(*, viewer: Viewer, community_slug: str, pk: int) -> Topic:
    """The topic, or Topic.DoesNotExist for someone who may not see it."""
    topic = (Topic.objects.select_related("category", "category__community",
                                          "category__group", "category__mailing_list",
                                          "root", "root__author", "accepted_answer",
                                          "accepted_answer__author")
             .get(pk=pk, category__community__slug=community_slug,
                  root__status=Post.Status.PUBLISHED))
    if not category_can_view(viewer=viewer, category=topic.category):
        raise Topic.DoesNotExist
    return topic


def topic_merged_into(*, viewer: Viewer, community_slug: str, pk: int) -> Topic | None:
    """The topic a merged topic's posts went to (`MergedTopic`), if this person may see it."""
    merged = (MergedTopic.objects.filter(old_id=pk).values_list("topic_id", flat=True)
              .first())
    if merged is None:
        return None
    try:
        return topic_for_page(viewer=viewer, community_slug=community_slug, pk=merged)
    except Topic.DoesNotExist:
        return None


def post_for_page(*, viewer: Viewer, community_slug: str, post_id: int,
                  statuses=(Post.Status.PUBLISHED,), shown_topic: bool = True
                  ) -> tuple[Post, Topic]:
    """A post of a forum topic with one of `statuses`, and its topic, for someone who may
    see the topic's category; Post.DoesNotExist otherwise. `shown_topic=False` also finds
    posts of a topic whose first post is not shown (held, hidden): the moderators' pages."""
    post = Post.objects.select_related("author").get(pk=post_id, status__in=statuses)
    topic = (Topic.objects.select_related("category__community", "category__group",
                                          "category__mailing_list", "root", "root__author")
             .filter(root_id=post.thread_id or post.pk,
                     category__community__slug=community_slug).first())
    if topic is None or not category_can_view(viewer=viewer, category=topic.category):
        raise Post.DoesNotExist
    if shown_topic and topic.root.status != Post.Status.PUBLISHED:
        raise Post.DoesNotExist
    return post, topic


def topic_posts(*, topic: Topic) -> QuerySet[Post]:
    """The topic's published posts, first post included, oldest first."""
    return (Post.objects.filter(Q(pk=topic.root_id) | Q(thread_id=topic.root_id),
                                status=Post.Status.PUBLISHED)
            .select_related("author", "parent").order_by("published_at", "id"))


def topic_for_post(*, post: Post) -> Topic | None:
    return (Topic.objects.select_related("category", "category__community",
                                         "category__mailing_list")
            .filter(root_id=post.thread_id or post.pk).first())


def notifications_unread_count(*, user) -> int:
    """Unread notifications as the bell counts them: one per topic and kind ("Ana and 3
    others replied" is one)."""
    return (Notification.objects.filter(user=user, read_at__isnull=True)
            .values("topic_id", "kind").distinct().count())


def notifications_grouped(*, user, limit: int = 200) -> list[dict]:
    """The person's latest notifications, repeated events collapsed: one entry per topic,
    kind and read state, newest first, with the names of who did it (latest first) and the
    post to open (the earliest unread one, so the person reads on from there). Only topics
    whose category they may still see."""
    rows = list(Notification.objects.filter(user=user)
                .select_related("topic__category__community", "topic__category__mailing_list",
                                "topic__category__group")
                .order_by("-created_at", "-id")[:limit])
    viewer = viewer_for_user(user)
    visible: dict[int, bool] = {}
    groups: dict[tuple, dict] = {}
    for n in rows:
        category = n.topic.category
        if category.pk not in visible:
            visible[category.pk] = category_can_view(viewer=viewer, category=category)
        if not visible[category.pk]:
            continue
        key = (n.topic_id, n.kind, n.read_at is None)
        group = groups.setdefault(key, {"topic": n.topic, "kind": n.kind,
                                        "label": n.get_kind_display(), "unread": n.read_at is None,
                                        "names": [], "latest": n.created_at, "post_id": n.post_id,
                                        "ids": []})
        if n.actor_name not in group["names"]:
            group["names"].append(n.actor_name)
        group["post_id"] = n.post_id  # rows run newest first: this ends at the earliest
        group["ids"].append(n.pk)
    return list(groups.values())


def moderation_queue(*, viewer: Viewer, community) -> dict:
    """What waits for this person's decision in the community's forum: flagged posts (with
    their open flags), posts held in categories bound to no list, counts of posts held on
    bound lists (decided on the list's page), and who is silenced. Only categories the
    person moderates (`can_manage`)."""
    categories = [c for c in categories_visible_to(viewer=viewer, community=community)
                  if category_can_moderate(viewer=viewer, category=c)]
    ids = [c.pk for c in categories]
    flags = list(Flag.objects.filter(topic__category_id__in=ids, resolved_at__isnull=True)
                 .select_related("post__author", "topic__category", "user")
                 .order_by("created_at"))
    flagged: dict[int, dict] = {}
    for flag in flags:
        entry = flagged.setdefault(flag.post_id, {"post": flag.post, "topic": flag.topic,
                                                  "flags": []})
        entry["flags"].append(flag)
    held = list(Post.objects.filter(status=Post.Status.HELD, mailing_list__isnull=True,
                                    thread__forum_topic__category_id__in=ids)
                .select_related("author", "thread__forum_topic__category")
                .order_by("created_at"))
    on_lists = [(c, Post.objects.filter(mailing_list_id=c.mailing_list_id,
                                        status=Post.Status.HELD).count())
                for c in categories if c.mailing_list_id]
    silences = list(Silence.objects.filter(community=community, lifted_at__isnull=True,
                                           until__gt=timezone.now())
                    .select_related("user", "by").order_by("until"))
    return {"categories": categories, "flagged": list(flagged.values()), "held": held,
            "held_on_lists": [(c, n) for c, n in on_lists if n], "silences": silences}


def forum_export(*, user) -> dict:
    """The person's part of the forum for their data export: their posts in topics (with
    the topic and category), what they follow, their e-mail setting and their flags."""
    posts = (Post.objects.filter(author=user, thread__forum_topic__isnull=False)
             .select_related("thread__forum_topic__category").order_by("created_at"))
    preference = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return {"forum": {
        "posts": [{"topic": p.thread.forum_topic.title,
                   "category": p.thread.forum_topic.category.name,
                   "written": p.created_at.isoformat(), "status": p.status,
                   "edited": p.edited_at.isoformat() if p.edited_at else None,
                   "text": p.body_markdown or p.body_text} for p in posts],
        "following": [{"category": w.category.name if w.category_id else None,
                       "topic": w.topic.title if w.topic_id else None, "level": w.level}
                      for w in Watch.objects.filter(user=user)
                      .select_related("category", "topic")],
        "email": preference or Preference.Email.IMMEDIATELY,
        "flags": [{"post": f.post_id, "reason": f.reason, "note": f.note,
                   "at": f.created_at.isoformat()}
                  for f in Flag.objects.filter(user=user).order_by("created_at")],
    }}


def newsletter_topics(*, community_id: int, since, now, allows, viewer) -> list[tuple]:
    """New topics of categories bound to no list, for the newsletter's "new discussions"
    (lists.services.discussions): those every recipient may see (`allows` on the category's
    level and group) and, for a preview, the previewing person too."""
    categories = [c for c in Category.objects.filter(community_id=community_id,
                                                     mailing_list__isnull=True)
                  if allows(c.access_level, c.group_id)
                  and (viewer is None or category_can_view(viewer=viewer, category=c))]
    topics = (Topic.objects.filter(category__in=categories, root__status=Post.Status.PUBLISHED,
                                   root__published_at__gt=since, root__published_at__lte=now)
              .select_related("category__community", "root")
              .order_by("-root__published_at", "-id")[:20])
    return [(t.root.published_at, t.title,
             site_url(reverse("forum:topic", args=[t.category.community.slug, t.pk])),
             f"in {t.category.name}") for t in topics]
