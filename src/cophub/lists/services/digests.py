"""Daily and weekly digests of discussion lists, in two formats: plain text (RFC 1153) and
MIME (a multipart/digest of message/rfc822 parts, RFC 2046 §5.1.5), built with the stdlib
`email` package.

A digest covers the posts published in (last digest's end, period boundary]. Boundaries are
local midnights (daily) and Monday midnights (weekly), so every worker computes the same
`ends_at` and the unique (list, period, ends_at) constraint makes each digest happen once.
A digest with no posts is recorded (the period is done) and sends nothing. The hourly job
(`lists.digests_build`, tasks.py) builds them; `digest_fanout_task` sends each."""

from datetime import datetime, timedelta
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from cophub.core.mail import mail_enqueue_many

from ..addresses import list_domain
from ..models import Digest, MailingList, Post, Subscription
from .delivery import (
    RecipientHeaders,
    content_find_or_create,
    list_footer,
    list_headers,
    post_text,
    subject_with_prefix,
)

PERIODS = {Digest.Period.DAILY: timedelta(days=1), Digest.Period.WEEKLY: timedelta(days=7)}
CHUNK = 1000
_SEPARATOR_TOC = "-" * 70
_SEPARATOR = "-" * 30


def period_end(*, period: str, now: datetime) -> datetime:
    """The latest boundary at or before `now`: local midnight, or Monday's for weekly."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Digest.Period.WEEKLY:
        midnight -= timedelta(days=midnight.weekday())
    return midnight


def digests_build(*, now: datetime | None = None) -> list[Digest]:
    """Build every due digest and enqueue its fan-out after commit. Returns those built."""
    now = now or timezone.now()
    built = []
    for ml in MailingList.objects.filter(is_active=True, digests_enabled=True,
                                         kind=MailingList.Kind.DISCUSSION):
        for period in PERIODS:
            digest = digest_build(mailing_list=ml, period=period, now=now)
            if digest is not None:
                built.append(digest)
                if digest.posts_count:
                    transaction.on_commit(partial(digest_fanout_task.enqueue, digest.pk),
                                          robust=True)
    return built


def digest_build(*, mailing_list: MailingList, period: str, now: datetime) -> Digest | None:
    """The digest of `period` ending at the latest boundary, if not built yet."""
    field = f"last_{period}_digest_at"
    ends_at = period_end(period=period, now=now)
    try:
        with transaction.atomic():
            ml = MailingList.objects.select_for_update().get(pk=mailing_list.pk)
            last = getattr(ml, field)
            if last is not None and last >= ends_at:
                return None
            starts_at = last or ends_at - PERIODS[period]
            count = _digest_posts(ml, starts_at, ends_at).count()
            digest = Digest.objects.create(
                mailing_list=ml, period=period, starts_at=starts_at, ends_at=ends_at,
                posts_count=count, fanout_done_at=None if count else timezone.now())
            setattr(ml, field, ends_at)
            ml.save(update_fields=[field])
            return digest
    except IntegrityError:  # another worker built it
        return None


def _digest_posts(ml: MailingList, starts_at, ends_at):
    return Post.objects.filter(mailing_list=ml, status=Post.Status.PUBLISHED,
                               published_at__gt=starts_at, published_at__lte=ends_at
                               ).order_by("published_at", "id")


def _digest_subject(digest: Digest) -> str:
    ml = digest.mailing_list
    day = timezone.localtime(digest.ends_at) - timedelta(seconds=1)
    label = "Daily" if digest.period == Digest.Period.DAILY else "Weekly"
    return subject_with_prefix(mailing_list=ml, subject=(
        f"{ml.name} {label} Digest, {day:%b} {day.day}, {day.year} "
        f"({digest.posts_count} message{'s' if digest.posts_count != 1 else ''})"))


def _toc(posts: list[Post]) -> str:
    lines = ["Today's Topics:", ""]
    for number, post in enumerate(posts, 1):
        who = post.sender_name or post.sender_email
        lines.append(f"   {number}. {post.subject} ({who})")
    return "\n".join(lines)


def _escape_separators(text: str) -> str:
    # RFC 1153: a body line that looks like a separator would split the digest; indent it.
    return "\n".join(" " + line if line.startswith(_SEPARATOR) else line
                     for line in text.splitlines())


def digest_plain(*, digest: Digest, posts: list[Post]) -> str:
    """The RFC 1153 text: a table of contents, then each message with its headers."""
    ml = digest.mailing_list
    footer, _ = list_footer(ml)
    parts = [_digest_subject(digest), "", _toc(posts), "", _SEPARATOR_TOC, ""]
    for number, post in enumerate(posts, 1):
        parts += [f"Message: {number}",
                  f"Date: {format_datetime(post.published_at)}",
                  f"From: {formataddr((post.sender_name, post.sender_email))}",
                  f"Subject: {post.subject}",
                  f"Message-ID: <{post.message_id}>", "",
                  _escape_separators(post_text(post).rstrip()), "", _SEPARATOR, ""]
    end = f"End of {ml.name} Digest"
    parts += [end, "*" * len(end), footer.strip()]
    return "\n".join(parts) + "\n"


def digest_mime(*, digest: Digest, posts: list[Post]) -> str:
    """A complete multipart/mixed entity: the table of contents as text/plain, then a
    multipart/digest holding each post as a message/rfc822 part."""
    ml = digest.mailing_list
    footer, _ = list_footer(ml)
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText(f"{_digest_subject(digest)}\n\n{_toc(posts)}\n{footer}",
                          "plain", "utf-8"))
    bundle = MIMEMultipart("digest")
    for post in posts:
        inner = MIMEText(post_text(post), "plain", "utf-8")
        inner["Date"] = format_datetime(post.published_at)
        inner["From"] = formataddr((post.sender_name, post.sender_email))
        inner["Subject"] = post.subject
        inner["Message-ID"] = f"<{post.message_id}>"
        if post.in_reply_to:
            inner["In-Reply-To"] = f"<{post.in_reply_to}>"
        bundle.attach(MIMEMessage(inner))
    outer.attach(bundle)
    return outer.as_string()


def _digest_spec(digest: Digest, fmt: str, posts: list[Post]) -> dict:
    ml = digest.mailing_list
    headers = list_headers(mailing_list=ml)
    headers["Reply-To"] = ml.address
    spec = {"from_email": formataddr((ml.name, ml.companion("request"))),
            "subject": _digest_subject(digest), "headers": headers,
            # Deterministic, so a resumed fan-out finds the content it made before.
            "message_id": f"<digest-{digest.pk}-{fmt}@{list_domain()}>"}
    if fmt == Subscription.DigestFormat.PLAIN:
        return {**spec, "body_text": digest_plain(digest=digest, posts=posts)}
    return {**spec, "body_text": "", "raw_mime": digest_mime(digest=digest, posts=posts)}


def digest_fanout(*, digest_id: int, chunk: int = CHUNK, max_chunks: int | None = None) -> int:
    """Queue the digest for each active subscription of its period, in the subscriber's
    format; exactly once per subscription across crashes and reruns (as `post_fanout`).
    Returns the number of copies queued by this call."""
    specs: dict[str, dict] = {}
    posts = None
    queued = chunks = 0
    while max_chunks is None or chunks < max_chunks:
        with transaction.atomic():
            digest = (Digest.objects.select_for_update(of=("self",))
                      .select_related("mailing_list").get(pk=digest_id))
            if digest.fanout_done_at is not None:
                return queued
            rows = list(Subscription.objects.filter(
                mailing_list_id=digest.mailing_list_id, state=Subscription.State.ACTIVE,
                delivery=digest.period, id__gt=digest.fanout_cursor,
            ).order_by("id").values_list("id", "subscriber__email", "digest_format")[:chunk])
            if not rows:
                digest.fanout_done_at = timezone.now()
                digest.save(update_fields=["fanout_done_at"])
                return queued
            if posts is None:
                posts = list(_digest_posts(digest.mailing_list, digest.starts_at,
                                           digest.ends_at))
            per_recipient = RecipientHeaders(digest.mailing_list)
            for fmt in Subscription.DigestFormat.values:
                batch = [per_recipient.row(sid, email) for sid, email, f in rows if f == fmt]
                if not batch:
                    continue
                if fmt not in specs:
                    specs[fmt] = _digest_spec(digest, fmt, posts)
                content = content_find_or_create(spec=specs[fmt])
                queued += mail_enqueue_many(content=content, recipients=batch)
            digest.fanout_cursor = rows[-1][0]
            digest.save(update_fields=["fanout_cursor"])
        chunks += 1
    return queued


@task()
def digest_fanout_task(digest_id: int) -> int:
    """Queue a built digest for its subscribers (resumes after a crash)."""
    return digest_fanout(digest_id=digest_id)
