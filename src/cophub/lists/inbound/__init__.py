"""Inbound mail to list addresses: the mail server (`mailserver`) stores each message
(`router.inbound_message_store`); a task routes it (`router`) to posting, the e-mail
commands (`commands`), the owners, or bounce scoring (`bounces`); `replies` answers.

The public surface: storing and processing messages, the sweep, and the server."""

from .router import (
    inbound_message_process,
    inbound_message_process_task,
    inbound_message_store,
    inbound_sweep,
)

__all__ = ["inbound_message_process", "inbound_message_process_task", "inbound_message_store",
           "inbound_sweep"]
