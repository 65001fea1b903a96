"""Blocks in a newsletter's Markdown: a line such as `{{ upcoming_events }}` or
`{{ new_resources 3 }}` becomes a list of items taken from the system.

Every item must be visible to EVERY recipient of the issue, so the items are filtered by
the issue's *audience* (what all of the chosen lists' subscribers have in common), never by
the person composing it: an organizer sees everything, a public subscriber must not.
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cophub.core.access import AccessLevel, Viewer, visible_q
from cophub.core.links import site_url
from cophub.events.models import Event
from cophub.learning.models import Session
from cophub.library.models import Resource

from ..models import MailingList, NewsletterIssue, Post
from ..services import newsletter_discussion_sources

DEFAULT_COUNT = 5
MAX_COUNT = 20
# Without a previous issue, "new" means added in this window.
FIRST_ISSUE_WINDOW = timedelta(days=30)

# A block is a line of its own: `{{ name }}` or `{{ name 5 }}`. Anything else between braces
# on its own line is reported as an unknown block rather than mailed out verbatim.
BLOCK_LINE = re.compile(r"^[ \t]*\{\{[ \t]*(?P<inner>[^{}\n]*?)[ \t]*\}\}[ \t]*$", re.MULTILINE)
ANY_BRACES = re.compile(r"\{\{[^{}\n]*\}\}")
BLOCK_INNER = re.compile(r"^(?P<name>[a-z_]+)(?:[ \t]+(?P<count>\d{1,3}))?$")
# CommonMark lets a backslash escape any ASCII punctuation: titles go into Markdown as text.
MARKDOWN_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


@dataclass(frozen=True)
class Audience:
    """What every recipient of an issue may see: access levels, and for group-only items,
    the groups every recipient belongs to."""

    levels: frozenset[str]
    group_ids: frozenset[int] = frozenset()

    def q(self, prefix: str = "", group_field: str | None = "group_id") -> Q:
        q = Q(**{f"{prefix}access_level__in": sorted(self.levels - {AccessLevel.GROUP})})
        if AccessLevel.GROUP in self.levels and self.group_ids and group_field:
            q |= Q(**{f"{prefix}access_level": AccessLevel.GROUP,
                      f"{prefix}{group_field}__in": sorted(self.group_ids)})
        return q

    def allows(self, access_level: str, group_id: int | None = None) -> bool:
        if access_level == AccessLevel.GROUP:
            return AccessLevel.GROUP in self.levels and group_id in self.group_ids
        return access_level in self.levels


PUBLIC_ONLY = Audience(levels=frozenset({AccessLevel.PUBLIC}))


def list_audience(mailing_list: MailingList) -> Audience:
    """Who one list's subscribers are, as content levels. Subscribers of the government list
    have government-tier addresses; a group list's subscribers are members of the group but
    not necessarily government; anyone may be on an "anyone" list."""
    match mailing_list.audience:
        case MailingList.Audience.GOVERNMENT:
            return Audience(levels=frozenset({AccessLevel.PUBLIC, AccessLevel.SIGNED_IN,
                                              AccessLevel.GOVERNMENT}))
        case MailingList.Audience.GROUP if mailing_list.group_id is not None:
            return Audience(levels=frozenset({AccessLevel.PUBLIC, AccessLevel.SIGNED_IN,
                                              AccessLevel.GROUP}),
                            group_ids=frozenset({mailing_list.group_id}))
        case _:
            return PUBLIC_ONLY


def audience_of(lists) -> Audience:
    """The intersection of the lists' audiences; public only when there are no lists yet."""
    audiences = [list_audience(mailing_list) for mailing_list in lists]
    if not audiences:
        return PUBLIC_ONLY
    levels = frozenset.intersection(*(a.levels for a in audiences))
    group_ids = frozenset.intersection(*(a.group_ids for a in audiences))
    return Audience(levels=levels, group_ids=group_ids)


@dataclass(frozen=True)
class BlockUse:
    name: str
    count: int
    line: str


