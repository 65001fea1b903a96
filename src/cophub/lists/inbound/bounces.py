"""Bounces to <list>-bounces@ (VERP: <list>-bounces+jane=agency.gov@): score the subscriber
and disable delivery at COPHUB_BOUNCE_THRESHOLD.

flufl.bounce reads the notice (RFC 3464 DSNs and the usual vendor formats) and says which
addresses failed permanently or temporarily. The VERP address names the subscriber whose
copy bounced even when the notice names a forwarding address instead, so it wins when
present. A permanent failure scores 1.0, a temporary one 0.5; a score older than
COPHUB_BOUNCE_STALE_DAYS starts again from 0. A notice nobody can read is kept as an
"unparseable" Bounce for review. Nothing here raises for anything in the message.
"""

import logging
from datetime import timedelta
from email.message import EmailMessage

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from flufl.bounce import all_failures

from cophub.core.audit import audit_record

from ..mailparse import body_text, storable
from ..models import Bounce, InboundMessage, MailingList, Subscription
from ..services import list_notify_owners

logger = logging.getLogger(__name__)

SCORES = {Bounce.Kind.HARD: 1.0, Bounce.Kind.SOFT: 0.5}


def bounce_process(*, inbound: InboundMessage | None, mailing_list: MailingList | None,
                   verp_email: str, message: EmailMessage) -> str:
    """Record the bounce(s) in `message` and score the subscriptions they name. Returns the
    result in words. Never raises for a malformed or unknown notice."""
    permanent, temporary = _failures(message)
    diagnostic = _diagnostic(message)
    if verp_email:
        verp_email = verp_email.lower()
        if verp_email in permanent or (permanent and verp_email not in temporary):
            found = {verp_email: Bounce.Kind.HARD}
        elif temporary:
            found = {verp_email: Bounce.Kind.SOFT}
        else:
            # Came back to a VERP address but says nothing we can read: an auto-reply or a
            # vendor format flufl.bounce does not know. Kept, not scored.
            found = {}
    else:
        found = {a: Bounce.Kind.SOFT for a in temporary}
        found.update({a: Bounce.Kind.HARD for a in permanent})
    if not found:
        Bounce.objects.create(inbound=inbound, mailing_list=mailing_list,
                              email=storable(verp_email), kind=Bounce.Kind.UNPARSEABLE,
                              diagnostic=storable(diagnostic))
        return "bounce: unparseable, kept for review"
    results = [bounce_record(inbound=inbound, mailing_list=mailing_list, email=address,
                             kind=kind, diagnostic=diagnostic)
               for address, kind in sorted(found.items())]
    return "bounce: " + "; ".join(results)


def bounce_record(*, inbound: InboundMessage | None, mailing_list: MailingList | None,
                  email: str, kind: str, diagnostic: str = "") -> str:
    """One bounce for one address: a Bounce row, and the subscription's score raised under
    a row lock. At the threshold an active subscription is disabled (audit row
    `lists.subscription.disabled`) and the owners are told, once: only that transition
    notifies. Returns the result in words."""
    with transaction.atomic():
        subscription = None
        if mailing_list is not None:
            subscription = (Subscription.objects.select_for_update()
                            .select_related("subscriber")
                            .filter(mailing_list=mailing_list,
                                    subscriber__email__iexact=email).first())
        Bounce.objects.create(inbound=inbound, mailing_list=mailing_list,
                              subscription=subscription, email=storable(email[:254]),
                              kind=kind, diagnostic=storable(diagnostic))
        if subscription is None:
            return f"{kind} for {email} (not subscribed)"
        now = timezone.now()
        stale = now - timedelta(days=settings.COPHUB_BOUNCE_STALE_DAYS)
        if subscription.last_bounce_at is None or subscription.last_bounce_at < stale:
            subscription.bounce_score = 0
        subscription.bounce_score += SCORES[kind]
        subscription.last_bounce_at = now
        fields = ["bounce_score", "last_bounce_at"]
        disabled = (subscription.state == Subscription.State.ACTIVE
                    and subscription.bounce_score >= settings.COPHUB_BOUNCE_THRESHOLD)
        if disabled:
            subscription.state = Subscription.State.DISABLED
            subscription.state_changed_at = now
            fields += ["state", "state_changed_at"]
        subscription.save(update_fields=fields)
        if not disabled:
            return f"{kind} for {email} (score {subscription.bounce_score:g})"
        audit_record(actor=None, verb="lists.subscription.disabled", obj=subscription,
                     scope=mailing_list.community.slug,
                     data={"email": email, "bounce_score": subscription.bounce_score,
                           "threshold": settings.COPHUB_BOUNCE_THRESHOLD})
        _owners_notify(mailing_list, subscription, diagnostic)
        return f"{kind} for {email} (score {subscription.bounce_score:g}: delivery disabled)"


def _owners_notify(mailing_list: MailingList, subscription: Subscription,
                   diagnostic: str) -> None:
    context = {"mailing_list": mailing_list, "subscription": subscription,
               "email": subscription.subscriber.email, "diagnostic": diagnostic,
               "threshold": settings.COPHUB_BOUNCE_THRESHOLD,
               "stale_days": settings.COPHUB_BOUNCE_STALE_DAYS}
    subject = " ".join(render_to_string("lists/email/bounce_disabled_subject.txt",
                                        context).split())
    list_notify_owners(
        mailing_list=mailing_list, subject=subject,
        body_text=render_to_string("lists/email/bounce_disabled_message.txt", context))


def _failures(message: EmailMessage) -> tuple[set[str], set[str]]:
    """(permanent, temporary) addresses, lower case. A detector that crashes on a strange
    notice counts as finding nothing: the notice is then kept as unparseable."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 — flufl.bounce's heuristics meet arbitrary input
        logger.warning("flufl.bounce could not read a bounce", exc_info=True)
        return set(), set()
    return _addresses(permanent), _addresses(temporary)


def _addresses(found) -> set[str]:
    result = set()
    for item in found or ():
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        text = text.strip().strip("<>").lower()
        if "@" in text and len(text) <= 254:
            result.add(text)
    return result


def _diagnostic(message: EmailMessage) -> str:
    """The Status and Diagnostic-Code lines of a DSN, or the start of the notice's text,
    for the person reviewing bounces."""
    lines = []
    try:
        for part in message.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            for block in part.get_payload() or []:
                for name in ("Final-Recipient", "Action", "Status", "Diagnostic-Code"):
                    value = block.get(name) if hasattr(block, "get") else None
                    if value:
                        lines.append(f"{name}: {' '.join(str(value).split())}")
    except Exception:  # noqa: BLE001 — a malformed delivery-status part
        lines = []
    if not lines:
        lines = [line for line in body_text(message).splitlines() if line.strip()][:10]
    return "\n".join(lines)[:2000]
