"""Importing CISA's .gov registry (`accounts.registry`, `cophub import-domains`)."""

import http.server
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cophub.accounts.domains import domain_verdict
from cophub.accounts.models import Level, RegistryDomain
from cophub.accounts.registry import ImportReport, RegistryImportError, registry_import
from cophub.core.models import AuditEvent

HEADER = ("Domain name,Domain type,Organization name,Suborganization name,City,State,"
          "Security contact email")
NIH_ROW = ("nih.gov,Federal - Executive,Department of Health and Human Services,"
           "National Institutes of Health,Bethesda,MD,ResponsibleDisclosure@hhs.gov")
CITY_ROW = "29palms.gov,City,City of Twentynine Palms,,Twentynine Palms,CA,(blank)"
COUNTY_ROW = "adamscountywi.gov,County - Election,Adams County,,Friendship,WI,(blank)"

REAL_FILE = Path(__file__).parents[4] / ".." / "shared" / "data" / "dotgov" / "current-full.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_csv(tmp_path):
    def write(*rows: str, header: str = HEADER, name: str = "current-full.csv",
              encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
        return str(path)
    return write


# --- good rows ------------------------------------------------------------------------------

def test_import_creates_one_row_per_domain_with_level_from_domain_type(write_csv):
    report = registry_import(source=write_csv(NIH_ROW, CITY_ROW, COUNTY_ROW))

    assert report == ImportReport(created=3, updated=0, unchanged=0, rejected=[])
    nih = RegistryDomain.objects.get(domain="nih.gov")
    assert (nih.domain_type, nih.level) == ("Federal - Executive", Level.FEDERAL)
    assert nih.organization == "Department of Health and Human Services"
    assert nih.suborganization == "National Institutes of Health"
    assert (nih.city, nih.state) == ("Bethesda", "MD")
    assert RegistryDomain.objects.get(domain="adamscountywi.gov").level == Level.COUNTY
    assert RegistryDomain.objects.get(domain="29palms.gov").level == Level.CITY


def test_import_lower_cases_domains(write_csv):
    registry_import(source=write_csv(NIH_ROW.replace("nih.gov", "NIH.Gov", 1)))

    assert list(RegistryDomain.objects.values_list("domain", flat=True)) == ["nih.gov"]


def test_import_tolerates_byte_order_mark(write_csv):
    report = registry_import(source=write_csv(NIH_ROW, encoding="utf-8-sig"))

    assert report.created == 1
    assert report.rejected == []


def test_import_tolerates_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(("\r\n".join([HEADER, NIH_ROW, CITY_ROW]) + "\r\n").encode())

    assert registry_import(source=str(path)).created == 2


def test_domain_verdict_uses_imported_registry(write_csv):
    registry_import(source=write_csv(NIH_ROW))

    verdict = domain_verdict("someone@cc.nih.gov")

    assert verdict.is_government
    assert verdict.organization == "Department of Health and Human Services"
    assert verdict.level == Level.FEDERAL
    assert verdict.reason == "registered .gov domain (nih.gov)"


def test_import_writes_one_audit_row(write_csv):
    registry_import(source=write_csv(NIH_ROW, ",City,Nowhere,,,,"))

    event = AuditEvent.objects.get()
    assert event.verb == "accounts.registry.imported"
    assert event.data["created"] == 1
    assert event.data["rejected"] == 1


# --- idempotency and updates ----------------------------------------------------------------

def test_second_import_of_same_file_changes_nothing(write_csv):
    source = write_csv(NIH_ROW, CITY_ROW, COUNTY_ROW)
    registry_import(source=source)
    before = dict(RegistryDomain.objects.values_list("domain", "imported_at"))

    report = registry_import(source=source)

    assert report == ImportReport(created=0, updated=0, unchanged=3, rejected=[])
    assert dict(RegistryDomain.objects.values_list("domain", "imported_at")) == before


def test_changed_row_is_updated_and_others_left_alone(write_csv, tmp_path):
    registry_import(source=write_csv(NIH_ROW, CITY_ROW))
    city_imported_at = RegistryDomain.objects.get(domain="29palms.gov").imported_at

    moved = NIH_ROW.replace("Bethesda", "Rockville")
    report = registry_import(source=write_csv(moved, CITY_ROW, COUNTY_ROW, name="next.csv"))

    assert report == ImportReport(created=1, updated=1, unchanged=1, rejected=[])
    assert RegistryDomain.objects.get(domain="nih.gov").city == "Rockville"
    assert RegistryDomain.objects.get(domain="29palms.gov").imported_at == city_imported_at


def test_domain_type_change_updates_level(write_csv):
    registry_import(source=write_csv(CITY_ROW))

    registry_import(source=write_csv(CITY_ROW.replace(",City,", ",County,"), name="b.csv"))

    assert RegistryDomain.objects.get(domain="29palms.gov").level == Level.COUNTY


def test_hand_entered_upper_case_row_is_updated_not_duplicated(write_csv):
    RegistryDomain.objects.create(domain="NIH.gov", domain_type="Federal", level=Level.FEDERAL,
                                  organization="NIH")

    report = registry_import(source=write_csv(NIH_ROW))

    assert (report.created, report.updated) == (0, 1)
    assert list(RegistryDomain.objects.values_list("domain", flat=True)) == ["nih.gov"]


def test_domains_absent_from_the_file_are_kept(write_csv):
    registry_import(source=write_csv(NIH_ROW, CITY_ROW))

    registry_import(source=write_csv(NIH_ROW, name="smaller.csv"))

    assert RegistryDomain.objects.filter(domain="29palms.gov").exists()


def test_large_import_runs_in_batches_not_per_row(write_csv, django_assert_max_num_queries):
    rows = [f"town{i}.gov,City,Town {i},,Town {i},VA,(blank)" for i in range(2500)]
    source = write_csv(*rows)

    # One read, the insert batches (3 on PostgreSQL; ~21 on SQLite, which caps a statement
    # at 999 parameters), one audit row. A per-row loop would be 2500+.
    with django_assert_max_num_queries(30):
        report = registry_import(source=source)

    assert report.created == 2500
    assert RegistryDomain.objects.count() == 2500


# --- bad rows -------------------------------------------------------------------------------

def test_bad_rows_are_reported_with_line_numbers_and_good_rows_still_import(write_csv):
    source = write_csv(
        NIH_ROW,                                                     # line 2
        ",City,Nowhere,,,,",                                         # 3: empty domain
        "example.com,City,Example,,,,",                              # 4: not .gov
        "bad domain.gov,City,Bad,,,,",                               # 5: space
        "n\u0456h.gov,City,Lookalike,,,,",                           # 6: Cyrillic і
        "xn--nh-xnb.gov,City,Punycode,,,,",                          # 7: IDNA
        "empty-org.gov,City,,,,,",                                   # 8: no organization
        NIH_ROW.replace("Bethesda", "Elsewhere"),                    # 9: duplicate
        "NIH.GOV,Federal,Again,,,,",                                 # 10: duplicate (case)
        CITY_ROW,                                                    # 11
        "nih.gov.evil.com,City,Evil,,,,",                            # 12: not .gov
        "trailing.gov.,City,Dot,,,,",                                # 13: trailing dot
    )

    report = registry_import(source=source)

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.rejected == [
        (3, "empty domain name"),
        (4, "not a .gov domain: example.com"),
        (5, "invalid domain name 'bad domain.gov'"),
        (6, "invalid domain name 'n\u0456h.gov'"),
        (7, "invalid domain name 'xn--nh-xnb.gov'"),
        (8, "empty organization name for empty-org.gov"),
        (9, "duplicate of line 2: nih.gov"),
        (10, "duplicate of line 2: nih.gov"),
        (12, "not a .gov domain: nih.gov.evil.com"),
        (13, "invalid domain name 'trailing.gov.'"),
    ]
    assert set(RegistryDomain.objects.values_list("domain", flat=True)) == {
        "nih.gov", "29palms.gov",
    }
    assert RegistryDomain.objects.get(domain="nih.gov").city == "Bethesda"  # first one wins


def test_over_long_and_control_character_values_are_rejected_not_fatal(write_csv):
    source = write_csv(
        "long.gov,City," + "x" * 301 + ",,,,",
        "nul.gov,City,Bad\x00Org,,,,",
        CITY_ROW,
    )

    report = registry_import(source=source)

    assert report.created == 1
    assert report.rejected == [
        (2, "Organization name longer than 300 characters for long.gov"),
        (3, "control characters in Organization name for nul.gov"),
    ]


def test_short_row_is_rejected_for_missing_organization(write_csv):
    report = registry_import(source=write_csv("short.gov,City", CITY_ROW))

    assert report.rejected == [(2, "empty organization name for short.gov")]
    assert report.created == 1


# --- unusable sources -----------------------------------------------------------------------

def test_missing_required_column_raises_and_changes_nothing(write_csv):
    registry_import(source=write_csv(CITY_ROW))
    source = write_csv("nih.gov,Federal - Executive,Bethesda,MD",
                       header="Domain name,Domain type,City,State", name="bad.csv")

    with pytest.raises(RegistryImportError, match="Organization name, Suborganization name"):
        registry_import(source=source)

    assert list(RegistryDomain.objects.values_list("domain", flat=True)) == ["29palms.gov"]
    assert AuditEvent.objects.count() == 1  # the first import only


def test_empty_file_raises(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(RegistryImportError, match="missing required column"):
        registry_import(source=str(path))


def test_missing_file_raises(tmp_path):
    with pytest.raises(RegistryImportError, match="(?i)could not read"):
        registry_import(source=str(tmp_path / "nope.csv"))


def test_non_utf8_file_raises(write_csv):
    source = write_csv("caf\u00e9.gov,City,Caf\u00e9 Town,,,,", encoding="latin-1")

    with pytest.raises(RegistryImportError, match="not UTF-8"):
        registry_import(source=source)


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://example.gov/full.csv",
                                    "gopher://example.gov/"])
