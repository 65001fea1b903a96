"""The inventory's pages: the list with facets, counts and CSV export, a use case with
every non-empty field and similar use cases, the statistics, and bounded query counts."""

import csv
import io
import re

import pytest
from django.urls import reverse

from cophub.core.access import ANONYMOUS
from cophub.usecases import selectors
from cophub.usecases.importing import inventory_import
from cophub.usecases.models import UseCase
from cophub.usecases.services import usecase_contact_add

from .conftest import use_case_row

pytestmark = pytest.mark.django_db

LIST = reverse("usecases:list")
EXPORT = reverse("usecases:export")
STATISTICS = reverse("usecases:statistics")


def text(response) -> str:
    return response.content.decode()


def titles(response) -> list[str]:
    return re.findall(r'<h3 class="usa-collection__heading"><a class="usa-link" '
                      r'href="[^"]+">([^<]+)</a>', text(response))


def facet(response, name: str) -> dict[str, int]:
    """The values and counts a facet shows: {value: count}."""
    found = re.findall(
        rf'name="{name}" value="([^"]+)"[^>]*>\s*<label[^>]*>.*?\((\d+)<span', text(response),
        re.DOTALL)
    return {value: int(count) for value, count in found}


def export_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- The list -----------------------------------------------------------------------------------

def test_the_list_shows_every_use_case_with_facet_counts(client, inventory):
    response = client.get(LIST)
    assert response.status_code == 200
    assert len(titles(response)) == 5
    assert facet(response, "agency") == {"DOE": 2, "VA": 2, "NASA": 1}
    assert facet(response, "stage") == {"Deployed": 2, "Pilot": 2, "Pre-deployment": 1}
    assert facet(response, "topic") == {"Energy and Environment": 3, "Health and Medical": 1,
                                        "Benefits Processing": 1}
    assert facet(response, "vendor") == {"Microsoft": 2, "Palantir Technologies, Inc.": 1}
    assert facet(response, "year") == {"2025": 5}
    assert "Department of Energy (DOE)" in text(response)


def test_facets_combine_values_with_or_and_facets_with_and(client, inventory):
    response = client.get(LIST, {"stage": ["Pilot", "Deployed"], "agency": "VA"})
    assert sorted(titles(response)) == ["Benefits claim triage", "Clinical note summarization"]
    # A facet's own choice does not narrow its counts; the other facets' choices do.
    assert facet(response, "stage") == {"Deployed": 1, "Pilot": 1}
    assert facet(response, "agency") == {"DOE": 2, "VA": 2}


def test_the_text_filter_matches_every_word_in_names_and_descriptions(client, inventory):
    response = client.get(LIST, {"q": "grid LOAD"})
    assert sorted(titles(response)) == ["Grid load forecasting",
                                        "Grid load forecasting for launch sites"]
    assert client.get(LIST, {"q": "drone blade"}).status_code == 200
    assert titles(client.get(LIST, {"q": "drone blade"})) == ["Wind turbine inspection"]
    assert facet(client.get(LIST, {"q": "forecast"}), "agency") == {"DOE": 1, "NASA": 1}


def test_the_list_sorts_and_keeps_the_filter_in_pagination_links(client, load):
    load([use_case_row("DOE", f"DOE-{i}", f"Case {i:02}", development_stage="Pilot")
          for i in range(30)])
    response = client.get(LIST, {"stage": "Pilot", "sort": "name"})
    assert titles(response)[:2] == ["Case 00", "Case 01"]
    assert "stage=Pilot&amp;sort=name&amp;page=2" in text(response)
    second = client.get(LIST, {"stage": "Pilot", "sort": "name", "page": 2})
    assert titles(second) == [f"Case {i}" for i in range(25, 30)]


def test_sort_by_stage_follows_the_stage_order(client, inventory):
    response = client.get(LIST, {"sort": "stage"})
    assert titles(response)[0] == "Grid load forecasting for launch sites"  # Pre-deployment
    assert titles(response)[-1] in ("Grid load forecasting", "Benefits claim triage")


def test_long_facets_show_the_top_values_and_a_link_to_all(client, load):
    load([use_case_row("DOE", f"DOE-{i}", f"Case {i}", agency_bureau=f"Bureau {i:02}")
          for i in range(14)])
    response = client.get(LIST, {"bureau": "Bureau 13"})
    shown = facet(response, "bureau")
    assert len(shown) == 11 and "Bureau 13" in shown  # the top ten and the chosen one
    assert "Show all 14 bureaus and components" in text(response)
    assert len(facet(client.get(LIST, {"more": "bureau"}), "bureau")) == 14


