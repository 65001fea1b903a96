"""Writes about newsletter issues: saving, rendering, test sends, scheduling and sending.

Sending freezes the rendered issue on the row (the web version is then exactly what was
mailed) and hands the fan-out to a task (`sending.newsletter_issue_fanout_task`).

Newsletters belong to the community: whoever may manage it (`core.access.can_manage`, its
organizers) writes, schedules and sends them."""

import logging
from datetime import datetime
from functools import partial

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cophub.communities.models import Community
from cophub.core.access import AccessLevel, Viewer, can_manage, viewer_for_user
from cophub.core.audit import audit_record
from cophub.core.mail import mail_enqueue
from cophub.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    markdown_to_text,
    render_markdown,
)

from ..models import MailingList, NewsletterIssue
from .blocks import audience_of, blocks_fill, blocks_parse
from .selectors import newsletter_issues_due
from .sending import (
    newsletter_from_address,
    newsletter_issue_email_bodies,
    newsletter_issue_fanout_task,
)

logger = logging.getLogger(__name__)

Status = NewsletterIssue.Status
EDITABLE = (Status.DRAFT, Status.SCHEDULED)
# The levels an issue's web version may have (the form offers these).
ISSUE_LEVELS = (AccessLevel.PUBLIC, AccessLevel.SIGNED_IN, AccessLevel.GOVERNMENT)
# Slugs that would collide with the organizer pages' URLs.
RESERVED_SLUGS = {"new"}
# No remote images in mail (they track opens); the sanitiser drops <img> from issues.
EMAIL_TAGS = ALLOWED_TAGS - {"img"}
EMAIL_ATTRIBUTES = {tag: attrs for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag != "img"}


def _check_organizer(*, actor, community: Community) -> Viewer:
    viewer = viewer_for_user(actor)
    if not can_manage(viewer, community):
        raise PermissionDenied("Only this community's organizers write newsletters.")
    return viewer


def _check_lists(*, community: Community, lists, access_level: str) -> list[MailingList]:
    lists = list(lists)
    if not lists:
        raise ValidationError({"lists": "Choose at least one list to send the issue to."})
    foreign = [m.address for m in lists if m.community_id != community.pk or not m.is_active]
    if foreign:
        raise ValidationError({"lists": f"{', '.join(foreign)} is not an active list of "
                                        f"{community.name}."})
    if access_level not in ISSUE_LEVELS:
        raise ValidationError({"access_level": "Choose who may read the web version."})
    if not audience_of(lists).allows(access_level):
        raise ValidationError({"access_level": (
            "Some recipients could not open the web version at this level: an issue sent to "
            "a list anyone can join must be public.")})
    return sorted(lists, key=lambda m: m.pk)


