"""Link cards for AI use cases (`usecases/cards.py`): use cases are public data, so a post
that links to one shows its agency and stage to everyone, and a page of posts costs one
query."""

import pytest
from django.utils.safestring import mark_safe

from cophub.core.access import ANONYMOUS, viewer_for_user
from cophub.core.cards import Card, cards_for
from cophub.core.links import site_url
from cophub.usecases.models import UseCase

from .conftest import use_case_row

pytestmark = pytest.mark.django_db


def link(use_case: UseCase) -> str:
    return f'<a href="{use_case.get_absolute_url()}">{use_case.title}</a>'


def html(text: str) -> str:
    return mark_safe(text)  # noqa: S308 — test input, read as HTML


def titles(page) -> list[list[str]]:
    return [[card.title for card in cards] for cards in page]


def test_a_link_to_a_use_case_shows_its_agency_and_stage_to_anyone(inventory, public_user):
    use_case = UseCase.objects.get(inventory_id="DOE-2")

    for viewer in (ANONYMOUS, viewer_for_user(public_user)):
        [[card]] = cards_for([html(f"<p>Like {link(use_case)}?</p>")], viewer)

        assert card == Card(kind="AI use case", title="Wind turbine inspection",
                            url=use_case.get_absolute_url(),
                            facts=(("Agency", "Department of Energy"), ("Stage", "Pilot")))


def test_a_use_case_without_a_name_or_a_stage_still_gets_a_card(registry, load):
    load([use_case_row("NASA", "NASA-9", name="")])
    use_case = UseCase.objects.get(inventory_id="NASA-9")

    [[card]] = cards_for([html(link(use_case))], ANONYMOUS)

    assert card.title == "Untitled use case NASA-9"
    assert card.facts == (("Agency", "National Aeronautics and Space Administration"),)


def test_unknown_use_cases_and_other_inventory_pages_give_nothing(inventory):
    last = UseCase.objects.order_by("pk").last()
    source = html(f'<a href="/use-cases/{last.pk + 100}/">gone</a>'
                  f'<a href="/use-cases/{last.pk}/contact/">contact</a>'
                  f'<a href="/use-cases/">list</a><a href="/use-cases/statistics/">stats</a>'
                  f'<a href="javascript:location=\'/use-cases/{last.pk}/\'">script</a>')

    assert cards_for([source], ANONYMOUS) == [[]]


def test_a_mailed_post_with_a_use_case_address_shows_its_card(inventory):
    use_case = UseCase.objects.get(inventory_id="DOE-1")
    text = (f"Have a look at {site_url(use_case.get_absolute_url())[:-1]}\n"
            f"> quoted: {site_url(use_case.get_absolute_url())}")

    assert titles(cards_for([text], ANONYMOUS)) == [["Grid load forecasting"]]


@pytest.mark.parametrize("posts", [2, 30])
def test_a_page_of_posts_costs_one_query_however_many_links(inventory,
                                                            django_assert_num_queries, posts):
    use_cases = list(UseCase.objects.order_by("pk"))
    sources = [html("".join(link(u) for u in use_cases[n % 3:])) for n in range(posts)] + [
        site_url(use_cases[0].get_absolute_url())] * posts

    with django_assert_num_queries(1):
        page = cards_for(sources, ANONYMOUS)

    assert [len(cards) for cards in page[:2]] == [5, 4]
    assert titles(page)[-1] == ["Grid load forecasting"]
