"""The e-mail outbox, the public surface other apps import from.

Layers, each importing only the ones above it in this list, never this `__init__`:
rules.py (limits, header checks) · gates.py (send-time access checks apps register) ·
return_path.py (the bounce address of messages queued without one, which an app registers) ·
message.py (the bytes sent) · journal.py (what survives
a worker crash) · smtp.py (connections, the throttle) · outbox.py (single messages and
`outgoing_mail_send_task`) · drain.py (bulk sending and `outbox_drain_task`) · bulk.py (one
message to many recipients) · sweep.py (recovering lost tasks).
"""

from cophub.core.mail.bulk import mail_content_create, mail_enqueue_many
from cophub.core.mail.drain import DrainReport, outbox_drain, outbox_drain_task, outbox_resume
from cophub.core.mail.gates import GateItem, gate, load_gates
from cophub.core.mail.outbox import (
    mail_enqueue,
    mail_enqueue_template,
    outgoing_mail_deliver,
    outgoing_mail_send_task,
)
from cophub.core.mail.return_path import return_path_register
from cophub.core.mail.rules import (
    CLOCK_SLACK,
    INFLIGHT_TIMEOUT,
    LOST_AFTER,
    MAX_ATTEMPTS,
    MAX_BACKOFF,
)
from cophub.core.mail.sweep import outbox_sweep

__all__ = [
    "CLOCK_SLACK", "INFLIGHT_TIMEOUT", "LOST_AFTER", "MAX_ATTEMPTS", "MAX_BACKOFF",
    "DrainReport", "GateItem", "gate", "load_gates", "mail_content_create", "mail_enqueue",
    "mail_enqueue_many", "mail_enqueue_template", "outbox_drain", "outbox_drain_task",
    "outbox_resume", "return_path_register",
    "outbox_sweep", "outgoing_mail_deliver", "outgoing_mail_send_task",
]
