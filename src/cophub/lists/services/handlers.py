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

from ..addresses import NOTICE_BOUNCES, list_domain
from ..exceptions import ListError

Handler = Callable[..., str]
_handlers: dict[str, Handler] = {}
_accepts: dict[str, Callable[[str], bool]] = {}


class AddressRefused(ListError):
    """The message to a handled address is refused; the text is the reason, for the sender."""


def address_handler_register(name: str, handler: Handler, *,
                             accepts: Callable[[str], bool] | None = None) -> None:
    """Route `<name>+<extension>@<list domain>` to `handler`. `name` is reserved: no list
    may take it as its address. `accepts(extension)`, asked by the mail server at RCPT
    time, refuses an extension that cannot be ours (a forged token) before the message is
    taken, so no reply is ever sent about it."""
    if name.lower() == NOTICE_BOUNCES:
        raise ValueError(f"{name}+…@ is the return path of notices (lists.addresses).")
    _handlers[name.lower()] = handler
    if accepts is not None:
        _accepts[name.lower()] = accepts


def address_handler(name: str) -> Handler | None:
    return _handlers.get(name.lower())


def address_handler_names() -> set[str]:
    return set(_handlers)


def address_handled(address: str) -> tuple[Handler, str] | None:
    """(handler, extension) if `address` is `<name>+<extension>@` the list domain for a
    registered name, else None."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    name, plus, extension = local.partition("+")
    if not (at and plus and extension and domain.lower() == list_domain()):
        return None
    handler = _handlers.get(name.lower())
    return (handler, extension) if handler is not None else None


def address_handled_accepts(address: str) -> bool:
    """Whether the mail server should take mail for this handled address (RCPT)."""
    found = address_handled(address)
    if found is None:
        return False
    name = address.strip().strip("<>").partition("+")[0].lower()
    accepts = _accepts.get(name)
    return accepts is None or bool(accepts(found[1]))
