"""Inbound mail: store what the mail server accepted, then route it (posts, commands, owner
mail, bounces) in a task.

`inbound_message_store` is the only thing the mail server does with a message: one committed
insert before it answers 250, so a crash after 250 loses nothing. `inbound_message_process`
runs in a task and never raises: whatever the bytes are, the row ends PROCESSED or FAILED
with a `result` in words, and the raw message is kept.
"""

import email
import email.policy
import logging
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import addresses
from .mailparse import storable
from .models import InboundMessage, MailingList

logger = logging.getLogger(__name__)

Status = InboundMessage.Status

# A message whose processing was started this many times without finishing (the worker died,
# the database kept failing) is given up on: FAILED, kept for review.
MAX_ATTEMPTS = 5
# A RECEIVED message older than this has probably lost its task (a crash between commit and
# enqueue); the sweep enqueues it again.
LOST_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500
# Errors worth another attempt: the database was briefly unreachable or locked.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def inbound_message_store(*, mail_from: str, rcpt_to: Iterable[str], raw: bytes,
                          peer: str = "") -> InboundMessage:
    """Insert one accepted message and commit it; processing is enqueued after the commit.

    The caller (the mail server) answers 250 only after this returns, so every message the
    sender was told we have is in the database. A queue that is down does not make this
    fail: `inbound_sweep` enqueues the row again.
    """
    with transaction.atomic():
        inbound = InboundMessage.objects.create(
            mail_from=(mail_from or "")[:300],
            rcpt_to=[str(r) for r in rcpt_to],
            peer=str(peer or "")[:100],
            size=len(raw),
            raw=bytes(raw),
        )
        transaction.on_commit(partial(_enqueue_process, inbound.pk), robust=True)
    return inbound


def inbound_message_process(*, inbound_id: int) -> str:
    """Route every envelope recipient of one stored message; return the row's status.

    Runs at most once to completion per message: the row is re-read under a lock and only a
    RECEIVED row is processed. A transient database error leaves the row RECEIVED for the
    sweep (up to MAX_ATTEMPTS); any other error marks it FAILED with the error kept. Never
    raises for anything in the message itself.
    """
    attempts = _inbound_claim(inbound_id=inbound_id)
    if attempts is None:
        return _inbound_status(inbound_id)
    try:
        with transaction.atomic():
            inbound = (InboundMessage.objects.select_for_update()
                       .filter(pk=inbound_id, status=Status.RECEIVED).first())
            if inbound is None:  # another task finished it meanwhile
                return _inbound_status(inbound_id)
            results = inbound_route(inbound=inbound)
            inbound.status = Status.PROCESSED
            inbound.processed_at = timezone.now()
            inbound.result = storable("\n".join(results)[:20000])
            inbound.save(update_fields=["status", "processed_at", "result"])
            return inbound.status
    except TRANSIENT_ERRORS as exc:
        logger.warning("Inbound %s: attempt %s hit %s; will retry", inbound_id, attempts, exc)
        status = Status.FAILED if attempts >= MAX_ATTEMPTS else Status.RECEIVED
        return _inbound_record_error(inbound_id, status, f"attempt {attempts}: {_describe(exc)}")
    except Exception as exc:  # a bug or an unexpected input: keep the message, say why
        logger.exception("Inbound %s could not be processed", inbound_id)
        tail = "".join(traceback.format_exception(exc)[-3:])
        return _inbound_record_error(inbound_id, Status.FAILED,
                                     f"error: {_describe(exc)}\n{tail}")


