"""Categories: opening and changing them, and binding a discussion list (ADR 0009)."""

from django.db import transaction
from django.db.models import Count, F, Max

from cophub.core.access import CREATE, MANAGE, can_manage, can_manage_in, viewer_for_user
from cophub.core.audit import audit_record
from cophub.lists.models import MailingList, Post

from ..exceptions import ForumError, NotAllowed
from ..models import Category, Topic
from .topics import topic_title_from_subject

# --- Categories ------------------------------------------------------------------------------

RESERVED_SLUGS = frozenset({"new", "t", "p", "g", "moderation"})  # fixed paths in urls.py

CATEGORY_FIELDS = ("name", "slug", "description", "kind", "access_level", "posting_rule",
                   "group", "mailing_list", "position", "hold_first_posts")


@transaction.atomic
def category_save(*, actor, community, category: Category | None = None, **fields) -> Category:
    """Create a category in `community` (organizers, and leads for their groups' categories)
    or change one (the people who run it; moving it to another group, or out of one, is
    the organizers'). Binding a discussion list of the same community and group makes the
    category that list's conversation: its access level becomes the archive's, and the
    list's existing threads become topics. Raises NotAllowed or ForumError."""
    viewer = viewer_for_user(actor)
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise TypeError(f"category_save() got unexpected fields {sorted(unknown)}")
    creating = category is None
    if creating:
        category = Category(community=community)
    else:
        category = Category.objects.select_for_update().get(pk=category.pk)
        if not can_manage(viewer, category):
            raise NotAllowed("Only the organizers and the group's leads can change this "
                             "category.")
    old_group_id, old_list_id = category.group_id, category.mailing_list_id
    for name, value in fields.items():
        setattr(category, name, value)
    group_id = category.group_id
    if group_id is not None and category.group.community_id != community.pk:
        raise ForumError("The group belongs to another community.")
    if creating:
        allowed = can_manage_in(viewer, community_id=community.pk, group_id=group_id,
                                action=MANAGE if group_id else CREATE)
        if group_id is None and not viewer.is_organizer(community.pk):
            allowed = False  # a community-wide category is the organizers'
    else:
        allowed = group_id == old_group_id or viewer.is_organizer(community.pk)
    if not allowed:
        raise NotAllowed("Only the organizers can add community-wide categories or move a "
                         "category between groups; a group's leads add its categories.")
    if (category.posting_rule == Category.PostingRule.GROUP and group_id is None):
        raise ForumError("“Members of the group” needs the category to belong to a group.")
    if category.slug in RESERVED_SLUGS:
        raise ForumError(f"“{category.slug}” is reserved by the site. Choose another address.")
    if Category.objects.filter(community=community, slug=category.slug).exclude(
            pk=category.pk).exists():
        raise ForumError(f"Another category of {community} already has the address "
                         f"“{category.slug}”.")
    ml = category.mailing_list
    if ml is not None:
        _check_binding(category, ml)
        category.access_level = ml.archive_access_level
    category.save()
    bound_now = ml is not None and ml.pk != old_list_id
    if bound_now:
        _topics_backfill(category)
    audit_record(actor=actor, verb=f"forum.category.{'created' if creating else 'changed'}",
                 obj=category, scope=community.slug,
                 data={"fields": sorted(fields), "mailing_list": ml.address if ml else ""})
    return category


def _check_binding(category: Category, ml: MailingList) -> None:
    if ml.community_id != category.community_id or ml.group_id != category.group_id:
        raise ForumError(f"{ml.address} belongs to another community or group than the "
                         f"category; bind a list of the same community and group.")
    if ml.kind != MailingList.Kind.DISCUSSION:
        raise ForumError(f"{ml.address} is an announcement list; only a discussion list can "
                         f"be a category's conversation.")
    if not ml.is_active:
        raise ForumError(f"{ml.address} is closed.")
    taken = Category.objects.filter(mailing_list=ml).exclude(pk=category.pk).first()
    if taken is not None:
        raise ForumError(f"{ml.address} is already the conversation of “{taken}”.")


def _topics_backfill(category: Category) -> None:
    """Topics for the published threads the bound list already has (one insert for all)."""
    ml = category.mailing_list
    roots = (Post.objects.filter(mailing_list=ml, status=Post.Status.PUBLISHED,
                                 thread_id=F("id"))
             .exclude(forum_topic__isnull=False))
    stats = {row["thread_id"]: row for row in (
        Post.objects.filter(mailing_list=ml, status=Post.Status.PUBLISHED)
        .values("thread_id").annotate(n=Count("id"), last=Max("published_at")))}
    topics = []
    for root in roots.iterator():
        row = stats.get(root.pk, {"n": 1, "last": root.published_at})
        topics.append(Topic(category=category, root=root,
                            title=topic_title_from_subject(root.subject, mailing_list=ml),
                            reply_count=row["n"] - 1, last_posted_at=row["last"],
                            created_at=root.published_at))
    Topic.objects.bulk_create(topics, batch_size=500)
    last_posts = {}
    for post in (Post.objects.filter(mailing_list=ml, status=Post.Status.PUBLISHED)
                 .order_by("published_at", "id").values("id", "thread_id")):
        last_posts[post["thread_id"]] = post["id"]
    updates = []
    for topic in Topic.objects.filter(category=category, last_post__isnull=True):
        topic.last_post_id = last_posts.get(topic.root_id, topic.root_id)
        updates.append(topic)
    Topic.objects.bulk_update(updates, ["last_post"], batch_size=500)