def test_unknown_values_match_nothing_and_too_many_values_are_refused(client, inventory):
    response = client.get(LIST, {"agency": "NOPE"})
    assert titles(response) == [] and facet(response, "agency")["NOPE"] == 0
    response = client.get(LIST, {"agency": [f"A{i}" for i in range(51)]})
    assert response.status_code == 200
    assert "Choose at most 50 values." in text(response)
    assert len(titles(response)) == 5  # an unusable filter is ignored, not half-applied


def test_the_list_shows_an_empty_state(client, db):
    response = client.get(LIST)
    assert response.status_code == 200 and "0 use cases" in text(response)


def test_the_list_needs_a_bounded_number_of_queries(client, load,
                                                    django_assert_max_num_queries):
    load([use_case_row(a, f"{a}-{i}", f"Use case {i}", development_stage="Pilot",
                       topic_area="Science", vendor_name=f"Vendor {i % 7}",
                       agency_bureau=f"Bureau {i % 5}")
          for a in ("DOE", "VA", "NASA") for i in range(40)])
    with django_assert_max_num_queries(11):
        response = client.get(LIST, {"stage": "Pilot", "q": "use case", "sort": "stage"})
    assert len(titles(response)) == 25
    with django_assert_max_num_queries(11):
        client.get(LIST)



def _option_ids(response, facet_name: str) -> dict[str, str]:
    """{value: checkbox id} of a facet."""
    return {value: id_ for id_, value in re.findall(
        rf'id="([^"]+)" type="checkbox" name="{facet_name}" value="([^"]+)"', text(response))}


def test_a_facet_value_keeps_its_checkbox_id_when_the_counts_reorder_the_values(client,
                                                                                inventory):
    # htmx puts the focus back on the box just ticked by its id: the id must not follow the
    # value's place in the list. Unfiltered NASA is third (DOE 2, VA 2, NASA 1), then second.
    everything = _option_ids(client.get(LIST), "agency")
    forecasts = _option_ids(client.get(LIST, {"q": "forecast"}), "agency")
    assert list(forecasts) == ["DOE", "NASA"]
    assert forecasts["NASA"] == everything["NASA"] and forecasts["DOE"] == everything["DOE"]
    assert len(set(everything.values())) == 3


def test_facets_in_use_are_open_and_the_others_folded(client, inventory):
    page = text(client.get(LIST, {"stage": "Pilot", "more": "vendor"}))
    assert re.search(r'aria-expanded="true" aria-controls="facet-stage">Stage of development'
                     r'<span id="facet-stage-chosen"> \(1 chosen\)</span>', page)
    assert 'aria-expanded="true" aria-controls="facet-vendor"' in page  # "Show all" opened it
    assert 'aria-expanded="false" aria-controls="facet-agency"' in page
    # Folded by USWDS's script, not by the page: without JavaScript every facet is there.
    assert " hidden" not in re.search(r'<div id="facet-agency"[^>]*>', page).group(0)


def test_a_filter_changed_through_htmx_answers_with_the_results_and_what_they_change(
        client, inventory):
    response = client.get(LIST, {"stage": "Pilot"}, headers={"HX-Request": "true"})
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "HX-Request" in response["Vary"]
    assert sorted(titles(response)) == ["Clinical note summarization", "Wind turbine inspection"]
    # Out of band: the count into the live region (its text only), the download link, the
    # errors and every facet's values and counts, narrowed by the other facets' choices.
    assert re.search(r'<p id="usecase-count" hx-swap-oob="innerHTML">\s*2 use cases match '
                     r'these filters\.', page)
    assert re.search(r'<a id="usecase-download"[^>]*href="/use-cases/export.csv\?stage=Pilot"'
                     r'[^>]*hx-swap-oob="true">Download these 2 use cases', page)
    assert '<div id="usecase-filter-errors" hx-swap-oob="true">' in page
    for facet_name in selectors.FACET_NAMES:
        assert f'id="facet-{facet_name}-values" hx-swap-oob="true"' in page
        assert f'<span id="facet-{facet_name}-chosen" hx-swap-oob="true">' in page
    assert facet(response, "agency") == {"DOE": 1, "VA": 1}
    assert facet(response, "stage") == {"Deployed": 2, "Pilot": 2, "Pre-deployment": 1}
    # The page as a whole is another response for the same URL.
    assert "<html" in text(client.get(LIST, {"stage": "Pilot"}))


