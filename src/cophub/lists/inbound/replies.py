"""Automatic answers to inbound mail (command replies, refusals), sent from
`<list>-request@`, never to robots (RFC 3834)."""

from email.message import EmailMessage

from django.template.loader import render_to_string

from cophub.core.mail import mail_enqueue_template

from ..mailparse import header_text, is_automated, sender_address
from ..models import MailingList


def reply_send(*, mailing_list: MailingList, message: EmailMessage, mail_from: str,
               template: str, context: dict) -> str:
    """Send an automatic reply from <list>-request@ (rendered from `template`) to the
    sender, unless the sender is a robot or has no usable address. Returns what happened
    in words for the result."""
    if is_automated(message, mail_from):
        return "no reply: automated sender"
    name, address = sender_address(message, mail_from)
    if not address:
        return "no reply: no usable sender address"
    headers = {"Auto-Submitted": "auto-replied", "X-Loop": mailing_list.companion("request")}
    original_id = header_text(message, "Message-ID")
    if original_id.startswith("<") and original_id.endswith(">") and len(original_id) < 300:
        headers["In-Reply-To"] = original_id
        headers["References"] = original_id
    subject = header_text(message, "Subject")[:200]
    mail_enqueue_template(
        to=address, template_prefix=template,
        context={**list_context(mailing_list), "sender_name": name, "sender_email": address,
                 "original_subject": subject, "help": help_text(mailing_list), **context},
        headers=headers, from_email=mailing_list.companion("request"),
    )
    return f"replied to {address}"


def list_context(mailing_list: MailingList) -> dict:
    """What the command templates need to name the list's addresses."""
    return {"mailing_list": mailing_list,
            **{f"{role}_address": mailing_list.companion(role)
               for role in ("request", "join", "leave", "owner")}}


def help_text(mailing_list: MailingList) -> str:
    return render_to_string("lists/email/command_help.txt", list_context(mailing_list))
