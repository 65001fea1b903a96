"""The e-mail outbox: every message is an `OutgoingMail` row first, and a task sends it.

Other apps call `mail_enqueue` / `mail_enqueue_template` inside the transaction of the action
that causes the message; nothing calls `send_mail` directly. The row moves
QUEUED → INFLIGHT → SENT, or back to QUEUED with back-off on an error, or FAILED after
`MAX_ATTEMPTS`. A single message gets its own task (`outgoing_mail_deliver`); a bulk send
(`mail_enqueue_many`, a list post) gets one `outbox_drain` (drain.py) that sends the rows in
batches over reused connections, with a crash journal (journal.py). Both build the bytes
with message.py. See docs/adr/0002-email-outbox.md for the guarantees and their limits.
"""

import logging
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import BadHeaderError, make_msgid
from django.core.validators import validate_email
from django.db import connections, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from cophub.core.mail.message import django_message
from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)
# A worker that has held a row INFLIGHT this long has died; the sweep hands the row back.
# Longer than any SMTP conversation (EMAIL_TIMEOUT is 30 s) by a wide margin.
INFLIGHT_TIMEOUT = timedelta(minutes=15)
# A QUEUED row this far past its time has probably lost its task (a crash between commit and
# enqueue, or the queue was down); the sweep enqueues it again.
LOST_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 1000
# A deferred task may start a moment before next_attempt_at (RQ schedules in whole seconds,
# and workers' clocks differ a little); such a task must still send, not give up the retry.
CLOCK_SLACK = timedelta(seconds=5)
# The outbox owns this header: it is what makes a resend recognisable as the same message.
RESERVED_HEADERS = {"message-id"}


def mail_enqueue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    template: str = "",
    from_email: str | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMail:
    """Store one message for `to` and send it once the caller's transaction commits.

    Safe inside `transaction.atomic()`: if the caller rolls back, the row disappears and no
    task is enqueued. Raises `ValidationError` for a malformed address, `BadHeaderError` for
    a subject or header that spans lines, and `ValueError` for a Message-ID header (the outbox
    sets it), so bad input fails here and not in the worker.
    """
    validate_email(to)
    headers = dict(headers or {})
    _check_one_line(subject, "subject")
    headers_check(headers)
    from_email = from_email or settings.DEFAULT_FROM_EMAIL

    now = timezone.now()
    mail = OutgoingMail.objects.create(
        created_at=now,
        next_attempt_at=now,
        to=to,
        from_email=from_email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        attachments=list(attachments or []),
        template=template,
        message_id=make_msgid(domain=_message_id_domain(from_email)),
    )
    # robust: a queue that is down must not turn the caller's committed action into an error;
    # the row is safe and `outbox_sweep` enqueues it again.
    transaction.on_commit(partial(_enqueue_send, mail.pk), robust=True)
    return mail


