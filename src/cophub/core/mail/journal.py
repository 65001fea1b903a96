"""The drain worker's crash journal: which messages a worker that died had handed over.

Each drain worker appends to `DATA_DIR/outbox-journal/<worker-id>.log` (O_APPEND) and holds
an exclusive `flock` on it for as long as it runs. The kernel drops the lock when the
process dies, however it dies, so a journal whose lock can be taken belongs to a dead
worker. Per message the worker writes, around the SMTP conversation (see smtp.py):

    D <id>   just before it sends the end of data (".\\r\\n"); the body is already sent
    C <id>   instead of D when D, the send and E are made as system calls with the GIL
             held (smtp.end_of_data, plain-TCP connections)
    E <id>   as soon as the end of data is in the kernel
    S <id>   as soon as the server's 250 is read

Recovery reads a dead worker's journal and settles each row it still holds INFLIGHT:
- S: SENT. No D: the end of data was never sent, so the server discarded the message
  (it drops an unfinished DATA when the connection closes): QUEUED again, and the claim
  does not count as an attempt.
- D and E but no S: the server has the whole message and was working on its reply. It is
  marked SENT, noted "unconfirmed: …" in last_error (COPHUB_MAIL_UNCONFIRMED = "resend"
  requeues it instead, trading this loss window for a duplicate window).
- C but no E: as D and E. A SIGKILL takes effect when a system call returns, and a small
  send() on a connected socket does not wait, so a kill that arrives during it lets it
  finish: the end of data went out. Only a kill in the microsecond between writing C and
  entering send() is misread (a lost message; a resend would instead misread the much
  longer send() itself as a duplicate).
- D but no E: "ambiguous": the worker died between writing D and writing E. QUEUED again
  and resent: the one window where a recipient can get two copies (if the kernel had taken
  ".\\r\\n"). Counted in the log and in last_error ("ambiguous: …", kept after the resend).

What remains, exactly: (1) a duplicate if the worker dies after the kernel took ".\\r\\n"
but before `write(E)`. `smtp.end_of_data` makes those (and `write(D)`) three system calls
with the GIL held, so no other sender thread runs in between and the window is the send()
call itself, microseconds (on TLS connections, which must go through the ssl module, it is
up to the interpreter's 5 ms switch interval while other sender threads are busy);
bench/mail_crash.py measures how often a random SIGKILL lands there; (2) a lost message if
it dies after E but the server then refuses the message (a 4xx/5xx reply to the end of
data) or itself crashes before storing it; (3) writes are not fsynced: the journal survives
a worker crash (the bytes are in the kernel), not a power cut or kernel crash, after which
the journal may miss lines and rows fall back to the INFLIGHT_TIMEOUT path of the sweep,
as rows claimed by a worker on another host always do (a journal is only seen by workers
sharing DATA_DIR on one host; flock is not reliable over NFS).
"""

import fcntl
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status
AMBIGUOUS = "ambiguous: the worker died while sending the end of data; sent again"
UNCONFIRMED = ("unconfirmed: the worker died after the server had the whole message, "
               "before its reply was read")
NOT_SENT = "The worker died before sending this message; queued again."


def journal_dir() -> Path:
    return Path(settings.DATA_DIR) / "outbox-journal"


class Journal:
    """One drain worker's journal, locked while open. Thread-safe: each line is one
    `os.write` on an O_APPEND descriptor, which the kernel never interleaves."""

    def __init__(self, worker_id: str | None = None):
        self.worker_id = worker_id or f"{uuid.uuid4().hex[:16]}-{os.getpid()}"
        directory = journal_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{self.worker_id}.log"
        # Locked under a name recovery ignores, then renamed: a recoverer must never find
        # the journal in the moment between its creation and its lock and think it dead.
        creating = directory / f"{self.worker_id}.new"
        self.fd = os.open(creating, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(creating, self.path)

    def write(self, mark: str, mail_id: int) -> None:
        os.write(self.fd, f"{mark} {mail_id}\n".encode())

    def close(self, *, remove: bool) -> None:
        """Remove the journal (every row it covers is settled in the database) while still
        holding the lock, so no recoverer reads a finished journal; or keep it for recovery
        when the worker stops with rows still INFLIGHT."""
        if self.fd < 0:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self.fd)
        self.fd = -1


