"""Automatic answers to inbound mail (command replies, refusals), sent from
`<list>-request@`, never to robots or null senders (RFC 3834), and at most the throttle's
allowance per address (`services.throttle`): a From line can be forged, so every answer
could be backscatter aimed at a stranger."""

from email.message import EmailMessage

from django.db import transaction
from django.template.loader import render_to_string

from cophub.core.mail import mail_enqueue_template

from ..mailparse import automated_reason, header_text, sender_address
from ..models import MailingList
from ..services import AUTO_MAIL_PER_ADDRESS, auto_reply_reserve


def reply_send(*, mailing_list: MailingList | None, message: EmailMessage, mail_from: str,
               template: str, context: dict, from_email: str = "") -> str:
    """Send an automatic reply from <list>-request@ (rendered from `template`) to the
    sender, unless the sender is a robot, has no usable address, or has had its allowance
    of automatic mail. Without a list (an address another app handles) it comes from
    `from_email`. Returns what happened in words for the result."""
    reason = automated_reason(message, mail_from)
    if reason:
        return f"no reply: automated sender ({reason})"
    name, address = sender_address(message, mail_from)
    if not address:
        return "no reply: no usable sender address"
    with transaction.atomic():
        if not auto_reply_reserve(email=address, mailing_list=mailing_list,
                                  template=template):
            return (f"no reply: throttled ({address} has had {AUTO_MAIL_PER_ADDRESS} "
                    "automatic messages in a day)")
        _reply_enqueue(mailing_list=mailing_list, message=message, name=name,
                       address=address, template=template, context=context,
                       from_email=from_email)
    return f"replied to {address}"


def reply_headers(*, message: EmailMessage, sender: str) -> dict[str, str]:
    """The headers of an automatic answer to `message` sent from `sender`: RFC 3834's
    Auto-Submitted, our X-Loop, and the threading headers that file it under the message."""
    headers = {"Auto-Submitted": "auto-replied", "X-Loop": sender}
    original_id = header_text(message, "Message-ID")
    if original_id.startswith("<") and original_id.endswith(">") and len(original_id) < 300:
        headers["In-Reply-To"] = original_id
        headers["References"] = original_id
    return headers


def _reply_enqueue(*, mailing_list: MailingList | None, message: EmailMessage, name: str,
                   address: str, template: str, context: dict, from_email: str = "") -> None:
    sender = mailing_list.companion("request") if mailing_list else from_email
    headers = reply_headers(message=message, sender=sender)
    subject = header_text(message, "Subject")[:200]
    about_list = ({**list_context(mailing_list), "help": help_text(mailing_list)}
                  if mailing_list else {})
    mail_enqueue_template(
        to=address, template_prefix=template,
        context={**about_list, "sender_name": name, "sender_email": address,
                 "original_subject": subject, **context},
        headers=headers, from_email=sender,
    )


def list_context(mailing_list: MailingList) -> dict:
    """What the command templates need to name the list's addresses."""
    return {"mailing_list": mailing_list,
            **{f"{role}_address": mailing_list.companion(role)
               for role in ("request", "join", "leave", "owner")}}


def help_text(mailing_list: MailingList) -> str:
    return render_to_string("lists/email/command_help.txt", list_context(mailing_list))
