"""`cophub import-usecases` on small files written here: the key rule, idempotent upserts,
moved rows, and every kind of bad input (each refused or reported, changing nothing else)."""

import io
import types

import pytest
from django.core.management import CommandError, call_command

from cophub.core.models import AuditEvent
from cophub.usecases.columns import REQUIRED_COLUMNS, list_values, topic_values, vendor_values
from cophub.usecases.importing import InventoryImportError, inventory_import, year_from_name
from cophub.usecases.models import Agency, UseCase, UseCaseFacet

from .conftest import csv_text, use_case_row

pytestmark = pytest.mark.django_db


def keys():
    return dict(UseCase.objects.values_list("key", "source_row"))


# --- Loading and the key rule ---------------------------------------------------------------

def test_every_row_loads_with_its_fields_typed_columns_and_source_row(load):
    report = load([
        use_case_row("DOE", "DOE-1", "Grid forecasting", development_stage="Pilot",
                     topic_area="['Science', 'Energy and Environment']"),
        use_case_row("VA", "", "Note summarization"),
    ])
    assert (len(report.created), report.unchanged, report.rejected) == (2, 0, [])
    doe = UseCase.objects.get(key="DOE:DOE-1")
    assert (doe.inventory_year, doe.source_row, doe.inventory_id) == (2025, 0, "DOE-1")
    assert doe.agency.abbreviation == "DOE" and doe.agency.name == "Department of Energy"
    assert doe.topic_areas == ["Science", "Energy and Environment"]
    assert doe.fields["use_case_name"] == "Grid forecasting"
    assert set(doe.fields) == set(REQUIRED_COLUMNS)
    assert UseCase.objects.get(key="VA:row-1").source_row == 1


def test_blank_and_repeated_ids_are_keyed_by_row_and_never_merged(load):
    report = load([
        use_case_row("DOJ", "DOJ-0357", "Security packages"),
        use_case_row("DOJ", "DOJ-0357", "Security packages (second entry)"),
        use_case_row("EPA", "34", "Water quality"),
        use_case_row("TREAS", "34", "Tax forms"),  # same id, another agency: no clash
        use_case_row("HHS", "", "Grant review"),
        use_case_row("HHS", "", "Grant review"),  # identical rows without ids: both kept
        use_case_row("STB", "row-9", "An id that looks like a row key"),
    ])
    assert report.rejected == []
    assert keys() == {"DOJ:row-0": 0, "DOJ:row-1": 1, "EPA:34": 2, "TREAS:34": 3,
                      "HHS:row-4": 4, "HHS:row-5": 5, "STB:row-6": 6}
    assert any("DOJ id 'DOJ-0357' appears 2 times (lines 2, 3)" in n for n in report.notes)
    assert any("2 row(s) have no use case id" in n for n in report.notes)


def test_importing_the_same_file_twice_changes_nothing(load, inventory):
    before = dict(UseCase.objects.values_list("key", "pk"))
    report = load(inventory)
    assert report.changed == 0 and report.unchanged == len(inventory)
    assert dict(UseCase.objects.values_list("key", "pk")) == before


def test_a_newer_file_updates_changed_rows_and_reports_the_columns(load, inventory):
    rows = [dict(r) for r in inventory]
    rows[1]["development_stage"] = "Deployed"
    rows[3]["benefits"] = "Faster decisions for veterans."
    rows[3]["vendor_name"] = "Acme"
    report = load(rows)
    assert report.updated == [("DOE:DOE-2", ["development_stage"]),
                              ("VA:row-3", ["benefits", "vendor_name"])]
    assert (len(report.created), len(report.moved), report.removed) == (0, 0, [])
    assert report.unchanged == 3
    turbine = UseCase.objects.get(key="DOE:DOE-2")
    assert turbine.development_stage == "Deployed"
    assert set(turbine.facet_values.filter(facet="stage").values_list("value", flat=True)) \
        == {"Deployed"}
    assert list(UseCaseFacet.objects.filter(use_case__key="VA:row-3", facet="vendor")
                .values_list("value", flat=True)) == ["Acme"]


def test_rows_that_moved_keep_their_use_case_and_are_reported_as_moved(load, inventory):
    pks = dict(UseCase.objects.values_list("fields__use_case_name", "pk"))
    new = use_case_row("VA", "", "Appointment scheduling assistant")
    report = load([new, *inventory])  # every row one further down
    assert [k for k in report.created] == ["VA:row-0"]
    assert sorted((old, new) for old, new, *_ in report.moved) == [
        ("DOE:DOE-1", "DOE:DOE-1"), ("DOE:DOE-2", "DOE:DOE-2"), ("NASA:NASA-7", "NASA:NASA-7"),
        ("VA:row-2", "VA:row-3"), ("VA:row-3", "VA:row-4")]
    assert report.updated == [] and report.removed == []
    after = dict(UseCase.objects.values_list("fields__use_case_name", "pk"))
    assert all(after[name] == pk for name, pk in pks.items())  # same pages, same URLs
    assert UseCase.objects.get(key="VA:row-3").name == "Clinical note summarization"


