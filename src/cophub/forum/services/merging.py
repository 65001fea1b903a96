"""Merging and splitting topics: the moderators' repairs when one conversation was started
twice, or when a conversation wandered off into another. The posts are re-threaded by
`lists.services.thread_merge` / `thread_split` (the message store is lists', ADR 0009), which
keep every post's Message-ID, In-Reply-To and References as mailed; here the topics follow:
counts, watches, notifications, flags, the accepted answer, search, the audit log.

Where posts may go is one rule, `topics.destination_check`, the one `topic_move` applies."""

from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import Q

from cophub.core.access import Viewer, viewer_for_user
from cophub.core.audit import audit_record
from cophub.lists import services as lists
from cophub.lists.models import Post
from cophub.search.tasks import search_index_update_task

from ..exceptions import ForumError
from ..models import Category, Delivery, Flag, MergedTopic, Notification, Topic, Watch
from ..selectors import categories_visible_to
from .topics import destination_check, topic_refresh

MERGE_TARGETS_LIMIT = 200


def _when(post: Post) -> tuple:
    return (post.published_at or post.created_at, post.pk)


def _merge_check(*, viewer: Viewer, source: Topic, target: Topic) -> None:
    if source.pk == target.pk:
        raise ForumError("A topic cannot be merged into itself.")
    destination_check(viewer=viewer, source=source.category, target=target.category)
    if (source.root.status != Post.Status.PUBLISHED
            or target.root.status != Post.Status.PUBLISHED):
        raise ForumError("Only topics whose first post is published can be merged.")
    if _when(target.root) > _when(source.root):
        # The thread's first post is its earliest (lists.services.threads).
        raise ForumError(f"“{target.title}” started after this topic: merge the later "
                         f"topic into the earlier one.")


def topic_merge_refusal(*, viewer: Viewer, source: Topic, target: Topic) -> str:
    """Why this person may not merge `source` into `target`, in words for them ("" if
    they may): the pages ask before they offer the confirmation."""
    try:
        _merge_check(viewer=viewer, source=source, target=target)
    except ForumError as exc:
        return str(exc)
    return ""


def topic_destinations(*, viewer: Viewer, topic: Topic) -> list[Category]:
    """The categories this topic's posts may go to for this person: its own, and, when it
    is bound to no list, the other unbound categories of its community they may move them
    into (`destination_check`). Empty for someone who does not moderate the topic."""
    found = []
    for category in categories_visible_to(viewer=viewer, community=topic.category.community):
        try:
            destination_check(viewer=viewer, source=topic.category, target=category)
        except ForumError:
            continue
        found.append(category)
    return found


def topic_merge_targets(*, viewer: Viewer, topic: Topic,
                        limit: int = MERGE_TARGETS_LIMIT) -> list[Topic]:
    """The topics this person may merge `topic` into, latest activity first, at most
    `limit` (older ones by their number on the page): shown, started before it, in
    `topic_destinations`."""
    categories = topic_destinations(viewer=viewer, topic=topic)
    started = topic.root.published_at
    return list(Topic.objects.filter(category__in=categories,
                                     root__status=Post.Status.PUBLISHED)
                .filter(Q(root__published_at__lt=started)
                        | Q(root__published_at=started, root_id__lt=topic.root_id))
                .exclude(pk=topic.pk).select_related("category")
                .order_by("-last_posted_at", "-id")[:limit])


def _threads(call: Callable):
    """Run a lists re-threading, its refusals in the forum's words."""
    try:
        return call()
    except lists.ListError as exc:
        raise ForumError(str(exc)) from exc


def _reindex(topic_ids: list[int]) -> None:
    """The topics' search documents, after the commit. Needed because the posts moved by
    column updates, which no save signal reports; a deleted topic's id removes its document
    (`search_index_update` drops what no longer exists)."""
    transaction.on_commit(partial(search_index_update_task.enqueue, "topic",
                                  sorted(topic_ids)), robust=True)


def _watches_join(*, source: Topic, target: Topic) -> None:
    """The source's watches become the target's, one per person. Where someone has both,
    the target's stays, except that a watch the person chose beats one the site set for
    them (`watch_set`'s rule)."""
    on_target = dict(Watch.objects.filter(topic=target).values_list("user_id", "automatic"))
    drop_source, drop_target = [], []
    for pk, user_id, automatic in (Watch.objects.filter(topic=source, user_id__in=on_target)
                                   .values_list("pk", "user_id", "automatic")):
        if on_target[user_id] and not automatic:
            drop_target.append(user_id)
        else:
            drop_source.append(pk)
    Watch.objects.filter(topic=target, user_id__in=drop_target).delete()
    Watch.objects.filter(pk__in=drop_source).delete()
    Watch.objects.filter(topic=source).update(topic=target)


def _locked(pks: list[int]) -> dict[int, Topic]:
    # In one order, so that two moderators merging the same topics queue.
    return {t.pk: t for t in Topic.objects.select_for_update(of=("self",))
            .select_related("category__community", "category__mailing_list", "root")
            .filter(pk__in=pks).order_by("pk")}


