"""Handing built messages to the mail server: long-lived SMTP connections, or any other
Django mail backend, and a token bucket for the configured rate.

smtplib is used at the command level (MAIL, RCPT, DATA, then the body and ".\\r\\n" sent
by hand) instead of `sendmail()`, because the crash journal needs a mark between the body
and the end of data, the one byte sequence that makes the server take the message.
"""

import ctypes
import errno
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection

from cophub.core.mail.journal import Journal
from cophub.core.mail.message import Built, VerbatimEmail, smtp_quoted

DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"

# libc through ctypes.PyDLL, which calls C *without releasing the GIL* (CPython's own
# socket.send and os.write release it). See `end_of_data`.
try:
    _LIBC = ctypes.PyDLL(None, use_errno=True)
    _LIBC.write.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    _LIBC.write.restype = ctypes.c_ssize_t
    _LIBC.send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    _LIBC.send.restype = ctypes.c_ssize_t
except (OSError, AttributeError):  # not a POSIX libc: the plain path below
    _LIBC = None
_END_OF_DATA = b".\r\n"
_MSG_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)


def end_of_data(journal: Journal, sock, mail_id: int) -> None:
    """Write C, send ".\r\n", write E, as three system calls with no Python thread switch
    between them: the GIL is held throughout, so another sender thread cannot run (and
    delay the E mark by up to the interpreter's 5 ms switch interval) in the one window
    where a kill leaves the message's fate unknown. What remains of that window is the
    send() system call itself, microseconds.

    Hand-written because nothing in the standard library or on PyPI writes to two file
    descriptors without releasing the GIL. Falls back to ordinary calls (the wider window)
    on TLS connections, whose bytes must go through the ssl module, and when the socket's
    buffer is full."""
    fd = journal.fd
    if _LIBC is None or isinstance(sock, ssl.SSLSocket) or fd < 0:
        journal.write("D", mail_id)
        sock.sendall(_END_OF_DATA)
        journal.write("E", mail_id)
        return
    # C, not D: the journal reads "C without E" as sent (see journal.py).
    c_line, e_line = f"C {mail_id}\n".encode(), f"E {mail_id}\n".encode()
    _LIBC.write(fd, c_line, len(c_line))
    sent = _LIBC.send(sock.fileno(), _END_OF_DATA, len(_END_OF_DATA), _MSG_NOSIGNAL)
    if sent == len(_END_OF_DATA):
        _LIBC.write(fd, e_line, len(e_line))
        return
    code = ctypes.get_errno()
    if sent < 0 and code not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
        raise smtplib.SMTPServerDisconnected(f"Sending the end of data failed: "
                                             f"{errno.errorcode.get(code, code)}")
    # The socket's buffer was full (or a signal interrupted the call): finish the ordinary
    # way; the C mark is already written (and read as sent if we die before E: the rest of
    # the end of data is three bytes into a socket that just took some).
    sock.sendall(_END_OF_DATA[max(sent, 0):])
    journal.write("E", mail_id)


@dataclass(frozen=True)
class Outcome:
    mail_id: int
    kind: str  # "sent", "refused" (permanent: never retry), "failed" (retry with back-off)
    error: Exception | None = None


class TokenBucket:
    """At most `rate` messages a second on average, bursts of up to `burst`. The clock and
    sleep are parameters so tests can drive time by hand."""

    def __init__(self, rate: float, *, burst: float | None = None, clock=time.monotonic,
                 sleep=time.sleep):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self.tokens = self.burst
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self.lock = threading.Lock()

    def take(self) -> None:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait:
            self.sleep(wait)


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == DJANGO_SMTP


