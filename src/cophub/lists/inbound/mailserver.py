"""The inbound mail server: aiosmtpd speaking SMTP (one machine) or LMTP (behind Postfix).

It accepts mail only for addresses of active lists, refuses messages over
COPHUB_INBOUND_MAX_MB with 552, and answers 250 only after the message is committed to the
database (`router.inbound_message_store`); if that fails it answers 451 so the sender keeps
the message and tries again. Processing happens in a task, never in the SMTP conversation.

Database work runs in worker threads (`sync_to_async(thread_sensitive=False)`, on the
server's own pool of DB_THREADS threads), so one slow insert never stalls the event loop
that serves every other connection.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections

from .. import addresses
from ..models import MailingList
from ..services.handlers import address_handled, address_handled_accepts
from .router import inbound_message_store

logger = logging.getLogger(__name__)

TRY_AGAIN = "451 4.3.0 Try again later"
# Threads (each with one database connection) storing messages at once.
DB_THREADS = 4


def recipient_known(address: str) -> bool:
    """An address the server takes mail for: one `address_parse` understands, of a list
    that exists and is active; a notice's return path (`bounces+<token>-…@`) whose token
    verifies, so a forged one is refused before anything is stored; or another app's
    address (`services.handlers`, such as the forum's `reply+<token>@`) whose extension that
    app accepts."""
    if address_handled(address) is not None:
        return address_handled_accepts(address)
    parsed = addresses.address_parse(address)
    if parsed is None:
        return False
    if parsed.is_notice_bounce:
        return parsed.verp_verified
    return MailingList.objects.filter(local_part=parsed.local_part, is_active=True).exists()


def _db(func):
    """Run `func` in a worker thread. Each thread keeps its database connection (opening
    one per message would cost more than the insert); a connection the database dropped
    while the server sat idle is replaced and the call tried once more. A failed call has
    rolled its transaction back, so the retry stores the message once (an error in the
    commit itself is the rare exception: a second row, and `post_receive` recognises the
    repeated Message-ID)."""
    def call(*args, **kwargs):
        for attempt in (1, 2):
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if attempt == 2:
                    raise
                logger.warning("Database error in the mail server; reconnecting",
                               exc_info=True)
                connection.close()
        raise AssertionError("unreachable")

    return sync_to_async(call, thread_sensitive=False)


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores the message."""

    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp
        self._lock = threading.Lock()
        self.storing = 0  # DATA commands between "received" and "answered"
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            known = await _db(recipient_known)(address)
        except Exception:  # the database is down: the sender should retry, not give up
            logger.exception("Could not look up recipient %s", address)
            return TRY_AGAIN
        if not known:
            return f"550 5.1.1 No such list: <{address}>"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.storing += 1
        try:
            peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
            inbound = await _db(inbound_message_store)(
                mail_from=envelope.mail_from or "", rcpt_to=list(envelope.rcpt_tos),
                raw=bytes(envelope.original_content or b""), peer=peer)
        except Exception:
            logger.exception("Could not store a message from %s", envelope.mail_from)
            status = TRY_AGAIN
        else:
            status = f"250 2.0.0 OK: stored as {inbound.pk}"
            with self._lock:
                self.accepted += 1
        finally:
            with self._lock:
                self.storing -= 1
        if self.lmtp:
            # LMTP answers once per accepted recipient. The message is stored once for all
            # of them, so they all succeed or all ask to try again.
            return "\r\n".join([status] * len(envelope.rcpt_tos))
        return status


class MailServer(Controller):
    """aiosmtpd's threaded Controller, speaking LMTP when asked."""

    def __init__(self, *, host: str, port: int, lmtp: bool = False,
                 max_bytes: int | None = None):
        self.lmtp = lmtp
        limit = max_bytes if max_bytes is not None else int(
            settings.COPHUB_INBOUND_MAX_MB * 1024 * 1024)
        super().__init__(
            InboundHandler(lmtp=lmtp), hostname=host, port=port,
            # Our own name, not the FQDN: socket.getfqdn() can wait seconds on DNS.
            server_hostname=settings.COPHUB_LIST_DOMAIN, ident="cophub mailserver",
            data_size_limit=limit,
        )
        # The event loop's default executor is where sync_to_async(thread_sensitive=False)
        # runs: a pool of our own, so that stopping can close each thread's connection.
        self.db_executor = ThreadPoolExecutor(max_workers=DB_THREADS,
                                              thread_name_prefix="cophub-mailserver-db")
        self.loop.set_default_executor(self.db_executor)

    def factory(self) -> SMTP:
        cls = LMTP if self.lmtp else SMTP
        return cls(self.handler, **self.SMTP_kwargs)

    def stop_gracefully(self, *, timeout: float = 10.0) -> None:
        """Stop accepting connections, let messages being stored get their answer, stop."""
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        deadline = time.monotonic() + timeout
        while self.handler.storing and time.monotonic() < deadline:
            time.sleep(0.05)
        # Before stop(): closing the loop shuts its default executor down.
        self._close_db_connections()
        # Sessions still open are cut off; they had no 250 for anything unstored, so their
        # senders will retry.
        self.stop(no_assert=True)

    def _close_db_connections(self) -> None:
        """Close every pool thread's database connection (a connection belongs to its
        thread): one job per thread, held at a barrier so no thread takes two."""
        barrier = threading.Barrier(DB_THREADS)

        def close() -> None:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            connections.close_all()

        futures_wait([self.db_executor.submit(close) for _ in range(DB_THREADS)], timeout=10)