def test_htmx_restoring_a_page_from_history_gets_the_whole_page(client, inventory):
    response = client.get(LIST, {"stage": "Pilot"},
                          headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in text(response) and 'id="usecase-results"' in text(response)


def test_an_htmx_filter_change_needs_a_bounded_number_of_queries(
        client, inventory, django_assert_max_num_queries):
    # The count, the page of use cases, the agencies' names and one GROUP BY per facet.
    with django_assert_max_num_queries(3 + len(selectors.FACET_NAMES)):
        response = client.get(LIST, {"stage": "Pilot", "q": "notes"},
                              headers={"HX-Request": "true"})
    assert titles(response) == ["Clinical note summarization"]

# --- CSV export -----------------------------------------------------------------------------------

def test_the_export_has_every_column_of_the_filtered_use_cases(client, inventory):
    response = client.get(EXPORT, {"agency": "DOE"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ai-use-cases-filtered.csv"' in response["Content-Disposition"]
    rows = export_rows(response)
    assert [r["use_case_name"] for r in rows] == ["Grid load forecasting",
                                                 "Wind turbine inspection"]
    assert list(rows[0]) == ["inventory_year", "source_row", *inventory[0].keys()]
    assert rows[0]["vendor_name"] == "Microsoft; Palantir Technologies, Inc."
    assert (rows[0]["inventory_year"], rows[0]["source_row"]) == ("2025", "0")
    assert len(export_rows(client.get(EXPORT))) == 5


def test_the_export_cannot_smuggle_spreadsheet_formulas(client, load):
    load([use_case_row(name="=HYPERLINK(\"http://evil\")", benefits="+1", vendor_name="@x")])
    row = export_rows(client.get(EXPORT))[0]
    assert row["use_case_name"] == "'=HYPERLINK(\"http://evil\")"
    assert (row["benefits"], row["vendor_name"]) == ("'+1", "'@x")


def test_the_export_streams_in_a_bounded_number_of_queries(client, load,
                                                           django_assert_max_num_queries):
    load([use_case_row("DOE", f"DOE-{i}", f"Use case {i}") for i in range(120)])
    with django_assert_max_num_queries(3):
        rows = export_rows(client.get(EXPORT, {"agency": "DOE", "q": "use"}))
    assert len(rows) == 120


# --- A use case ---------------------------------------------------------------------------------

def test_a_use_case_shows_every_non_empty_field(client, load):
    load([use_case_row(
        "VA", "VA-9", "Clinical note summarization", agency_bureau="VHA",
        contact_email="ai@va.gov", development_stage="Pilot",
        problem_solved="Physicians spend hours on notes.\n\nSummaries help.",
        demographic_features="['a) Race/Ethnicity', 'c) Age']",
        code_url="https://github.com/example/notes", pia_url="javascript:alert(1)",
        operational_date="Jul-25")])
    use_case = UseCase.objects.get()
    page = text(client.get(use_case.get_absolute_url()))
    assert "<h1>Clinical note summarization</h1>" in page
    assert "Department of Veterans Affairs · VHA" in page
    assert '<a class="usa-link" href="mailto:ai@va.gov">ai@va.gov</a>' in page
    assert "<li>a) Race/Ethnicity</li>" in page and "<li>c) Age</li>" in page
    assert '<p>Physicians spend hours on notes.</p>' in page
    assert 'href="https://github.com/example/notes"' in page
    assert 'href="javascript' not in page and "javascript:alert(1)" in page
    assert "Operational or pilot start date" in page and "Jul-25" in page
    assert "Consultation with end users" not in page  # an empty list is left out
    assert "Fail-safe" not in page  # so is an empty field


def test_a_use_case_that_does_not_exist_is_404(client, db):
    assert client.get(reverse("usecases:detail", kwargs={"pk": 999})).status_code == 404


def test_similar_use_cases_come_from_other_agencies(client, inventory):
    doe = UseCase.objects.get(key="DOE:DOE-1")
    similar = selectors.usecase_similar(use_case=doe, viewer=ANONYMOUS)
    assert [u.key for u in similar] == ["NASA:NASA-7"]  # not DOE-2: the same agency
    page = text(client.get(doe.get_absolute_url()))
    assert "Grid load forecasting for launch sites" in page


def test_similar_use_cases_come_from_the_search_index_when_it_is_built(
        settings, write_csv, registry, client, django_assert_max_num_queries):
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"  # vectors without the model
    inventory_import(source=write_csv([
        use_case_row("DOE", "DOE-1", "Grid load forecasting", topic_area="Science"),
        use_case_row("DOE", "DOE-2", "Grid load forecasting at plants", topic_area="Science"),
        use_case_row("NASA", "NASA-1", "Grid load forecasting for launch sites",
                     topic_area="Transportation"),
        use_case_row("VA", "VA-1", "Clinical note summarization", topic_area="Science"),
    ]), year=2025)
    doe = UseCase.objects.get(key="DOE:DOE-1")
    similar = selectors.usecase_similar(use_case=doe, viewer=ANONYMOUS)
    # Nearest first, never the same agency; the lexical ranking would have needed a
    # shared topic area and missed NASA's.
    assert [u.key for u in similar][0] == "NASA:NASA-1"
    assert "DOE:DOE-2" not in [u.key for u in similar]
    with django_assert_max_num_queries(12):
        assert "for launch sites" in text(client.get(doe.get_absolute_url()))


def test_a_use_case_without_words_has_no_similar_ones(load):
    load([use_case_row(name="", problem_solved=""), use_case_row("VA", name="AI")])
    assert selectors.usecase_similar(use_case=UseCase.objects.get(key="DOE:row-0"),
                                     viewer=ANONYMOUS) == []


def test_the_use_case_page_needs_a_bounded_number_of_queries(
        client, inventory, gov_member, make_user, load, django_assert_max_num_queries):
    """Session and person 2, the use case 1, the viewer 2, may this person be a contact 4,
    similar use cases 4 (search index) + 2 (lexical, when not indexed), contacts 1, and
    the session's idle-time update 3: the same however many use cases and contacts."""
    load(inventory + [use_case_row("DOE", f"DOE-{i}", f"Grid case {i}",
                                   topic_area="Health and Medical") for i in range(100)])
    use_case = UseCase.objects.get(key="VA:row-2")
    for i in range(10):
        usecase_contact_add(user=make_user(f"contact{i}@va.gov"), agency=use_case.agency)
    client.force_login(gov_member)
    with django_assert_max_num_queries(19):
        response = client.get(use_case.get_absolute_url())
    assert text(response).count('href="mailto:contact') == 10


# --- Statistics ---------------------------------------------------------------------------------

def test_statistics_show_charts_with_tables_of_the_same_numbers(client, inventory):
    page = text(client.get(STATISTICS)).split('<main', 1)[1]
    assert page.count('<svg') == page.count('role="img"') == 3
    assert page.count("<caption>") == 3
    assert "<th scope=\"row\">Department of Energy (DOE)</th><td class=\"text-right\">2</td>" \
        in page
    assert "<th scope=\"row\">Energy and Environment</th><td class=\"text-right\">3</td>" in page
    # Stages in their natural order, then the use cases without one.
    stages = re.findall(r'<th scope="row">(Pre-deployment|Pilot|Deployed|Not reported)</th>',
                        page)
    assert stages == ["Pre-deployment", "Pilot", "Deployed"]
    assert 'width="340"' in page  # the longest bar fills the chart
    assert "style=" not in page  # CSP: no inline styles


def test_statistics_count_use_cases_without_a_stage_as_not_reported(client, load):
    load([use_case_row(development_stage="Pilot"), use_case_row("VA")])
    page = text(client.get(STATISTICS))
    assert "<th scope=\"row\">Not reported</th><td class=\"text-right\">1</td>" in page


def test_statistics_filter_by_year_and_refuse_unknown_years(client, load):
    load([use_case_row("DOE", "DOE-1")], year=2024)
    load([use_case_row("DOE", "DOE-1"), use_case_row("VA", "VA-1")], year=2025)
    assert "2 use cases in the 2025 inventory" in text(client.get(STATISTICS))
    assert "1 use case in the 2024 inventory" in text(client.get(STATISTICS, {"year": 2024}))
    page = text(client.get(STATISTICS, {"year": 1999}))
    assert "Select a valid choice" in page and "2025 inventory" in page


def test_statistics_without_an_inventory(client, db):
    assert "No inventory has been imported yet." in text(client.get(STATISTICS))


def test_statistics_need_a_bounded_number_of_queries(client, inventory,
                                                     django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(STATISTICS).status_code == 200


@pytest.mark.parametrize("path", ["usecases:list", "usecases:export"])
def test_a_nul_in_a_facet_value_is_refused_not_a_crash(client, inventory, path):
    """PostgreSQL cannot compare text with a NUL byte: a filter value carrying one was a 500
    there (found by tests/test_query_fuzz.py). It is now an invalid filter, like any other."""
    response = client.get(reverse(path), {"year": "\x00", "agency": "DOE\x00"})
    assert response.status_code == 200