@dataclass
class Recovered:
    journals: int = 0
    sent: int = 0
    unconfirmed: int = 0
    requeued: int = 0
    ambiguous: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.unconfirmed + self.requeued


def outbox_journal_recover(*, now: datetime | None = None, skip: str = "") -> Recovered:
    """Settle the rows of every dead drain worker on this host (see the module docstring)
    and delete their journals. Journals of live workers (lock held) and `skip` are left
    alone. Safe to run from several processes at once: a journal is read only under its
    lock, and the updates are conditional on the row still being INFLIGHT for that worker."""
    now = now or timezone.now()
    result = Recovered()
    directory = journal_dir()
    if not directory.is_dir():
        return result
    for path in sorted(directory.glob("*.log")):
        if path.stem == skip:
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # its owner finished, or another recoverer took it
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # alive
            try:
                if os.fstat(fd).st_ino != os.stat(path).st_ino:
                    continue  # replaced after we opened it
            except FileNotFoundError:
                continue  # removed by its owner or another recoverer before our lock
            with os.fdopen(os.dup(fd), "rb") as f:
                marks = _read_marks(f.read())
            _settle(worker_id=path.stem, marks=marks, now=now, result=result)
            path.unlink(missing_ok=True)
            result.journals += 1
        finally:
            os.close(fd)
    for path in directory.glob("*.new"):  # a worker killed before its first claim
        _remove_if_dead(path)
    if result.journals:
        logger.warning(
            "Outbox journal recovery: %s dead worker(s); %s sent, %s unconfirmed marked sent, "
            "%s requeued of which %s ambiguous", result.journals, result.sent,
            result.unconfirmed, result.requeued, result.ambiguous)
    return result


def _remove_if_dead(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path.unlink(missing_ok=True)
    except BlockingIOError:
        pass  # being created right now
    finally:
        os.close(fd)


def _read_marks(data: bytes) -> dict[str, set[int]]:
    marks: dict[str, set[int]] = {"C": set(), "D": set(), "E": set(), "S": set()}
    for line in data.split(b"\n"):
        parts = line.split()
        # A torn last line (a crash mid-write) or junk is skipped, never trusted.
        if len(parts) == 2 and parts[0] in (b"C", b"D", b"E", b"S") and parts[1].isdigit():
            marks[parts[0].decode()].add(int(parts[1]))
    return marks


def _settle(*, worker_id: str, marks: dict[str, set[int]], now: datetime,
            result: Recovered) -> None:
    resend_unconfirmed = getattr(settings, "COPHUB_MAIL_UNCONFIRMED", "sent") == "resend"
    with transaction.atomic():
        held = OutgoingMail.objects.filter(status=Status.INFLIGHT, claimed_by=worker_id)
        ids = set(held.values_list("pk", flat=True))
        sent = ids & marks["S"]
        # C (the end of data sent in one system call with no thread switch around it, see
        # smtp.end_of_data) without E: the kill arrived while send() ran, which completes
        # before a signal takes effect, or in the microsecond before it: counted as E.
        unconfirmed = (ids & (marks["E"] | marks["C"])) - sent
        ambiguous = (ids & marks["D"]) - marks["E"] - marks["C"] - sent
        if resend_unconfirmed:
            ambiguous |= unconfirmed
            unconfirmed = set()
        never = ids - sent - unconfirmed - ambiguous
        held.filter(pk__in=sent).update(status=Status.SENT, sent_at=now, inflight_since=None,
                                        last_error="")
        held.filter(pk__in=unconfirmed).update(status=Status.SENT, sent_at=now,
                                               inflight_since=None, last_error=UNCONFIRMED)
        held.filter(pk__in=ambiguous).update(status=Status.QUEUED, next_attempt_at=now,
                                             inflight_since=None, last_error=AMBIGUOUS)
        # Never handed over: the claim was not an attempt.
        held.filter(pk__in=never).update(status=Status.QUEUED, next_attempt_at=now,
                                         inflight_since=None, last_error=NOT_SENT,
                                         attempts=F("attempts") - 1)
    result.sent += len(sent)
    result.unconfirmed += len(unconfirmed)
    result.requeued += len(ambiguous) + len(never)
    result.ambiguous += len(ambiguous)
