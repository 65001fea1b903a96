"""Bounces to <list>-bounces@: score the subscriber a signed VERP address names
(<list>-bounces+<token>-jane=agency.gov@ or +<token>-<subscription id>@, see `addresses`) and
disable delivery at COPHUB_BOUNCE_THRESHOLD. Bounces of notices (bounces+<token>-jane=…@,
the return path of every message the outbox sends without one of its own) are recorded for
the address they name, with no list.

flufl.bounce reads the notice (RFC 3464 DSNs and the usual vendor formats) and says which
addresses failed permanently or temporarily. Only the verified VERP address decides whom a
report is about: it names the subscriber whose copy bounced even when the notice names a
forwarding address instead, and a report there scores that one subscription and nobody else
it names. A permanent failure scores 1.0, a temporary one 0.5; a score older than
COPHUB_BOUNCE_STALE_DAYS starts again from 0.

A notice's return path is stricter: no subscription stands behind it, and its only effect is
on the address (a hard bounce lapses a government address), so the report must name that
very address. A report there that names only others (a forwarding target that failed) is
kept for review and scores nothing.

Anything else (a report to the plain -bounces@ address, to an unsigned or forged VERP
address) is kept as an "unverified" Bounce per address it names, for the owners' bounces
page, and scores nothing: anyone can write a report naming any subscriber (issue 17,
finding 2). A notice nobody can read is kept as "unparseable". Nothing here raises for
anything in the message.
"""

import logging
from datetime import timedelta
from email.message import EmailMessage

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone
from flufl.bounce import all_failures

from cophub.accounts.models import QualifyingAddressLapse
from cophub.accounts.services import address_lapse
from cophub.core.audit import audit_record

from .. import addresses
from ..addresses import ListAddress
from ..mailparse import body_text, storable
from ..models import Bounce, InboundMessage, MailingList, Subscription
from ..services import list_notify_owners

logger = logging.getLogger(__name__)

SCORES = {Bounce.Kind.HARD: 1.0, Bounce.Kind.SOFT: 0.5}
# Rows kept per unverified report: enough for the owners to see whom it claims, while a
# forged report naming the whole list writes no more than this.
UNVERIFIED_ROWS = 20


def bounce_process(*, inbound: InboundMessage | None, mailing_list: MailingList | None,
                   address: ListAddress, message: EmailMessage) -> str:
    """Record the bounce(s) in `message`; score only the subscription a verified VERP
    `address` names (a notice's: only the address it names, if the report names it too).
    Returns the result in words. Never raises for a malformed or unknown notice."""
    permanent, temporary = _failures(message)
    diagnostic = _diagnostic(message)
    named = permanent | temporary
    if not address.verp_verified:
        return _unverified_keep(inbound=inbound, mailing_list=mailing_list, address=address,
                                named=named, diagnostic=diagnostic)
    subscription_id = address.verp_subscription_id
    email = address.verp_email.lower()
    if subscription_id is not None:
        email = _subscription_email(mailing_list, subscription_id)
    if address.is_notice_bounce and named and email not in named:
        return _unverified_keep(
            inbound=inbound, mailing_list=None, address=address, named=named,
            diagnostic=diagnostic, why=f"names others, not {email}",
            note=(f"Not scored: the notice to {email} came back to its signed return path, "
                  "but the report names other addresses."))
    if email in permanent or (permanent and email not in temporary):
        kind = Bounce.Kind.HARD
    elif temporary:
        kind = Bounce.Kind.SOFT
    else:
        # Came back to a VERP address but says nothing we can read: an auto-reply or a
        # vendor format flufl.bounce does not know. Kept, not scored.
        Bounce.objects.create(inbound=inbound, mailing_list=mailing_list,
                              email=storable(email[:254]), kind=Bounce.Kind.UNPARSEABLE,
                              diagnostic=storable(diagnostic))
        return "bounce: unparseable, kept for review"
    result = bounce_record(inbound=inbound, mailing_list=mailing_list, email=email, kind=kind,
                           diagnostic=diagnostic, subscription_id=subscription_id)
    if kind == Bounce.Kind.HARD and email:
        # Only here, behind the signed VERP token: a forged report must not take anyone's
        # government tier away (issue 17, "Government status that follows people").
        lapsed = address_lapse(email=email, reason=QualifyingAddressLapse.Reason.HARD_BOUNCE,
                               detail=diagnostic)
        if lapsed:
            result += "; government address lapsed"
    return "bounce: " + result