def inbound_sweep(*, now: datetime | None = None) -> int:
    """Enqueue RECEIVED messages whose task was lost, and give up (FAILED) on those tried
    MAX_ATTEMPTS times. Runs every minute from the scheduler. Returns how many it touched."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(InboundMessage.objects.filter(status=Status.RECEIVED,
                                                  received_at__lt=now - LOST_AFTER)
                    .order_by("received_at").values_list("pk", "attempts", "result")
                    [:SWEEP_BATCH])
        exhausted = [(pk, result) for pk, attempts, result in rows if attempts >= MAX_ATTEMPTS]
        for pk, result in exhausted:
            InboundMessage.objects.filter(pk=pk, status=Status.RECEIVED).update(
                status=Status.FAILED, processed_at=now,
                result=f"gave up after {MAX_ATTEMPTS} attempts\n{result}".strip())
        for pk, attempts, _ in rows:
            if attempts < MAX_ATTEMPTS:
                transaction.on_commit(partial(_enqueue_process, pk), robust=True)
    if rows:
        logger.info("Inbound sweep: %s enqueued again, %s given up",
                    len(rows) - len(exhausted), len(exhausted))
    return len(rows)


# --- routing ---------------------------------------------------------------------------


def inbound_route(*, inbound: InboundMessage) -> list[str]:
    """Parse the message and act for each envelope recipient. One line of result each."""
    message = message_parse(bytes(inbound.raw))
    results = []
    seen = set()
    for rcpt in inbound.rcpt_to or []:
        if not isinstance(rcpt, str) or rcpt.lower() in seen:
            continue
        seen.add(rcpt.lower())
        results.append(f"{rcpt}: {_route_one(inbound, message, rcpt)}")
    return results or ["no recipients"]


def _route_one(inbound: InboundMessage, message: EmailMessage, rcpt: str) -> str:
    from . import bounces, commands  # they import helpers from here

    parsed = addresses.address_parse(rcpt)
    if parsed is None:
        return "ignored: not a list address"
    mailing_list = MailingList.objects.filter(local_part=parsed.local_part).first()
    if parsed.role == "bounces":
        # Bounces are read even for a list deactivated since the copy was sent.
        return bounces.bounce_process(inbound=inbound, mailing_list=mailing_list,
                                      verp_email=parsed.verp_email, message=message)
    if mailing_list is None or not mailing_list.is_active:
        return "ignored: no such list (deleted or deactivated after the message arrived)"
    if parsed.role == addresses.POST:
        return _route_post(inbound, message, mailing_list)
    if parsed.role == "owner":
        return commands.owner_forward(mailing_list=mailing_list, message=message,
                                      mail_from=inbound.mail_from)
    return commands.commands_handle(mailing_list=mailing_list, message=message,
                                    mail_from=inbound.mail_from, role=parsed.role)


def _route_post(inbound: InboundMessage, message: EmailMessage,
                mailing_list: MailingList) -> str:
    from . import services

    if is_loop(message, mailing_list):
        return "dropped: mail loop"
    auto = header_text(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        # A vacation notice or other robot answering a list copy: never a post.
        return f"dropped: automated message (Auto-Submitted: {auto})"
    try:
        post = services.post_receive(mailing_list=mailing_list, message=message,
                                     inbound=inbound)
    except services.NotAllowed as exc:
        replied = reply_send(mailing_list=mailing_list, message=message,
                             mail_from=inbound.mail_from, template="lists/email/command_refused",
                             context={"reason": str(exc)})
        return f"refused: {exc} ({replied})"
    if post.status == post.Status.HELD:
        return f"held for moderation (post {post.pk}: {post.held_reason or 'policy'})"
    return f"{post.get_status_display().lower()} (post {post.pk})"


# --- helpers shared with commands and bounces -------------------------------------------


def message_parse(raw: bytes) -> EmailMessage:
    """The message as the email package reads it. Parsing bytes never raises for bad MIME
    (defects are recorded on the message); a failure here would be a bug in the email
    package, so an empty message stands in and processing goes on."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # noqa: BLE001 — see docstring
        logger.exception("email package could not parse an inbound message")
        return EmailMessage(policy=email.policy.default)


