"""Forum topics in search (type "topic"): one document per topic whose first post is
published, holding its title and the text of its published posts, at its category's
visibility. A category bound to a list is visible only to those who may read both it and
the list's archive (selectors.category_can_view); the document carries the stricter of the
two levels, or, when neither contains the other (a group's level and the government
level), the organizers' level: search never shows more than the pages do."""

from django.urls import reverse

from cophub.lists.models import MailingList, Post
from cophub.search.registry import Document, SearchType, Watch, register

from .models import Category, Topic
from .selectors import effective_level

BODY_LIMIT = 30_000  # characters of posts per document: enough for ranking, bounded cost


def topic_document(topic: Topic) -> Document | None:
    if topic.root.status != Post.Status.PUBLISHED:
        return None
    category = topic.category
    texts, size = [], 0
    for text in (Post.objects.filter(thread_id=topic.root_id, status=Post.Status.PUBLISHED)
                 .order_by("published_at", "id").values_list("body_text", flat=True)):
        texts.append(text)
        size += len(text)
        if size > BODY_LIMIT:
            break
    facets = {"category": [category.name], "community": [category.community.name]}
    if category.is_questions:
        facets["answered"] = ["Solved" if topic.accepted_answer_id else "Not solved"]
    return Document(
        title=topic.title,
        body="\n\n".join(texts)[:BODY_LIMIT],
        url=reverse("forum:topic", args=[category.community.slug, topic.pk]),
        access_level=effective_level(category),
        community_id=category.community_id,
        group_id=category.group_id,
        facets=facets,
        date=topic.last_posted_at,
        extra={"replies": topic.reply_count},
    )


def _topics():
    return Topic.objects.select_related("category__community", "category__mailing_list",
                                        "root")


def _topic_of_post(post: Post) -> list[int]:
    return list(Topic.objects.filter(root_id=post.thread_id or post.pk)
                .values_list("pk", flat=True))


register(SearchType(
    name="topic", label="Forum topics", singular="Forum topic", model=Topic,
    document=topic_document,
    facets={"community": "Community", "category": "Category", "answered": "Answered"},
    queryset=_topics,
    watch=(Watch(Post, _topic_of_post),
           Watch(Category, lambda category: list(category.topics.values_list("pk", flat=True))),
           Watch(MailingList, lambda ml: list(Topic.objects.filter(
               category__mailing_list=ml).values_list("pk", flat=True)))),
))