def test_non_http_urls_are_refused(source):
    with pytest.raises(RegistryImportError, match="(?i)unsupported URL scheme"):
        registry_import(source=source)


@pytest.fixture
def http_server(tmp_path):
    """Serves tmp_path on 127.0.0.1 for the length of one test."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_import_from_http_url(write_csv, http_server):
    write_csv(NIH_ROW, CITY_ROW, encoding="utf-8-sig")

    report = registry_import(source=f"{http_server}/current-full.csv")

    assert report.created == 2
    assert AuditEvent.objects.get().data["source"] == f"{http_server}/current-full.csv"


def test_http_error_raises(http_server):
    with pytest.raises(RegistryImportError, match="(?i)could not download"):
        registry_import(source=f"{http_server}/missing.csv")


# --- the management command -----------------------------------------------------------------

def test_command_prints_counts_and_rejected_rows(write_csv):
    out = StringIO()

    call_command("import_domains", write_csv(NIH_ROW, "example.com,City,Example,,,,"), stdout=out)

    assert out.getvalue().splitlines() == [
        "created 1, updated 0, unchanged 0, rejected 1",
        "  line 3: not a .gov domain: example.com",
    ]


def test_command_lists_first_fifty_rejected_rows_then_a_count(write_csv):
    out = StringIO()
    bad = [f"town{i}.com,City,Town,,,," for i in range(53)]

    call_command("import_domains", write_csv(*bad), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "created 0, updated 0, unchanged 0, rejected 53"
    assert len(lines) == 1 + 50 + 1
    assert lines[50] == "  line 51: not a .gov domain: town49.com"
    assert lines[-1] == "  … and 3 more"


def test_command_fails_on_unusable_source(tmp_path):
    with pytest.raises(CommandError, match="(?i)could not read"):
        call_command("import_domains", str(tmp_path / "nope.csv"), stdout=StringIO())


# --- the real registry ----------------------------------------------------------------------

@pytest.mark.shared_data
@pytest.mark.skipif(not REAL_FILE.is_file(),
                    reason=f"CISA registry not present at {REAL_FILE.resolve()}")
def test_real_registry_imports_and_maps_nih_to_a_federal_organization():
    report = registry_import(source=str(REAL_FILE))

    assert report.created > 10_000
    assert report.rejected == []
    nih = RegistryDomain.objects.get(domain="nih.gov")
    assert nih.level == Level.FEDERAL
    assert nih.organization == "Department of Health and Human Services"
    verdict = domain_verdict("someone@cc.nih.gov")
    assert (verdict.organization, verdict.level) == (nih.organization, Level.FEDERAL)

    again = registry_import(source=str(REAL_FILE))
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)
