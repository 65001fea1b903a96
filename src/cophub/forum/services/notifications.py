"""Watching and notifications. A published post is fanned out to the people who follow its
topic or category, and the author of the post it answers, after the commit and in chunks:
`Delivery` keeps a cursor advanced in the same transaction as each chunk's notification rows
and e-mails (as lists' fan-out, ADR 0006), so a worker that dies mid-way resumes without
telling anyone twice.

Who is told, and how (`Watch.Level`; a topic's watch wins over its category's):
- a new topic: the category's WATCHING and FIRST_POST people (in the site and by e-mail)
  and its TRACKING people (in the site);
- a reply: the topic's (else the category's) WATCHING people (site and e-mail) and
  TRACKING people (site), and the author of the post it answers unless they muted it;
- anyone the post @mentions (`mentions`) who has not muted the topic (site and e-mail);
  they watch the topic from then on, as its authors do;
- never the post's own author, never anyone who may not see the category now (asked again
  when each e-mail is sent: the `forum.notification` gate).
E-mail follows the person's preference (at once, a daily summary, never); a subscriber of
the list bound to the category already receives the post from the list and is told only in
the site."""

from collections import defaultdict
from datetime import timedelta
from email.utils import formataddr
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from cophub.communities.selectors import viewers_for
from cophub.core.access import viewer_for_user
from cophub.core.links import site_url
from cophub.core.mail import mail_content_create, mail_enqueue_many
from cophub.core.markdown import markdown_to_text
from cophub.lists.models import Post, Subscription
from cophub.lists.selectors import post_reply_split
from cophub.lists.services import list_domain

from ..addresses import LOCAL_PART as REPLY_LOCAL_PART
from ..addresses import reply_address
from ..exceptions import ForumError
from ..mentions import mentioned_user_ids
from ..models import Category, Delivery, Notification, Preference, Topic, Watch
from ..selectors import category_can_view

Level = Watch.Level
Kind = Notification.Kind
CHUNK = 500
NOTIFICATION_GATE = "forum.notification"
SUMMARY_GATE = "forum.summary"
TOPIC_LEVELS = (Level.WATCHING, Level.TRACKING, Level.NORMAL, Level.MUTED)


# --- Watching --------------------------------------------------------------------------------

@transaction.atomic
def watch_set(*, user, level: str, category: Category | None = None,
              topic: Topic | None = None, automatic: bool = False) -> Watch | None:
    """Set how `user` follows a category or a topic. An automatic watch (an author's topic)
    never overrides one the person chose. Raises ForumError for a level that does not apply
    or a category the person may not see."""
    if (category is None) == (topic is None):
        raise ForumError("Watch a category or a topic.")
    if level not in Level.values or (topic is not None and level not in TOPIC_LEVELS):
        raise ForumError("Choose one of the levels offered.")
    where = {"category": category} if category is not None else {"topic": topic}
    the_category = category if category is not None else topic.category
    if not category_can_view(viewer=viewer_for_user(user), category=the_category):
        raise ForumError("You cannot follow what you cannot see.")
    existing = Watch.objects.select_for_update().filter(user=user, **where).first()
    if existing is not None and automatic and not existing.automatic:
        return existing
    if existing is None:
        return Watch.objects.create(user=user, level=level, automatic=automatic, **where)
    existing.level, existing.automatic, existing.updated_at = level, automatic, timezone.now()
    existing.save(update_fields=["level", "automatic", "updated_at"])
    return existing


def watch_level(*, user, topic: Topic) -> tuple[str, str]:
    """(level, where it comes from: "topic", "category" or "default") for one person."""
    if user is None or not user.is_authenticated:
        return Level.NORMAL, "default"
    for source, where in (("topic", {"topic": topic}),
                          ("category", {"category_id": topic.category_id})):
        level = Watch.objects.filter(user=user, **where).values_list("level", flat=True).first()
        if level:
            return level, source
    return Level.NORMAL, "default"


