"""The outbox gates for forum e-mail (core/mail/gates.py): right before a notification's
e-mail, or a daily summary, goes to the mail server, its recipient must still be able to see
the category of every topic it names; otherwise the copy is withheld (the notifications stay
in the site, where the page asks again)."""

from collections.abc import Sequence

from django.db.models import F

from cophub.communities.selectors import viewers_for
from cophub.core.mail import GateItem, gate

from .models import Notification, Preference
from .selectors import category_can_view
from .services.notifications import NOTIFICATION_GATE, SUMMARY_GATE


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


@gate(SUMMARY_GATE)
def summary_gate(items: Sequence[GateItem]) -> set[GateItem]:
    """A summary (object: the person's Preference) names the topics of the notifications it
    marked at the person's last summary time: all must still be visible."""
    preferences = {p.pk: p for p in Preference.objects.filter(
        pk__in={item.object_id for item in items}).select_related("user")}
    viewers = viewers_for([p.user for p in preferences.values()])
    categories: dict[int, list] = {}
    for n in (Notification.objects
              .filter(user_id__in={p.user_id for p in preferences.values()},
                      email=Notification.Email.SUMMARIZED,
                      summarized_at=F("user__forum_preference__last_summary_at"))
              .select_related("topic__category__mailing_list")):
        categories.setdefault(n.user_id, []).append(n.topic.category)
    allowed = set()
    for item in items:
        preference = preferences.get(item.object_id)
        if preference is None or not preference.user.is_active:
            continue
        viewer = viewers[preference.user_id]
        if all(category_can_view(viewer=viewer, category=c)
               for c in categories.get(preference.user_id, [])):
            allowed.add(item)
    return allowed
