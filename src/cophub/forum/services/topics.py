"""Topics and replies: starting, replying, editing, accepting answers, pinning and closing.
Posts are written through `lists.services` (ADR 0009); topics follow them through
`topic_post_published`, which the receiver of `lists.post_published` calls inside the
transaction that published the post, whichever door it came through (the web, the list's
address, a moderator's approval)."""

import re

from django.db import transaction
from django.utils import timezone

from cophub.core.access import MANAGE, ORGANIZE, Viewer, can_manage, viewer_for_user
from cophub.core.audit import audit_record
from cophub.lists import services as lists
from cophub.lists.models import MailingList, Post

from ..exceptions import ForumError, NotAllowed
from ..models import Category, Notification, Topic
from ..selectors import category_can_moderate, category_can_view, category_post_refusal
from .moderation import posting_check
from .notifications import delivery_start

_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", re.IGNORECASE)


def topic_title_from_subject(subject: str, *, mailing_list: MailingList | None = None) -> str:
    """A mailed subject as a topic title: without "Re:"/"Fwd:" and the list's prefix."""
    title = subject or ""
    prefix = (mailing_list.subject_prefix.strip() if mailing_list else "")
    for _ in range(3):
        title = _REPLY_PREFIX.sub("", title).strip()
        if prefix and title.lower().startswith(prefix.lower()):
            title = title[len(prefix):].strip()
    return " ".join(title.split())[:300] or "(no subject)"


# --- Topics and replies ----------------------------------------------------------------------

def post_check(author, category: Category):
    """Raises NotAllowed unless `author` may post in `category`; returns their viewer."""
    viewer = viewer_for_user(author)
    refusal = category_post_refusal(viewer=viewer, category=category)
    if refusal:
        raise NotAllowed(refusal)
    return viewer


def _posted(call):
    """Run a lists write, its refusals in the forum's words."""
    try:
        return call()
    except lists.NotAllowed as exc:
        raise NotAllowed(str(exc)) from exc
    except lists.ListError as exc:
        raise ForumError(str(exc)) from exc


@transaction.atomic
def topic_start(*, category: Category, author, title: str, body_markdown: str) -> Post:
    """Start a topic: its first post, written as Markdown. In a bound category it is a new
    thread on the list (mailed to its subscribers, or held by the list's moderation: then
    the topic appears when a moderator approves it). Returns the post; its topic is
    `post.forum_topic` once published. Raises NotAllowed or ForumError."""
    post_check(author, category)
    hold = posting_check(author=author, category=category, body=body_markdown)
    ml = category.mailing_list
    post = _posted(lambda: lists.post_compose(
        mailing_list=ml, author=author, subject=title, body_markdown=body_markdown,
        via_forum=ml is not None, held_reason=hold if ml is None else "",
        audit_scope=category.community.slug))
    if ml is None:
        # Held or not, the topic exists (hidden until its first post is published); the
        # publication's signal came before it, so its notifications start here.
        topic = topic_create(category, post)
        if post.status == Post.Status.PUBLISHED:
            delivery_start(post=post, topic=topic)
    topic = Topic.objects.filter(root=post).first()
    if topic is not None:
        audit_record(actor=author, verb="forum.topic.created", obj=topic,
                     scope=category.community.slug, data={"category": category.slug})
    return post


def reply_check(*, topic: Topic, author) -> None:
    """Raises NotAllowed unless `author` may reply in the topic now (the posting rule, and
    a closed topic only for its moderators)."""
    viewer = post_check(author, topic.category)
    if topic.closed and not category_can_moderate(viewer=viewer, category=topic.category):
        raise NotAllowed("This topic is closed to new replies.")


@transaction.atomic
def reply_create(*, topic: Topic, author, body_markdown: str,
                 parent: Post | None = None) -> Post:
    """Reply to a topic (to one of its posts, `parent`, or to the topic itself). In a bound
    category the reply goes to the list's subscribers, threaded under the post it answers.
    Raises NotAllowed (may not post here, topic closed) or ForumError."""
    topic = Topic.objects.select_related("category__community", "category__mailing_list",
                                         "root").get(pk=topic.pk)
    category = topic.category
    reply_check(topic=topic, author=author)
    hold = posting_check(author=author, category=category, body=body_markdown)
    if parent is None:
        parent = topic.root
    elif (parent.thread_id or parent.pk) != topic.root_id or parent.status != Post.Status.PUBLISHED:
        raise ForumError("That post is not part of this topic.")
    return _posted(lambda: lists.post_compose(
        mailing_list=category.mailing_list, author=author,
        subject=lists.reply_subject(topic.root.subject), body_markdown=body_markdown,
        parent=parent, via_forum=category.mailing_list_id is not None,
        held_reason=hold if category.mailing_list_id is None else "",
        audit_scope=category.community.slug))