# --- Fan-out ---------------------------------------------------------------------------------

def delivery_start(*, post: Post, topic: Topic) -> None:
    """Called where the post is published (in its transaction): one Delivery per post, its
    fan-out run after the commit. The author follows their topic (automatic watch)."""
    author = post.author if post.author_id is not None else None
    if author is not None and category_can_view(viewer=viewer_for_user(author),
                                                 category=topic.category):
        # Not for an author who cannot see the category (a list subscriber whose account
        # lost the tier still posts by mail): the post must publish all the same.
        watch_set(user=author, level=Level.WATCHING, topic=topic, automatic=True)
    delivery, created = Delivery.objects.get_or_create(post=post, defaults={"topic": topic})
    if created:
        transaction.on_commit(partial(notifications_fanout_task.enqueue, post.pk), robust=True)


def _recipients(topic: Topic, post: Post) -> dict[int, tuple[str, bool]]:
    """user id → (kind, whether the kind of watch asks for e-mail), before visibility."""
    found: dict[int, tuple[str, bool]] = {}
    category_levels = dict(Watch.objects.filter(category_id=topic.category_id)
                           .values_list("user_id", "level"))
    if post.pk == topic.root_id:
        effective = category_levels
        for user_id, level in category_levels.items():
            if level in (Level.WATCHING, Level.FIRST_POST, Level.TRACKING):
                found[user_id] = (Kind.NEW_TOPIC, level != Level.TRACKING)
    else:
        topic_levels = dict(Watch.objects.filter(topic=topic).values_list("user_id", "level"))
        effective = {**{u: lv for u, lv in category_levels.items()
                        if lv in (Level.WATCHING, Level.TRACKING, Level.MUTED)}, **topic_levels}
        for user_id, level in effective.items():
            if level in (Level.WATCHING, Level.TRACKING):
                found[user_id] = (Kind.POSTED, level == Level.WATCHING)
        parent_author = post.parent.author_id if post.parent_id else None
        if parent_author is not None and effective.get(parent_author) != Level.MUTED:
            found[parent_author] = (Kind.REPLIED, True)
    for user_id in mentioned_user_ids(post=post, category=topic.category):
        if effective.get(user_id) != Level.MUTED and found.get(user_id, ("",))[0] != Kind.REPLIED:
            found[user_id] = (Kind.MENTIONED, True)
    found.pop(post.author_id, None)
    return found


def notifications_fanout(*, post_id: int, chunk: int = CHUNK, max_chunks: int | None = None,
                         mail: bool = True) -> int:
    """Create the notifications (and e-mails) of one published post, at most once per
    person however often it runs or crashes. Returns how many people were told so far.
    `max_chunks` stops early (tests, benchmarks); `mail=False` tells people in the site
    only (loading history, such as the demo's year of conversation)."""
    done = 0
    recipients = None
    while max_chunks is None or done < max_chunks:
        with transaction.atomic():
            delivery = (Delivery.objects.select_for_update(of=("self",))
                        .select_related("topic__category__mailing_list",
                                        "topic__category__community", "post__parent",
                                        "post__author").get(post_id=post_id))
            if delivery.done_at is not None:
                return delivery.recipients
            topic, post = delivery.topic, delivery.post
            if post.status != Post.Status.PUBLISHED:
                delivery.done_at = timezone.now()
                delivery.save(update_fields=["done_at"])
                return delivery.recipients
            if recipients is None:
                recipients = _recipients(topic, post)
            ids = sorted(u for u in recipients if u > delivery.cursor)[:chunk]
            if not ids:
                delivery.done_at = timezone.now()
                delivery.save(update_fields=["done_at"])
                return delivery.recipients
            told = _notify_chunk(topic, post, {u: recipients[u] for u in ids}, mail=mail)
            delivery.cursor = ids[-1]
            delivery.recipients += told
            delivery.save(update_fields=["cursor", "recipients"])
        done += 1
    return Delivery.objects.values_list("recipients", flat=True).get(post_id=post_id)


