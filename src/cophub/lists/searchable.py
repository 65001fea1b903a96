"""List posts in search (type "listpost"): published posts only, at their list's archive
access level, so search never shows a post its archive would not."""

from django.db.models import Q
from django.urls import reverse

from cophub.search.models import SearchDocument
from cophub.search.registry import Document, SearchType, Watch, register

from .models import MailingList, Post


def post_document(post: Post) -> Document | None:
    # Posts outside lists are the forum's (its own search type, at its category's level).
    if post.status != Post.Status.PUBLISHED or post.mailing_list_id is None:
        return None
    mailing_list = post.mailing_list
    # Subject and body only: the sender's address never goes into the index (the archive
    # hides addresses from anonymous and public readers, and one document serves all).
    return Document(
        title=post.subject,
        body=post.body_text,
        url=post_url(post),
        access_level=mailing_list.archive_access_level,
        community_id=mailing_list.community_id,
        group_id=mailing_list.group_id,
        facets={"list": [mailing_list.local_part]},
        date=post.published_at,
    )


def post_url(post: Post) -> str:
    return reverse("lists:archive_post", args=[post.mailing_list.local_part, post.pk])


def posts_to_reindex(mailing_list: MailingList) -> list[int]:
    """A list's archive level, group or address changing changes who may find its posts
    and where they link. Lists are saved often for other reasons (digest times), so the
    posts are re-indexed only when an indexed post disagrees with the list: one query
    otherwise."""
    published = Post.objects.filter(mailing_list=mailing_list, status=Post.Status.PUBLISHED)
    prefix = reverse("lists:archive", args=[mailing_list.local_part])
    current = (Q(access_level=mailing_list.archive_access_level)
               & Q(community_id=mailing_list.community_id)
               & Q(group_id=mailing_list.group_id) & Q(url__startswith=prefix))
    stale = (SearchDocument.objects.filter(type_name="listpost", removed=False,
                                           object_id__in=published.values("pk"))
             .exclude(current))
    if mailing_list.pk is None or not stale.exists():
        return []
    return list(published.values_list("pk", flat=True))


def _all_posts():
    return Post.objects.filter(mailing_list__isnull=False).select_related("mailing_list")


register(SearchType(
    name="listpost", label="List messages", singular="List message", model=Post,
    document=post_document, facets={"list": "List"}, queryset=_all_posts,
    browse_url="lists:index",
    watch=(Watch(MailingList, lambda mailing_list: posts_to_reindex(mailing_list)),),
))
