"""The library's panel on the home pages (`communities.hub`): its newest resources."""

from cophub.communities.hub import Scope, hub_panel_register

from . import selectors

NEWEST = 5


def newest(scope: Scope) -> dict | None:
    resources, hidden = selectors.hub_resources(viewer=scope.viewer, community=scope.community,
                                                group=scope.group, limit=NEWEST)
    if not resources and not hidden and scope.place == "group":
        return None
    return {"resources": resources, "hidden": hidden, "community": scope.community,
            "group": scope.group, "viewer": scope.viewer}


hub_panel_register(key="library.newest", order=30, places={"site", "community", "group"},
                   template="library/hub/_newest.html", load=newest)
