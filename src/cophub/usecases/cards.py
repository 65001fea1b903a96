"""Link cards for AI use cases (core/cards.py): a link to a use case's page in a post shows
its agency and stage of development. Use cases are public (the inventory is published data,
and their pages open for everyone), so every viewer gets the card of a use case that exists.
Found by core's autodiscovery."""

from collections.abc import Sequence

from cophub.core.access import Viewer
from cophub.core.cards import Card, Link, card_provider_register

from .models import UseCase


def usecase_cards(viewer: Viewer, links: Sequence[Link]) -> dict[Link, Card]:
    """The cards of the linked use cases: one query for a whole page."""
    use_cases = {use_case.pk: use_case for use_case in UseCase.objects.filter(
        pk__in={link.kwargs["pk"] for link in links}).select_related("agency").defer(
        "fields", "search_text", "terms")}
    return {link: usecase_card(use_cases[link.kwargs["pk"]]) for link in links
            if link.kwargs["pk"] in use_cases}


def usecase_card(use_case: UseCase) -> Card:
    facts = [("Agency", use_case.agency.name)]
    if use_case.development_stage:
        facts.append(("Stage", use_case.development_stage))
    return Card(kind="AI use case", title=use_case.title, url=use_case.get_absolute_url(),
                facts=tuple(facts))


card_provider_register(["usecases:detail"], usecase_cards)
