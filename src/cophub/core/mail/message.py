"""Turning an `OutgoingMail` row into the exact bytes sent: one builder for every path.

A row with shared `content` (a list post to 100,000 subscribers) is built from two parts:
the MIME body entity, built once per `MailContent` and cached by its id, and a short
per-recipient header block put in front of it. Building the body once is what makes bulk
sending cheap; the header block costs microseconds. Rows without content (confirmations,
invitations with calendar attachments) keep Django's `EmailMultiAlternatives`, as before.

The SMTP envelope sender is the row's `envelope_from` (a list copy's VERP address) or, for a
row stored without one, what the registered return-path builder says (return_path.py: a
signed bounce address naming the recipient), chosen here so rows queued before a builder
existed get it too; the From address when neither says anything. A Django message's
`from_email` is that envelope sender, as Django's SMTP backend sends it in MAIL FROM; the
From header stays the row's.
"""

import email
import email.message
import email.policy
import re
from dataclasses import dataclass
from email.mime.text import MIMEText
from email.utils import format_datetime

from django.core.mail import EmailMessage, EmailMultiAlternatives

from cophub.core.mail.return_path import return_path_for
from cophub.core.models import MailContent, OutgoingMail

# SMTP: CRLF line ends, RFC 2047 encoded words for non-ASCII header text, 78-column folds.
POLICY = email.policy.SMTP
CRLF = b"\r\n"
# How many prepared contents a worker keeps: a digest run touches one per list.
CACHE_SIZE = 64
_NEWLINES = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"^\.", re.M)


@dataclass(frozen=True)
class Prepared:
    """What every copy of one content shares, ready to be joined to a header block."""

    content_id: int
    headers: dict[str, tuple[str, str]]  # lower-case name → (name, value), in order
    folded: dict[tuple[str, str], bytes]  # (name, value) → its folded header line(s)
    body: bytes  # the body entity (its own Content-* headers, a blank line, the body)


@dataclass(frozen=True)
class Built:
    """One message for one recipient: the SMTP envelope and the bytes (CRLF line ends)."""

    mail_id: int
    envelope_from: str
    to: str
    head: bytes  # the per-recipient header fields (content rows), or the whole message
    body: bytes  # the shared body entity: its Content-* fields, a blank line, the body
    subject: str
    body_text: str

    @property
    def raw(self) -> bytes:
        return self.head + self.body


_cache: dict[tuple, Prepared] = {}


def mail_prepared(content: MailContent) -> Prepared:
    """The shared part of `content`, built on first use and then taken from the cache.
    Contents never change after their copies are queued, but an id alone is not a safe key
    (another database, a test that rolled back reuses it), so the key includes the fields."""
    key = (content.pk, content.created_at, content.from_email, content.subject,
           content.body_text, content.body_html, content.raw_mime,
           tuple(content.headers.items()))
    prepared = _cache.get(key)
    if prepared is None:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        prepared = _cache[key] = _prepare(content)
    return prepared


def mail_build(mail: OutgoingMail, *, content: MailContent | None = None) -> Built:
    """The bytes and envelope of `mail` exactly as every sending path sends them."""
    content = content if content is not None else mail.content
    if content is None:
        message = django_message(mail)
        raw = message.message().as_bytes(linesep="\r\n")
        return Built(mail_id=mail.pk, envelope_from=message.from_email, to=mail.to,
                     head=raw, body=b"", subject=mail.subject, body_text=mail.body_text)
    prepared = mail_prepared(content)
    fields = dict(prepared.headers)
    fields["to"] = ("To", mail.to)
    fields["message-id"] = ("Message-ID", content.message_id or mail.message_id)
    for name, value in mail.headers.items():
        fields[name.lower()] = (name, value)
    lines = [prepared.folded.get(pair) or _fold(*pair) for pair in fields.values()]
    return Built(mail_id=mail.pk, envelope_from=envelope_sender(mail) or mail.from_email,
                 to=mail.to, head=b"".join(lines), body=prepared.body,
                 subject=content.subject, body_text=content.body_text)


def envelope_sender(mail: OutgoingMail) -> str:
    """The row's own return path, else the registered builder's; "" for the From address."""
    return mail.envelope_from or return_path_for(to=mail.to, from_email=mail.from_email)


def smtp_quoted(data: bytes) -> bytes:
    """Dot-stuffed (RFC 5321 4.5.2) and ending with CRLF, ready for ".\\r\\n" after it."""
    data = _LEADING_DOT.sub(b"..", data)
    return data if data.endswith(CRLF) else data + CRLF


