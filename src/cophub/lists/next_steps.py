"""The "Subscribe to lists" next step (accounts.next_steps): until the person is subscribed
to a list, links to the open lists whose audience they belong to."""

from django.http import HttpRequest
from django.urls import reverse

from cophub.accounts.next_steps import NextStep, next_step_register
from cophub.core.access import AccessLevel, Viewer, can_view

from .models import MailingList
from .selectors import lists_visible_to, subscriptions_for_user

SHOWN_LISTS = 3

# The audience of a list as the access level the policy knows (as the outbox's gate asks it).
AUDIENCE_LEVEL = {
    MailingList.Audience.ANYONE: AccessLevel.PUBLIC,
    MailingList.Audience.GOVERNMENT: AccessLevel.GOVERNMENT,
    MailingList.Audience.GROUP: AccessLevel.GROUP,
}


def _qualifies(viewer: Viewer, mailing_list: MailingList) -> bool:
    level = AUDIENCE_LEVEL.get(mailing_list.audience)
    return level is not None and can_view(viewer, access_level=level,
                                          community_id=mailing_list.community_id,
                                          group_id=mailing_list.group_id)


def subscribe_step(request: HttpRequest) -> NextStep | None:
    """Two queries: whether the person has a subscription, and the open lists they see."""
    viewer = request.viewer
    if subscriptions_for_user(user=request.user).exists():
        return None
    lists = [ml for ml in lists_visible_to(viewer=viewer).filter(is_active=True)
             .order_by("community__name", "name") if _qualifies(viewer, ml)][:SHOWN_LISTS]
    if not lists:
        return None
    return NextStep(
        title="Subscribe to lists",
        text="Mailing lists bring the community's news, events and discussions to your "
             "inbox. These are open to you.",
        links=tuple((ml.name, reverse("lists:detail", args=[ml.local_part]))
                    for ml in lists),
    )


next_step_register(key="lists.subscribe", order=30, provide=subscribe_step)
