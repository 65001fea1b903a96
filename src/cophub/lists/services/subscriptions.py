"""Subscribers and subscriptions: who may join a list, double opt-in confirmations,
leaving, delivery settings, and re-enabling what bounces disabled."""

import re
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cophub.accounts.domains import domain_verdict
from cophub.communities.models import Membership
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..exceptions import (
    AlreadySubscribed,
    ConfirmationInvalid,
    ListError,
    NotAllowed,
    NotEligible,
    NotSubscribed,
)
from ..models import Confirmation, MailingList, Subscriber, Subscription
from ..selectors import address_lapsed, list_can_manage
from .throttle import auto_mail_remaining
from .unsubscribe import unsubscribe_url

CONFIRMATION_LIFETIME = timedelta(days=7)
# token_urlsafe(24) is 32 characters of [A-Za-z0-9_-]; found anywhere in a reply.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])")


def email_normalize(email: str) -> str:
    """The address as stored: trimmed, domain lower-cased. Raises NotEligible if malformed."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise NotEligible(f"“{email[:100]}” is not a valid e-mail address.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def verified_user_for(email: str):
    """The account that has verified this address, or None."""
    found = (EmailAddress.objects.filter(email__iexact=email, verified=True)
             .select_related("user").first())
    return found.user if found else None


# --- eligibility -------------------------------------------------------------------------


def list_accepts_address(*, mailing_list: MailingList, email: str) -> tuple[bool, str]:
    """Whether `email` may join the list, and if not, a sentence saying why.

    Government lists: the address itself must qualify for the government tier (a government
    account does not make its other, non-government addresses eligible), and must not have
    lapsed (mail to it bounced for good: its holder left). Group lists: the address is
    verified on an account that is an active member of the group."""
    try:
        email = email_normalize(email)
    except NotEligible as exc:
        return False, str(exc)
    if not mailing_list.is_active:
        return False, f"{mailing_list.address} is closed to new subscribers."
    match mailing_list.audience:
        case MailingList.Audience.ANYONE:
            return True, ""
        case MailingList.Audience.GOVERNMENT:
            if domain_verdict(email).is_government:
                if address_lapsed(email=email):
                    return False, (f"{email} no longer counts as a government address: mail "
                                   "to it was returned as undeliverable, so "
                                   f"{mailing_list.address} is closed to it. Join with the "
                                   "government address you use now.")
                return True, ""
            return False, (f"Only government employees with a .gov or .mil address can join "
                           f"{mailing_list.address}; {email} does not qualify.")
        case MailingList.Audience.GROUP:
            user = verified_user_for(email)
            if user is not None and mailing_list.group_id and Membership.objects.filter(
                    group_id=mailing_list.group_id, user=user,
                    state=Membership.State.ACTIVE).exists():
                return True, ""
            group = mailing_list.group.name if mailing_list.group_id else "the group"
            return False, (f"Only members of {group} can join {mailing_list.address}, with an "
                           f"address verified on their account; {email} is not one.")
    return False, f"{mailing_list.address} does not accept subscribers."


def _check_eligible(mailing_list: MailingList, email: str) -> None:
    ok, reason = list_accepts_address(mailing_list=mailing_list, email=email)
    if not ok:
        raise NotEligible(reason)


# --- subscribers and subscriptions ---------------------------------------------------------


def subscriber_get_or_create(*, email: str, name: str = "", user=None) -> Subscriber:
    """The one subscriber record for this address (case-insensitive), linked to the account
    that verified it. Safe against a concurrent create (the unique index decides)."""
    email = email_normalize(email)
    user = user if user is not None and _user_verified(user, email) else verified_user_for(email)
    subscriber = Subscriber.objects.filter(email__iexact=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                return Subscriber.objects.create(email=email, name=name[:150], user=user)
        except IntegrityError:  # someone created it meanwhile
            subscriber = Subscriber.objects.get(email__iexact=email)
    changed = []
    if user is not None and subscriber.user_id is None:
        subscriber.user = user
        changed.append("user")
    if name and not subscriber.name:
        subscriber.name = name[:150]
        changed.append("name")
    if changed:
        subscriber.save(update_fields=changed)
    return subscriber


def _user_verified(user, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _active_subscription(mailing_list: MailingList, email: str) -> Subscription | None:
    return (Subscription.objects.filter(mailing_list=mailing_list, subscriber__email__iexact=email)
            .exclude(state=Subscription.State.UNSUBSCRIBED).select_related("subscriber").first())


@transaction.atomic
def subscription_request(*, mailing_list: MailingList, email: str, name: str = "", user=None,
                         via: str, delivery: str = Subscription.Delivery.EACH,
                         ) -> Confirmation | Subscription:
    """Start (or, for a signed-in person's own verified address, complete) a subscription.

    Anyone else gets a double opt-in: a `Confirmation` valid for 7 days and a message from
    `<list>-request@` with a link and `confirm <token>` in the subject, so that replying
    confirms too. Raises NotEligible (audience, malformed address) or AlreadySubscribed."""
    email = email_normalize(email)
    _check_eligible(mailing_list, email)
    _check_delivery(mailing_list, delivery)
    existing = _active_subscription(mailing_list, email)
    if existing is not None and existing.state == Subscription.State.ACTIVE:
        raise AlreadySubscribed(f"{existing.subscriber.email} is already subscribed to "
                                f"{mailing_list.address}.")
    if user is not None and user.is_authenticated and _user_verified(user, email):
        return _subscription_activate(mailing_list=mailing_list, email=email,
                                      name=name or user.name, user=user, via=via,
                                      delivery=delivery, actor=user)
    return _confirmation_create(mailing_list=mailing_list, email=email, name=name,
                                user=user if user is not None and user.is_authenticated else None,
                                action=Confirmation.Action.SUBSCRIBE, via=via, delivery=delivery)


@transaction.atomic
def unsubscribe_request(*, mailing_list: MailingList, email: str, via: str) -> Confirmation:
    """Ask the address to confirm leaving (anyone can type an address, so the owner of the
    address decides). Raises NotSubscribed."""
    try:
        email = email_normalize(email)
    except NotEligible as exc:
        raise NotSubscribed(str(exc)) from None
    if _active_subscription(mailing_list, email) is None:
        raise NotSubscribed(f"{email} is not subscribed to {mailing_list.address}.")
    return _confirmation_create(mailing_list=mailing_list, email=email, name="", user=None,
                                action=Confirmation.Action.UNSUBSCRIBE, via=via,
                                delivery=Subscription.Delivery.EACH)


# Anyone can type any address into a subscribe form or a From line, so confirmation mail
# could be aimed at a stranger: one message per list and address per window, and within
# the one throttle on automatic mail to an address (`throttle`), whatever is asked.
CONFIRMATION_RESEND_AFTER = timedelta(minutes=15)


def _confirmation_create(*, mailing_list, email, name, user, action, via, delivery):
    now = timezone.now()
    pending = (Confirmation.objects.filter(
        email__iexact=email, confirmed_at__isnull=True, mailing_list=mailing_list,
        action=action, created_at__gt=now - CONFIRMATION_RESEND_AFTER)
        .order_by("-created_at").first())
    if pending is not None:
        return pending  # already in their inbox; a second copy helps no one
    if auto_mail_remaining(email=email) <= 0:
        raise ListError(f"We have already sent several confirmation messages to {email} "
                        "today. Please use one of those, or try again tomorrow.")
    confirmation = Confirmation.objects.create(
        token=secrets.token_urlsafe(24), mailing_list=mailing_list, email=email,
        name=name[:150], user=user, action=action, via=via, delivery=delivery,
        created_at=now, expires_at=now + CONFIRMATION_LIFETIME)
    mail_enqueue_template(
        to=email, template_prefix=f"lists/email/confirm_{action}",
        context={"mailing_list": mailing_list, "confirmation": confirmation,
                 "confirm_url": site_url(reverse("lists:confirm", args=[confirmation.token])),
                 "request_address": mailing_list.companion("request")},
        from_email=mailing_list.companion("request"))
    audit_record(actor=user, verb=f"lists.confirmation.{action}_requested", obj=confirmation,
                 scope=mailing_list.community.slug, data={"email": email, "via": via})
    return confirmation


@transaction.atomic
def confirmation_confirm(*, token: str) -> Subscription:
    """Complete the confirmation: subscribe (re-activating an earlier subscription of the
    address rather than adding one) or unsubscribe. Confirming twice returns the same
    subscription. Concurrent confirmations of one token are serialised by the row lock, and
    the unique (list, subscriber) constraint backs it up. Raises ConfirmationInvalid."""
    confirmation = (Confirmation.objects.select_for_update()
                    .filter(token=(token or "").strip()[:64]).select_related("mailing_list")
                    .first())
    if confirmation is None:
        raise ConfirmationInvalid("This confirmation link is not valid. Please start again.")
    mailing_list = confirmation.mailing_list
    if confirmation.confirmed_at is not None:
        subscription = Subscription.objects.filter(
            mailing_list=mailing_list, subscriber__email__iexact=confirmation.email).first()
        if subscription is None:
            raise ConfirmationInvalid("This confirmation was already used.")
        return subscription
    if confirmation.expires_at <= timezone.now():
        raise ConfirmationInvalid(
            f"This confirmation expired on {confirmation.expires_at:%B} "
            f"{confirmation.expires_at.day}, {confirmation.expires_at.year}. Please ask "
            f"again: send a message to {mailing_list.companion('request')} or use the web.")
    confirmation.confirmed_at = timezone.now()
    confirmation.save(update_fields=["confirmed_at"])
    if confirmation.action == Confirmation.Action.UNSUBSCRIBE:
        subscription = _active_subscription(mailing_list, confirmation.email)
        if subscription is None:
            raise ConfirmationInvalid(f"{confirmation.email} is no longer subscribed to "
                                      f"{mailing_list.address}.")
        return subscription_cancel(subscription=subscription, via=confirmation.via)
    # The audience may have changed (or the address lost its tier) since the request.
    ok, reason = list_accepts_address(mailing_list=mailing_list, email=confirmation.email)
    if not ok:
        raise ConfirmationInvalid(reason)
    return _subscription_activate(
        mailing_list=mailing_list, email=confirmation.email, name=confirmation.name,
        user=confirmation.user, via=confirmation.via, delivery=confirmation.delivery,
        actor=confirmation.user)


def confirmation_find(*, text: str) -> Confirmation | None:
    """The confirmation whose token appears anywhere in `text` (a reply's subject or body)."""
    tokens = list(dict.fromkeys(_TOKEN_RE.findall(text or "")))[:50]
    if not tokens:
        return None
    return (Confirmation.objects.filter(token__in=tokens).select_related("mailing_list")
            .order_by("-created_at").first())


def _subscription_activate(*, mailing_list, email, name, user, via, delivery, actor):
    subscriber = subscriber_get_or_create(email=email, name=name, user=user)
    subscription = (Subscription.objects.select_for_update()
                    .filter(mailing_list=mailing_list, subscriber=subscriber).first())
    now = timezone.now()
    if subscription is None:
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    mailing_list=mailing_list, subscriber=subscriber, via=via,
                    delivery=delivery, created_at=now, state_changed_at=now)
        except IntegrityError:  # created concurrently: that one stands
            return Subscription.objects.get(mailing_list=mailing_list, subscriber=subscriber)
        verb = "lists.subscription.created"
    elif subscription.state == Subscription.State.ACTIVE:
        return subscription
    else:
        subscription.state = Subscription.State.ACTIVE
        subscription.delivery = delivery
        subscription.via = via
        subscription.state_changed_at = now
        subscription.bounce_score = 0
        subscription.save(update_fields=["state", "delivery", "via", "state_changed_at",
                                         "bounce_score"])
        verb = "lists.subscription.reactivated"
    subscription.subscriber = subscriber
    audit_record(actor=actor, verb=verb, obj=subscription, scope=mailing_list.community.slug,
                 data={"email": subscriber.email, "via": via})
    mail_enqueue_template(
        to=subscriber.email, template_prefix="lists/email/welcome",
        context={"mailing_list": mailing_list, "subscription": subscription,
                 "detail_url": site_url(reverse("lists:detail", args=[mailing_list.local_part])),
                 "unsubscribe_url": unsubscribe_url(subscription=subscription),
                 "can_post": mailing_list.kind == MailingList.Kind.DISCUSSION,
                 "leave_address": mailing_list.companion("leave"),
                 "request_address": mailing_list.companion("request")},
        from_email=mailing_list.companion("request"))
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, via: str, actor=None,
                        ) -> Subscription:
    """Stop delivery (one-click, e-mail, web, organizer). Cancelling twice changes nothing."""
    subscription = (Subscription.objects.select_for_update()
                    .select_related("mailing_list__community", "subscriber")
                    .get(pk=subscription.pk))
    if subscription.state == Subscription.State.UNSUBSCRIBED:
        return subscription
    subscription.state = Subscription.State.UNSUBSCRIBED
    subscription.state_changed_at = timezone.now()
    subscription.save(update_fields=["state", "state_changed_at"])
    audit_record(actor=actor, verb="lists.subscription.cancelled", obj=subscription,
                 scope=subscription.mailing_list.community.slug,
                 data={"email": subscription.subscriber.email, "via": via})
    return subscription