def _unique_slug(*, community: Community, title: str) -> str:
    base = slugify(title)[:100] or "issue"
    taken = set(NewsletterIssue.objects.filter(community=community, slug__startswith=base)
                .values_list("slug", flat=True)) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def newsletter_issue_save(*, community: Community, actor, data: dict,
                          issue: NewsletterIssue | None = None) -> NewsletterIssue:
    """Create (issue None) or edit a draft or scheduled issue. `data`: title, body_markdown,
    lists (the community's active lists), access_level. Raises PermissionDenied, or
    ValidationError keyed by field (unknown blocks name themselves); nothing is stored then."""
    _check_organizer(actor=actor, community=community)
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": "Give the issue a title; it is also the subject."})
    # Browsers send a textarea with CRLF line ends (HTML's form submission rules); a block
    # is a line of its own, so the issue is kept with LF, as it is read and rendered.
    body = (data.get("body_markdown") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not body.strip():
        raise ValidationError({"body_markdown": "Write the issue."})
    blocks_parse(body)
    lists = _check_lists(community=community, lists=data.get("lists") or [],
                         access_level=data.get("access_level") or "")
    with transaction.atomic():
        if issue is None:
            issue = NewsletterIssue(community=community, created_by=actor,
                                    slug=_unique_slug(community=community, title=title))
            verb = "lists.newsletter_issue.created"
        else:
            issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
            if issue.community_id != community.pk:
                raise PermissionDenied("This issue belongs to another community.")
            if issue.status not in EDITABLE:
                raise ValidationError("This issue is being sent or was sent; it can no longer "
                                      "be changed.")
            verb = "lists.newsletter_issue.edited"
        issue.title = title
        issue.body_markdown = body
        issue.access_level = data["access_level"]
        issue.updated_at = timezone.now()
        issue.save()
        issue.lists.set(lists)
        audit_record(actor=actor, verb=verb, obj=issue, scope=community.slug,
                     data={"lists": [m.local_part for m in lists]})
    return issue


def newsletter_issue_render(*, issue: NewsletterIssue, viewer: Viewer | None = None,
                            now: datetime | None = None) -> tuple[str, str]:
    """The issue's body as (html, text), blocks filled with what every recipient of its lists
    may see (and, given a viewer, no more than they may see). The HTML is sanitised and has
    no images. Raises ValidationError for unknown blocks."""
    audience = audience_of(issue.lists.all())
    as_markdown = blocks_fill(issue.body_markdown, issue=issue, audience=audience,
                              viewer=viewer, now=now)
    html = nh3.clean(str(render_markdown(as_markdown)), tags=EMAIL_TAGS,
                     attributes=EMAIL_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
    # The text part is the same Markdown as text (links "text (url)", lists kept).
    return html, markdown_to_text(as_markdown) + "\n"


def newsletter_issue_send_test(*, issue: NewsletterIssue, actor) -> None:
    """Mail the issue as it would go out now to the actor alone, subject "[Test] …". Changes
    nothing about the issue. Raises PermissionDenied or ValidationError (unknown blocks)."""
    _check_organizer(actor=actor, community=issue.community)
    if not issue.lists.exists():
        raise ValidationError("Choose at least one list first: the blocks depend on who "
                              "receives the issue.")
    html, text = newsletter_issue_render(issue=issue)
    body_text, body_html = newsletter_issue_email_bodies(issue=issue, html=html, text=text)
    with transaction.atomic():
        mail_enqueue(to=actor.email, subject=f"[Test] {issue.title}", body_text=body_text,
                     body_html=body_html, from_email=newsletter_from_address(issue),
                     template="lists/email/newsletter")
        audit_record(actor=actor, verb="lists.newsletter_issue.test_sent", obj=issue,
                     scope=issue.community.slug, data={"to": actor.email})


def newsletter_issue_schedule(*, issue: NewsletterIssue, actor,
                              when: datetime) -> NewsletterIssue:
    """Send the issue at `when` (timezone-aware, in the future). Raises ValidationError."""
    _check_organizer(actor=actor, community=issue.community)
    if when is None or timezone.is_naive(when):
        raise ValidationError({"when": "Give a date and time with a time zone."})
    if when <= timezone.now():
        raise ValidationError({"when": "Choose a time in the future."})
    with transaction.atomic():
        locked = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
        if locked.status not in EDITABLE:
            raise ValidationError("This issue is being sent or was sent already.")
        newsletter_issue_render(issue=locked)  # unknown blocks fail now, not at send time
        locked.status, locked.scheduled_for = Status.SCHEDULED, when
        locked.save(update_fields=["status", "scheduled_for"])
        audit_record(actor=actor, verb="lists.newsletter_issue.scheduled", obj=locked,
                     scope=issue.community.slug, data={"when": when.isoformat()})
    return locked


def newsletter_issue_unschedule(*, issue: NewsletterIssue, actor) -> NewsletterIssue:
    """Back to draft. Raises ValidationError if sending has already started."""
    _check_organizer(actor=actor, community=issue.community)
    with transaction.atomic():
        updated = NewsletterIssue.objects.filter(pk=issue.pk, status=Status.SCHEDULED).update(
            status=Status.DRAFT, scheduled_for=None)
        if not updated:
            raise ValidationError("This issue is not scheduled (it may be sending already).")
        audit_record(actor=actor, verb="lists.newsletter_issue.unscheduled", obj=issue,
                     scope=issue.community.slug)
    issue.refresh_from_db()
    return issue


def newsletter_issue_send(*, issue: NewsletterIssue, actor) -> NewsletterIssue:
    """Start sending now. Exactly once: the draft/scheduled → sending change is a
    conditional UPDATE. Raises ValidationError if it is already sending or sent."""
    _check_organizer(actor=actor, community=issue.community)
    with transaction.atomic():
        started = _newsletter_issue_start(issue_id=issue.pk, from_statuses=EDITABLE)
        if started is None:
            raise ValidationError("This issue is being sent or was sent already.")
        audit_record(actor=actor, verb="lists.newsletter_issue.sent", obj=started,
                     scope=started.community.slug,
                     data={"lists": [m.local_part for m in started.lists.all()]})
    return started


def newsletter_issue_start_scheduled(*, issue_id: int,
                                     now: datetime | None = None) -> NewsletterIssue | None:
    """Start a scheduled issue whose time has come; None if another tick already did (or it
    was unscheduled). Two racing ticks: one UPDATE matches, the other gets None."""
    now = now or timezone.now()
    with transaction.atomic():
        started = _newsletter_issue_start(issue_id=issue_id, from_statuses=(Status.SCHEDULED,),
                                          due_by=now)
        if started is not None:
            audit_record(actor=None, verb="lists.newsletter_issue.sent", obj=started,
                         scope=started.community.slug, data={"scheduled": True})
    return started


def newsletter_issues_start_due(*, now: datetime | None = None) -> int:
    """Start every scheduled issue whose time has come; each exactly once however many
    workers tick (the start is a conditional UPDATE). Returns how many this run started."""
    now = now or timezone.now()
    started = 0
    for issue_id in newsletter_issues_due(now=now):
        try:
            if newsletter_issue_start_scheduled(issue_id=issue_id, now=now) is not None:
                started += 1
        except Exception:
            # One broken issue (its lists were deleted, say) must not hold up the others.
            logger.exception("Newsletter issue %s could not be started", issue_id)
    return started


def _newsletter_issue_start(*, issue_id: int, from_statuses,
                            due_by: datetime | None = None) -> NewsletterIssue | None:
    """In the caller's transaction: claim the issue for sending, freeze what it looks like,
    and enqueue the fan-out on commit."""
    claim = NewsletterIssue.objects.filter(pk=issue_id, status__in=from_statuses)
    if due_by is not None:
        claim = claim.filter(scheduled_for__lte=due_by)
    if not claim.update(status=Status.SENDING, updated_at=timezone.now()):
        return None
    issue = NewsletterIssue.objects.select_related("community").get(pk=issue_id)
    if not issue.lists.exists():
        raise ValidationError("Choose at least one list to send the issue to.")
    issue.rendered_html, issue.rendered_text = newsletter_issue_render(issue=issue)
    issue.fanout_cursor, issue.fanout_done_at, issue.recipients_count = 0, None, 0
    issue.save(update_fields=["rendered_html", "rendered_text", "fanout_cursor",
                              "fanout_done_at", "recipients_count"])
    transaction.on_commit(partial(newsletter_issue_fanout_task.enqueue, issue.pk),
                          robust=True)
    return issue
