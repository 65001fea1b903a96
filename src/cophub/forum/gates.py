"""The outbox gate for forum notifications (core/mail/gates.py): right before a
notification's e-mail goes to the mail server, its recipient must still be able to see the
topic's category; otherwise the copy is withheld (the notification stays in the site, where
the page asks again)."""

from collections.abc import Sequence

from cophub.communities.selectors import viewers_for
from cophub.core.mail import GateItem, gate

from .models import Notification
from .selectors import category_can_view
from .services import NOTIFICATION_GATE


@gate(NOTIFICATION_GATE)
def notification_gate(items: Sequence[GateItem]) -> set[GateItem]:
    notifications = {n.pk: n for n in Notification.objects.filter(
        pk__in={item.object_id for item in items}).select_related(
        "user", "topic__category__mailing_list")}
    viewers = viewers_for([n.user for n in notifications.values()])
    allowed = set()
    for item in items:
        n = notifications.get(item.object_id)
        if n is not None and n.user.is_active and category_can_view(
                viewer=viewers[n.user_id], category=n.topic.category):
            allowed.add(item)
    return allowed
