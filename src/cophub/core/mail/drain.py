"""`outbox_drain`: send every due outbox row in batches over long-lived connections.

One drain is one worker identity (`Journal.worker_id`, uuid + pid) with its crash journal.
It loops: claim a batch of due QUEUED rows → INFLIGHT (claimed_by = the worker id) in one
short transaction, build each message (the shared body once per content), hand them to
COPHUB_MAIL_CONNECTIONS sender threads, and record the outcomes in bulk. Several drains
may run at once, in one process or many: the claim takes rows with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, and on SQLite inside an IMMEDIATE
transaction, which holds the write lock from BEGIN; either way no row is claimed twice.
After `max_seconds` it enqueues itself again and returns, so other tasks get their turn.
Its task, `outbox_drain_task`, sits here beside it.
"""

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, TextField, Value, When
from django.utils import timezone
from django_tasks import task

from cophub.core.mail.gates import mail_gates_apply
from cophub.core.mail.journal import Journal, outbox_journal_recover
from cophub.core.mail.message import mail_build
from cophub.core.mail.outbox import outgoing_mail_record_failure
from cophub.core.mail.rules import CLOCK_SLACK, skip_locked
from cophub.core.mail.smtp import BackendSender, Outcome, SmtpSender, TokenBucket, uses_smtp
from cophub.core.models import MailContent, OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status
BATCH_SIZE = 200
# Outcomes are written to the database at least this often (and at every batch's end).
FLUSH_SECONDS = 0.5


@dataclass
class DrainReport:
    worker_id: str
    sent: int = 0
    failed: int = 0  # back to QUEUED with back-off, or FAILED after MAX_ATTEMPTS
    refused: int = 0  # 5xx to RCPT: FAILED at once
    withheld: int = 0  # its gate said the recipient may no longer see it: never sent
    connects: int = 0
    more: bool = False  # stopped at max_seconds with rows left; enqueued itself again
    recovered: dict = field(default_factory=dict)


def outbox_drain(*, max_seconds: float = 30, batch_size: int = BATCH_SIZE,
                 clock=time.monotonic, sleep=time.sleep) -> DrainReport:
    """Send due outbox rows until none is left or `max_seconds` have passed.

    Guarantees: a row is claimed by one drain at a time; each claimed row ends SENT, FAILED
    (5xx to RCPT, or MAX_ATTEMPTS reached), WITHHELD (its gate refused the recipient right
    before the send; gates.py) or QUEUED with back-off, exactly as `outgoing_mail_deliver`
    would leave it; a worker killed mid-drain is settled from its
    journal by the next drain or sweep (journal.py says what that can and cannot promise).
    `clock`/`sleep` drive the COPHUB_MAIL_RATE throttle (tests pass a fake clock).
    """
    journal = Journal()
    report = DrainReport(worker_id=journal.worker_id)
    report.recovered = vars(outbox_journal_recover(skip=journal.worker_id))
    rate = float(getattr(settings, "COPHUB_MAIL_RATE", 0) or 0)
    bucket = TokenBucket(rate, clock=clock, sleep=sleep) if rate > 0 else None
    threads = max(1, int(getattr(settings, "COPHUB_MAIL_CONNECTIONS", 4)))
    clean = False
    try:
        if uses_smtp():
            senders = [SmtpSender(journal=journal, bucket=bucket) for _ in range(threads)]
        else:  # locmem, .eml files: no network to overlap, one sender in this thread
            senders = [BackendSender(journal=journal, bucket=bucket)]
        try:
            _drain_loop(journal, senders, report, max_seconds=max_seconds,
                        batch_size=batch_size)
        finally:
            for sender in senders:
                sender.close()
            report.connects = sum(sender.connects for sender in senders)
        clean = True
    finally:
        # Remove the journal only when every row it covers is settled in the database.
        journal.close(remove=clean)
    if report.more:
        transaction.on_commit(outbox_drain_enqueue, robust=True)
    logger.info("Outbox drain %s: %s sent, %s failed, %s refused, %s withheld, "
                "%s connection(s)%s", report.worker_id, report.sent, report.failed,
                report.refused, report.withheld, report.connects,
                "; continues" if report.more else "")
    return report


