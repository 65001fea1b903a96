"""The surveys' panel on the home pages (`communities.hub`): the open surveys a signed-in
person is asked to answer and has not. Theirs alone, so cached for them; answering marks
their panels stale (`services.responses`), and a newly published survey shows within the
hub's minute."""

from cophub.communities.hub import Scope, hub_panel_register

from . import selectors


def to_answer(scope: Scope) -> dict | None:
    surveys = selectors.surveys_to_answer(viewer=scope.viewer, community=scope.community)
    if not surveys:
        return None
    return {"surveys": surveys, "site": scope.community is None}


hub_panel_register(key="surveys.to_answer", order=15, places={"site", "community"},
                   template="surveys/hub/_to_answer.html", load=to_answer, column="side",
                   cache="person", signed_in_only=True)