def _notify_chunk(topic: Topic, post: Post, chunk: dict[int, tuple[str, bool]], *,
                  mail: bool = True) -> int:
    users = list(get_user_model().objects.filter(pk__in=chunk, is_active=True))
    viewers = viewers_for(users)
    category = topic.category
    users = [u for u in users if category_can_view(viewer=viewers[u.pk], category=category)]
    if not users:
        return 0
    preferences = dict(Preference.objects.filter(user__in=users).values_list("user_id", "email"))
    on_list = set()
    if category.mailing_list_id is not None:
        on_list = set(Subscription.objects.filter(
            mailing_list_id=category.mailing_list_id, state=Subscription.State.ACTIVE,
            subscriber__user__in=users).values_list("subscriber__user_id", flat=True))
    rows = []
    for user in users:
        kind, wants_mail = chunk[user.pk]
        email = Notification.Email.NONE
        if mail and wants_mail and user.pk not in on_list:
            email = {Preference.Email.IMMEDIATELY: Notification.Email.QUEUED,
                     Preference.Email.DAILY: Notification.Email.SUMMARY}.get(
                preferences.get(user.pk, Preference.Email.IMMEDIATELY), Notification.Email.NONE)
        rows.append(Notification(user=user, kind=kind, topic=topic, post=post,
                                 actor_id=post.author_id, actor_name=_actor_name(post),
                                 email=email))
    created = Notification.objects.bulk_create(rows, ignore_conflicts=False)
    mentioned = [n.user_id for n in created if n.kind == Kind.MENTIONED]
    if mentioned:  # as its authors, the people it mentions follow the topic (never over a choice)
        Watch.objects.bulk_create([Watch(user_id=u, topic=topic, level=Level.WATCHING,
                                         automatic=True) for u in mentioned],
                                  ignore_conflicts=True)
    by_user = {u.pk: u for u in users}
    now_mail = [n for n in created if n.email == Notification.Email.QUEUED]
    for kind in {n.kind for n in now_mail}:
        _mail_now(topic, post, kind, [(n, by_user[n.user_id]) for n in now_mail
                                      if n.kind == kind])
    return len(created)


def _actor_name(post: Post) -> str:
    if post.author_id is not None and post.author.name:
        return post.author.name[:150]
    return (post.sender_name or "A member")[:150]


def _mail_now(topic: Topic, post: Post, kind: str, recipients) -> None:
    """One shared content per post and kind; each copy carries its own reply address."""
    context = _mail_context(topic, post)
    context["kind"] = kind
    context["why"] = Kind(kind).label
    subject = f"[{topic.category.name}] {'' if post.pk == topic.root_id else 'Re: '}{topic.title}"
    headers = {"References": f"<{topic.root.message_id}>",
               "Auto-Submitted": "auto-generated",
               "X-Loop": f"{REPLY_LOCAL_PART}@{list_domain()}"}
    if post.parent_id:
        headers["In-Reply-To"] = f"<{post.parent.message_id}>"
        headers["References"] = " ".join(dict.fromkeys(
            [f"<{topic.root.message_id}>", f"<{post.parent.message_id}>"]))
    content = mail_content_create(
        from_email=formataddr((f"{context['actor']} via "
                               f"{topic.category.community.short_name or settings.SITE_NAME}",
                               _from_address())),
        subject=subject[:900],
        body_text=render_to_string("forum/email/notification_message.txt", context),
        body_html=render_to_string("forum/email/notification_message.html", context),
        headers=headers)
    mail_enqueue_many(content=content, recipients=[
        (user.email, {"Reply-To": reply_address(user_id=user.pk, post_id=post.pk)}, "",
         (NOTIFICATION_GATE, notification.pk))
        for notification, user in recipients])


