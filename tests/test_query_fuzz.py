"""No query string makes a list page fail: every list page that reads query parameters, sent
generated values for its own parameters and for unknown ones, as an anonymous visitor, a public
participant and a government member, answers with anything but a server error.

The world is the demo (small: a second to build), built once per page. Each page gets
- a sweep: every parameter of the page alone, with every value in `DANGEROUS` (the ends of
  the calendar and of the integers, NUL bytes, very long strings), as a government member
  (who sees the most). Random combinations rarely hit one parameter with one value while
  every other parameter is valid (one invalid field voids a whole filter form), so the
  known kinds of trouble are tried one by one;
- Hypothesis: `EXAMPLES` generated query strings, each to every kind of viewer: the page's
  own parameters and unknown ones, repeated, with numbers, far dates, unicode, long strings
  and values valid on the page.
A page may refuse a value (a form error, a 404, a redirect to sign in); it may not answer
500.
"""

import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The shared fixtures live in src/cophub/conftest.py, which only covers tests under
# src/cophub/; this one empties the cache before each test (rate limits, cached listings).
from cophub.accounts.models import User
from cophub.conftest import _empty_cache  # noqa: F401
from cophub.search.registry import search_types
from cophub.usecases.selectors import FACET_NAMES

pytestmark = pytest.mark.django_db

EXAMPLES = 20
PAGE = ["page"]
EVENTS = ["kind", "group", "practice_area", "date_from", "date_to", *PAGE]
LIBRARY = ["q", "kind", "practice_area", "year", "status", *PAGE]
USE_CASES = ["q", "sort", "more", *FACET_NAMES, *PAGE]


@dataclass(frozen=True)
class ListPage:
    name: str
    kwargs: dict = field(default_factory=dict)
    params: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "-".join([self.name, *map(str, self.kwargs.values())])


def _search_params() -> list[str]:
    facets = {name for search_type in search_types().values() for name in search_type.facets}
    return ["q", "type", "exact", *(f"f.{name}" for name in sorted(facets)), *PAGE]


PAGES = [
    ListPage("events:list", {"community": "ai-cop"}, EVENTS),
    ListPage("library:browse", {}, [*LIBRARY, "community"]),
    ListPage("library:community", {"community": "ai-cop"}, LIBRARY),
    ListPage("usecases:list", {}, USE_CASES),
    ListPage("usecases:export", {}, USE_CASES),
    ListPage("usecases:statistics", {}, ["year"]),
    ListPage("accounts:directory", {}, ["q", "organization", "level", "interest", *PAGE]),
    ListPage("search:search", {}, _search_params()),
    ListPage("lists:index", {}, PAGE),
    ListPage("lists:archive", {"local_part": "aipublic"}, ["q", *PAGE]),
    ListPage("lists:archive", {"local_part": "ai"}, ["q", *PAGE]),
    ListPage("learning:series_list", {"community": "ai-cop"}, PAGE),
    ListPage("newsletters:index", {"community": "ai-cop"}, PAGE),
]

UNKNOWN = ["utm_source", "q[]", "page[]", "__proto__", "f.", "csrfmiddlewaretoken", "ünïcode"]

# Values worth trying everywhere, beside the generated ones: the ends of the calendar and of
# the integers, values valid on some page (kinds, levels, slugs, years), and odd shapes.
EDGE_VALUES = [
    "", " ", "0", "1", "2", "-1", "-0", "+1", "1.5", "1e309", "NaN", "inf", "0x10",
    str(2**63), str(-(2**63) - 1), "9" * 400,
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "1900-01-01", "2199-12-31",
    "12/31/9999", "9999-12-31T23:59:59", "on", "true", "off",
    "webinar", "workshop", "federal", "galactic", "ai-cop", "generative-ai", "withdrawn",
    "agency", "-agency", "2024", "usecase", "event", "listpost", "resource", "group",
    "\x00", "a\x00b", "\ufeff", "\u202e", "💥", "Ω" * 300, "x" * 5000, "%", "%00", "'\";--",
    "<script>", "../../etc/passwd",
]

DANGEROUS = [
    "9999-12-31", "0001-01-01", "10000-01-01", "-1", "0", str(2**63), str(-(2**63) - 1),
    "9" * 400, "1e309", "NaN", "\x00", "x" * 5000, "\U0001f4a5\u202e", " ",
]

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
values = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.isoformat()),
    text,
)


def query_strings(params) -> st.SearchStrategy[str]:
    names = st.sampled_from([*params, *UNKNOWN]) if params else st.sampled_from(UNKNOWN)
    pairs = st.lists(st.tuples(names, values), max_size=8)
    # Weighted towards the page's own parameters, each maybe repeated.
    own = st.lists(st.tuples(st.sampled_from(params or UNKNOWN), values), max_size=4)
    return st.tuples(own, pairs).map(lambda two: urlencode(two[0] + two[1]))


@pytest.fixture
def world(settings, tmp_path):
    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")  # the built-in agencies
    call_command("demo", members=30, stdout=io.StringIO())


def viewers() -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for kind, email in [("public", "public@example.com"), ("government", "member@va.gov")]:
        clients[kind] = Client()
        clients[kind].force_login(User.objects.get(email=email))
    return clients


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_query_string_makes_a_list_page_fail(world, page):
    path = reverse(page.name, kwargs=page.kwargs)
    clients = viewers()
    for name in page.params or UNKNOWN[:1]:
        for value in DANGEROUS:
            query = urlencode({name: value})
            response = clients["government"].get(f"{path}?{query}")
            assert response.status_code < 500, query

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(query=query_strings(page.params), htmx=st.booleans())
    def fetch_everything(query, htmx):
        headers = {"HX-Request": "true"} if htmx else {}
        for kind, client in clients.items():
            response = client.get(f"{path}?{query}", headers=headers)
            assert response.status_code < 500, (kind, query)

    fetch_everything()
