"""The e-mail outbox (see outbox.py for the model of it, bulk.py and drain.py for bulk sending,
journal.py for what survives a worker crash, message.py for the bytes sent)."""

from cophub.core.mail.bulk import mail_content_create, mail_enqueue_many
from cophub.core.mail.drain import DrainReport, outbox_drain, outbox_resume
from cophub.core.mail.outbox import (
    CLOCK_SLACK,
    INFLIGHT_TIMEOUT,
    LOST_AFTER,
    MAX_ATTEMPTS,
    MAX_BACKOFF,
    mail_enqueue,
    mail_enqueue_template,
    outbox_sweep,
    outgoing_mail_deliver,
)

__all__ = [
    "CLOCK_SLACK", "INFLIGHT_TIMEOUT", "LOST_AFTER", "MAX_ATTEMPTS", "MAX_BACKOFF",
    "DrainReport", "mail_content_create", "mail_enqueue", "mail_enqueue_many",
    "mail_enqueue_template", "outbox_drain", "outbox_resume", "outbox_sweep",
    "outgoing_mail_deliver",
]