def blocks_parse(body_markdown: str) -> list[BlockUse]:
    """Every block line in the Markdown. Raises ValidationError naming each unknown block or
    bad count, so nothing half-filled is ever sent."""
    uses, unknown, bad_counts = [], [], []
    for match in BLOCK_LINE.finditer(body_markdown):
        inner = BLOCK_INNER.match(match["inner"])
        if inner is None or inner["name"] not in BLOCKS:
            unknown.append(match["inner"].split(" ")[0] or "(empty)")
            continue
        count = int(inner["count"]) if inner["count"] else DEFAULT_COUNT
        if not 1 <= count <= MAX_COUNT:
            bad_counts.append(inner["name"])
            continue
        uses.append(BlockUse(name=inner["name"], count=count, line=match[0]))
    errors = []
    if ANY_BRACES.search(BLOCK_LINE.sub("", body_markdown)):
        errors.append("Put each block on a line of its own, e.g. {{ upcoming_events }}.")
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in dict.fromkeys(unknown))
        known = ", ".join(BLOCKS)
        errors.append(f"Unknown block {names}. The blocks are: {known}.")
    if bad_counts:
        errors.append(f"A block's count must be between 1 and {MAX_COUNT} "
                      f"({', '.join(dict.fromkeys(bad_counts))}).")
    if errors:
        raise ValidationError({"body_markdown": errors})
    return uses


@dataclass(frozen=True)
class BlockItem:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class BlockContext:
    issue: NewsletterIssue
    audience: Audience
    viewer: Viewer | None
    now: datetime
    since: datetime


def _when(value: datetime, zone: str) -> str:
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{date_format(local, 'l, F j, Y, g:i A')} ({local.tzname()})"


def _narrow(qs, ctx: BlockContext, *, prefix: str = "", group_field: str | None = "group_id"):
    qs = qs.filter(ctx.audience.q(prefix, group_field))
    if ctx.viewer is not None:  # a preview for one person shows no more than they may see
        qs = qs.filter(visible_q(ctx.viewer, prefix=prefix, group_field=group_field))
    return qs


def _upcoming_events(ctx: BlockContext, count: int) -> list[BlockItem]:
    # Training sessions are events too; they have their own block, so they are left out here.
    qs = _narrow(Event.objects.filter(community=ctx.issue.community_id,
                                      status=Event.Status.PUBLISHED, starts_at__gte=ctx.now,
                                      training_session__isnull=True), ctx)
    return [BlockItem(title=e.title, url=site_url(e.get_absolute_url()),
                      detail=_when(e.starts_at, e.time_zone))
            for e in qs.select_related("community").order_by("starts_at", "id")[:count]]


def _training_sessions(ctx: BlockContext, count: int) -> list[BlockItem]:
    qs = _narrow(Session.objects.filter(event__community=ctx.issue.community_id,
                                        event__status=Event.Status.PUBLISHED,
                                        event__starts_at__gte=ctx.now), ctx,
                 prefix="event__", group_field="group_id")
    qs = qs.select_related("event__community", "series").order_by("event__starts_at", "id")
    return [BlockItem(title=s.event.title, url=site_url(s.event.get_absolute_url()),
                      detail=f"{s.series.title}; {_when(s.event.starts_at, s.event.time_zone)}")
            for s in qs[:count]]


def _new_resources(ctx: BlockContext, count: int) -> list[BlockItem]:
    qs = _narrow(Resource.objects.filter(community=ctx.issue.community_id,
                                         withdrawn_at__isnull=True, created_at__gt=ctx.since,
                                         created_at__lte=ctx.now), ctx)
    qs = qs.select_related("community").order_by("-created_at", "-id")
    return [BlockItem(title=r.title, url=site_url(r.get_absolute_url()),
                      detail=r.get_kind_display()) for r in qs[:count]]