@transaction.atomic
def subscription_enable(*, subscription: Subscription, actor) -> Subscription:
    """Turn delivery back on for a subscription that bounces disabled (the owner has
    checked the address), with a clean bounce score. Only owners; only disabled ones."""
    subscription = (Subscription.objects.select_for_update()
                    .select_related("mailing_list__community", "subscriber")
                    .get(pk=subscription.pk))
    if not list_can_manage(user=actor, mailing_list=subscription.mailing_list):
        raise NotAllowed(f"Only the owners of {subscription.mailing_list.address} can turn "
                         "delivery back on.")
    if subscription.state != Subscription.State.DISABLED:
        raise ListError(f"Delivery to {subscription.subscriber.email} is not disabled.")
    subscription.state = Subscription.State.ACTIVE
    subscription.state_changed_at = timezone.now()
    subscription.bounce_score = 0
    subscription.save(update_fields=["state", "state_changed_at", "bounce_score"])
    audit_record(actor=actor, verb="lists.subscription.enabled", obj=subscription,
                 scope=subscription.mailing_list.community.slug,
                 data={"email": subscription.subscriber.email})
    return subscription


def _check_delivery(mailing_list: MailingList, delivery: str) -> None:
    if delivery not in Subscription.Delivery.values:
        raise ListError(f"“{delivery}” is not a delivery option.")
    digest = delivery in (Subscription.Delivery.DAILY, Subscription.Delivery.WEEKLY)
    if digest and not (mailing_list.digests_enabled
                       and mailing_list.kind == MailingList.Kind.DISCUSSION):
        raise ListError(f"{mailing_list.address} does not send digests.")


@transaction.atomic
def subscription_update(*, subscription: Subscription, delivery: str, digest_format: str,
                        actor=None) -> Subscription:
    """Change how a subscription receives mail. Raises ListError for an option the list
    does not offer."""
    subscription = (Subscription.objects.select_for_update()
                    .select_related("mailing_list__community").get(pk=subscription.pk))
    _check_delivery(subscription.mailing_list, delivery)
    if digest_format not in Subscription.DigestFormat.values:
        raise ListError(f"“{digest_format}” is not a digest format.")
    before = {"delivery": subscription.delivery, "digest_format": subscription.digest_format}
    subscription.delivery = delivery
    subscription.digest_format = digest_format
    subscription.save(update_fields=["delivery", "digest_format"])
    audit_record(actor=actor, verb="lists.subscription.updated", obj=subscription,
                 scope=subscription.mailing_list.community.slug,
                 data={"before": before, "delivery": delivery, "digest_format": digest_format})
    return subscription


def subscriber_link_user(*, user, email: str) -> int:
    """Link the e-mail-only subscriber with this address to `user`, who has just verified
    it, so the person has one subscriber record, not two. Returns how many were linked."""
    return Subscriber.objects.filter(email__iexact=email, user__isnull=True).update(user=user)

