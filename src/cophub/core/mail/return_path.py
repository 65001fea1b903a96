"""Return paths: where the bounces of a message stored without an `envelope_from` go.

List copies carry their own return path (a signed VERP address, set when they are queued).
Every other message — a registration, a reminder, a forum notification, account mail —
would go out with its From address as the SMTP envelope sender, so its bounces land in a
mailbox no code reads and a government address that bounces for good keeps granting the
tier. An app that receives and reads bounces registers one builder when it starts
(`AppConfig.ready`), as apps register gates and address handlers; message.py asks it for
each such message when it builds the bytes, so rows already queued get it too:

    return_path_register(notice_return_path)  # (*, to, from_email) -> str

The builder returns the envelope sender for the copy to `to`, or "" to keep the From
address (an address it cannot encode, mail From a sender whose bounces are its own). With
nothing registered, core keeps the From address, as before. `core` knows no domain app,
so the app registers, never the other way round.

Sits beside gates.py, just above rules.py in `core.mail`: it imports nothing of cophub.
"""

from collections.abc import Callable

ReturnPath = Callable[..., str]

_builder: ReturnPath | None = None


def return_path_register(builder: ReturnPath | None) -> None:
    """Make `builder(*, to, from_email)` choose the return path of messages stored without
    one; None removes it. One builder per process: the last registration wins."""
    global _builder
    _builder = builder


def return_path_for(*, to: str, from_email: str) -> str:
    """The envelope sender for a message to `to` from `from_email` stored without one, or ""
    for the From address (nothing registered, or the builder declines)."""
    if _builder is None:
        return ""
    return _builder(to=to, from_email=from_email) or ""