def test_use_cases_missing_from_a_newer_file_are_removed(load, inventory):
    report = load(inventory[:3])
    assert report.removed == ["NASA:NASA-7", "VA:row-3"]
    assert UseCase.objects.count() == 3
    assert not UseCaseFacet.objects.filter(use_case__key="NASA:NASA-7").exists()


def test_years_are_kept_apart(load, inventory):
    report = load(inventory[:1], year=2024)
    assert report.created == ["DOE:DOE-1"] and report.removed == []
    assert UseCase.objects.filter(inventory_year=2025).count() == 5


def test_agencies_map_to_registry_organizations_with_aliases_and_suborganizations(
        registry, load):
    report = load([use_case_row(a, name=f"Use case {a}")
                   for a in ("DOE", "FRB", "NIGC", "XYZ")])
    mapped = {a.abbreviation: (a.organization, a.suborganization)
              for a in Agency.objects.all()}
    assert mapped == {
        "DOE": ("Department of Energy", ""),
        "FRB": ("Board of Governors of the Federal Reserve", ""),
        "NIGC": ("Department of the Interior", "National Indian Gaming Commission"),
        "XYZ": ("", ""),
    }
    assert report.unmapped_agencies == ["XYZ (Agency Nobody Registered)"]


def test_without_the_registry_agencies_load_unmapped_and_the_report_says_so(load):
    report = load([use_case_row("DOE")])
    assert Agency.objects.get().organization == ""
    assert any("registry is not loaded" in n for n in report.notes)


def test_the_import_is_audited(load):
    load([use_case_row()])
    event = AuditEvent.objects.get(verb="usecases.inventory.imported")
    assert event.data["created"] == 1 and event.data["year"] == 2025


def test_the_search_index_is_updated_once_with_every_changed_id(monkeypatch, write_csv,
                                                                 inventory):
    calls = []
    monkeypatch.setattr(
        "cophub.usecases.importing.inventory.search_index_update",
        lambda *, type_name, ids: calls.append((type_name, ids))
        or types.SimpleNamespace(as_dict=lambda: {"written": len(ids)}))
    rows = [dict(r) for r in inventory]
    rows[0]["benefits"] = "Cheaper power."
    report = inventory_import(source=write_csv(rows[:4] + [use_case_row("ED", "", "Aid")]),
                              year=2025)
    changed = UseCase.objects.get(key="DOE:DOE-1").pk
    created = UseCase.objects.get(key="ED:row-4").pk
    assert len(calls) == 1 and calls[0][0] == "usecase"
    assert set(calls[0][1]) >= {changed, created} and len(calls[0][1]) == 3  # + the removed
    assert report.index == {"written": 3}


# --- Bad input --------------------------------------------------------------------------------

def test_a_file_that_is_not_utf8_is_refused_and_nothing_is_imported(write_csv, inventory):
    path = write_csv([use_case_row(name="Énergie")], encoding="latin-1")
    with pytest.raises(InventoryImportError, match="not UTF-8 text .* line 2"):
        inventory_import(source=path, year=2025, index=False)
    assert UseCase.objects.count() == 5 and not UseCase.objects.filter(
        name="Énergie").exists()


def test_missing_columns_are_named_and_nothing_is_imported(write_csv, inventory):
    columns = [c for c in REQUIRED_COLUMNS if c not in ("topic_area", "hi_appeal_process")]
    path = write_csv([use_case_row()], columns=columns)
    with pytest.raises(InventoryImportError,
                       match="2 column.s. are missing: topic_area, hi_appeal_process"):
        inventory_import(source=path, year=2025, index=False)
    assert UseCase.objects.count() == 5


def test_a_repeated_column_is_refused(write_csv):
    text = ",".join([*REQUIRED_COLUMNS, "agency"]) + "\r\n"
    with pytest.raises(InventoryImportError, match="repeats column.s.: agency"):
        inventory_import(source=write_csv(text=text), year=2025, index=False)


@pytest.mark.parametrize("text, message", [
    ("", "no header row"),
    ("\r\n\r\n", "no header row"),
    (",".join(REQUIRED_COLUMNS) + "\r\n\r\n", "no use cases"),
])
def test_empty_files_are_refused(write_csv, text, message):
    with pytest.raises(InventoryImportError, match=message):
        inventory_import(source=write_csv(text=text), year=2025, index=False)