def _new_discussions(ctx: BlockContext, count: int) -> list[BlockItem]:
    # A thread's first post has no parent. The archive's level is the list's.
    qs = Post.objects.filter(mailing_list__community=ctx.issue.community_id,
                             mailing_list__is_active=True, status=Post.Status.PUBLISHED,
                             parent__isnull=True, published_at__gt=ctx.since,
                             published_at__lte=ctx.now)
    qs = qs.filter(ctx.audience.q("mailing_list__archive_", None)
                   | _group_archive_q(ctx.audience))
    if ctx.viewer is not None:
        qs = qs.filter(visible_q(ctx.viewer, prefix="mailing_list__archive_", group_field=None)
                       | _group_archive_q_viewer(ctx.viewer))
    qs = qs.select_related("mailing_list").order_by("-published_at", "-id")
    found = [(p.published_at, p.subject,
              site_url(reverse("lists:archive_post", args=[p.mailing_list.local_part, p.pk])),
              f"on {p.mailing_list.name}") for p in qs[:count]]
    # Threads outside lists (the forum's), each source filtered by the same audience.
    for source in newsletter_discussion_sources():
        found += source(community_id=ctx.issue.community_id, since=ctx.since, now=ctx.now,
                        allows=ctx.audience.allows, viewer=ctx.viewer)[:count]
    found.sort(key=lambda item: item[0], reverse=True)
    return [BlockItem(title=title, url=url, detail=detail)
            for _, title, url, detail in found[:count]]


def _group_archive_q(audience: Audience) -> Q:
    if AccessLevel.GROUP not in audience.levels or not audience.group_ids:
        return Q(pk__in=[])
    return Q(mailing_list__archive_access_level=AccessLevel.GROUP,
             mailing_list__group_id__in=sorted(audience.group_ids))


def _group_archive_q_viewer(viewer: Viewer) -> Q:
    if not viewer.group_ids:
        return Q(pk__in=[])
    return Q(mailing_list__archive_access_level=AccessLevel.GROUP,
             mailing_list__group_id__in=sorted(viewer.group_ids))


BLOCKS = {
    "upcoming_events": ("Upcoming events", _upcoming_events),
    "new_resources": ("New in the library", _new_resources),
    "new_discussions": ("New discussions", _new_discussions),
    "training_sessions": ("Upcoming training sessions", _training_sessions),
}
EMPTY_TEXT = {
    "upcoming_events": "No events are scheduled yet.",
    "new_resources": "Nothing new since the last issue.",
    "new_discussions": "No new discussions since the last issue.",
    "training_sessions": "No training sessions are scheduled yet.",
}


def previous_sent_at(issue: NewsletterIssue, *, before: datetime) -> datetime | None:
    qs = NewsletterIssue.objects.filter(community=issue.community_id,
                                        status=NewsletterIssue.Status.SENT,
                                        sent_at__lt=before)
    if issue.pk:
        qs = qs.exclude(pk=issue.pk)
    return qs.order_by("-sent_at").values_list("sent_at", flat=True).first()


def _markdown_text(value: str) -> str:
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(value.split()))


def blocks_fill(body_markdown: str, *, issue: NewsletterIssue, audience: Audience,
                viewer: Viewer | None = None, now: datetime | None = None) -> str:
    """The Markdown with each block line replaced by the block's items as Markdown (the
    text part renders the same Markdown as text: `core.markdown.markdown_to_text`). Raises
    ValidationError for unknown blocks."""
    uses = blocks_parse(body_markdown)
    now = now or timezone.now()
    since = previous_sent_at(issue, before=now) or now - FIRST_ISSUE_WINDOW
    ctx = BlockContext(issue=issue, audience=audience, viewer=viewer, now=now, since=since)
    as_markdown = {}
    for use in uses:
        if use.line in as_markdown:
            continue
        heading, fetch = BLOCKS[use.name]
        items = fetch(ctx, use.count)
        md = [f"### {heading}", ""]
        if not items:
            md.append(EMPTY_TEXT[use.name])
        for item in items:
            detail = f" — {_markdown_text(item.detail)}" if item.detail else ""
            md.append(f"- [{_markdown_text(item.title)}](<{item.url}>){detail}")
        as_markdown[use.line] = "\n".join(md) + "\n"
    return BLOCK_LINE.sub(lambda m: as_markdown.get(m[0], m[0]), body_markdown)
