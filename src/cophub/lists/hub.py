"""The lists' panels on the home pages (`communities.hub`): the newsletter's latest issue,
and a group's mailing list with a subscribe button."""

from cophub.communities.hub import Scope, hub_panel_register

from . import selectors
from .newsletter.selectors import newsletter_latest
from .services import list_accepts_address


def newsletter(scope: Scope) -> dict | None:
    issue = newsletter_latest(viewer=scope.viewer, community=scope.community)
    return {"issue": issue} if issue is not None else None


def group_lists(scope: Scope) -> dict | None:
    """The group's lists the person may see, and for each whether they are subscribed or
    may join (one query for the lists, one for the person's subscriptions, and what
    `list_accepts_address` asks for each list they are not on)."""
    lists = list(selectors.lists_visible_to(viewer=scope.viewer, community=scope.community)
                 .filter(group=scope.group, is_active=True).order_by("name"))
    if not lists:
        return None
    user = scope.request.user
    own = {}
    if user.is_authenticated:
        own = {s.mailing_list_id: s for s in
               selectors.subscriptions_for_user(user=user).filter(mailing_list__in=lists)}
    rows = []
    for mailing_list in lists:
        subscription = own.get(mailing_list.pk)
        accepts, refusal = False, ""
        if user.is_authenticated and subscription is None:
            accepts, refusal = list_accepts_address(mailing_list=mailing_list, email=user.email)
        rows.append({"list": mailing_list, "subscription": subscription, "accepts": accepts,
                     "refusal": refusal})
    return {"rows": rows}


hub_panel_register(key="lists.newsletter", order=40, places={"site", "community"},
                   template="lists/hub/_newsletter.html", load=newsletter, column="side")
hub_panel_register(key="lists.group", order=5, places={"group"},
                   template="lists/hub/_group_lists.html", load=group_lists, column="side",
                   cache="none")
