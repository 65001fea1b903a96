"""The one throttle on automatic mail to an address: confirmation requests, command
replies, refusals. Anyone can type any address into a form or a From line, so everything
we send unasked could be aimed at a stranger (backscatter); each address gets at most
AUTO_MAIL_PER_ADDRESS such messages in AUTO_MAIL_WINDOW, across all lists.

Counted from the rows the messages leave anyway (pending `Confirmation`s, `AutoReply`),
under a per-address lock, so a burst processed by several workers at once cannot slip
past the count."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from ..models import AutoReply, Confirmation, MailingList

AUTO_MAIL_PER_ADDRESS = 5
AUTO_MAIL_WINDOW = timedelta(days=1)
# Arbitrary constant naming this family of PostgreSQL advisory locks (the address is the
# second key).
_PG_LOCK_NAMESPACE = 0x4C495354  # "LIST"


def auto_mail_remaining(*, email: str) -> int:
    """How many more automatic messages `email` may be sent now (0 when throttled). Takes
    the address's lock until the caller's transaction ends: call it inside the transaction
    that writes the message's row."""
    email = (email or "").strip().lower()
    _address_lock(email)
    since = timezone.now() - AUTO_MAIL_WINDOW
    sent = (Confirmation.objects.filter(email__iexact=email, confirmed_at__isnull=True,
                                        created_at__gt=since).count()
            + AutoReply.objects.filter(email=email, created_at__gt=since).count())
    return max(AUTO_MAIL_PER_ADDRESS - sent, 0)


@transaction.atomic
def auto_reply_reserve(*, email: str, mailing_list: MailingList | None,
                       template: str) -> bool:
    """Count one automatic reply to `email` if the throttle allows it: True (send it, in
    this transaction) or False (throttled: send nothing)."""
    if auto_mail_remaining(email=email) <= 0:
        return False
    AutoReply.objects.create(email=(email or "").strip().lower()[:254],
                             mailing_list=mailing_list, template=template[:200])
    return True


def _address_lock(email: str) -> None:
    """Serialise the count-then-send of one address until the transaction ends.
    PostgreSQL: an advisory lock; SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                           [_PG_LOCK_NAMESPACE, email])
