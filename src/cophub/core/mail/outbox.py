"""The e-mail outbox: every message is an `OutgoingMail` row first, and a task sends it.

Other apps call `mail_enqueue` / `mail_enqueue_template` inside the transaction of the action
that causes the message; nothing calls `send_mail` directly. The row moves
QUEUED → INFLIGHT → SENT, or back to QUEUED with back-off on an error, or FAILED after
`MAX_ATTEMPTS`. A single message gets its own task, `outgoing_mail_send_task`, defined here
beside the service it wraps (`outgoing_mail_deliver`); a bulk send (`mail_enqueue_many`,
bulk.py) gets one `outbox_drain_task` (drain.py) that sends the rows in batches over reused
connections, with a crash journal (journal.py). Both build the bytes with message.py, and
sweep.py recovers what a lost task left behind. See docs/adr/0002-email-outbox.md for the
guarantees and their limits.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django_tasks import task

from cophub.core.mail.gates import gate_fields, mail_gates_apply
from cophub.core.mail.message import django_message
from cophub.core.mail.rules import (
    CLOCK_SLACK,
    MAX_ATTEMPTS,
    MAX_BACKOFF,
    headers_check,
    message_id_domain,
    message_id_new,
    one_line_check,
    skip_locked,
)
from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status


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
    gate: tuple[str, int] | None = None,
) -> OutgoingMail:
    """Store one message for `to` and send it once the caller's transaction commits.

    A message with access-gated content passes `gate=(name, object_id)`: the gate an app
    registered (mail/gates.py) is asked right before the send whether `to` may still see the
    object, and the message is withheld if not.

    Safe inside `transaction.atomic()`: if the caller rolls back, the row disappears and no
    task is enqueued. Raises `ValidationError` for a malformed address, `BadHeaderError` for
    a subject or header that spans lines, and `ValueError` for a Message-ID header (the outbox
    sets it) or a gate no app registered, so bad input fails here and not in the worker.
    """
    validate_email(to)
    gate_name, gate_object_id = gate_fields(gate)
    headers = dict(headers or {})
    one_line_check(subject, "subject")
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
        message_id=message_id_new(message_id_domain(from_email)),
        gate=gate_name,
        gate_object_id=gate_object_id,
    )
    # robust: a queue that is down must not turn the caller's committed action into an error;
    # the row is safe and `outbox_sweep` enqueues it again.
    transaction.on_commit(partial(outgoing_mail_send_enqueue, mail.pk), robust=True)
    return mail


def mail_enqueue_template(
    *,
    to: str,
    template_prefix: str,
    context: dict,
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    attachments: list[dict] | None = None,
    gate: tuple[str, int] | None = None,
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
        gate=gate,
    )


def outgoing_mail_deliver(*, mail_id: int) -> str:
    """Send one stored message if it is due, and return the row's status afterwards.

    Never sends twice however often it is called: the QUEUED → INFLIGHT claim happens under
    a row lock, and only the caller that made the claim sends (the one exception, a worker
    that dies mid-send, is explained in `outbox_sweep`). On an error the row goes back to
    QUEUED with exponential back-off (and a deferred task), or to FAILED after MAX_ATTEMPTS.
    A gated row whose gate refuses the recipient at this moment ends WITHHELD, unsent
    (mail/gates.py). Returns "missing" if the row no longer exists.
    """
    mail = _outgoing_mail_claim(mail_id=mail_id, now=timezone.now())
    if mail is None:
        return _outgoing_mail_status(mail_id=mail_id)
    gated = mail_gates_apply([mail])
    if gated.withheld:
        return Status.WITHHELD
    if gated.failed:
        return outgoing_mail_record_failure(mail=mail, error=gated.failed[0][1],
                                            now=timezone.now())
    if not gated.allowed:  # withheld by another hand meanwhile
        return _outgoing_mail_status(mail_id=mail_id)
    try:
        django_message(mail).send()
    except Exception as exc:  # any failure to hand over: SMTP down, refused, timed out, …
        return outgoing_mail_record_failure(mail=mail, error=exc, now=timezone.now())
    return _outgoing_mail_record_sent(mail=mail, now=timezone.now())


@task()
def outgoing_mail_send_task(mail_id: int) -> str:
    return outgoing_mail_deliver(mail_id=mail_id)


def outgoing_mail_send_enqueue(mail_id: int, *, run_after: datetime | None = None) -> None:
    """Enqueue `outgoing_mail_send_task(mail_id)`, deferred to `run_after` if given. Called
    from `transaction.on_commit`, once the row is committed."""
    send = outgoing_mail_send_task
    if run_after is not None:
        if not send.get_backend().supports_defer:
            # The immediate backend (tests, no worker) cannot wait; the sweep retries the row
            # once its next_attempt_at has passed.
            return
        send = send.using(run_after=run_after)
    send.enqueue(mail_id)


def outgoing_mail_record_failure(*, mail: OutgoingMail, error: Exception, now: datetime) -> str:
    """Back to QUEUED with exponential back-off and a deferred task, or FAILED after
    MAX_ATTEMPTS; nothing if the row is no longer ours (the sweep took it back). Returns the
    row's status. Used by the drain (drain.py) for its rows too."""
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
                partial(outgoing_mail_send_enqueue, mail.pk, run_after=next_attempt_at),
                robust=True,
            )
    if not updated:
        return _outgoing_mail_status(mail_id=mail.pk)
    log = logger.error if status == Status.FAILED else logger.warning
    log("Mail %s: attempt %s failed (%s); now %s", mail.pk, mail.attempts, message, status)
    return status


# --- internals -------------------------------------------------------------------------


def _outgoing_mail_claim(*, mail_id: int, now: datetime) -> OutgoingMail | None:
    """QUEUED and due → INFLIGHT, committed before any network I/O. None if not ours to send.

    On PostgreSQL a row another worker holds is skipped rather than waited for. On SQLite
    `select_for_update` is a no-op, but the IMMEDIATE transaction mode in the settings takes
    the database write lock at BEGIN, which serialises the check-and-set just the same.
    """
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=skip_locked())
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


def _outgoing_mail_status(*, mail_id: int) -> str:
    status = OutgoingMail.objects.filter(pk=mail_id).values_list("status", flat=True).first()
    return status or "missing"
