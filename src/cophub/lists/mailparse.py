"""What a list keeps of an e-mailed post: sender, subject, threading ids, the text body and a
sanitised HTML body. Attachments are not redistributed (a list is no file service, and a
government list must not spread unknown files); the body notes each one by name.

Built on the stdlib `email` package; this module only decides what to keep, and never
raises on malformed input (a broken part becomes replacement characters or is skipped)."""

import html
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, make_msgid, parseaddr

import nh3

from cophub.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

from .addresses import list_domain

_MSGID_RE = re.compile(r"<([^<>\s]{1,298})>")


@dataclass
class ParsedPost:
    sender_email: str
    sender_name: str
    subject: str
    body_text: str
    body_html: str
    message_id: str  # without <>
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def header_text(message: Message, name: str) -> str:
    """A header as one line of text, whatever its encoding (RFC 2047 words decoded)."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(value)
        if "=?" in text:
            text = str(make_header(decode_header(text)))
    except Exception:  # undecodable encoded-words: keep the raw text
        text = str(value)
    return " ".join(text.split())


def message_ids(text: str) -> list[str]:
    return _MSGID_RE.findall(text or "")


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    if isinstance(payload, str):
        return payload
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _attachment_name(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return " ".join(str(name).split())[:200] if name else ""


def html_to_text(source: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", source)
    text = html.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def post_parse(message: Message) -> ParsedPost:
    """Read an e-mailed post. The first text/plain part that is not an attachment is the
    text; the first text/html part, sanitised, the HTML. Everything else is an attachment."""
    name, address = parseaddr(header_text(message, "From"))
    if not address:
        addresses = getaddresses([header_text(message, "Sender")])
        name, address = addresses[0] if addresses else ("", "")
    text = html_body = None
    attachments: list[str] = []
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _attachment_name(part)
        body_like = (ctype in ("text/plain", "text/html") and disposition != "attachment"
                     and not filename)
        if body_like and ctype == "text/plain" and text is None:
            text = _decode(part)
        elif body_like and ctype == "text/html" and html_body is None:
            html_body = nh3.clean(_decode(part), tags=ALLOWED_TAGS,
                                  attributes=ALLOWED_ATTRIBUTES,
                                  url_schemes={"http", "https", "mailto"},
                                  link_rel="noopener noreferrer nofollow")
        else:
            attachments.append(filename or ctype)
    if text is None:
        text = html_to_text(html_body) if html_body else ""
    text = text.replace("\r\n", "\n").rstrip()
    if attachments:
        notes = "\n".join(f"[attachment removed: {a}]" for a in attachments)
        text = f"{text}\n\n{notes}" if text else notes
        if html_body:
            html_body += "".join(f"<p>[attachment removed: {html.escape(a)}]</p>"
                                 for a in attachments)
    ids = message_ids(header_text(message, "Message-ID"))
    message_id = ids[0] if ids else make_msgid(domain=list_domain()).strip("<>")
    in_reply_to = message_ids(header_text(message, "In-Reply-To"))
    return ParsedPost(
        sender_email=storable(address.strip()), sender_name=storable(name.strip()[:150]),
        subject=storable(header_text(message, "Subject")[:998]), body_text=storable(text),
        body_html=storable(html_body or ""), message_id=storable(message_id),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=message_ids(header_text(message, "References"))[-50:],
        attachments=attachments,
    )


def storable(value: str) -> str:
    """Text from mail, safe to store: PostgreSQL text cannot hold NUL, and mail can (a
    hypothesis test found it). U+FFFD marks where one was."""
    return value.replace("\x00", "\ufffd")
