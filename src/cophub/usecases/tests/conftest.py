"""Small inventory files written by the tests (never the real file, except in the
`shared_data` tests), and the .gov registry rows the agency mapping reads."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from cophub.accounts.models import Level, RegistryDomain
from cophub.usecases.columns import REQUIRED_COLUMNS
from cophub.usecases.importing import inventory_import

# The real 2025 file (the test settings point the demo's COPHUB_USECASES_CSV elsewhere).
REAL_FILE = Path(settings.COPHUB_USECASES_CSV_REAL)

AGENCIES = {
    "DOE": "Department of Energy",
    "VA": "Department of Veterans Affairs",
    "NASA": "National Aeronautics and Space Administration",
    "FRB": "Federal Reserve Board",
    "NIGC": "National Indian Gaming Commission",
    "XYZ": "Agency Nobody Registered",
}


def use_case_row(agency="DOE", id="", name="Grid forecasting", **fields) -> dict:
    row = {column: "" for column in REQUIRED_COLUMNS}
    row.update(agency=agency, agency_name=AGENCIES.get(agency, agency), id=id,
               use_case_name=name, demographic_features="[]", hi_public_consultation="[]")
    row.update(fields)
    return row


def csv_text(rows: list[dict], *, columns=REQUIRED_COLUMNS) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (dicts) or raw text as a file named like OMB's; returns its path."""
    def write(rows=None, *, text: str | None = None, name="2025_use_cases.csv",
              encoding="utf-8-sig", columns=REQUIRED_COLUMNS) -> str:
        path = tmp_path / name
        path.write_bytes((text if text is not None else csv_text(rows or [], columns=columns))
                         .encode(encoding))
        return str(path)
    return write


@pytest.fixture
def load(write_csv):
    """Import rows as the 2025 inventory, without the search index."""
    def run(rows, **kwargs):
        return inventory_import(source=write_csv(rows), year=kwargs.pop("year", 2025),
                                index=False, **kwargs)
    return run


@pytest.fixture
def registry(db):
    for domain, organization, sub in [
        ("energy.gov", "Department of Energy", ""),
        ("va.gov", "Department of Veterans Affairs", ""),
        ("nasa.gov", "National Aeronautics and Space Administration", ""),
        ("federalreserve.gov", "Board of Governors of the Federal Reserve", ""),
        ("doi.gov", "Department of the Interior", ""),
        ("nigc.gov", "Department of the Interior", "National Indian Gaming Commission"),
    ]:
        RegistryDomain.objects.create(domain=domain, domain_type="Federal - Executive",
                                      level=Level.FEDERAL, organization=organization,
                                      suborganization=sub)


@pytest.fixture
def inventory(registry, load):
    """A small inventory: energy, veterans and space use cases with facets to count."""
    rows = [
        use_case_row("DOE", "DOE-1", "Grid load forecasting", development_stage="Deployed",
                     topic_area="Energy and Environment", is_high_impact="Not High-impact",
                     problem_solved="Forecast electricity grid load with machine learning.",
                     vendor_name="Microsoft; Palantir Technologies, Inc.",
                     agency_bureau="Office of Electricity", classification="Classical ML"),
        use_case_row("DOE", "DOE-2", "Wind turbine inspection", development_stage="Pilot",
                     topic_area="Energy and Environment", is_high_impact="High-impact",
                     problem_solved="Detect blade damage in drone images of wind turbines.",
                     agency_bureau="Office of Electricity", classification="Computer Vision"),
        use_case_row("VA", "", "Clinical note summarization", development_stage="Pilot",
                     topic_area="Health and Medical", is_high_impact="High-impact",
                     problem_solved="Summarize clinical notes for veterans' physicians.",
                     vendor_name="Microsoft", agency_bureau="VHA",
                     classification="Generative AI",
                     contact_email="ai@va.gov"),
        use_case_row("VA", "", "Benefits claim triage", development_stage="Deployed",
                     topic_area="Benefits Processing", is_high_impact="Not High-impact",
                     problem_solved="Route benefits claims with machine learning.",
                     agency_bureau="VBA", classification="Classical ML"),
        use_case_row("NASA", "NASA-7", "Grid load forecasting for launch sites",
                     development_stage="Pre-deployment", topic_area="Energy and Environment",
                     problem_solved="Forecast electricity grid load at launch sites.",
                     agency_bureau="KSC", classification="Classical ML"),
    ]
    load(rows)
    return rows
