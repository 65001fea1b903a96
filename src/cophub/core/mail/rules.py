"""What every sending path of the outbox agrees on: the retry limits and time-outs, the checks
on subjects and headers, the Message-ID domain, and how a claim skips locked rows.

The lowest layer of `core.mail`: it imports nothing else from the package, so outbox.py,
drain.py, bulk.py and sweep.py can all build on it.
"""

import uuid
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import connections

from cophub.core.models import OutgoingMail

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


def headers_check(headers: dict[str, str]) -> None:
    """Raise `BadHeaderError` for a header name or value that spans lines, and `ValueError`
    for a Message-ID (the outbox sets it)."""
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"The outbox sets the {name} header itself.")
        one_line_check(name, "header name")
        one_line_check(value, f"header {name}")


def one_line_check(value: str, what: str) -> None:
    """Raise `BadHeaderError` if `value` (a subject, a header) spans lines."""
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"The {what} must be a single line.")


def message_id_domain(from_email: str) -> str:
    """The sender's domain, so Message-IDs are ours; Django's default asks DNS for the FQDN."""
    address = parseaddr(from_email)[1]
    if "@" in address:
        return address.rpartition("@")[2]
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id_new(domain: str) -> str:
    """A new Message-ID under `domain`. Not `email.utils.make_msgid`: its uniqueness rests on
    the `random` module, which any code (a test library, a plug-in) may seed, and two rows
    with one Message-ID break the outbox's unique constraint; uuid4 reads the OS's random
    source."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def skip_locked() -> bool:
    """Whether claims can skip rows another worker holds (PostgreSQL) rather than wait."""
    return connections[OutgoingMail.objects.db].features.has_select_for_update_skip_locked
