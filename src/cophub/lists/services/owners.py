"""Telling the people who run a list (`selectors.list_owners`): held posts, disabled
subscriptions, mail to `<list>-owner@`."""

from cophub.core.mail import mail_enqueue

from ..models import MailingList
from ..selectors import list_owners


def list_notify_owners(*, mailing_list: MailingList, subject: str, body_text: str) -> int:
    """Mail every owner of the list (from `<list>-owner@`, in the caller's transaction).
    Returns how many messages were queued."""
    owners = list(list_owners(mailing_list=mailing_list).values_list("email", flat=True))
    for email in owners:
        mail_enqueue(to=email, subject=" ".join(subject.split()), body_text=body_text,
                     from_email=mailing_list.companion("owner"),
                     headers={"X-Loop": mailing_list.address, "Auto-Submitted": "auto-generated"})
    return len(owners)
