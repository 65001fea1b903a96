"""Link cards: which links of a page become cards, in what order, and that a whole page costs
one loader call per provider.

Core knows no domain app, so these tests resolve against URLs of their own (this module is
the URLconf) and register a loader of their own; the apps' loaders, with the access policy
and query counts, are tested in `events`, `library` and `usecases`."""

import re

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path
from django.utils.safestring import mark_safe

from cophub.core import cards as cards_module
from cophub.core.access import ANONYMOUS, Viewer
from cophub.core.cards import Card, Link, card_provider_register, cards_for


def _page(request, **kwargs):
    return HttpResponse()


urlpatterns = [
    path("things/", include(([
        path("<int:pk>/", _page, name="detail"),
        path("<int:pk>-<slug:slug>/", _page, name="detail_slug"),
        path("<int:pk>/edit/", _page, name="edit"),
    ], "things"))),
]

pytestmark = pytest.mark.urls(__name__)
SITE = "https://cop.example.gov"


class Shelf:
    """A test loader: `visible` holds the pks the viewer may see; it records each call."""

    def __init__(self):
        self.visible = {1, 2, 3, 4, 5, 6, 7}
        self.calls: list[tuple[Viewer, list[Link]]] = []

    def load(self, viewer, links):
        self.calls.append((viewer, list(links)))
        return {link: Card(kind="Thing", title=f"Thing {link.kwargs['pk']}",
                           url=f"/things/{link.kwargs['pk']}/", facts=(("Size", "Small"),))
                for link in links if link.kwargs["pk"] in self.visible}


@pytest.fixture
def shelf(monkeypatch, settings):
    """An empty registry that autodiscovery does not refill, with the test loader for the
    things' pages (not their edit page)."""
    settings.SITE_URL = SITE
    monkeypatch.setattr(cards_module, "registry", {})
    monkeypatch.setattr(cards_module, "_discovered", True)
    shelf = Shelf()
    card_provider_register(["things:detail", "things:detail_slug"], shelf.load)
    return shelf


def html(text: str) -> str:
    return mark_safe(text)  # noqa: S308 — test input, read as HTML


def titles(page: list[list[Card]]) -> list[list[str]]:
    return [[card.title for card in cards] for cards in page]


def test_a_link_to_a_registered_page_gives_its_card(shelf):
    page = cards_for([html('<p>See <a href="/things/1/">the first</a>.</p>')], ANONYMOUS)

    assert page == [[Card(kind="Thing", title="Thing 1", url="/things/1/",
                          facts=(("Size", "Small"),))]]
    assert shelf.calls == [(ANONYMOUS, [Link.of("things:detail", pk=1)])]


def test_absolute_links_count_only_on_this_sites_scheme_and_host(shelf):
    page = cards_for([html(
        f'<a href="{SITE}/things/1/">ours</a> <a href="HTTPS://COP.example.gov/things/2/">ours</a>'
        ' <a href="http://cop.example.gov/things/3/">plain http</a>'
        ' <a href="https://evil.example.com/things/4/">elsewhere</a>'
        ' <a href="https://cop.example.gov.evil.example.com/things/5/">look-alike</a>'
        ' <a href="https://someone@cop.example.gov/things/6/">with a user</a>'
        ' <a href="https://cop.example.gov:8443/things/7/">another port</a>'
    )], ANONYMOUS)

    assert titles(page) == [["Thing 1", "Thing 2"]]


@pytest.mark.parametrize("href", [
    "javascript:alert(1)//cop.example.gov/things/1/", "mailto:things@cop.example.gov",
    "things/1/", "../things/1/", "#things-1", "http://[::1", "https://cop.example.gov",
    "/things/", "/things/abc/", "/nowhere/1/", "/things/1/edit/", "/things/99/", "",
])
def test_other_links_give_nothing_and_break_nothing(shelf, href):
    source = html(f'<a href="{href}">x</a> <a href="/things/1/">one</a>')

    assert titles(cards_for([source], ANONYMOUS)) == [["Thing 1"]]


def test_a_page_without_links_to_registered_pages_asks_no_loader(shelf):
    page = cards_for([html('<a href="https://example.com/">x</a>'), "no links", None, ""],
                     ANONYMOUS)

    assert page == [[], [], [], []]
    assert shelf.calls == []