def test_huge_fields_are_reported_with_their_line_and_the_rest_loads(load):
    report = load([use_case_row("DOE", "DOE-1"),
                   use_case_row("DOE", "DOE-2", problem_solved="x" * 20_001),
                   use_case_row("DOE", "DOE-3", benefits="y" * 20_000)])
    assert report.rejected == [
        (3, "problem_solved is 20,001 characters long; at most 20,000 are accepted")]
    assert keys() == {"DOE:DOE-1": 0, "DOE:DOE-3": 2}


def test_a_field_bigger_than_the_csv_module_default_is_a_row_error(load):
    report = load([use_case_row(problem_solved="z" * 300_000), use_case_row("VA")])
    assert [line for line, _ in report.rejected] == [2]
    assert UseCase.objects.count() == 1


def test_blank_lines_are_skipped_and_not_counted_as_rows(write_csv):
    body = csv_text([use_case_row("DOE", "DOE-1"), use_case_row("DOE", "DOE-2")])
    header, first, second = body.strip().split("\r\n")
    text = "\r\n".join(["", header, "", first, "   ", "", second, ""]) + "\r\n"
    report = inventory_import(source=write_csv(text=text), year=2025, index=False)
    assert report.rejected == [] and report.rows == 2
    assert keys() == {"DOE:DOE-1": 0, "DOE:DOE-2": 1}


def test_bad_rows_are_reported_by_line_even_after_multi_line_fields(load, write_csv):
    body = csv_text([use_case_row("DOE", "DOE-1", problem_solved="line one\nline two\nthree"),
                     use_case_row("DOE", "DOE-2")])
    text = body + "DOE,too,few,values\r\n" + csv_text([use_case_row("DOE", "DOE-4")]).split(
        "\r\n", 1)[1]
    report = inventory_import(source=write_csv(text=text), year=2025, index=False)
    assert report.rejected == [(6, "4 values, but the header has 36 columns (a missing or "
                                   "extra comma or quote?)")]
    # The unreadable row still counts as a data row, so later rows keep their position.
    assert keys() == {"DOE:DOE-1": 0, "DOE:DOE-2": 1, "DOE:DOE-4": 3}


@pytest.mark.parametrize("row, reason", [
    (use_case_row(agency=""), "agency abbreviation (column agency) is blank"),
    (use_case_row(agency="Department of Energy"), "is not an abbreviation"),
    (use_case_row(id="X" * 101), "id is longer than 100"),
    (use_case_row(benefits="a\x00b"), "benefits contains a NUL character"),
])
def test_unusable_rows_are_rejected_with_a_reason(load, row, reason):
    report = load([row, use_case_row("VA", "VA-1")])
    assert len(report.rejected) == 1 and reason in report.rejected[0][1]
    assert report.rejected[0][0] == 2
    assert list(UseCase.objects.values_list("key", flat=True)) == ["VA:VA-1"]


def test_empty_rows_are_skipped_but_keep_later_rows_in_place(load):
    report = load([use_case_row(), {c: "" for c in REQUIRED_COLUMNS}, use_case_row("VA")])
    assert report.empty_rows == [3] and report.rejected == []
    assert keys() == {"DOE:row-0": 0, "VA:row-2": 2}


def test_use_cases_whose_rows_could_not_be_read_are_kept_not_removed(load, inventory):
    rows = [dict(r) for r in inventory]
    rows[4]["problem_solved"] = "p" * 30_000  # NASA-7 unreadable this time
    report = load(rows)
    assert [line for line, _ in report.rejected] == [6]
    assert report.removed == [] and report.kept == ["NASA:NASA-7"]
    assert UseCase.objects.get(key="NASA:NASA-7").fields["problem_solved"].startswith(
        "Forecast")


def test_unknown_columns_are_ignored_and_mentioned(write_csv):
    path = write_csv([use_case_row() | {"comments": "internal"}],
                     columns=[*REQUIRED_COLUMNS, "comments"])
    report = inventory_import(source=path, year=2025, index=False)
    assert "comments" not in UseCase.objects.get().fields
    assert any("comments" in n for n in report.notes)


def test_header_names_match_without_regard_to_case_and_spaces(write_csv):
    text = csv_text([use_case_row("DOE", "DOE-1")])
    header, rest = text.split("\r\n", 1)
    text = ",".join(f" {c.upper()} " for c in header.split(",")) + "\r\n" + rest
    inventory_import(source=write_csv(text=text), year=2025, index=False)
    assert UseCase.objects.get().key == "DOE:DOE-1"


