"""The training programme's panel on the home pages (`communities.hub`): series with
sessions to come."""

from cophub.communities.hub import Scope, hub_panel_register

from . import selectors

SHOWN = 3


def training(scope: Scope) -> dict | None:
    series = selectors.series_open(viewer=scope.viewer, community=scope.community,
                                   limit=SHOWN)
    if not series and scope.community is None:
        return None
    return {"series": series, "community": scope.community, "viewer": scope.viewer,
            "zone": scope.zone, "any_hidden": any(s.upcoming_hidden for s in series)}


hub_panel_register(key="learning.training", order=30, places={"site", "community"},
                   template="learning/hub/_training.html", load=training, column="side")