def topic_create(category: Category, root: Post) -> Topic:
    """The topic whose first post is `root` (once, however often it is asked)."""
    topic, created = Topic.objects.get_or_create(root=root, defaults={
        "category": category,
        "title": topic_title_from_subject(root.subject, mailing_list=category.mailing_list),
        "last_post": root, "last_posted_at": root.published_at or timezone.now(),
        "created_at": root.published_at or timezone.now()})
    if created:
        topic_refresh(topic=topic)  # replies published before their thread's start
    return topic


def topic_post_published(*, post: Post) -> None:
    """Keep topics in step with a newly published post: a thread's first post on a bound
    list starts a topic; a reply updates its topic's count and latest post; either starts
    the post's notifications. Posts outside lists get their topic in `topic_start`, which
    knows the category (held or not: a held first post's topic shows once it is approved,
    and its notifications start here then)."""
    root_id = post.thread_id or post.pk
    topic = Topic.objects.filter(root_id=root_id).first()
    if topic is None and root_id == post.pk and post.mailing_list_id is not None:
        category = Category.objects.filter(mailing_list_id=post.mailing_list_id).first()
        if category is not None:
            topic = topic_create(category, post)
    if topic is not None:
        topic_refresh(topic=topic)
        delivery_start(post=post, topic=topic)


def topic_refresh(*, topic: Topic) -> None:
    """Reply count and latest post from the thread's published posts (idempotent)."""
    posts = Post.objects.filter(thread_id=topic.root_id, status=Post.Status.PUBLISHED)
    last = posts.order_by("-published_at", "-id").values("id", "published_at").first()
    count = posts.exclude(pk=topic.root_id).count()
    Topic.objects.filter(pk=topic.pk).update(
        reply_count=count, last_post_id=last["id"] if last else topic.root_id,
        last_posted_at=last["published_at"] if last else topic.last_posted_at)


def topic_post_hidden(*, post: Post) -> None:
    """A post hidden or published again: its topic's count and latest post follow."""
    topic = Topic.objects.filter(root_id=post.thread_id or post.pk).first()
    if topic is not None:
        topic_refresh(topic=topic)


def topic_post_edited(*, post: Post) -> None:
    """An edited first post renames its topic when the subject changed."""
    topic = Topic.objects.filter(root=post).select_related("category__mailing_list").first()
    if topic is None:
        return
    title = topic_title_from_subject(post.subject, mailing_list=topic.category.mailing_list)
    if title != topic.title:
        Topic.objects.filter(pk=topic.pk).update(title=title)


@transaction.atomic
def forum_post_edit(*, post: Post, editor, body_markdown: str,
                    title: str | None = None) -> Post:
    """Edit a post of a topic: its author, or a moderator of the category. The first post
    may change the topic's title too. Earlier texts stay for moderators (PostRevision).
    Raises NotAllowed or ForumError."""
    topic = Topic.objects.select_related("category__community", "category__mailing_list").get(
        root_id=post.thread_id or post.pk)
    viewer = viewer_for_user(editor)
    moderator = category_can_moderate(viewer=viewer, category=topic.category)
    if post.author_id != getattr(editor, "pk", None) and not moderator:
        raise NotAllowed("Only the author of a post or a moderator can edit it.")
    if not moderator and topic.closed:
        raise NotAllowed("This topic is closed.")
    subject = None
    if title is not None and post.pk == topic.root_id:
        subject = title
    return _posted(lambda: lists.post_edit(
        post=post, editor=editor, body_markdown=body_markdown, subject=subject,
        as_moderator=moderator, audit_scope=topic.category.community.slug))


# --- Answers and moderation ------------------------------------------------------------------

