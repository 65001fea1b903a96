"""Moving posts between threads: what a forum moderator's merge and split do to the one
store of messages (ADR 0009). Only the archive's threading changes (`Post.thread` and
`Post.parent`); the forum calls these and keeps its topics in step itself.

Every post keeps its own Message-ID, In-Reply-To and References. Copies already mailed
carry them and cannot be called back, so subscribers' mail programs go on threading those
copies as they were sent; rewriting the headers here would only make the archive disagree
with the mail people hold. Mail that answers a moved post later joins the post's new
thread, because a reply takes its thread from the post it answers (`posting._thread`).

A thread never spans two lists: posts of different lists, or of a list and of none (the
forum's categories bound to no list), never share one. A thread's first post is its
earliest, so a thread joins only an earlier one."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from cophub.core.audit import audit_record

from ..exceptions import ListError
from ..models import Post


def _when(post: Post):
    return (post.published_at or post.created_at, post.pk)


def _scope(post: Post, audit_scope: str) -> str:
    return post.mailing_list.community.slug if post.mailing_list_id else audit_scope


def _starts_thread(post: Post) -> bool:
    return post.thread_id in (None, post.pk)


@transaction.atomic
def thread_merge(*, source: Post, target: Post, actor, audit_scope: str = "") -> int:
    """Every post of the thread `source` starts joins the thread `target` starts; `source`
    becomes a reply to `target`, and its replies keep the posts they answer. Headers stay
    as sent (see the module). The caller decided who may (forum moderators). Returns how
    many posts moved. Raises ListError for a post that does not start a thread, the same
    thread, threads of different lists (or of a list and of none), or a `target` thread
    that starts after `source`'s."""
    # Both first posts locked, in one order, so two merges of the same threads queue.
    locked = {p.pk: p for p in Post.objects.select_for_update(of=("self",))
              .select_related("mailing_list__community")
              .filter(pk__in=[source.pk, target.pk]).order_by("pk")}
    if source.pk == target.pk:
        raise ListError("A thread cannot be merged into itself.")
    if len(locked) != 2:
        raise ListError("One of the threads no longer exists.")
    source, target = locked[source.pk], locked[target.pk]
    if not (_starts_thread(source) and _starts_thread(target)):
        raise ListError("Only whole threads can be merged: choose the first post of each.")
    if source.mailing_list_id != target.mailing_list_id:
        raise ListError("Posts of different lists cannot share a thread: a thread belongs "
                        "to one list, or to none.")
    if _when(target) > _when(source):
        raise ListError("A thread joins an earlier one: its first post must stay the "
                        "thread's first.")
    moved = (Post.objects.filter(Q(thread_id=source.pk) | Q(pk=source.pk))
             .update(thread_id=target.pk))
    Post.objects.filter(pk=source.pk).update(parent_id=target.pk)
    audit_record(actor=actor, verb="lists.thread.merged", obj=target,
                 scope=_scope(target, audit_scope),
                 data={"from": source.pk, "posts": moved})
    return moved


def _nearest(post_id: int | None, parents: dict[int, int | None], *, moved: set[int],
             side: bool) -> int | None:
    """The closest of `post_id` and its ancestors that is (`side` True) or is not among
    the moved posts; None if the chain leaves the thread first."""
    seen: set[int] = set()
    while post_id is not None and post_id in parents and post_id not in seen:
        if (post_id in moved) == side:
            return post_id
        seen.add(post_id)
        post_id = parents[post_id]
    return None


@transaction.atomic
def thread_split(*, posts: Iterable[Post], actor, audit_scope: str = "") -> Post:
    """The chosen `posts` (replies of one thread, never its first post) start a thread of
    their own: the earliest becomes its first post (no parent), the others join it.
    Parents follow so that each post answers one in its own thread: a moved post whose
    parent stayed hangs under its nearest moved ancestor, else under the new first post;
    a post that stayed whose parent moved, under its nearest ancestor that stayed, else
    under the old first post. Headers stay as sent (see the module). The caller decided
    who may. Returns the new first post. Raises ListError for no posts, posts of several
    threads or lists, or a thread's first post."""
    ids = {p.pk for p in posts}
    if not ids:
        raise ListError("Choose the posts that start the new thread.")
    chosen = list(Post.objects.select_for_update(of=("self",))
                  .select_related("mailing_list__community").filter(pk__in=ids)
                  .order_by("pk"))
    if len(chosen) != len(ids):
        raise ListError("Some of the chosen posts no longer exist.")
    threads = {p.thread_id or p.pk for p in chosen}
    if len(threads) != 1:
        raise ListError("Choose posts of one thread.")
    old_root_id = threads.pop()
    if old_root_id in ids:
        raise ListError("A thread's first post stays with it: choose replies to move.")
    old_root = Post.objects.only("pk", "mailing_list_id").get(pk=old_root_id)
    if any(p.mailing_list_id != old_root.mailing_list_id for p in chosen):
        raise ListError("Posts of different lists cannot share a thread: a thread belongs "
                        "to one list, or to none.")
    new_root = min(chosen, key=_when)
    parents = dict(Post.objects.filter(Q(thread_id=old_root_id) | Q(pk=old_root_id))
                   .values_list("pk", "parent_id"))
    changed = []
    for pk, parent_id in parents.items():
        if pk == old_root_id:
            continue
        if pk == new_root.pk:
            thread_id, new_parent = pk, None
        elif pk in ids:
            thread_id = new_root.pk
            new_parent = _nearest(parent_id, parents, moved=ids, side=True) or new_root.pk
        else:
            thread_id = old_root_id
            new_parent = _nearest(parent_id, parents, moved=ids, side=False) or old_root_id
        if pk in ids or new_parent != parent_id:
            changed.append(Post(pk=pk, thread_id=thread_id, parent_id=new_parent))
    # Columns only: no save() signals (list posts' search documents do not show threads;
    # the forum re-indexes its topics).
    Post.objects.bulk_update(changed, ["thread", "parent"], batch_size=500)
    new_root.thread_id, new_root.parent_id = new_root.pk, None
    audit_record(actor=actor, verb="lists.thread.split", obj=new_root,
                 scope=_scope(new_root, audit_scope),
                 data={"from": old_root_id, "posts": sorted(ids)})
    return new_root
