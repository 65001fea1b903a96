"""Link cards: under a text that links to an object of this site (an event, a library
resource, a use case), a small card for each one the reader may see — its title, its kind
and a fact or two.

`core` knows no domain app, so apps register a loader for the URL names of their object
pages in their `cards.py`, found by autodiscovery as gates are in `gates.py`::

    def event_cards(viewer, links):  # [Link.of("events:detail", community=…, pk=7), …]
        visible = events_visible_to(viewer=viewer).filter(
            pk__in={link.kwargs["pk"] for link in links})
        return {link: Card(…) for link in links if …}  # one query for the whole page

    card_provider_register(["events:detail"], event_cards)

`cards_for` reads a whole page of texts at once and calls each loader once with every link
of the page, so a page costs one loader call (a query or two) per kind of object linked,
however many posts and links it has. A loader answers only for what the viewer may see,
through its app's selectors; a link it leaves out stays a plain link, and the page is the
same whether the object is hidden or does not exist.

Links count when they are on this site: paths (`/use-cases/12/`) and absolute URLs whose
scheme and host are `SITE_URL`'s (`core.links`); anything else (other sites, `javascript:`,
`mailto:`, relative paths, URLs no app registered) gives no card. Links are found with the
standard library's HTML parser and one loose pattern for bare URLs, not a linkifier (the
project has none; Markdown is rendered with linkify off): only this site's addresses matter,
and `resolve` turns away whatever the pattern over-matches.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

from django.urls import Resolver404, resolve
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeData

from cophub.core.access import Viewer
from cophub.core.links import site_url

# Bounds the work for a text full of links; the cards shown are bounded by `limit_per_source`.
MAX_LINKS_PER_SOURCE = 50

BARE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""  # sentence punctuation after a URL in text, not part of it


@dataclass(frozen=True)
class Card:
    """What a card shows: the kind of object ("Event"), its title (the link to `url`) and a
    fact or two as (label, value) pairs, already formatted."""

    kind: str
    title: str
    url: str
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    """A link resolved to one of this site's pages: its URL name and the URL's arguments
    (`resolve(path).kwargs`), kept as pairs so that links can be gathered in a set."""

    url_name: str
    params: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, url_name: str, **kwargs: Any) -> "Link":
        return cls(url_name, tuple(sorted(kwargs.items())))

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)


Loader = Callable[[Viewer, list[Link]], Mapping[Link, Card]]
"""`loader(viewer, links)`: the cards of those `links` whose object the viewer may see."""

registry: dict[str, Loader] = {}
_discovered = False


def card_provider_register(url_names: Iterable[str], loader: Loader) -> Loader:
    """Have `loader` make the cards of links to the pages named `url_names`
    (`"events:detail"`). Registering a name again replaces the earlier loader."""
    for url_name in url_names:
        registry[url_name] = loader
    return loader


def card_providers() -> dict[str, Loader]:
    """Import every installed app's `cards` module (once per process) and return the
    registry."""
    global _discovered
    if not _discovered:
        autodiscover_modules("cards")
        _discovered = True
    return registry


def cards_for(sources: Sequence[str | None], viewer: Viewer, *,
              limit_per_source: int = 5) -> list[list[Card]]:
    """For each text of a page, the cards of the objects it links to that `viewer` may see,
    in link order, one per object, at most `limit_per_source`.

    A `SafeString` (rendered Markdown, sanitised mail HTML) is read as HTML: its `<a href>`s
    and the bare URLs in its text. Any other string is plain text (a mailed post): its bare
    URLs. None or "" has no links. Each loader is called once for the whole page."""
    providers = card_providers()
    if not providers:
        return [[] for _ in sources]
    resolved: dict[str, Link | None] = {}
    per_source: list[list[Link]] = []
    for source in sources:
        links: dict[Link, None] = {}
        for href in _hrefs(source):
            if href not in resolved:
                resolved[href] = _resolve(href, providers)
            if resolved[href] is not None:
                links[resolved[href]] = None
                if len(links) == MAX_LINKS_PER_SOURCE:
                    break
        per_source.append(list(links))

    by_loader: dict[Loader, dict[Link, None]] = {}
    for links in per_source:
        for link in links:
            by_loader.setdefault(providers[link.url_name], {})[link] = None
    cards: dict[Link, Card] = {}
    for loader, links in by_loader.items():
        found = loader(viewer, list(links))
        cards.update((link, found[link]) for link in links if link in found)

    pages = []
    for links in per_source:
        shown: dict[str, Card] = {}  # by URL: two links to one object give one card
        for link in links:
            if len(shown) >= limit_per_source:
                break
            card = cards.get(link)
            if card is not None and card.url not in shown:
                shown[card.url] = card
        pages.append(list(shown.values()))
    return pages


# --- Finding and resolving links -------------------------------------------------------------

class _HtmlLinks(HTMLParser):
    """The `href`s of a HTML text's links and the bare URLs in the rest of its text, in
    document order. (The words inside a link are not read: they may show one address and
    lead to another.)"""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self._in_link = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._in_link += 1
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)

    def handle_endtag(self, tag):
        if tag == "a" and self._in_link:
            self._in_link -= 1

    def handle_data(self, data):
        if not self._in_link:
            self.hrefs += _bare_urls(data)


def _bare_urls(text: str) -> list[str]:
    return [match.group().rstrip(TRAILING) for match in BARE_URL.finditer(text)]


def _hrefs(source: str | None) -> list[str]:
    if not source:
        return []
    # Most texts link nowhere on this site: a substring test spares them the parse (which
    # was a tenth of a topic page of 50 posts).
    host = _site(site_url(""))[1]
    is_html = isinstance(source, SafeData)
    if host not in source.lower() and not (is_html and ('href="/' in source
                                                        or "href='/" in source)):
        return []
    if is_html:
        parser = _HtmlLinks()
        parser.feed(str(source))
        parser.close()
        return parser.hrefs
    return _bare_urls(source)


@cache
def _site(site: str) -> tuple[str, str, str]:
    """The scheme, host and path prefix of the site's own URLs."""
    parts = urlsplit(site)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def _resolve(href: str, providers: Mapping[str, Loader]) -> Link | None:
    """The registered page `href` points to on this site, or None."""
    scheme, host, prefix = _site(site_url(""))
    try:
        parts = urlsplit(href.strip())
    except ValueError:  # a malformed address ("http://[::1")
        return None
    if parts.scheme or parts.netloc:
        if (parts.scheme.lower() or scheme, parts.netloc.lower()) != (scheme, host):
            return None
    elif not parts.path.startswith("/"):
        return None  # relative to the page it was written on: nothing to resolve against
    path = unquote(parts.path)
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path.removeprefix(prefix)
    # Typed addresses often lack the final slash the page redirects to.
    for candidate in (path,) if path.endswith("/") else (path, path + "/"):
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.view_name not in providers:
            return None
        return Link.of(match.view_name, **match.kwargs)
    return None
