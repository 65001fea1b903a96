"""Demo forum: the AI CoP's list `ai@` bound to a category (its archive and the category
show the same threads), a category for each practice area with a year of conversation, a
questions category with answered and unanswered questions.

Topics and replies are written through the services, as people would write them, then
dated back over the past year (a demo that is all "posted a minute ago" shows nothing).
One reply, a vendor's sales pitch, has been flagged by two members and waits in the
moderators' queue."""

from datetime import timedelta

from django.utils import timezone

from cophub.communities.models import Community, Group, Membership
from cophub.core.access import AccessLevel
from cophub.lists.models import MailingList, Post

from ..models import Category, Delivery, Notification, Topic, Watch
from ..services import (
    answer_accept,
    category_save,
    notifications_fanout,
    post_flag,
    reply_create,
    topic_refresh,
    topic_start,
    watch_set,
)
from .content import FLAGGED_REPLY, PRACTICE_AREA_TOPICS, QUESTIONS


def already_loaded() -> bool:
    return Category.objects.exists()


def build(*, context) -> None:
    rng = context["rng"]
    people, users = context["people"], context["users"]
    organizer = people["organizer"]
    now = timezone.now()
    ai = Community.objects.get(slug="ai-cop")
    government = [u for u in users if u.is_government and u.pk != organizer.pk]

    category_save(actor=organizer, community=ai, name="AI CoP discussion list", slug="ai-list",
                  description=("The conversation of the government-only list `ai@`: start a "
                               "topic here or write to the list, reply either way."),
                  mailing_list=MailingList.objects.get(local_part="ai"), position=1)
    questions = category_save(
        actor=organizer, community=ai, name="Ask the community", slug="ask",
        kind=Category.Kind.QUESTIONS, access_level=AccessLevel.SIGNED_IN, position=2,
        description="Ask a practical question; mark the reply that solved it.")
    written: dict[str, list[Topic]] = {}
    groups = {g.slug: g for g in Group.objects.filter(community=ai,
                                                      slug__in=PRACTICE_AREA_TOPICS)}
    for position, (slug, topics) in enumerate(PRACTICE_AREA_TOPICS.items(), start=10):
        group = groups[slug]
        members_only = group.join_policy != Group.JoinPolicy.OPEN
        category = category_save(
            actor=organizer, community=ai, group=group, name=group.name, slug=slug,
            position=position, description=group.summary,
            access_level=AccessLevel.GROUP if members_only else AccessLevel.SIGNED_IN,
            posting_rule=(Category.PostingRule.GROUP if members_only
                          else Category.PostingRule.VIEWERS))
        authors = government
        if members_only:
            authors = [m.user for m in Membership.objects.filter(
                group=group, state=Membership.State.ACTIVE).select_related("user")]
        for title, body, replies in topics:
            topic = _conversation(rng, category, authors, title, body, replies)
            _date_back(rng, [(topic, now - timedelta(days=rng.randint(3, 360)))], now)
            written.setdefault(slug, []).append(topic)
    for title, body, replies, accepted in QUESTIONS:
        topic = _conversation(rng, questions, government, title, body, replies)
        if accepted is not None:
            answer = (Post.objects.filter(thread_id=topic.root_id).exclude(pk=topic.root_id)
                      .order_by("id")[accepted])
            answer_accept(topic=topic, post=answer, actor=topic.root.author)
        _date_back(rng, [(topic, now - timedelta(days=rng.randint(1, 300)))], now)
    _flagged(rng, written, government)
    _notify_in_site(people["member"], now)
    out = context["out"]
    out.write(f"forum: {Category.objects.count()} categories, "
              f"{Topic.objects.count()} topics")


def _conversation(rng, category, authors, title, body, replies) -> Topic:
    asker = rng.choice(authors)
    topic = topic_start(category=category, author=asker, title=title,
                        body_markdown=body).forum_topic
    posts = [topic.root]
    for text in replies:
        author = rng.choice([a for a in authors if a.pk != asker.pk] or authors)
        parent = rng.choice(posts) if len(posts) > 2 and rng.random() < 0.3 else None
        posts.append(reply_create(topic=topic, author=author, body_markdown=text,
                                  parent=parent))
    return topic


def _date_back(rng, dated, now) -> None:
    """Each conversation starts on its day; replies follow within hours or days. Done as
    each is written, so no demo member is over the forum's posting limit."""
    posts, topics = [], []
    for topic, start in dated:
        when = start
        thread = list(Post.objects.filter(thread_id=topic.root_id).order_by("id"))
        for post in thread:
            post.created_at = post.published_at = min(when, now)
            posts.append(post)
            when += timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59))
        topic.created_at = start
        topics.append(topic)
    Post.objects.bulk_update(posts, ["created_at", "published_at"], batch_size=500)
    dates = {p.pk: p.published_at for p in posts}
    for topic in topics:
        if topic.accepted_answer_id:
            topic.accepted_at = dates[topic.accepted_answer_id] + timedelta(hours=3)
    Topic.objects.bulk_update(topics, ["created_at", "accepted_at"], batch_size=500)
    for topic in topics:
        topic_refresh(topic=topic)


def _notify_in_site(member, now) -> None:
    """The year's notifications in the site only (no e-mail about history), dated with their
    posts and read except the last fortnight's. The demo member follows Generative AI."""
    watch_set(user=member, level=Watch.Level.WATCHING,
              category=Category.objects.get(slug="generative-ai"))
    for post_id in Delivery.objects.filter(done_at__isnull=True).values_list("post_id",
                                                                              flat=True):
        notifications_fanout(post_id=post_id, mail=False)
    published = dict(Post.objects.filter(
        pk__in=Notification.objects.values("post_id")).values_list("pk", "published_at"))
    rows = list(Notification.objects.all())
    for n in rows:
        n.created_at = published[n.post_id]
        n.read_at = n.created_at if n.created_at < now - timedelta(days=14) else None
    Notification.objects.bulk_update(rows, ["created_at", "read_at"], batch_size=500)


def _flagged(rng, written, government) -> None:
    slug, index, text, reason = FLAGGED_REPLY
    topic = written[slug][index]
    vendor, *flaggers = rng.sample(government, 3)
    post = reply_create(topic=topic, author=vendor, body_markdown=text)
    for person in flaggers:
        post_flag(post=post, user=person, reason=reason,
                  note="A sales pitch, not an answer.")
