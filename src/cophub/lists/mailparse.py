"""Reading mail: the helpers every part of `lists` that looks at a message shares (headers,
sender, body, loops and robots), and what a list keeps of an e-mailed post: sender, subject,
threading ids, the text body and a sanitised HTML body. Attachments are not redistributed (a
list is no file service, and a government list must not spread unknown files); the body notes
each one by name.

Built on the stdlib `email` package; this module only decides what to keep, and never
raises on malformed input (a broken part becomes replacement characters or is skipped)."""

import email
import email.policy
import html
import logging
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, make_msgid, parseaddr

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from mailparser_reply import EmailReplyParser

from cophub.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

from . import addresses
from .addresses import list_domain
from .models import MailingList

logger = logging.getLogger(__name__)

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


def message_parse(raw: bytes) -> EmailMessage:
    """The message as the email package reads it. Parsing bytes never raises for bad MIME
    (defects are recorded on the message); a failure here would be a bug in the email
    package, so an empty message stands in and processing goes on."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # noqa: BLE001 — see docstring
        logger.exception("email package could not parse an inbound message")
        return EmailMessage(policy=email.policy.default)


HEADER_LIMIT = 2000


def header_text(message: Message, name: str, *, limit: int | None = HEADER_LIMIT) -> str:
    """A header as one line of text, "" if absent, at most `limit` characters (None: all).
    RFC 2047 encoded words are decoded whatever the message's policy; malformed headers
    (bad encoded words, unknown charsets, broken address lists) fall back to the raw value
    instead of raising."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:  # noqa: BLE001 — the header parser raises on some malformed input
        text = ""
        for key, raw_value in message.raw_items():
            if key.lower() == name.lower():
                text = str(raw_value)
                break
    # The default policy decodes encoded words, but not those a client put where RFC 2047
    # does not allow them (in quoted names); a compat32 message decodes none.
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 — undecodable encoded words: keep the raw text
            pass
    text = " ".join(text.split())
    return text if limit is None else text[:limit]


def all_headers(message: Message, name: str) -> list[str]:
    """Every value of a header that may occur more than once."""
    try:
        return [str(v) for v in (message.get_all(name) or [])]
    except Exception:  # noqa: BLE001 — malformed header: read the raw values
        return [str(v) for k, v in message.raw_items() if k.lower() == name.lower()]


def sender_address(message: EmailMessage, mail_from: str = "") -> tuple[str, str]:
    """(name, address) of the person to act for and reply to: the From header's address
    if it is a valid one, else the envelope sender. ("", "") if neither is usable."""
    candidates = []
    raw_from = header_text(message, "From")
    if raw_from:
        try:
            candidates += getaddresses([raw_from])
        except Exception:  # noqa: BLE001 — getaddresses can choke on pathological input
            pass
    candidates.append(("", (mail_from or "").strip("<> ")))
    for name, address in candidates:
        address = (address or "").strip()
        if len(address) > 254:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        return (name or "").strip()[:150], address
    return "", ""