def django_message(mail: OutgoingMail) -> EmailMessage:
    """The Django message a mail backend sends for `mail` (locmem, the .eml files, SMTP)."""
    if mail.content_id is not None:
        built = mail_build(mail)
        return VerbatimEmail(built)
    headers = {**mail.headers, "Message-ID": mail.message_id}
    message = EmailMultiAlternatives(subject=mail.subject, body=mail.body_text,
                                     from_email=mail.from_email, to=[mail.to], headers=headers)
    sender = envelope_sender(mail)
    if sender:
        # Django uses from_email as the envelope sender; the header From stays as stored.
        message.from_email = sender
        message.extra_headers.setdefault("From", mail.from_email)
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    for item in mail.attachments:
        # Built by hand so parameters such as `method=REQUEST` on text/calendar survive;
        # Django's attach() would fold them into the subtype.
        _maintype, subtype = item.get("mimetype", "text/plain").split("/", 1)
        part = MIMEText(item["content"], subtype, "utf-8")
        for name, value in item.get("params", {}).items():
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=item["filename"])
        message.attach(part)
    return message


class _VerbatimMessage(email.message.EmailMessage):
    """A parsed view for readers (tests, the .eml backend's Message-ID lookup) that writes
    out the original bytes: regenerating would refold headers and re-encode bodies."""

    verbatim: bytes = b""

    def as_bytes(self, unixfrom=False, policy=None, linesep="\r\n"):
        if linesep == "\r\n":
            return self.verbatim
        return _NEWLINES.sub(linesep.encode(), self.verbatim)

    __bytes__ = as_bytes


class VerbatimEmail(EmailMessage):
    """A Django message whose `message()` is the builder's bytes, so the mail backends that
    are not SMTP (locmem in tests, the .eml files) send what the SMTP path sends."""

    def __init__(self, built: Built):
        super().__init__(subject=built.subject, body=built.body_text,
                         from_email=built.envelope_from, to=[built.to])
        self.built = built

    def message(self, *, policy=None):
        parsed = email.message_from_bytes(self.built.raw, _class=_VerbatimMessage,
                                          policy=email.policy.default)
        parsed.verbatim = self.built.raw
        return parsed


def _prepare(content: MailContent) -> Prepared:
    headers = {
        "from": ("From", content.from_email),
        "subject": ("Subject", content.subject),
        # The copies are one message: they share the date it was written.
        "date": ("Date", format_datetime(content.created_at)),
        "mime-version": ("MIME-Version", "1.0"),
    }
    for name, value in content.headers.items():
        headers[name.lower()] = (name, value)
    folded = {pair: _fold(*pair) for pair in headers.values()}
    return Prepared(content_id=content.pk, headers=headers, folded=folded,
                    body=_body_entity(content))


def _body_entity(content: MailContent) -> bytes:
    if content.raw_mime:
        # A complete MIME entity (a MIME digest), sent as it is; only line ends normalised.
        raw = _NEWLINES.sub(CRLF, content.raw_mime.encode("utf-8"))
        return raw if raw.endswith(CRLF) else raw + CRLF
    entity = email.message.EmailMessage(policy=POLICY)
    entity.set_content(content.body_text)
    if content.body_html:
        entity.add_alternative(content.body_html, subtype="html")
    del entity["MIME-Version"]  # the header block carries it
    return entity.as_bytes(policy=POLICY)


def _fold(name: str, value: str) -> bytes:
    line = f"{name}: {value}"
    if line.isascii():
        return _fold_ascii(line)
    # The header classes encode non-ASCII as RFC 2047 words (fold_binary would not refold a
    # short value and leave raw 8-bit bytes) and fold at 78 columns.
    return POLICY.header_factory(name, value).fold(policy=POLICY).encode("ascii")


def _fold_ascii(line: str) -> bytes:
    """An ASCII header folded at spaces to stay within 78 columns where it can, and never
    encoded: the email package turns a long word such as a one-click unsubscribe URL into
    RFC 2047 encoded-words, which URL headers (RFC 2369) do not allow and clients do not
    decode. A word longer than the line stays whole (RFC 5322 allows 998 characters)."""
    if len(line) <= 78:
        return f"{line}\r\n".encode("ascii")
    lines, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > 78:
            lines.append(current)
            current = " " + word  # the space starts the continuation line (unfolds back)
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
