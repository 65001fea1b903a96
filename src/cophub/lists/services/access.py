"""Access decided when list mail is sent (issue 17, finding 3; `core.mail.gates`).

Posts, digests and newsletter issues to a list whose audience is not "anyone" are queued
with the gate `lists.subscription` keyed by the copy's subscription (`list_mail_gate`). Right
before the send, the outbox asks `lists.gates`, which asks `selectors
.subscriptions_holder_may_receive` (the list's audience rule). A refused copy is withheld and
the subscription cancelled here, with a notice that carries nothing gated."""

from django.db import transaction
from django.urls import reverse

from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..models import MailingList, Subscription
from ..selectors import subscriptions_holder_may_receive
from .subscriptions import subscription_cancel

SUBSCRIPTION_GATE = "lists.subscription"


def list_mail_gate(*, mailing_list: MailingList,
                   subscription_id: int) -> tuple[str, int] | None:
    """The gate for a copy of the list's mail to this subscription: None for a list anyone
    may join (nothing in its mail is gated, and ungated rows cost the drain no query)."""
    if mailing_list.audience == MailingList.Audience.ANYONE:
        return None
    return (SUBSCRIPTION_GATE, subscription_id)


def subscription_access_revoke(*, subscription_id: int) -> Subscription | None:
    """Cancel a subscription whose holder may no longer receive the list's mail (the
    address or its account lost the government tier, the person left the group), and tell
    the address so in a notice that carries nothing gated: no post, digest or newsletter
    content, and for a group's list not even the list's name. Access is decided now, under
    the subscription's lock: a holder who qualifies again keeps the subscription.

    Called when the outbox withholds a copy (`lists/gates.py`). Idempotent: however many
    withheld copies ask, a subscription is cancelled, and its address told, once. Returns
    the subscription if it cancelled it."""
    with transaction.atomic():
        subscription = (Subscription.objects.select_for_update(of=("self",))
                        .select_related("mailing_list__community", "subscriber")
                        .filter(pk=subscription_id).first())
        if subscription is None or subscription.state == Subscription.State.UNSUBSCRIBED:
            return None
        if subscriptions_holder_may_receive(subscription_ids=[subscription_id]):
            return None
        subscription = subscription_cancel(subscription=subscription, via="access lost")
        ml = subscription.mailing_list
        # Not list mail and not gated: it names the list only when the list is not a
        # group's (a group, and so its list, may be hidden from the person now).
        mail_enqueue_template(
            to=subscription.subscriber.email,
            template_prefix="lists/email/subscription_access_lost",
            context={"email": subscription.subscriber.email, "community": ml.community,
                     "mailing_list": None if ml.group_id else ml,
                     "account_url": site_url(reverse("account_email"))},
            headers={"Auto-Submitted": "auto-generated"},
        )
    return subscription


def subscriptions_access_revoke(subscription_ids) -> None:
    """The gate's `refused` callback."""
    for subscription_id in subscription_ids:
        subscription_access_revoke(subscription_id=subscription_id)
