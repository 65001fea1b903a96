"""@mentions. People have no user names here (they are known by their real names, never by
their address), so a mention is "@" followed by a person's name as the site shows it:
"@Ana Lopez". It is resolved when the post is published, whichever door it came through:
the longest run of up to five words after the "@" that is exactly the name of one person
who may see the category. A name two such people share mentions neither (the suggestions
show both, with their organisations, so the writer sees why), and text in code, in quotes
and in the quoted part of a mail mentions nobody. Nobody is told anything
about a name that resolves to no one, so a mention cannot probe who exists."""

import re

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower

from cophub.accounts.selectors import directory_members
from cophub.communities.selectors import viewers_for
from cophub.core.access import Viewer
from cophub.lists.models import Post
from cophub.lists.selectors import post_reply_split

from .models import Category
from .selectors import category_can_view

MAX_MENTIONS = 10  # people told per post, as Discourse's default
MAX_WORDS = 5
SUGGESTIONS = 8

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
# "@" not inside a word or an address, then up to five words of a name ("O'Neil", "Jean-Luc").
_WORD = r"[^\W\d_][\w'’.-]*"
_MENTION = re.compile(rf"(?<![\w.@/])@({_WORD}(?:[ \t]+{_WORD}){{0,{MAX_WORDS - 1}}})")


def _own_text(post: Post) -> str:
    if post.body_markdown:
        text = _FENCE.sub("", post.body_markdown)
        text = _CODE_SPAN.sub("", text)
    else:
        text = post_reply_split(post)[0]
    return _QUOTE_LINE.sub("", text)


def mention_phrases(text: str) -> list[list[str]]:
    """For each "@" in the text, the names it could be, longest first ("Ana Lopez thanks",
    "Ana Lopez", "Ana"), lower-cased."""
    found = []
    for match in _MENTION.finditer(text):
        words = match.group(1).split()
        names = []
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n]).rstrip(".'’-").lower()
            if name and name not in names:
                names.append(name)
        found.append(names)
    return found


def mentioned_user_ids(*, post: Post, category: Category) -> list[int]:
    """The people a published post mentions who may see its category (never its author),
    in the order of the text, at most MAX_MENTIONS."""
    phrases = mention_phrases(_own_text(post))
    if not phrases:
        return []
    wanted = {name for names in phrases for name in names}
    users = list(get_user_model().objects.annotate(lname=Lower("name"))
                 .filter(lname__in=wanted, is_active=True).exclude(name=""))
    viewers = viewers_for(users)
    by_name: dict[str, list[int]] = {}
    for user in users:
        if category_can_view(viewer=viewers[user.pk], category=category):
            by_name.setdefault(user.name.lower(), []).append(user.pk)
    chosen: list[int] = []
    for names in phrases:
        for name in names:  # the longest name that is someone's
            people = by_name.get(name)
            if people:
                if len(people) == 1 and people[0] not in chosen and people[0] != post.author_id:
                    chosen.append(people[0])
                break
        if len(chosen) >= MAX_MENTIONS:
            break
    return chosen


def mention_suggestions(*, viewer: Viewer, category: Category, q: str) -> list:
    """People the writer may be offered for "@" + `q`: those who may see the category and
    whom the writer can already find, government members in the directory (for government
    viewers, as the directory itself) and whoever has posted in the category (their names are
    on its pages). Never the writer."""
    q = " ".join(q.split())[:100]
    if len(q) < 2:
        return []
    User = get_user_model()
    known = Q(pk__in=Post.objects.filter(
        thread__forum_topic__category=category, status=Post.Status.PUBLISHED,
        author__isnull=False).values("author_id"))
    if viewer.is_government:
        known |= Q(pk__in=directory_members().values("pk"))
    candidates = list(User.objects.filter(known, name__icontains=q, is_active=True)
                      .exclude(pk=viewer.user_id).exclude(name="")
                      .order_by("name", "pk")[:SUGGESTIONS * 4])
    viewers = viewers_for(candidates)
    return [u for u in candidates
            if category_can_view(viewer=viewers[u.pk], category=category)][:SUGGESTIONS]
