"""Link cards for library resources (core/cards.py): a link to a resource's page in a post
shows its type and date, to those who may see the resource — the same people its page opens
for (`selectors.resources_visible_to`, withdrawn ones for the people who run them). Found
by core's autodiscovery."""

from collections.abc import Sequence

from django.utils import dateformat

from cophub.core.access import Viewer
from cophub.core.cards import Card, Link, card_provider_register

from .models import Resource
from .selectors import resources_visible_to


def resource_cards(viewer: Viewer, links: Sequence[Link]) -> dict[Link, Card]:
    """The cards of the linked resources the viewer may see: one query for a whole page."""
    resources = {resource.pk: resource for resource in resources_visible_to(
        viewer=viewer, include_withdrawn=True).filter(
        pk__in={link.kwargs["pk"] for link in links})}
    cards = {}
    for link in links:
        resource = resources.get(link.kwargs["pk"])
        # The page answers under the resource's own community only (any slug after the id).
        if resource is not None and resource.community.slug == link.kwargs["community"]:
            cards[link] = resource_card(resource)
    return cards


def resource_card(resource: Resource) -> Card:
    facts = [("Type", resource.get_kind_display()),
             ("Published", dateformat.format(resource.published_on, "M j, Y"))]
    if resource.withdrawn:
        facts.append(("Status", "Withdrawn"))
    return Card(kind="Library resource", title=resource.title,
                url=resource.get_absolute_url(), facts=tuple(facts))


card_provider_register(["library:detail", "library:detail_short"], resource_cards)