@transaction.atomic
def answer_accept(*, topic: Topic, post: Post | None, actor) -> Topic:
    """Mark `post` (a published reply of the topic) the accepted answer, or clear it with
    None. The asker or a moderator of a questions category. Raises NotAllowed/ForumError."""
    topic = (Topic.objects.select_for_update(of=("self",))
             .select_related("category__community", "root").get(pk=topic.pk))
    category = topic.category
    if not category.is_questions:
        raise ForumError("Only topics in a questions category have accepted answers.")
    viewer = viewer_for_user(actor)
    is_asker = actor is not None and topic.root.author_id == getattr(actor, "pk", None)
    if not (is_asker or category_can_moderate(viewer=viewer, category=category)):
        raise NotAllowed("Only the person who asked or a moderator can choose the answer.")
    if post is not None and (post.thread_id != topic.root_id or post.pk == topic.root_id
                             or post.status != Post.Status.PUBLISHED):
        raise ForumError("Choose a reply of this topic as its answer.")
    topic.accepted_answer = post
    topic.accepted_by = actor if post is not None else None
    topic.accepted_at = timezone.now() if post is not None else None
    topic.save(update_fields=["accepted_answer", "accepted_by", "accepted_at"])
    if post is not None and post.author_id and post.author_id != getattr(actor, "pk", None):
        Notification.objects.get_or_create(
            user_id=post.author_id, post=post, kind=Notification.Kind.ACCEPTED,
            defaults={"topic": topic, "actor": actor,
                      "actor_name": (getattr(actor, "name", "") or "A member")[:150]})
    audit_record(actor=actor, verb=f"forum.answer.{'accepted' if post else 'cleared'}",
                 obj=topic, scope=category.community.slug,
                 data={"post": post.pk if post else None})
    return topic


@transaction.atomic
def topic_moderate(*, topic: Topic, actor, pinned: bool | None = None,
                   closed: bool | None = None) -> Topic:
    """Pin or unpin, close or reopen a topic: the category's moderators."""
    topic = (Topic.objects.select_for_update(of=("self",))
             .select_related("category__community").get(pk=topic.pk))
    if not category_can_moderate(viewer=viewer_for_user(actor), category=topic.category):
        raise NotAllowed("Only the organizers and the group's leads can moderate this topic.")
    changed = {}
    if pinned is not None and pinned != topic.pinned:
        topic.pinned = changed["pinned"] = pinned
    if closed is not None and closed != topic.closed:
        topic.closed = changed["closed"] = closed
    if changed:
        topic.save(update_fields=list(changed))
        audit_record(actor=actor, verb="forum.topic.moderated", obj=topic,
                     scope=topic.category.community.slug, data=changed)
    return topic


def destination_check(*, viewer: Viewer, source: Category, target: Category) -> None:
    """Raises NotAllowed or ForumError unless this person may move topics or posts of
    `source` into `target`: within a category, or between categories of the community
    bound to no list (a bound category's topics are its list's threads, and a thread never
    spans two lists), by someone who moderates both — the organizers when the categories
    belong to different groups (ADR 0007's ORGANIZE). Moving, merging and splitting ask
    this one rule."""
    if not category_can_moderate(viewer=viewer, category=source):
        raise NotAllowed("Only the organizers and the group's leads can move, merge and "
                         "split this category's topics.")
    if target.pk == source.pk:
        return
    if target.community_id != source.community_id:
        raise ForumError("Posts move only between categories of their community.")
    if source.mailing_list_id or target.mailing_list_id:
        raise ForumError("Topics of a category bound to a list are that list's threads: "
                         "they stay in their category.")
    action = ORGANIZE if target.group_id != source.group_id else MANAGE
    if not (can_manage(viewer, source, action=action)
            and can_manage(viewer, target, action=action)
            and category_can_view(viewer=viewer, category=target)):
        raise NotAllowed("Only the organizers move posts between groups; a group's leads "
                         "move them between their own categories.")


@transaction.atomic
def topic_move(*, topic: Topic, category: Category, actor) -> Topic:
    """Move a topic to another category of its community (`destination_check`). Its
    followers keep following it."""
    topic = (Topic.objects.select_for_update(of=("self",))
             .select_related("category__community").get(pk=topic.pk))
    source = topic.category
    if category.pk == source.pk:
        return topic
    destination_check(viewer=viewer_for_user(actor), source=source, target=category)
    topic.category = category
    topic.save(update_fields=["category"])
    audit_record(actor=actor, verb="forum.topic.moved", obj=topic,
                 scope=source.community.slug, data={"from": source.slug, "to": category.slug})
    return topic