def header_text(message: EmailMessage, name: str) -> str:
    """A header as one line of text, "" if absent. Malformed headers (bad encoded words,
    unknown charsets, broken address lists) fall back to the raw value instead of raising."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:  # noqa: BLE001 — the header parser raises on some malformed input
        text = ""
        for key, raw_value in message.raw_items():
            if key.lower() == name.lower():
                text = str(raw_value)
                break
    return " ".join(text.split())[:2000]


def sender_address(message: EmailMessage, mail_from: str = "") -> tuple[str, str]:
    """(name, address) of the person to act for and reply to: the From header's address
    if it is a valid one, else the envelope sender. ("", "") if neither is usable."""
    candidates = []
    raw_from = header_text(message, "From")
    if raw_from:
        try:
            candidates += getaddresses([raw_from])
        except Exception:  # noqa: BLE001 — getaddresses can choke on pathological input
            pass
    candidates.append(("", (mail_from or "").strip("<> ")))
    for name, address in candidates:
        address = (address or "").strip()
        if len(address) > 254:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        return (name or "").strip()[:150], address
    return "", ""


def is_loop(message: EmailMessage, mailing_list: MailingList) -> bool:
    """The message went out through this list already: it carries our List-Id or X-Loop."""
    list_id = mailing_list.list_id.lower()
    for value in _all_headers(message, "List-Id"):
        if f"<{list_id}>" in value.lower() or value.strip().lower() == list_id:
            return True
    return any(mailing_list.address.lower() in value.lower()
               for value in _all_headers(message, "X-Loop"))


def is_automated(message: EmailMessage, mail_from: str) -> bool:
    """RFC 3834: never answer robots (which answer back). Auto-Submitted other than "no",
    Precedence bulk/list/junk, or a null or MAILER-DAEMON envelope sender."""
    auto = header_text(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if header_text(message, "Precedence").lower() in ("bulk", "list", "junk"):
        return True
    envelope = (mail_from or "").strip("<> ").lower()
    return not envelope or envelope.split("@")[0] in ("mailer-daemon", "postmaster")


def reply_send(*, mailing_list: MailingList, message: EmailMessage, mail_from: str,
               template: str, context: dict) -> str:
    """Send an automatic reply from <list>-request@ (rendered from `template`) to the
    sender, unless the sender is a robot or has no usable address. Returns what happened
    in words for the result."""
    from cophub.core.mail import mail_enqueue_template

    if is_automated(message, mail_from):
        return "no reply: automated sender"
    name, address = sender_address(message, mail_from)
    if not address:
        return "no reply: no usable sender address"
    headers = {"Auto-Submitted": "auto-replied", "X-Loop": mailing_list.companion("request")}
    original_id = header_text(message, "Message-ID")
    if original_id.startswith("<") and original_id.endswith(">") and len(original_id) < 300:
        headers["In-Reply-To"] = original_id
        headers["References"] = original_id
    subject = header_text(message, "Subject")[:200]
    mail_enqueue_template(
        to=address, template_prefix=template,
        context={**list_context(mailing_list), "sender_name": name, "sender_email": address,
                 "original_subject": subject, "help": help_text(mailing_list), **context},
        headers=headers, from_email=mailing_list.companion("request"),
    )
    return f"replied to {address}"


def list_context(mailing_list: MailingList) -> dict:
    """What the command templates need to name the list's addresses."""
    return {"mailing_list": mailing_list,
            **{f"{role}_address": mailing_list.companion(role)
               for role in ("request", "join", "leave", "owner")}}


def help_text(mailing_list: MailingList) -> str:
    return render_to_string("lists/email/command_help.txt", list_context(mailing_list))


def _all_headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(v) for v in (message.get_all(name) or [])]
    except Exception:  # noqa: BLE001 — malformed header: read the raw values
        return [str(v) for k, v in message.raw_items() if k.lower() == name.lower()]


# --- internals -------------------------------------------------------------------------


def _enqueue_process(inbound_id: int) -> None:
    from .tasks_inbound import inbound_message_process_task

    inbound_message_process_task.enqueue(inbound_id)


def _inbound_claim(*, inbound_id: int) -> int | None:
    """Count an attempt, committed before any work, so a message that kills its worker
    every time is given up on by the sweep. Returns the attempt number or None."""
    with transaction.atomic():
        row = (InboundMessage.objects.select_for_update()
               .filter(pk=inbound_id, status=Status.RECEIVED)
               .values_list("attempts", flat=True).first())
        if row is None:
            return None
        InboundMessage.objects.filter(pk=inbound_id).update(attempts=row + 1)
    return row + 1


def _inbound_record_error(inbound_id: int, status: str, error: str) -> str:
    try:
        updated = InboundMessage.objects.filter(pk=inbound_id, status=Status.RECEIVED).update(
            status=status, result=storable(error[:20000]),
            processed_at=timezone.now() if status == Status.FAILED else None)
    except DatabaseError:
        logger.exception("Inbound %s: could not record the error; the sweep will retry",
                         inbound_id)
        return Status.RECEIVED
    return status if updated else _inbound_status(inbound_id)


def _inbound_status(inbound_id: int) -> str:
    status = (InboundMessage.objects.filter(pk=inbound_id)
              .values_list("status", flat=True).first())
    return status or "missing"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