def mail_enqueue_template(
    *,
    to: str,
    template_prefix: str,
    context: dict,
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMail:
    """Render `<prefix>_subject.txt`, `<prefix>_message.txt` and, if it exists,
    `<prefix>_message.html` (allauth's naming), then `mail_enqueue` the result.

    Django escapes HTML in every template, `.txt` included: wrap the text templates in
    `{% autoescape off %}`, as allauth's do, or "O'Brien" arrives as "O&#x27;Brien"."""
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    subject = " ".join(subject.splitlines()).strip()
    body_text = render_to_string(f"{template_prefix}_message.txt", context)
    try:
        html_template = get_template(f"{template_prefix}_message.html")
    except TemplateDoesNotExist:
        body_html = ""
    else:
        body_html = html_template.render(context)
    return mail_enqueue(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        template=template_prefix,
        from_email=from_email,
        attachments=attachments,
    )


def outgoing_mail_deliver(*, mail_id: int) -> str:
    """Send one stored message if it is due, and return the row's status afterwards.

    Never sends twice however often it is called: the QUEUED → INFLIGHT claim happens under
    a row lock, and only the caller that made the claim sends (the one exception, a worker
    that dies mid-send, is explained in `outbox_sweep`). On an error the row goes back to
    QUEUED with exponential back-off (and a deferred task), or to FAILED after MAX_ATTEMPTS.
    Returns "missing" if the row no longer exists.
    """
    mail = _outgoing_mail_claim(mail_id=mail_id, now=timezone.now())
    if mail is None:
        return _outgoing_mail_status(mail_id=mail_id)
    try:
        django_message(mail).send()
    except Exception as exc:  # any failure to hand over: SMTP down, refused, timed out, …
        return _outgoing_mail_record_failure(mail=mail, error=exc, now=timezone.now())
    return _outgoing_mail_record_sent(mail=mail, now=timezone.now())


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Recover rows whose task was lost; runs every minute from the scheduler.

    - Journals of drain workers that died (journal.py): rows they had sent become SENT, the
      rest go back to QUEUED at once. This is exact, and needs no time-out.
    - INFLIGHT for longer than INFLIGHT_TIMEOUT (a single-row send, or a drain worker on
      another host whose journal this host cannot see): the worker died mid-send. Back to
      QUEUED (or FAILED after MAX_ATTEMPTS) and enqueued again. The message may have gone out
      just before the worker died, so this is where a message can be sent twice; it keeps
      its Message-ID, so receivers and the .eml backend see the same message.
    - QUEUED and due for longer than LOST_AFTER: enqueued again (one drain task for all the
      bulk rows, one task per other row). A duplicate task is harmless.

    Handles at most SWEEP_BATCH rows of each kind per run. Returns how many rows it touched.
    """
    from cophub.core.mail.journal import outbox_journal_recover

    now = now or timezone.now()
    recovered = outbox_journal_recover(now=now)
    if recovered.requeued:
        transaction.on_commit(_enqueue_drain, robust=True)
    return (recovered.total + _outbox_requeue_stuck(now=now)
            + _outbox_reenqueue_lost(now=now))


# --- internals -------------------------------------------------------------------------


def headers_check(headers: dict[str, str]) -> None:
    """Raise `BadHeaderError` for a header name or value that spans lines, and `ValueError`
    for a Message-ID (the outbox sets it)."""
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"The outbox sets the {name} header itself.")
        _check_one_line(name, "header name")
        _check_one_line(value, f"header {name}")


def _check_one_line(value: str, what: str) -> None:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"The {what} must be a single line.")


def _message_id_domain(from_email: str) -> str:
    """The sender's domain, so Message-IDs are ours; Django's default asks DNS for the FQDN."""
    address = parseaddr(from_email)[1]
    if "@" in address:
        return address.rpartition("@")[2]
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _enqueue_send(mail_id: int, *, run_after: datetime | None = None) -> None:
    from cophub.core.tasks import outgoing_mail_send_task  # tasks.py imports this module

    task = outgoing_mail_send_task
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The immediate backend (tests, no worker) cannot wait; the sweep retries the row
            # once its next_attempt_at has passed.
            return
        task = task.using(run_after=run_after)
    task.enqueue(mail_id)


def _enqueue_drain() -> None:
    from cophub.core.tasks import outbox_drain_task  # tasks.py imports this module

    outbox_drain_task.enqueue()


def _skip_locked() -> bool:
    return connections[OutgoingMail.objects.db].features.has_select_for_update_skip_locked


def _outgoing_mail_claim(*, mail_id: int, now: datetime) -> OutgoingMail | None:
    """QUEUED and due → INFLIGHT, committed before any network I/O. None if not ours to send.

    On PostgreSQL a row another worker holds is skipped rather than waited for. On SQLite
    `select_for_update` is a no-op, but the IMMEDIATE transaction mode in the settings takes
    the database write lock at BEGIN, which serialises the check-and-set just the same.
    """
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=_skip_locked())
            .filter(pk=mail_id, status=Status.QUEUED, next_attempt_at__lte=now + CLOCK_SLACK)
            .first()
        )
        if mail is None:
            return None
        mail.status = Status.INFLIGHT
        mail.inflight_since = now
        mail.attempts += 1
        mail.save(update_fields=["status", "inflight_since", "attempts"])
    return mail


def _outgoing_mail_still_ours(mail: OutgoingMail):
    """The row as we claimed it; empty if the sweep has since handed it to someone else."""
    return OutgoingMail.objects.filter(
        pk=mail.pk, status=Status.INFLIGHT, attempts=mail.attempts
    )


def _outgoing_mail_record_sent(*, mail: OutgoingMail, now: datetime) -> str:
    updated = _outgoing_mail_still_ours(mail).update(
        status=Status.SENT, sent_at=now, inflight_since=None, last_error=""
    )
    if not updated:
        logger.warning("Mail %s was sent after the sweep had already requeued it", mail.pk)
        return _outgoing_mail_status(mail_id=mail.pk)
    logger.info("Mail %s sent (%s)", mail.pk, mail.message_id)
    return Status.SENT


def _outgoing_mail_record_failure(*, mail: OutgoingMail, error: Exception, now: datetime) -> str:
    message = f"{type(error).__name__}: {error}"[:2000]
    if mail.attempts >= MAX_ATTEMPTS:
        status, next_attempt_at = Status.FAILED, mail.next_attempt_at
    else:
        status = Status.QUEUED
        next_attempt_at = now + min(timedelta(minutes=2**mail.attempts), MAX_BACKOFF)
    with transaction.atomic():
        updated = _outgoing_mail_still_ours(mail).update(
            status=status, next_attempt_at=next_attempt_at, inflight_since=None,
            last_error=message,
        )
        if updated and status == Status.QUEUED:
            transaction.on_commit(
                partial(_enqueue_send, mail.pk, run_after=next_attempt_at), robust=True
            )
    if not updated:
        return _outgoing_mail_status(mail_id=mail.pk)
    log = logger.error if status == Status.FAILED else logger.warning
    log("Mail %s: attempt %s failed (%s); now %s", mail.pk, mail.attempts, message, status)
    return status


def _outgoing_mail_status(*, mail_id: int) -> str:
    status = OutgoingMail.objects.filter(pk=mail_id).values_list("status", flat=True).first()
    return status or "missing"


def _outbox_requeue_stuck(*, now: datetime) -> int:
    with transaction.atomic():
        stuck = list(
            OutgoingMail.objects.select_for_update(skip_locked=_skip_locked())
            .filter(status=Status.INFLIGHT, inflight_since__lt=now - INFLIGHT_TIMEOUT)
            .order_by("inflight_since")
            .values_list("pk", "attempts")[:SWEEP_BATCH]
        )
        error = "The worker stopped while sending; the message may have been sent already."
        exhausted = [pk for pk, attempts in stuck if attempts >= MAX_ATTEMPTS]
        retry = [pk for pk, attempts in stuck if attempts < MAX_ATTEMPTS]
        OutgoingMail.objects.filter(pk__in=exhausted).update(
            status=Status.FAILED, inflight_since=None, last_error=error
        )
        OutgoingMail.objects.filter(pk__in=retry).update(
            status=Status.QUEUED, inflight_since=None, next_attempt_at=now, last_error=error
        )
        for pk in retry:
            transaction.on_commit(partial(_enqueue_send, pk), robust=True)
    if stuck:
        logger.warning("Outbox sweep: requeued %s and failed %s stuck mails",
                       len(retry), len(exhausted))
    return len(stuck)


def _outbox_reenqueue_lost(*, now: datetime) -> int:
    with transaction.atomic():
        lost = list(
            OutgoingMail.objects.select_for_update(skip_locked=_skip_locked())
            .filter(status=Status.QUEUED, next_attempt_at__lt=now - LOST_AFTER)
            .order_by("next_attempt_at")
            .values_list("pk", "content_id")[:SWEEP_BATCH]
        )
        # Moving next_attempt_at up to now means a row still waiting behind a long queue gets
        # at most one extra task per LOST_AFTER, not one per sweep.
        OutgoingMail.objects.filter(pk__in=[pk for pk, _ in lost]).update(next_attempt_at=now)
        for pk, content_id in lost:
            if content_id is None:
                transaction.on_commit(partial(_enqueue_send, pk), robust=True)
        # Bulk rows: one drain sends them all (a task per row would open a connection each).
        if any(content_id is not None for _, content_id in lost):
            transaction.on_commit(_enqueue_drain, robust=True)
    if lost:
        logger.info("Outbox sweep: enqueued %s overdue mails again", len(lost))
    return len(lost)