@transaction.atomic
def topic_merge(*, source: Topic, target: Topic, actor) -> Topic:
    """Merge `source` into `target`, an earlier topic: every post of the source joins the
    target's conversation, in date order among its posts, the source's first post as a
    reply to the target's. The source topic is deleted; its followers follow the target
    (`_watches_join`), its notifications, flags and notification deliveries point at the
    target. The target keeps its title, pin, closed state and accepted answer; the
    source's accepted answer becomes the target's only if the target, in a questions
    category, has none (duplicate questions share their answers), else it is dropped (the
    post stays, as a reply). Mail already sent keeps its threading.

    Returns the target, refreshed. Raises NotAllowed (not a moderator of both categories)
    or ForumError (itself, a topic not shown, another community, a list's thread with
    anything but its own category's, a target that started later)."""
    if source.pk == target.pk:
        raise ForumError("A topic cannot be merged into itself.")
    locked = _locked([source.pk, target.pk])
    if len(locked) != 2:
        raise ForumError("One of the topics no longer exists.")
    source, target = locked[source.pk], locked[target.pk]
    _merge_check(viewer=viewer_for_user(actor), source=source, target=target)
    scope = target.category.community.slug
    moved = _threads(lambda: lists.thread_merge(source=source.root, target=target.root,
                                                actor=actor, audit_scope=scope))
    _watches_join(source=source, target=target)
    for model in (Notification, Flag, Delivery):
        model.objects.filter(topic=source).update(topic=target)
    answer = "none"
    if source.accepted_answer_id is not None:
        answer = "dropped"
        if target.accepted_answer_id is None and target.category.is_questions:
            target.accepted_answer_id = source.accepted_answer_id
            target.accepted_by_id, target.accepted_at = source.accepted_by_id, source.accepted_at
            target.save(update_fields=["accepted_answer", "accepted_by", "accepted_at"])
            answer = "kept"
    source_id, source_title = source.pk, source.title
    # Its address leads on to the target, and so do those of topics merged into it before.
    MergedTopic.objects.filter(topic=source).update(topic=target)
    MergedTopic.objects.create(old_id=source_id, topic=target)
    source.delete()
    topic_refresh(topic=target)
    _reindex([target.pk, source_id])
    audit_record(actor=actor, verb="forum.topic.merged", obj=target, scope=scope,
                 data={"from": source_id, "from_title": source_title, "posts": moved,
                       "answer": answer})
    target.refresh_from_db()
    return target


@transaction.atomic
def topic_split(*, topic: Topic, posts: list[Post], title: str, actor,
                category: Category | None = None) -> Topic:
    """The chosen replies of `topic` (never its first post) become a new topic titled
    `title`, its first post the earliest of them (`lists.services.thread_split`: the
    posts' parents follow, their headers stay as mailed). The new topic goes to `category`
    (default: the topic's; in a category bound to a list, always the topic's, so it stays
    a thread of the list). Whoever follows the topic follows the new one too; the moved
    posts' notifications and flags point at it; the topic's accepted answer is cleared if
    it moved. Returns the new topic. Raises NotAllowed (not a moderator of both
    categories) or ForumError (no replies, the first post, a post not published in this
    topic, no title, a category the posts may not go to)."""
    topic = _locked([topic.pk]).get(topic.pk)
    if topic is None:
        raise ForumError("The topic no longer exists.")
    destination = topic.category
    if category is not None and category.pk != topic.category_id:
        destination = (Category.objects.select_related("community", "mailing_list")
                       .get(pk=category.pk))
    destination_check(viewer=viewer_for_user(actor), source=topic.category,
                       target=destination)
    title = " ".join((title or "").split())
    if not title:
        raise ForumError("Give the new topic a title.")
    if len(title) > 300:
        raise ForumError("Keep the title under 300 characters.")
    ids = {p.pk for p in posts}
    if not ids:
        raise ForumError("Choose the replies that start the new topic.")
    if topic.root_id in ids:
        raise ForumError("The first post stays with its topic: choose replies to move.")
    if topic.root.status != Post.Status.PUBLISHED or Post.objects.filter(
            pk__in=ids, thread_id=topic.root_id, status=Post.Status.PUBLISHED
    ).count() != len(ids):
        raise ForumError("Choose published replies of this topic.")
    scope = topic.category.community.slug
    root = _threads(lambda: lists.thread_split(posts=posts, actor=actor, audit_scope=scope))
    new = Topic.objects.create(category=destination, root=root, title=title, last_post=root,
                               last_posted_at=root.published_at,
                               created_at=root.published_at)
    for model in (Notification, Flag, Delivery):
        model.objects.filter(topic=topic, post_id__in=ids).update(topic=new)
    Watch.objects.bulk_create(
        [Watch(user_id=user_id, topic=new, level=level, automatic=automatic)
         for user_id, level, automatic in Watch.objects.filter(topic=topic)
         .values_list("user_id", "level", "automatic")], batch_size=500)
    if topic.accepted_answer_id in ids:
        topic.accepted_answer, topic.accepted_by, topic.accepted_at = None, None, None
        topic.save(update_fields=["accepted_answer", "accepted_by", "accepted_at"])
    topic_refresh(topic=topic)
    topic_refresh(topic=new)
    _reindex([topic.pk, new.pk])
    audit_record(actor=actor, verb="forum.topic.split", obj=topic, scope=scope,
                 data={"to": new.pk, "title": title, "category": destination.slug,
                       "posts": sorted(ids)})
    new.refresh_from_db()
    return new