def test_sources_that_cannot_be_read_are_refused(tmp_path):
    with pytest.raises(InventoryImportError, match="Could not read"):
        inventory_import(source=str(tmp_path / "missing.csv"), year=2025, index=False)
    with pytest.raises(InventoryImportError, match="Unsupported URL scheme 'file'"):
        inventory_import(source="file:///etc/passwd", year=2025, index=False)


# --- Reading values -----------------------------------------------------------------------------

def test_multi_select_cells_are_parsed_without_evaluating_code():
    assert list_values("['a) Age', 'b) Sex']") == ["a) Age", "b) Sex"]
    assert list_values("[]") == []
    assert list_values("Usability Testing; Other") == ["Usability Testing", "Other"]
    assert list_values("[__import__('os').system('echo hi')]") == [
        "__import__('os').system('echo hi')"]
    assert list_values("['unclosed, 'list']") == ["'unclosed, 'list'"]
    assert topic_values("Administrative functions") == ["Admin Functions"]
    assert vendor_values("Palantir Technologies, Inc.; Microsoft\nAWS") == [
        "Palantir Technologies, Inc.", "Microsoft", "AWS"]


def test_the_year_comes_from_the_file_name():
    assert year_from_name("/data/2025_individually_reported_AI_use_cases.csv") == 2025
    assert year_from_name("https://example.gov/inventory-2024.csv?x=1") == 2024
    assert year_from_name("inventory.csv") is None
    assert year_from_name("2024_vs_2025.csv") is None


# --- The command --------------------------------------------------------------------------------

def test_the_command_prints_what_changed(registry, write_csv):
    path = write_csv([use_case_row("DOE", "DOE-1"), use_case_row("XYZ", "", "Mystery")])
    out = io.StringIO()
    call_command("import_usecases", path, "--no-index", stdout=out)
    text = out.getvalue()
    assert "2025 inventory: 2 rows read; created 2, updated 0" in text
    assert "XYZ (Agency Nobody Registered)" in text
    assert "Search index not updated (--no-index)." in text
    out = io.StringIO()
    call_command("import_usecases", write_csv([use_case_row("DOE", "DOE-1", "Renamed"),
                                               use_case_row("XYZ", "", "Mystery")]),
                 "--no-index", stdout=out)
    assert "updated 1, moved 0, unchanged 1" in out.getvalue()
    assert "DOE:DOE-1: use_case_name" in out.getvalue()


def test_the_command_needs_a_year_when_the_file_name_has_none(write_csv):
    path = write_csv([use_case_row()], name="inventory.csv")
    with pytest.raises(CommandError, match="--year"):
        call_command("import_usecases", path, "--no-index", stdout=io.StringIO())
    call_command("import_usecases", path, "--no-index", "--year", "2024",
                 stdout=io.StringIO())
    assert UseCase.objects.get().inventory_year == 2024


def test_the_command_turns_structural_errors_into_a_message(write_csv):
    path = write_csv([use_case_row()], columns=REQUIRED_COLUMNS[:-1])
    with pytest.raises(CommandError, match="hi_public_consultation"):
        call_command("import_usecases", path, "--no-index", stdout=io.StringIO())
    assert not UseCase.objects.exists()


def test_an_import_indexes_its_use_cases_for_search(settings, write_csv, inventory):
    from cophub.search.models import SearchDocument

    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"  # no model in tests
    UseCase.objects.all().delete()
    assert inventory_import(source=write_csv(inventory), year=2025).index["written"] == 5
    rows = [dict(r) for r in inventory]
    rows[1]["benefits"] = "Fewer climbs."
    report = inventory_import(source=write_csv(rows[:4]), year=2025)
    assert report.index["written"] == 1  # only the changed row
    assert report.index["removed"] == 1  # NASA-7, no longer in the file
    document = SearchDocument.objects.get(type_name="usecase", object_id=UseCase.objects.get(
        key="DOE:DOE-1").pk)
    assert document.extra == {"inventory_id": "DOE-1", "inventory_year": 2025,
                              "agency": "DOE", "source_row": 0}
    assert document.access_level == "public" and document.community_id is None


def test_the_command_indexes_and_says_how_many(settings, write_csv):
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"
    out = io.StringIO()
    call_command("import_usecases", write_csv([use_case_row("DOE", "DOE-1", "Grid"),
                                               use_case_row("VA", "VA-1", "Notes")]),
                 stdout=out)
    assert "Indexed 2 use case(s) for search in " in out.getvalue()
    assert "2 embedded, 0 vectors reused." in out.getvalue()