def _from_address() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip()


def _mail_context(topic: Topic, post: Post) -> dict:
    # A web post is Markdown: mailed as text a person reads, not as its markup.
    own = markdown_to_text(post.body_markdown) if post.body_markdown else post_reply_split(post)[0]
    return {"topic": topic, "post": post, "actor": _actor_name(post), "text": own,
            "topic_url": site_url(reverse("forum:topic", args=[
                topic.category.community.slug, topic.pk])) + f"#post-{post.pk}",
            "settings_url": site_url(reverse("forum:notification_settings")),
            "category": topic.category}


@task()
def notifications_fanout_task(post_id: int) -> int:
    """Notify the followers of a published post (resumes after a crash)."""
    return notifications_fanout(post_id=post_id)


# --- Reading ---------------------------------------------------------------------------------

@transaction.atomic
def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the person's notifications read (all, or those of `ids`). Returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user, email: str) -> Preference:
    if email not in Preference.Email.values:
        raise ForumError("Choose how you want forum e-mail.")
    preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
    preference.email = email
    preference.save(update_fields=["email"])
    return preference


# --- The daily summary -----------------------------------------------------------------------

SUMMARY_EVERY = timedelta(days=1)


def summaries_send(*, now=None, limit: int = 500) -> int:
    """Send the daily summary to each person whose last one is a day old and who has
    notifications waiting for it. Each person's summary is built, queued and its
    notifications marked in one transaction: a crash sends it whole or not at all."""
    now = now or timezone.now()
    due = (Notification.objects.filter(email=Notification.Email.SUMMARY)
           .exclude(user__forum_preference__last_summary_at__gt=now - SUMMARY_EVERY)
           .values_list("user_id", flat=True).distinct().order_by("user_id")[:limit])
    sent = 0
    for user_id in list(due):
        sent += _summary_send(user_id, now)
    return sent


@transaction.atomic
def _summary_send(user_id: int, now) -> int:
    preference, _ = Preference.objects.select_for_update().get_or_create(user_id=user_id)
    if preference.last_summary_at and preference.last_summary_at > now - SUMMARY_EVERY:
        return 0
    waiting = list(Notification.objects.filter(user_id=user_id,
                                               email=Notification.Email.SUMMARY)
                   .select_related("topic__category__community", "post", "user")
                   .order_by("topic_id", "created_at"))
    if not waiting:
        return 0
    user = waiting[0].user
    viewer = viewer_for_user(user)
    visible = [n for n in waiting if category_can_view(viewer=viewer, category=n.topic.category)]
    Notification.objects.filter(pk__in=[n.pk for n in visible]).update(
        email=Notification.Email.SUMMARIZED, summarized_at=now)
    Notification.objects.filter(pk__in=[n.pk for n in waiting if n not in visible]).update(
        email=Notification.Email.NONE)
    preference.last_summary_at = now
    preference.save(update_fields=["last_summary_at"])
    if not visible:
        return 0
    topics = defaultdict(list)
    for n in visible:
        topics[n.topic].append(n)
    context = {"user": user, "topics": [
        {"topic": t, "url": site_url(reverse("forum:topic", args=[
            t.category.community.slug, t.pk])), "items": items,
         "names": sorted({n.actor_name for n in items})} for t, items in topics.items()],
        "settings_url": site_url(reverse("forum:notification_settings"))}
    content = mail_content_create(
        from_email=_from_address(),
        subject=f"Forum summary: {len(visible)} new post{'s' if len(visible) != 1 else ''}",
        body_text=render_to_string("forum/email/summary_message.txt", context),
        headers={"Auto-Submitted": "auto-generated"})
    # Gated as a whole: sent only if the person may still see every topic it names.
    mail_enqueue_many(content=content,
                      recipients=[(user.email, {}, "", (SUMMARY_GATE, preference.pk))])
    return 1
