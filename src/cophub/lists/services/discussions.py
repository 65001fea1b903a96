"""Discussions that live outside lists, for the newsletter's "new discussions" block: the
forum registers a source when it starts, so the block lists its topics beside the lists'
threads without `lists` importing the forum (which sits on top of it).

A source is called as `source(community_id=, since=, now=, allows=, viewer=)` and returns
`(published_at, title, url, detail)` tuples of threads started in (since, now], newest
first. `allows(access_level, group_id)` says whether every recipient of the issue may see
that level; `viewer`, when not None, is the person previewing, who must see each item too.
A source must leave out anything the lists' own threads already show (a forum category
bound to a list is that list's threads)."""

from collections.abc import Callable

DiscussionSource = Callable[..., list[tuple]]
_sources: list[DiscussionSource] = []


def newsletter_discussions_register(source: DiscussionSource) -> None:
    if source not in _sources:
        _sources.append(source)


def newsletter_discussion_sources() -> list[DiscussionSource]:
    return list(_sources)