@task()
def outbox_drain_task() -> int:
    """Send due rows in batches for up to 30 s; enqueues itself again if rows remain."""
    return outbox_drain().sent


def outbox_drain_enqueue() -> None:
    """Enqueue one `outbox_drain_task`. Called from `transaction.on_commit`."""
    outbox_drain_task.enqueue()


def outbox_resume() -> bool:
    """Settle the journals of dead drain workers and, if due rows are waiting, enqueue a
    drain. Run when a worker starts: a worker killed mid-drain leaves its task dead with
    it, and its successor should carry on at once rather than at the next sweep."""
    outbox_journal_recover()
    due = OutgoingMail.objects.filter(
        status=Status.QUEUED, next_attempt_at__lte=timezone.now() + CLOCK_SLACK).exists()
    if due:
        transaction.on_commit(outbox_drain_enqueue, robust=True)
    return due


def _drain_loop(journal: Journal, senders, report: DrainReport, *, max_seconds: float,
                batch_size: int) -> None:
    deadline = time.monotonic() + max_seconds
    pool = _SenderPool(senders) if len(senders) > 1 else None
    loaded: dict[int, MailContent] = {}
    all_mails: dict[int, OutgoingMail] = {}  # claimed and not yet recorded (pool only)
    try:
        while True:
            if time.monotonic() >= deadline:
                report.more = OutgoingMail.objects.filter(
                    status=Status.QUEUED,
                    next_attempt_at__lte=timezone.now() + CLOCK_SLACK).exists()
                break
            rows = _outbox_claim(worker_id=journal.worker_id, limit=batch_size)
            if not rows:
                break
            rows = _gated(rows, report)
            if not rows:
                continue
            contents = _contents(rows, loaded)
            mails = {mail.pk: mail for mail in rows}
            built = []
            for mail in rows:
                try:
                    built.append(mail_build(mail, content=contents.get(mail.content_id)))
                except Exception as exc:  # a broken row must not stop the others
                    _record(mails, [Outcome(mail.pk, "failed", exc)], report)
            if pool is None:
                pending, last_flush = [], time.monotonic()
                for message in built:
                    pending.append(senders[0].send(message))
                    if time.monotonic() - last_flush >= FLUSH_SECONDS:
                        _record(mails, pending, report)
                        pending, last_flush = [], time.monotonic()
                _record(mails, pending, report)
            else:
                # Keep the connections busy: the next batch is claimed and built while
                # this one is being sent; at most one batch waits in the queue.
                all_mails.update(mails)
                pool.submit(built)
                pool.collect(partial(_record_and_forget, all_mails, report=report),
                             until=batch_size)
        if pool is not None:
            pool.collect(partial(_record_and_forget, all_mails, report=report), until=0)
    finally:
        if pool is not None:
            pool.stop()


