"""Addresses under the list domain that belong to another app: `<name>+<extension>@`, such
as the forum's per-recipient reply addresses (`reply+<token>@`). The app registers a handler
for `<name>` when it starts (AppConfig.ready); the inbound router gives it every message to
such an address, after the checks every inbound message gets (robots and loops dropped, the
sender's authentication found), and answers a refusal with one throttled reply.

A handler takes `inbound`, `message` (the parsed EmailMessage), `extension` and
`authentication` (inbound.authentication's result) and returns a line for the message's
result, or raises `AddressRefused` with a reason for the sender. It must be idempotent: a
message may be processed again after a crash (key what it writes on the Message-ID)."""

from collections.abc import Callable

from ..exceptions import ListError

Handler = Callable[..., str]
_handlers: dict[str, Handler] = {}


class AddressRefused(ListError):
    """The message to a handled address is refused; the text is the reason, for the sender."""


def address_handler_register(name: str, handler: Handler) -> None:
    """Route `<name>+<anything>@<list domain>` to `handler`. `name` is reserved: no list
    may take it as its address."""
    _handlers[name.lower()] = handler


def address_handler(name: str) -> Handler | None:
    return _handlers.get(name.lower())


def address_handler_names() -> set[str]:
    return set(_handlers)