def body_text(message: EmailMessage) -> str:
    """The plain-text body (or the HTML one, tags and all, if that is all there is); ""
    when there is none or it cannot be decoded. Undecodable bytes become U+FFFD."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 — broken multipart structure
        part = None
    if part is None:
        part = message if not message.is_multipart() else None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 — unknown charset, bad transfer encoding
        try:
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", errors="replace")
        except Exception:  # noqa: BLE001
            return ""
    return content if isinstance(content, str) else ""


def is_loop(message: EmailMessage, mailing_list: MailingList) -> bool:
    """The message went out through this list already: it carries our List-Id, or an X-Loop
    naming any of the list's addresses (ours stamp the list's or `-request@`). Compared
    without case, whitespace or angle brackets, and address by address: "xai@" is not "ai@"."""
    list_id = list_id_normalize(mailing_list.list_id)
    if any(list_id_normalize(v) == list_id for v in all_headers(message, "List-Id")):
        return True
    ours = {mailing_list.address.lower(),
            *(mailing_list.companion(role).lower() for role in addresses.ROLES)}
    return any(ours & loop_addresses(value) for value in all_headers(message, "X-Loop"))


def list_id_normalize(value: str) -> str:
    """The list-id of a List-Id header (RFC 2919) as compared: the part in angle brackets
    (or the whole value), lower case, with all whitespace removed
    ("AI CoP < ai.lists.localhost >" → "ai.lists.localhost")."""
    inside = re.findall(r"<([^<>]*)>", value or "")
    return "".join((inside[-1] if inside else value or "").split()).strip("<>").lower()


def loop_addresses(value: str) -> set[str]:
    """The addresses an X-Loop value names, lower case ("AI <AI@Lists.Example>", " a@b ",
    "a@b, c@d")."""
    try:
        found = {address for _, address in getaddresses([value or ""])}
    except Exception:  # noqa: BLE001 — getaddresses can choke on pathological input
        found = set()
    found.add(value or "")
    return {"".join(a.split()).strip("<>").lower() for a in found} - {""}


# RFC 3834 §2: answer no mailer-daemons, postmasters, list robots ("owner-*", "*-request")
# or addresses that say they take no answers.
_ROBOT_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|listserv|majordomo|mailman|bounces?|no-?reply|"
    r"do-?not-?reply|owner-.+|.+-(request|owner|bounces?)(\+.*)?)$")
# Auto-responders that predate RFC 3834 mark their answers with one of these.
_AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponse")


def header_keyword(value: str) -> str:
    """The keyword of a structured header value, as compared: comments "(…)", quotes,
    parameters after ";" and whitespace removed, lower case (' "Bulk" (x)' → "bulk")."""
    value = re.sub(r"\([^()]*\)", " ", value or "").replace('"', " ")
    words = value.split(";")[0].split()
    return words[0].lower() if words else ""


def robot_reason(message: EmailMessage) -> str:
    """Why the message's own headers say a robot sent it, or "": RFC 3834 Auto-Submitted
    other than "no", Precedence bulk or junk, an old auto-responder's header, a delivery
    report. Such mail is never a post, a command, or worth forwarding to the owners."""
    for value in all_headers(message, "Auto-Submitted"):
        keyword = header_keyword(value)
        if keyword and keyword != "no":
            return f"Auto-Submitted: {keyword}"
    for value in all_headers(message, "Precedence"):
        if header_keyword(value) in ("bulk", "junk"):
            return f"Precedence: {header_keyword(value)}"
    for name in _AUTORESPONDER_HEADERS:
        if all_headers(message, name):
            return name
    try:
        if message.get_content_type() == "multipart/report":
            return "delivery report"
    except Exception:  # noqa: BLE001 — a malformed Content-Type
        pass
    return ""


def automated_reason(message: EmailMessage, mail_from: str) -> str:
    """Why this message must not be answered (RFC 3834: never answer robots, which answer
    back), or "": `robot_reason`, a list's copy (Precedence list, any List-Id), a null
    envelope sender, or a robot-like envelope or From address (MAILER-DAEMON, postmaster,
    noreply, *-request …)."""
    reason = robot_reason(message)
    if reason:
        return reason
    if any(header_keyword(v) == "list" for v in all_headers(message, "Precedence")):
        return "Precedence: list"
    if all_headers(message, "List-Id"):
        return "List-Id: a list's copy"
    envelope = (mail_from or "").strip().strip("<>").strip()
    if not envelope:
        return "null sender"
    try:
        from_addresses = [a for _, a in getaddresses([header_text(message, "From")])]
    except Exception:  # noqa: BLE001 — getaddresses can choke on pathological input
        from_addresses = []
    for address in (envelope, *from_addresses):
        local = (address or "").strip().strip("<>").rpartition("@")[0].lower()
        if local and _ROBOT_SENDER.match(local):
            return f"robot sender {address.strip()[:100]}"
    return ""


def is_automated(message: EmailMessage, mail_from: str) -> bool:
    """See `automated_reason`."""
    return bool(automated_reason(message, mail_from))


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
    name, address = parseaddr(header_text(message, "From", limit=None))
    if not address:
        addresses = getaddresses([header_text(message, "Sender", limit=None)])
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
    ids = message_ids(header_text(message, "Message-ID", limit=None))
    message_id = ids[0] if ids else make_msgid(domain=list_domain()).strip("<>")
    in_reply_to = message_ids(header_text(message, "In-Reply-To", limit=None))
    return ParsedPost(
        sender_email=storable(address.strip()), sender_name=storable(name.strip()[:150]),
        subject=storable(header_text(message, "Subject", limit=None)[:998]),
        body_text=storable(text),
        body_html=storable(html_body or ""), message_id=storable(message_id),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=message_ids(header_text(message, "References", limit=None))[-50:],
        attachments=attachments,
    )


def storable(value: str) -> str:
    """Text from mail, safe to store: PostgreSQL text cannot hold NUL, and mail can (a
    hypothesis test found it). U+FFFD marks where one was."""
    return value.replace("\x00", "\ufffd")


def reply_split(text: str) -> tuple[str, str]:
    """A mailed reply's own words, and the rest (its signature, the "On … wrote:" line and
    the quoted lines). mail-parser-reply knows the quoting styles of the common mail clients;
    a hand-written regex would not. Nothing recognisable as quoted: (text, ""); nothing but
    quoted: ("", text)."""
    text = (text or "").strip()
    replies = EmailReplyParser(languages=["en"]).read(text).replies
    if not replies:
        return text, ""
    # A first part with quote headers ("On … wrote:") means nothing was written above them.
    own = "" if replies[0].headers else replies[0].body.strip()
    if own == text:
        return text, ""
    rest = text[len(own):].strip() if own and text.startswith(own) else text
    return own, rest