class _SenderPool:
    """One thread per connection, fed from a shared queue; the database is only touched by
    the drain's own thread, which flushes outcomes every FLUSH_SECONDS."""

    def __init__(self, senders):
        self.jobs: queue.Queue = queue.Queue()
        self.outcomes: queue.Queue = queue.Queue()
        self.left = 0  # submitted, outcome not yet collected
        self.threads = [threading.Thread(target=self._work, args=(s,), daemon=True,
                                         name=f"cophub-mail-{i}")
                        for i, s in enumerate(senders)]
        for thread in self.threads:
            thread.start()

    def _work(self, sender) -> None:
        while (built := self.jobs.get()) is not None:
            try:
                outcome = sender.send(built)
            except Exception as exc:  # a bug in a sender must still settle the row
                outcome = Outcome(built.mail_id, "failed", exc)
            self.outcomes.put(outcome)

    def submit(self, built: list) -> None:
        self.left += len(built)
        for message in built:
            self.jobs.put(message)

    def collect(self, record, *, until: int) -> None:
        """Record outcomes (in bulk, every FLUSH_SECONDS) until at most `until` messages
        are still queued or being sent."""
        pending, last_flush = [], time.monotonic()
        while self.left > until:
            try:
                pending.append(self.outcomes.get(timeout=FLUSH_SECONDS))
                self.left -= 1
            except queue.Empty:
                pass
            if pending and time.monotonic() - last_flush >= FLUSH_SECONDS:
                record(pending)
                pending, last_flush = [], time.monotonic()
        if pending:
            record(pending)

    def stop(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()


def _outbox_claim(*, worker_id: str, limit: int) -> list[OutgoingMail]:
    """Due QUEUED rows → INFLIGHT for `worker_id`, committed before any network I/O."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutgoingMail.objects.select_for_update(skip_locked=skip_locked())
            .filter(status=Status.QUEUED, next_attempt_at__lte=now + CLOCK_SLACK)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        OutgoingMail.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            status=Status.INFLIGHT, claimed_by=worker_id, inflight_since=now,
            attempts=F("attempts") + 1,
        )
        return list(OutgoingMail.objects.filter(pk__in=ids, claimed_by=worker_id,
                                                status=Status.INFLIGHT).order_by("pk"))


def _gated(rows: list[OutgoingMail], report: DrainReport) -> list[OutgoingMail]:
    """The claimed rows that may be sent now: each gate is asked once for the batch, and
    a batch without gated rows (most list mail) costs no query (gates.py)."""
    gated = mail_gates_apply(rows)
    report.withheld += len(gated.withheld)
    now = timezone.now()
    for mail, error in gated.failed:
        outgoing_mail_record_failure(mail=mail, error=error, now=now)
    report.failed += len(gated.failed)
    return gated.allowed


def _contents(rows: list[OutgoingMail], loaded: dict[int, MailContent]) -> dict[int, MailContent]:
    """The batch's contents, each read once per drain (`loaded` lives as long as the drain:
    an id alone is no cache key across databases, e.g. between tests)."""
    wanted = {mail.content_id for mail in rows if mail.content_id is not None}
    if missing := wanted - loaded.keys():
        loaded.update(MailContent.objects.in_bulk(missing))
    return loaded


def _record(mails: dict[int, OutgoingMail], outcomes: list[Outcome],
            report: DrainReport) -> None:
    now = timezone.now()
    sent = [o.mail_id for o in outcomes if o.kind == "sent"]
    if sent:
        OutgoingMail.objects.filter(
            pk__in=sent, status=Status.INFLIGHT, claimed_by=mails[sent[0]].claimed_by,
        ).update(status=Status.SENT, sent_at=now, inflight_since=None,
                 # A resend after an ambiguous crash keeps its note: it may be a duplicate.
                 last_error=Case(When(last_error__startswith="ambiguous",
                                      then=F("last_error")), default=Value(""),
                                 output_field=TextField()))
        report.sent += len(sent)
    for outcome in outcomes:
        if outcome.kind == "refused":
            _record_refused(mail=mails[outcome.mail_id], error=outcome.error, now=now)
            report.refused += 1
        elif outcome.kind == "failed":
            outgoing_mail_record_failure(mail=mails[outcome.mail_id], error=outcome.error,
                                          now=now)
            report.failed += 1


def _record_and_forget(mails: dict[int, OutgoingMail], outcomes: list[Outcome], *,
                       report: DrainReport) -> None:
    _record(mails, outcomes, report)
    for outcome in outcomes:
        mails.pop(outcome.mail_id, None)


def _record_refused(*, mail: OutgoingMail, error: Exception, now: datetime) -> None:
    message = f"Refused by the mail server: {type(error).__name__}: {error}"[:2000]
    OutgoingMail.objects.filter(pk=mail.pk, status=Status.INFLIGHT,
                                claimed_by=mail.claimed_by).update(
        status=Status.FAILED, inflight_since=None, last_error=message)
    logger.error("Mail %s to %s refused: %s", mail.pk, mail.to, message)


