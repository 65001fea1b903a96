"""The outbox gate for list mail (core/mail/gates.py): posts, digests and newsletter issues
to a list whose audience is not "anyone".

Registered here and found by core's autodiscovery. The object is the copy's subscription:
right before the copy goes to the mail server, the outbox asks whether the subscription's
holder may still receive the list's mail (the list's audience rule, with `core.access`
for the holder's account: `selectors.subscriptions_holder_may_receive`); if not, the copy is
withheld and the subscription cancelled with a notice that carries nothing gated
(`services.access.subscription_access_revoke`)."""

from collections.abc import Sequence

from cophub.core.mail import GateItem, gate

from .selectors import subscriptions_holder_may_receive
from .services.access import SUBSCRIPTION_GATE, subscriptions_access_revoke


@gate(SUBSCRIPTION_GATE, refused=subscriptions_access_revoke)
def subscription_gate(items: Sequence[GateItem]) -> set[GateItem]:
    """The copies whose subscription's holder may receive the list's mail now (four
    queries at most for a whole batch)."""
    may = subscriptions_holder_may_receive(subscription_ids={item.object_id for item in items})
    return {item for item in items if item.object_id in may}
