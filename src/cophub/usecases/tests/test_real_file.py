"""OMB's real 2025 file (../shared/data): every row loads, a second import changes nothing,
and a modified copy reports exactly the rows that were changed."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from cophub.accounts.registry import registry_import
from cophub.usecases.importing import inventory_import
from cophub.usecases.models import Agency, UseCase, UseCaseFacet

from .conftest import REAL_FILE

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.shared_data,
    pytest.mark.skipif(not REAL_FILE.exists(), reason="../shared/data is not available"),
]


@pytest.fixture
def imported(settings):
    dotgov = settings.COPHUB_DOTGOV_CSV
    if Path(dotgov).exists():
        registry_import(source=dotgov)
    return inventory_import(source=str(REAL_FILE), year=2025, index=False)


def _rows() -> list[dict]:
    with REAL_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_all_3611_rows_load_as_3611_use_cases(imported):
    assert imported.rejected == [] and imported.empty_rows == []
    assert len(imported.created) == 3611 and UseCase.objects.count() == 3611
    assert sorted(UseCase.objects.values_list("source_row", flat=True)) == list(range(3611))
    assert Agency.objects.count() == 41
    # OMB's ids: blank for about 700 rows and repeated for a few; those are keyed by row.
    assert UseCase.objects.filter(inventory_id="").count() == 704
    assert UseCase.objects.filter(key__contains=":row-").count() == 710
    cftc = UseCase.objects.get(inventory_id="CFTC-003")
    assert cftc.key == "CFTC:CFTC-003" and cftc.agency.abbreviation == "CFTC"


def test_the_file_maps_every_agency_to_the_registry(imported):
    if not Agency.objects.exclude(organization="").exists():
        pytest.skip("the .gov registry is not available")
    assert imported.unmapped_agencies == []


def test_source_row_is_the_files_0_based_data_row(imported):
    rows = _rows()
    for use_case in UseCase.objects.order_by("?")[:200]:
        row = rows[use_case.source_row]
        assert (row["agency"], row["id"], row["use_case_name"]) == (
            use_case.fields["agency"], use_case.inventory_id, use_case.fields["use_case_name"])


def test_facet_counts_match_the_file(imported):
    rows = _rows()
    stages = dict(UseCaseFacet.objects.filter(facet="stage").values_list("value").annotate(
        n=Count("pk")))
    expected = {}
    for row in rows:
        if row["development_stage"]:
            expected[row["development_stage"]] = expected.get(row["development_stage"], 0) + 1
    assert stages == expected


def test_a_second_import_reports_no_changes(imported):
    report = inventory_import(source=str(REAL_FILE), year=2025, index=False)
    assert report.changed == 0 and report.unchanged == 3611


def test_a_modified_copy_reports_exactly_the_changed_rows(imported, tmp_path):
    rows = _rows()
    changed = {7: "benefits", 1500: "development_stage", 3000: "use_case_name"}
    for index, column in changed.items():
        rows[index][column] = rows[index][column] + " (revised)"
    path = tmp_path / "2025_modified.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = inventory_import(source=str(path), year=2025, index=False)
    keys = dict(UseCase.objects.values_list("source_row", "key"))
    assert sorted(report.updated) == sorted((keys[i], [c]) for i, c in changed.items())
    assert report.created == report.moved == report.removed == []
    assert report.unchanged == 3611 - 3


def test_the_command_loads_the_real_file(db):
    out = io.StringIO()
    call_command("import_usecases", str(REAL_FILE), "--no-index", "--measure", stdout=out)
    assert "2025 inventory: 3611 rows read; created 3611" in out.getvalue()