def test_an_object_the_viewer_may_not_see_gives_what_a_missing_one_gives(shelf):
    shelf.visible = {1}
    hidden = cards_for([html('<a href="/things/2/">hidden</a>')], ANONYMOUS)
    missing = cards_for([html('<a href="/things/99/">missing</a>')], ANONYMOUS)

    assert hidden == missing == [[]]


def test_bare_urls_in_plain_text_give_cards(shelf):
    text = (f"Slides: {SITE}/things/1/. And <{SITE}/things/2/>, also ({SITE}/things/3/)!\n"
            f"Not this: https://example.com/things/4/ nor /things/5/ (a path in text).")

    assert titles(cards_for([text], ANONYMOUS)) == [["Thing 1", "Thing 2", "Thing 3"]]


def test_plain_text_is_not_read_as_html(shelf):
    text = f'<a href="/things/1/">not a link in a mail</a> {SITE}/things/2/'

    assert titles(cards_for([text], ANONYMOUS)) == [["Thing 2"]]


def test_html_gives_its_links_and_the_bare_urls_outside_them_in_order(shelf):
    source = html(f'<p>{SITE}/things/3/ then <a href="/things/1/">one</a>, and '
                  f'<a href="https://example.com/">{SITE}/things/4/</a> '
                  f'<code>{SITE}/things/2/</code></p>')

    assert titles(cards_for([source], ANONYMOUS)) == [["Thing 3", "Thing 1", "Thing 2"]]


def test_an_address_without_its_final_slash_still_resolves(shelf):
    assert titles(cards_for([f"{SITE}/things/1"], ANONYMOUS)) == [["Thing 1"]]


def test_two_links_to_one_object_give_one_card(shelf):
    source = html('<a href="/things/1/">a</a> <a href="/things/2/">b</a>'
                  '<a href="/things/1/#top">again</a> <a href="/things/1-the-first/">slug</a>'
                  '<a href="/things/1/?ref=mail">query</a>')

    assert titles(cards_for([source], ANONYMOUS)) == [["Thing 1", "Thing 2"]]


def test_each_text_shows_at_most_the_limit(shelf):
    source = html("".join(f'<a href="/things/{pk}/">{pk}</a>' for pk in (9, 1, 2, 3, 4)))

    assert titles(cards_for([source], ANONYMOUS, limit_per_source=2)) == [
        ["Thing 1", "Thing 2"]]  # the limit counts cards, not the links it found hidden


def test_a_whole_page_is_one_call_per_loader_with_each_link_once(shelf):
    viewer = Viewer(user_id=7)
    sources = [html(f'<a href="/things/{pk}/">x</a> <a href="/things/{pk + 1}-next/">y</a>')
               for pk in range(1, 6)] + [f"{SITE}/things/1/"] * 20

    page = cards_for(sources, viewer)

    assert titles(page)[:2] == [["Thing 1", "Thing 2"], ["Thing 2", "Thing 3"]]
    assert titles(page)[-1] == ["Thing 1"]
    [(asked_for, links)] = shelf.calls
    assert asked_for is viewer
    assert len(links) == len(set(links)) == 10  # 5 detail links and 5 slugged ones


def test_a_site_under_a_path_counts_only_its_own_paths(shelf, settings):
    settings.SITE_URL = "https://cop.example.gov/hub"
    source = html('<a href="https://cop.example.gov/hub/things/1/">a</a>'
                  '<a href="/hub/things/2/">b</a> <a href="/things/3/">outside the site</a>')

    assert titles(cards_for([source], ANONYMOUS)) == [["Thing 1", "Thing 2"]]


def test_the_template_makes_each_title_the_link_and_lists_the_facts():
    card = Card(kind="Event", title="Prompting <for> analysts", url="/things/1/",
                facts=(("When", "Mon, Mar 4, 2030, 2:00 PM EST"), ("Where", "Online")))

    shown = render_to_string("components/link_cards.html", {"cards": [card]})

    assert '<ul class="usa-card-group' in shown and 'aria-label="Linked pages"' in shown
    assert '<a class="usa-link" href="/things/1/">Prompting &lt;for&gt; analysts</a>' in shown
    assert re.search(r"<dt[^>]*>When:</dt>\s*<dd[^>]*>Mon, Mar 4, 2030, 2:00 PM EST</dd>",
                     shown)
    assert ">Event</p>" in shown
    assert render_to_string("components/link_cards.html", {"cards": []}).strip() == ""
