"""Mail to a community's contact address, `contact+<community>@<list domain>`
(`Community.contact_address`), which its pages and its calendar invitations give out. The
router hands it over with robots and loops already dropped and the sender's authentication
found (`services.handlers`); what happens then:

- **"Request for AI Training Links"** anywhere in the subject (any case; "Re:" and "Fwd:"
  change nothing): the AI CoP's way for government employees who cannot sign in to ask for
  the recordings. From a sender whose domain vouched for the message (DKIM or DMARC, as
  for e-mailed posts), the sender is mailed a link that confirms the address and opens the
  request (`learning.services.access_request_link_send`); the request exists only once they
  send it there. From anyone else, one reply pointing to the web form, and no link: a From
  line can be forged, and the link would go to whoever it names.
- **A calendar program's answer** to an invitation (the invitations name this address as
  their organizer): recorded, nothing sent; the registration on the site is what counts.
- **Anything else**: a copy to each of the community's organizers (Reply-To the sender, and
  marked when the sender is not authenticated), and one reply saying what the address is
  for. The message itself stays in the inbound record.

Every answer goes through the per-address throttle (`reply_send`, `auto_reply_reserve`). A
message delivered twice (a sending server's retry after a lost reply) is acted on once: the
result line names its Message-ID, and an earlier result naming it means it was handled."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import Community, CommunityRole
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue
from cophub.learning import services as learning

from ..mailparse import (
    all_headers,
    automated_reason,
    body_text,
    header_text,
    loop_addresses,
    reply_split,
    sender_address,
)
from ..models import InboundMessage
from ..services import auto_reply_reserve
from .replies import reply_headers, reply_send

# How far back a message's Message-ID is looked for: longer than any sending server retries.
DUPLICATE_WINDOW = timedelta(days=7)
FORWARDED_BODY_MAX = 50_000
LINK_TEMPLATE = "learning/email/access_request_link"  # what the throttle counts


def contact_community(extension: str) -> Community | None:
    return Community.objects.filter(slug__iexact=extension.strip()).first()


def contact_address_accepts(extension: str) -> bool:
    """For the mail server, at RCPT: only the contact addresses of existing communities."""
    return contact_community(extension) is not None


def contact_mail_handle(*, inbound: InboundMessage, message: EmailMessage, extension: str,
                        authentication) -> str:
    community = contact_community(extension)
    if community is None:  # deleted since the mail server took the message
        return "ignored: no such community"
    address_line = community.contact_address
    if any(address_line in loop_addresses(v) for v in all_headers(message, "X-Loop")):
        return "dropped: mail loop"
    message_id = header_text(message, "Message-ID")[:300]
    marker = f"[contact {community.slug} {message_id}]" if message_id else ""
    if marker and _handled_before(inbound, marker):
        return f"already handled {marker}"
    result = _handle(community, inbound, message, authentication)
    return f"{result} {marker}".strip()


def _handled_before(inbound: InboundMessage, marker: str) -> bool:
    return (InboundMessage.objects
            .filter(status=InboundMessage.Status.PROCESSED,
                    received_at__gte=timezone.now() - DUPLICATE_WINDOW,
                    result__contains=marker)
            .exclude(pk=inbound.pk).exists())


def _handle(community: Community, inbound: InboundMessage, message: EmailMessage,
            authentication) -> str:
    name, address = sender_address(message, inbound.mail_from)
    if _is_calendar_answer(message):
        return f"recorded: a calendar answer from {address or 'an unknown sender'}"
    automated = automated_reason(message, inbound.mail_from)
    if automated or not address:
        return (f"recorded: {automated or 'no usable sender address'}; "
                "nothing forwarded, no reply")
    subject = header_text(message, "Subject")
    authenticated = authentication is not None and authentication.passed
    if learning.subject_asks_for_training_links(subject):
        if not authenticated:
            replied = _reply(community, message, inbound, "lists/email/contact_unverified", {
                "web_url": learning.access_request_web_url(community=community),
                "why": getattr(authentication, "reason", "")})
            return f"training links: sender not authenticated, no link ({replied})"
        return _training_links(community, inbound, message, name=name, address=address,
                               subject=subject)
    forwarded = _forward(community, message, name=name, address=address, subject=subject,
                         authenticated=authenticated)
    replied = _reply(community, message, inbound, "lists/email/contact_about",
                     {"forwarded": forwarded})
    return f"forwarded to {forwarded} organizer(s) ({replied})"


def _training_links(community: Community, inbound: InboundMessage, message: EmailMessage, *,
                    name: str, address: str, subject: str) -> str:
    body = body_text(message)
    text = f"{subject}\n{body}"
    if learning.access_request_series_guess(community=community, text=text).series is None:
        replied = _reply(community, message, inbound, "lists/email/contact_about",
                         {"forwarded": 0, "no_series": True})
        return f"training links: the community has no training series ({replied})"
    own, _ = reply_split(body)
    with transaction.atomic():
        if not auto_reply_reserve(email=address, mailing_list=None, template=LINK_TEMPLATE):
            return f"training links: no link sent, throttled ({address})"
        guess = learning.access_request_link_send(
            community=community, email=address, name=name, text=text,
            reason=" ".join(own.split()),
            headers=reply_headers(message=message, sender=community.contact_address))
    return f"training links: confirmation link sent to {address} ({guess.series.title})"


def _reply(community: Community, message: EmailMessage, inbound: InboundMessage,
           template: str, context: dict) -> str:
    return reply_send(mailing_list=None, message=message, mail_from=inbound.mail_from,
                      template=template,
                      context={"community": community,
                               "contact_address": community.contact_address,
                               "community_url": site_url(community.get_absolute_url()),
                               "lists_url": site_url(reverse("lists:index")),
                               "request_subject": learning.REQUEST_SUBJECT, **context},
                      from_email=formataddr((community.name, community.contact_address)))


def _forward(community: Community, message: EmailMessage, *, name: str, address: str,
             subject: str, authenticated: bool) -> int:
    """A copy for each organizer, from the contact address; replying answers the sender."""
    organizers = list(CommunityRole.objects.filter(
        community=community, role=CommunityRole.Role.ORGANIZER, user__is_active=True)
        .values_list("user__email", flat=True))
    context = {"community": community, "contact_address": community.contact_address,
               "sender_name": name, "sender_email": address, "authenticated": authenticated,
               "original_subject": subject[:200],
               "body": body_text(message)[:FORWARDED_BODY_MAX]}
    subject_line = " ".join(render_to_string("lists/email/contact_forward_subject.txt",
                                             context).split())
    text = render_to_string("lists/email/contact_forward_message.txt", context)
    for email in organizers:
        mail_enqueue(to=email, subject=subject_line, body_text=text,
                     from_email=formataddr((f"{community.name} contact address",
                                            community.contact_address)),
                     headers={"Reply-To": address, "X-Loop": community.contact_address,
                              "Auto-Submitted": "auto-generated"})
    return len(organizers)


def _is_calendar_answer(message: EmailMessage) -> bool:
    """An iTIP answer (RFC 5546: REPLY, COUNTER, REFRESH) a calendar program sends to an
    invitation's organizer when someone accepts or declines."""
    try:
        parts = list(message.walk())
    except Exception:  # noqa: BLE001 — a broken MIME structure is no calendar answer
        return False
    for part in parts:
        if part.get_content_type() == "text/calendar":
            method = (part.get_param("method") or "").upper()
            if method in ("REPLY", "COUNTER", "REFRESH"):
                return True
            text = part.get_payload(decode=True) or b""
            if any(f"METHOD:{m}".encode() in text.upper()
                   for m in ("REPLY", "COUNTER", "REFRESH")):
                return True
    return False
