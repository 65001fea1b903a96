"""`outbox_sweep`: recover the rows whose task was lost. The outbox's periodic job (registered
in core/tasks.py), above both sending paths: it hands rows back to `outgoing_mail_send_task`
(outbox.py) and `outbox_drain_task` (drain.py)."""

import logging
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from cophub.core.mail.drain import outbox_drain_enqueue
from cophub.core.mail.journal import outbox_journal_recover
from cophub.core.mail.outbox import outgoing_mail_send_enqueue
from cophub.core.mail.rules import (
    INFLIGHT_TIMEOUT,
    LOST_AFTER,
    MAX_ATTEMPTS,
    SWEEP_BATCH,
    skip_locked,
)
from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status


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
    now = now or timezone.now()
    recovered = outbox_journal_recover(now=now)
    if recovered.requeued:
        transaction.on_commit(outbox_drain_enqueue, robust=True)
    return (recovered.total + _outbox_requeue_stuck(now=now)
            + _outbox_reenqueue_lost(now=now))


def _outbox_requeue_stuck(*, now: datetime) -> int:
    with transaction.atomic():
        stuck = list(
            OutgoingMail.objects.select_for_update(skip_locked=skip_locked())
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
            transaction.on_commit(partial(outgoing_mail_send_enqueue, pk), robust=True)
    if stuck:
        logger.warning("Outbox sweep: requeued %s and failed %s stuck mails",
                       len(retry), len(exhausted))
    return len(stuck)


def _outbox_reenqueue_lost(*, now: datetime) -> int:
    with transaction.atomic():
        lost = list(
            OutgoingMail.objects.select_for_update(skip_locked=skip_locked())
            .filter(status=Status.QUEUED, next_attempt_at__lt=now - LOST_AFTER)
            .order_by("next_attempt_at")
            .values_list("pk", "content_id")[:SWEEP_BATCH]
        )
        # Moving next_attempt_at up to now means a row still waiting behind a long queue gets
        # at most one extra task per LOST_AFTER, not one per sweep.
        OutgoingMail.objects.filter(pk__in=[pk for pk, _ in lost]).update(next_attempt_at=now)
        for pk, content_id in lost:
            if content_id is None:
                transaction.on_commit(partial(outgoing_mail_send_enqueue, pk), robust=True)
        # Bulk rows: one drain sends them all (a task per row would open a connection each).
        if any(content_id is not None for _, content_id in lost):
            transaction.on_commit(outbox_drain_enqueue, robust=True)
    if lost:
        logger.info("Outbox sweep: enqueued %s overdue mails again", len(lost))
    return len(lost)
