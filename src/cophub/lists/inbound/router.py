"""Inbound mail: store what the mail server accepted, then route it (posts, commands, owner
mail, bounces) in a task (`inbound_message_process_task`).

`inbound_message_store` is the only thing the mail server does with a message: one committed
insert before it answers 250, so a crash after 250 loses nothing. `inbound_message_process`
runs in a task and never raises: whatever the bytes are, the row ends PROCESSED or FAILED
with a `result` in words, and the raw message is kept.
"""

import logging
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django_tasks import task

from .. import addresses
from ..mailparse import (
    all_headers,
    is_loop,
    loop_addresses,
    message_parse,
    robot_reason,
    storable,
)
from ..models import InboundMessage, MailingList
from ..services import NotAllowed, post_receive
from ..services.handlers import AddressRefused, address_handled
from .authentication import sender_authenticate
from .bounces import bounce_process
from .commands import commands_handle, owner_forward
from .replies import reply_send

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
    handled = _route_handled(inbound, message, rcpt)
    if handled is not None:
        return handled
    parsed = addresses.address_parse(rcpt)
    if parsed is None:
        return "ignored: not a list address"
    if parsed.is_notice_bounce:
        # A notice's bounce (bounces+<token>-<recipient>@): about an address, not a list.
        return bounce_process(inbound=inbound, mailing_list=None, address=parsed,
                              message=message)
    mailing_list = MailingList.objects.filter(local_part=parsed.local_part).first()
    if parsed.role == "bounces":
        # Bounces are read even for a list deactivated since the copy was sent; only a
        # signed VERP address scores (the parsed address says whether it verified).
        return bounce_process(inbound=inbound, mailing_list=mailing_list, address=parsed,
                              message=message)
    if mailing_list is None or not mailing_list.is_active:
        return "ignored: no such list (deleted or deactivated after the message arrived)"
    if is_loop(message, mailing_list):
        # Whatever the address: a copy or an answer of ours come back must start nothing.
        return "dropped: mail loop"
    if parsed.role == addresses.POST:
        return _route_post(inbound, message, mailing_list)
    if parsed.role == "owner":
        return owner_forward(mailing_list=mailing_list, message=message,
                             mail_from=inbound.mail_from)
    return commands_handle(mailing_list=mailing_list, message=message,
                           mail_from=inbound.mail_from, role=parsed.role)


def _route_handled(inbound: InboundMessage, message: EmailMessage, rcpt: str) -> str | None:
    """`<name>+<extension>@` of an app that registered `<name>` (services.handlers), else
    None. Robots and our own mail coming back are dropped here, for every such address."""
    found = address_handled(rcpt)
    if found is None:
        return None
    handler, extension = found
    name = rcpt.strip().strip("<>").partition("+")[0]
    ours = f"{name}@{addresses.list_domain()}".lower()
    if any(ours in loop_addresses(v) for v in all_headers(message, "X-Loop")):
        return "dropped: mail loop"
    robot = robot_reason(message)
    if robot:
        return f"dropped: automated message ({robot}); no reply: automated sender"
    authentication = sender_authenticate(bytes(inbound.raw), message, peer=inbound.peer,
                                         mail_from=inbound.mail_from)
    try:
        return handler(inbound=inbound, message=message, extension=extension,
                       authentication=authentication)
    except AddressRefused as exc:
        replied = reply_send(mailing_list=None, message=message, mail_from=inbound.mail_from,
                             template="lists/email/address_refused",
                             context={"reason": str(exc), "address": rcpt.lower()},
                             from_email=ours)
        return f"refused: {exc} ({replied})"


def _route_post(inbound: InboundMessage, message: EmailMessage,
                mailing_list: MailingList) -> str:
    robot = robot_reason(message)
    if robot:
        # A vacation notice, a newsletter or another robot answering a list copy: never a
        # post. (Precedence: list is not enough: a person may forward another list's mail.)
        return f"dropped: automated message ({robot}), not posted; no reply: automated sender"
    # Checked on the bytes as received: DKIM signs them, not our parse of them.
    authentication = sender_authenticate(bytes(inbound.raw), message, peer=inbound.peer,
                                         mail_from=inbound.mail_from)
    try:
        post = post_receive(mailing_list=mailing_list, message=message, inbound=inbound,
                            authentication=authentication)
    except NotAllowed as exc:
        replied = reply_send(mailing_list=mailing_list, message=message,
                             mail_from=inbound.mail_from, template="lists/email/command_refused",
                             context={"reason": str(exc)})
        return f"refused: {exc} ({replied})"
    if post.status == post.Status.HELD:
        return f"held for moderation (post {post.pk}: {post.held_reason or 'policy'})"
    return f"{post.get_status_display().lower()} (post {post.pk})"


# --- internals -------------------------------------------------------------------------


def _enqueue_process(inbound_id: int) -> None:
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


@task()
def inbound_message_process_task(inbound_id: int) -> str:
    return inbound_message_process(inbound_id=inbound_id)
