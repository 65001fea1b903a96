"""The outbox gate for messages about an event to a registrant (core/mail/gates.py).

Registered here and found by core's autodiscovery, as periodic jobs are in `tasks.py`. The
object is a registration: right before a message about its event goes to the mail server,
the outbox asks whether the holder may still see the event (`core.access.can_view`, through
the selectors); if not, the message is withheld and the registration cancelled with a notice
that carries nothing gated (`registration_access_revoke`)."""

from collections.abc import Sequence

from cophub.core.mail import GateItem, gate

from .selectors import registrations_holder_may_see
from .services import REGISTRATION_GATE, registration_access_revoke


def registrations_access_revoke(registration_ids: Sequence[int]) -> None:
    for registration_id in registration_ids:
        registration_access_revoke(registration_id=registration_id)


@gate(REGISTRATION_GATE, refused=registrations_access_revoke)
def registration_gate(items: Sequence[GateItem]) -> set[GateItem]:
    """The messages whose registration's holder may see the event now (two queries for a
    whole batch)."""
    may = registrations_holder_may_see(registration_ids={item.object_id for item in items})
    return {item for item in items if item.object_id in may}
