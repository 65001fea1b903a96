"""The forum's panel on the home pages (`communities.hub`): the latest discussions."""

from cophub.communities.hub import Scope, hub_panel_register

from . import selectors

LATEST = 5


def latest(scope: Scope) -> dict:
    topics, hidden = selectors.topics_latest_and_hidden(
        viewer=scope.viewer, community=scope.community, group=scope.group, limit=LATEST)
    return {"topics": topics, "hidden": hidden, "viewer": scope.viewer,
            "community": scope.community, "group": scope.group}


hub_panel_register(key="forum.latest", order=20, places={"site", "community", "group"},
                   template="forum/hub/_latest.html", load=latest)