class SmtpSender:
    """One reused SMTP connection, configured like Django's SMTP backend (EMAIL_HOST, PORT,
    HOST_USER, HOST_PASSWORD, USE_TLS, USE_SSL, TIMEOUT). Used by one thread at a time."""

    def __init__(self, *, journal: Journal, bucket: TokenBucket | None = None):
        self.journal, self.bucket = journal, bucket
        self.conn: smtplib.SMTP | None = None
        self.connects = 0

    def send(self, built: Built) -> Outcome:
        if self.bucket:
            self.bucket.take()
        try:
            if self.conn is None:
                self.conn = self._connect()
            return self._transaction(built)
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome(built.mail_id, "refused", exc)
        except (smtplib.SMTPException, OSError) as exc:
            # The connection's state is unknown after any error: start a fresh one next time.
            self.close()
            return Outcome(built.mail_id, "failed", exc)

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def _connect(self) -> smtplib.SMTP:
        host, port = settings.EMAIL_HOST, settings.EMAIL_PORT
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
        if settings.EMAIL_USE_SSL:
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
            if settings.EMAIL_USE_TLS:
                conn.starttls(context=ssl.create_default_context())
        # The body and the end of data go out as two writes (the journal mark sits between
        # them); with Nagle's algorithm the second would wait for a delayed ACK (~40 ms).
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.ehlo_or_helo_if_needed()  # mail() does not greet by itself, as sendmail() does
        if settings.EMAIL_HOST_USER:
            conn.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        self.connects += 1
        return conn

    def _transaction(self, built: Built) -> Outcome:
        conn = self.conn
        if conn.has_extn("pipelining"):
            # RFC 2920: MAIL, RCPT and DATA in one write, their three replies read after;
            # two round trips fewer per message.
            conn.send(f"MAIL FROM:{_quote(built.envelope_from)}\r\n"
                      f"RCPT TO:{_quote(built.to)}\r\nDATA\r\n")
            replies = [conn.getreply() for _ in range(3)]
        else:
            replies = [conn.mail(built.envelope_from)]
            if replies[0][0] == 250:
                replies.append(conn.rcpt(built.to))
            if replies[-1][0] in (250, 251):
                conn.putcmd("data")
                replies.append(conn.getreply())
        (mail_code, mail_reply), *rest = replies
        rcpt_code, rcpt_reply = rest[0] if rest else (0, b"")
        data_code, data_reply = rest[1] if len(rest) > 1 else (0, b"")
        if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
            conn.send(b".\r\n")  # a server that opened DATA anyway: close it, empty
            conn.getreply()
        if mail_code != 250:
            self._reset()
            raise smtplib.SMTPSenderRefused(mail_code, mail_reply, built.envelope_from)
        if rcpt_code not in (250, 251):
            self._reset()
            if 500 <= rcpt_code < 600:  # "no such user": it will never work
                raise smtplib.SMTPRecipientsRefused({built.to: (rcpt_code, rcpt_reply)})
            raise smtplib.SMTPResponseException(rcpt_code, rcpt_reply)
        if data_code != 354:
            self._reset()
            raise smtplib.SMTPDataError(data_code, data_reply)
        conn.send(smtp_quoted(built.head) + smtp_quoted_body(built.body))
        end_of_data(self.journal, conn.sock, built.mail_id)
        code, reply = conn.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        self.journal.write("S", built.mail_id)
        return Outcome(built.mail_id, "sent")

    def _reset(self) -> None:
        try:
            self.conn.rset()
        except smtplib.SMTPServerDisconnected:
            self.conn = None


def _quote(address: str) -> str:
    return smtplib.quoteaddr(address)


_quoted_bodies: dict[int, tuple[bytes, bytes]] = {}


def smtp_quoted_body(body: bytes) -> bytes:
    """The dot-stuffed shared body, computed once per body (they are cached objects)."""
    if not body:
        return b""
    cached = _quoted_bodies.get(id(body))
    if cached is not None and cached[0] is body:
        return cached[1]
    if len(_quoted_bodies) > 64:
        _quoted_bodies.clear()
    quoted = smtp_quoted(body)
    _quoted_bodies[id(body)] = (body, quoted)
    return quoted


class BackendSender:
    """Any other Django mail backend (locmem in tests, the .eml files): one message per
    `send_messages` call on one opened connection, journalled like SMTP."""

    def __init__(self, *, journal: Journal, bucket: TokenBucket | None = None):
        self.journal, self.bucket = journal, bucket
        self.connection = get_connection()
        self.connects = 0

    def send(self, built: Built) -> Outcome:
        if self.bucket:
            self.bucket.take()
        try:
            self.journal.write("D", built.mail_id)
            self.connection.send_messages([VerbatimEmail(built)])
            self.journal.write("E", built.mail_id)
        except Exception as exc:  # whatever the backend raises: retried with back-off
            return Outcome(built.mail_id, "failed", exc)
        self.journal.write("S", built.mail_id)
        return Outcome(built.mail_id, "sent")

    def close(self) -> None:
        self.connection.close()