def bounce_record(*, inbound: InboundMessage | None, mailing_list: MailingList | None,
                  email: str, kind: str, diagnostic: str = "",
                  subscription_id: int | None = None) -> str:
    """One verified bounce for one address (or, with `subscription_id`, for that
    subscription of `mailing_list`): a Bounce row, and the subscription's score raised under
    a row lock. Call it only for a report whose VERP token verified. At the threshold an
    active subscription is disabled (audit row `lists.subscription.disabled`) and the owners
    are told, once: only that transition notifies. Returns the result in words."""
    with transaction.atomic():
        subscription = None
        if mailing_list is not None:
            found = (Subscription.objects.select_for_update().select_related("subscriber")
                     .filter(mailing_list=mailing_list))
            found = (found.filter(pk=subscription_id) if subscription_id is not None
                     else found.filter(subscriber__email__iexact=email))
            subscription = found.first()
        Bounce.objects.create(inbound=inbound, mailing_list=mailing_list,
                              subscription=subscription, email=storable(email[:254]),
                              kind=kind, diagnostic=storable(diagnostic))
        if subscription is None:
            return f"{kind} for {email}" + (" (not subscribed)" if mailing_list else "")
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


def _unverified_keep(*, inbound: InboundMessage | None, mailing_list: MailingList | None,
                     address: ListAddress, named: set[str], diagnostic: str,
                     note: str = "", why: str = "not verified (no signed VERP address)") -> str:
    """A report we cannot attribute: one "unverified" row per address it names (at most
    UNVERIFIED_ROWS, linked to that subscription so the owners see whom it claims), or one
    "unparseable" row if it names nobody. Scores nothing, tells nobody. `note` and `why`
    say why, on the rows and in the result."""
    if not note:
        base = (addresses.NOTICE_BOUNCES if address.is_notice_bounce
                else f"{address.local_part}-bounces")
        where = (f"{base}+{address.verp_unverified}@…" if address.verp_unverified
                 else f"{base}@…")
        note = f"Not verified, not scored: came to {where}, not to a signed VERP address."
    note = f"{note}\n{diagnostic}"
    if not named:
        Bounce.objects.create(inbound=inbound, mailing_list=mailing_list,
                              kind=Bounce.Kind.UNPARSEABLE, diagnostic=storable(note))
        return "bounce: unparseable and not verified, kept for review"
    shown = sorted(named)[:UNVERIFIED_ROWS]
    subscriptions = {}
    if mailing_list is not None:
        subscriptions = {s.subscriber.email.lower(): s for s in
                         Subscription.objects.select_related("subscriber")
                         .alias(email_lower=Lower("subscriber__email"))
                         .filter(mailing_list=mailing_list, email_lower__in=shown)}
    Bounce.objects.bulk_create(
        Bounce(inbound=inbound, mailing_list=mailing_list, subscription=subscriptions.get(a),
               email=storable(a), kind=Bounce.Kind.UNVERIFIED, diagnostic=storable(note))
        for a in shown)
    more = f" and {len(named) - len(shown)} more" if len(named) > len(shown) else ""
    return f"bounce: {why}, kept for review, nothing scored: {', '.join(shown)}{more}"


def _subscription_email(mailing_list: MailingList | None, subscription_id: int) -> str:
    if mailing_list is None:
        return ""
    email = (Subscription.objects.filter(pk=subscription_id, mailing_list=mailing_list)
             .values_list("subscriber__email", flat=True).first())
    return (email or "").lower()


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
