"""The embedded default e-mail backend: every message becomes one `.eml` file."""

import re
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """Write each message to `MAIL_DIR/<message-id>--<recipient>.eml`.

    Django's own file backend appends every message of a process to one log file; a person
    (or a test) wants one openable message per file, named so that resending the same
    message to the same person overwrites it instead of making a second copy. The recipient
    is in the name because the copies of a list post share one Message-ID: named by it
    alone, 28 copies overwrote each other into one file.
    """

    def send_messages(self, email_messages) -> int:
        directory = Path(settings.MAIL_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            msg = message.message()
            message_id = msg["Message-ID"] or str(id(message))
            recipients = ",".join(sorted(message.recipients())) or "no-recipient"
            name = f"{_safe(message_id.strip('<>'))[:150]}--{_safe(recipients)[:100]}"
            target = directory / f"{name}.eml"
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(msg.as_bytes(linesep="\r\n"))
            tmp.replace(target)  # atomic: a reader never sees half a message
            sent += 1
        return sent


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@=-]", "_", text)
