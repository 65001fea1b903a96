"""Import OMB's consolidated AI use case inventory (the individually reported use cases CSV).

What an import guarantees:
- **Structural errors refuse the whole file and change nothing**: a source that cannot be
  read, is not UTF-8, lacks one of OMB's 36 columns (the message names the missing ones),
  repeats a column, or has no data rows raises `InventoryImportError`.
- **Row errors skip the row and report it** with its line and the reason (a wrong number of
  values, no agency, an id or field that is too long, a NUL character); the other rows load.
- **Idempotent upsert** by (inventory year, key). The key is "<agency>:<id>" when OMB's id is
  present and unique within the agency in this file, else "<agency>:row-<source_row>": OMB's
  ids are blank for about 700 rows of the 2025 file and repeated for a few others, and
  such rows are neither merged nor dropped (all 3,611 rows load as 3,611 use cases).
- A newer file of the same year updates the rows that changed and reports which columns
  changed. Rows keyed by row number are first matched by content (same agency, name and
  bureau, unambiguous on both sides), so a row that merely moved keeps its page (and is
  reported as moved) instead of every later row being rewritten with its neighbour's data.
- Use cases of the year that are not in the file are removed, unless some rows could not be
  read: then they are kept (a broken row must not delete its use case), except those whose
  key now belongs to another row.
- Bulk writes in batches with one query to load the existing rows, not a query per row;
  then one call to the search app's `search_index_update` with every changed id.
"""

import csv
import io
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import transaction
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.core.sources import SourceError, source_read

from . import columns as C
from .agencies import agency_registry_match, registry_organizations
from .models import Agency, UseCase, UseCaseFacet

BATCH_SIZE = 500
# The 2025 file is about 3 MB; the cap only stops a wrong URL from filling memory.
MAX_SOURCE_BYTES = 100 * 1024 * 1024
URL_TIMEOUT_SECONDS = 60
TYPE_NAME = "usecase"  # the search type (see searchable.py)

# Python's csv module refuses fields over 128 KiB with an error that would end the whole
# import; the cap is raised (once, process-wide) to the file cap so an oversized field is
# read and then refused as one bad row with FIELD_MAX_CHARS.
if csv.field_size_limit() < MAX_SOURCE_BYTES:
    csv.field_size_limit(MAX_SOURCE_BYTES)

_ROW_KEY_RE = re.compile(r"^row-\d+$", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


class InventoryImportError(Exception):
    """The file cannot be imported at all; nothing was changed."""


@dataclass
class ImportReport:
    source: str = ""
    year: int = 0
    rows: int = 0  # data rows read (blank lines not counted)
    created: list[str] = field(default_factory=list)  # keys
    updated: list[tuple[str, list[str]]] = field(default_factory=list)  # (key, columns)
    # (old key, new key, old source_row, new source_row): the same content at another row
    moved: list[tuple[str, str, int, int]] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # not in the file, kept (rows rejected)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    empty_rows: list[int] = field(default_factory=list)  # lines whose every value is blank
    notes: list[str] = field(default_factory=list)
    agencies_created: int = 0
    unmapped_agencies: list[str] = field(default_factory=list)
    # The search app's IndexReport as a dict (written, unchanged, removed, embedded, reused,
    # seconds); None when indexing was skipped.
    index: dict | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated) + len(self.moved) + len(self.removed)


@dataclass
class _Row:
    line: int
    source_row: int
    agency: str
    inventory_id: str
    fields: dict[str, str]
    key: str = ""

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return _fingerprint(self.fields)


def _fingerprint(fields: dict[str, str]) -> tuple[str, str, str]:
    return (fields.get("agency", "").strip().upper(),
            " ".join(fields.get("use_case_name", "").split()).casefold(),
            " ".join(fields.get("agency_bureau", "").split()).casefold())


# --- Reading --------------------------------------------------------------------------------

def year_from_name(source: str) -> int | None:
    """The inventory year in a file name ("2025_individually_reported_…csv" → 2025), or
    None when the name has no four-digit year or more than one."""
    name = PurePosixPath(urllib.parse.urlsplit(source).path).name if "://" in source \
        else Path(source).name
    years = set(_YEAR_RE.findall(name))
    return int(years.pop()) if len(years) == 1 else None


def _read_source(source: str) -> bytes:
    try:
        return source_read(source, max_bytes=MAX_SOURCE_BYTES, timeout=URL_TIMEOUT_SECONDS)
    except SourceError as exc:
        raise InventoryImportError(str(exc)) from exc


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")  # OMB saves the file with a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InventoryImportError(
            f"{source} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} "
            f"cannot be read). Save the file as UTF-8 (CSV UTF-8) and import it again; "
            f"nothing was imported.") from exc


def _header(names: list[str]) -> list[str]:
    """The file's column names matched to OMB's (case and surrounding spaces ignored).
    Raises InventoryImportError naming the missing or repeated columns."""
    canonical = {name.casefold(): name for name in C.REQUIRED_COLUMNS}
    header = [canonical.get(name.strip().casefold(), name.strip()) for name in names]
    repeated = sorted(name for name, n in Counter(header).items() if n > 1 and name)
    if repeated:
        raise InventoryImportError("The header repeats column(s): " + ", ".join(repeated)
                                   + ". Nothing was imported.")
    missing = [name for name in C.REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InventoryImportError(
            f"This is not OMB's individually reported AI use case inventory: "
            f"{len(missing)} column(s) are missing: {', '.join(missing)}. Nothing was "
            f"imported.")
    return header


def _parse(text: str, report: ImportReport) -> list[_Row]:
    """Every readable row, with `source_row` counted over all data rows (read or not);
    unreadable rows go to `report.rejected`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0  # physical line where the previous record ended
    header: list[str] | None = None
    rows: list[_Row] = []
    source_row = 0
    try:
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line: not a data row
            if header is None:
                header = _header(record)
                extra = [name for name in header if name not in C.COLUMNS]
                if extra:
                    report.notes.append("Ignored column(s) that are not in OMB's data "
                                        "dictionary: " + ", ".join(n or "(blank)" for n in extra))
                continue
            row_number, source_row = source_row, source_row + 1
            row = _read_row(record, header, line=line, source_row=row_number, report=report)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise InventoryImportError(
            f"Line {reader.line_num}: the CSV cannot be parsed ({exc}). Nothing was "
            f"imported.") from exc
    if header is None:
        raise InventoryImportError("The file is empty: there is no header row. Nothing was "
                                   "imported.")
    report.rows = source_row
    if not source_row:
        raise InventoryImportError("The file has a header but no use cases. Nothing was "
                                   "imported.")
    return rows


def _read_row(record: list[str], header: list[str], *, line: int, source_row: int,
              report: ImportReport) -> _Row | None:
    if len(record) != len(header):
        report.rejected.append((line, f"{len(record)} values, but the header has "
                                      f"{len(header)} columns (a missing or extra comma or "
                                      f"quote?)"))
        return None
    values = {name: value for name, value in zip(header, record, strict=True)
              if name in C.COLUMNS}
    if not any(v.strip() for v in values.values()):
        report.empty_rows.append(line)
        return None
    for name, value in values.items():
        if len(value) > C.FIELD_MAX_CHARS:
            report.rejected.append((line, f"{name} is {len(value):,} characters long; at most "
                                          f"{C.FIELD_MAX_CHARS:,} are accepted"))
            return None
        if "\x00" in value:
            report.rejected.append((line, f"{name} contains a NUL character"))
            return None
    agency = values["agency"].strip().upper()
    inventory_id = values["id"].strip()
    if not agency:
        report.rejected.append((line, "the agency abbreviation (column agency) is blank"))
        return None
    if len(agency) > C.AGENCY_MAX_CHARS or not re.fullmatch(r"[A-Z0-9&.\-]+", agency):
        report.rejected.append((line, f"agency {agency[:40]!r} is not an abbreviation such "
                                      f"as USDA"))
        return None
    if len(inventory_id) > C.ID_MAX_CHARS:
        report.rejected.append((line, f"the use case id is longer than {C.ID_MAX_CHARS} "
                                      f"characters"))
        return None
    return _Row(line=line, source_row=source_row, agency=agency, inventory_id=inventory_id,
                fields=values)


def _assign_keys(rows: list[_Row], report: ImportReport) -> None:
    """The documented key rule (module docstring). Notes each repeated id."""
    by_id: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        if row.inventory_id and not _ROW_KEY_RE.match(row.inventory_id):
            by_id[(row.agency, row.inventory_id.casefold())].append(row)
    for (agency, _), same in by_id.items():
        if len(same) > 1:
            report.notes.append(
                f"{agency} id {same[0].inventory_id!r} appears {len(same)} times (lines "
                f"{', '.join(str(r.line) for r in same)}): each is keyed by its row.")
    for row in rows:
        unique = len(by_id.get((row.agency, row.inventory_id.casefold()), ())) == 1
        row.key = (f"{row.agency}:{row.inventory_id}" if unique
                   else f"{row.agency}:row-{row.source_row}")
    blank = sum(1 for row in rows if not row.inventory_id)
    if blank:
        report.notes.append(f"{blank} row(s) have no use case id: each is keyed by its row.")


# --- Agencies -------------------------------------------------------------------------------

def _agencies_upsert(rows: list[_Row], report: ImportReport) -> dict[str, Agency]:
    names: dict[str, str] = {}
    for row in rows:
        name = " ".join(row.fields["agency_name"].split())[:300]
        if name and row.agency not in names:
            names[row.agency] = name
        names.setdefault(row.agency, "")
    existing = {a.abbreviation: a for a in Agency.objects.all()}
    organizations, suborganizations = registry_organizations()
    registry_loaded = bool(organizations)
    to_create, to_update = [], []
    for abbreviation, name in names.items():
        agency = existing.get(abbreviation)
        name = name or (agency.name if agency else abbreviation)
        organization, suborganization = agency_registry_match(
            abbreviation=abbreviation, name=name, organizations=organizations,
            suborganizations=suborganizations)
        if agency is None:
            agency = Agency(abbreviation=abbreviation, name=name, organization=organization,
                            suborganization=suborganization)
            to_create.append(agency)
            existing[abbreviation] = agency
        elif registry_loaded and (agency.name, agency.organization,
                                  agency.suborganization) != (name, organization,
                                                              suborganization):
            agency.name, agency.organization = name, organization
            agency.suborganization = suborganization
            to_update.append(agency)
        elif agency.name != name:  # no registry loaded: keep the mapping made earlier
            agency.name = name
            to_update.append(agency)
    Agency.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Agency.objects.bulk_update(to_update, ["name", "organization", "suborganization"],
                               batch_size=BATCH_SIZE)
    if to_create and to_create[0].pk is None:  # backends that do not return ids
        existing = {a.abbreviation: a for a in Agency.objects.all()}
    report.agencies_created = len(to_create)
    report.unmapped_agencies = sorted(
        f"{a.abbreviation} ({a.name})" for abbr, a in existing.items()
        if abbr in names and not a.organization)
    if not registry_loaded:
        report.notes.append("The .gov registry is not loaded (cophub import-domains), so "
                            "agencies are not mapped to registry organizations.")
    return existing


# --- Typed columns and facets ---------------------------------------------------------------

def _typed(row: _Row) -> dict:
    f = row.fields
    return {
        "inventory_id": row.inventory_id,
        "name": C.one_value(f["use_case_name"]),
        "bureau": C.one_value(f["agency_bureau"]),
        "development_stage": C.one_value(f["development_stage"])[:100],
        "high_impact": C.one_value(f["is_high_impact"])[:100],
        "topic_areas": C.topic_values(f["topic_area"]),
        "classification": C.one_value(f["classification"])[:300],
        "vendor_name": C.one_value(f["vendor_name"]),
        "search_text": C.search_text(f),
        "terms": C.distinctive_terms(f["use_case_name"], f["problem_solved"]),
    }


TYPED_FIELDS = ["inventory_id", "name", "bureau", "development_stage", "high_impact",
                "topic_areas", "classification", "vendor_name", "search_text", "terms"]


def facet_values(use_case: UseCase) -> dict[str, list[str]]:
    """The facet values of a use case (see `selectors.FACETS`)."""
    f = use_case.fields
    single = {
        "year": str(use_case.inventory_year),
        "agency": use_case.agency.abbreviation,
        "bureau": use_case.bureau,
        "stage": use_case.development_stage,
        "high_impact": use_case.high_impact,
        "classification": use_case.classification,
    }
    values = {name: [value] if value else [] for name, value in single.items()}
    values["topic"] = list(use_case.topic_areas)
    values["vendor"] = C.vendor_values(f.get("vendor_name", ""))
    return values


def _facet_rows(use_cases: list[UseCase]) -> list[UseCaseFacet]:
    rows = []
    for use_case in use_cases:
        for facet, values in facet_values(use_case).items():
            for value in dict.fromkeys(C.facet_value(v) for v in values):
                rows.append(UseCaseFacet(use_case_id=use_case.pk, facet=facet, value=value))
    return rows


# --- The import -----------------------------------------------------------------------------

def _match(rows: list[_Row], stored: dict[str, dict]) -> tuple[dict[int, dict], set[str]]:
    """Pair file rows with stored use cases: id keys exactly, then rows and stored use cases
    left over by content (agency, name, bureau; only when unambiguous on both sides), then
    the rest by row key. Returns {row index: stored} and the stored keys left unmatched."""
    matched: dict[int, dict] = {}
    free = dict(stored)
    for i, row in enumerate(rows):
        if ":row-" not in row.key and row.key in free:
            matched[i] = free.pop(row.key)
    file_by_print: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if i not in matched:
            file_by_print[row.fingerprint].append(i)
    stored_by_print: dict[tuple, list[str]] = defaultdict(list)
    for key, item in free.items():
        stored_by_print[_fingerprint(item["fields"])].append(key)
    for fingerprint, indexes in file_by_print.items():
        keys = stored_by_print.get(fingerprint, [])
        if len(indexes) == 1 and len(keys) == 1 and fingerprint[1]:
            matched[indexes[0]] = free.pop(keys[0])
    for i, row in enumerate(rows):
        if i not in matched and row.key in free:
            matched[i] = free.pop(row.key)
    return matched, set(free)


def inventory_import(*, source: str, year: int, index: bool = True,
                     actor=None) -> ImportReport:
    """Upsert the inventory file at `source` (path or http(s) URL) as `year`'s use cases.

    Raises InventoryImportError, changing nothing, for a file that cannot be imported at
    all; reports unreadable rows and loads the rest. With `index`, calls the search app's
    `search_index_update` once with every created, changed and removed id (synchronously,
    after the rows are written). See the module docstring for the guarantees."""
    started = time.perf_counter()
    if not 1990 <= year <= 2100:
        raise InventoryImportError(f"{year} is not an inventory year.")
    report = ImportReport(source=source, year=year)
    rows = _parse(_decode(_read_source(source), source), report)
    _assign_keys(rows, report)
    now = timezone.now()

    with transaction.atomic():
        agencies = _agencies_upsert(rows, report)
        stored = {
            key: {"pk": pk, "key": key, "source_row": source_row, "fields": fields}
            for pk, key, source_row, fields in UseCase.objects.filter(
                inventory_year=year).values_list("pk", "key", "source_row", "fields")
        }
        matched, unmatched = _match(rows, stored)
        claimed = {row.key for row in rows}
        if report.rejected:
            removed = sorted(key for key in unmatched if key in claimed)
            report.kept = sorted(key for key in unmatched if key not in claimed)
        else:
            removed = sorted(unmatched)
        removed_ids = [stored[key]["pk"] for key in removed]
        report.removed = removed

        to_create: list[UseCase] = []
        to_update: list[UseCase] = []
        rekeyed: list[UseCase] = []
        for i, row in enumerate(rows):
            item = matched.get(i)
            if item is None:
                use_case = UseCase(inventory_year=year, key=row.key, source_row=row.source_row,
                                   agency=agencies[row.agency], fields=row.fields,
                                   created_at=now, changed_at=now, **_typed(row))
                to_create.append(use_case)
                report.created.append(row.key)
                continue
            columns = [c for c in C.COLUMNS if item["fields"].get(c) != row.fields.get(c)]
            moved = item["key"] != row.key or item["source_row"] != row.source_row
            if not columns and not moved:
                report.unchanged += 1
                continue
            use_case = UseCase(pk=item["pk"], inventory_year=year, key=row.key,
                               source_row=row.source_row, agency=agencies[row.agency],
                               fields=row.fields, changed_at=now, **_typed(row))
            to_update.append(use_case)
            if columns:
                report.updated.append((row.key, columns))
            else:
                report.moved.append((item["key"], row.key, item["source_row"], row.source_row))
            if item["key"] != row.key:
                rekeyed.append(UseCase(pk=item["pk"], key=f"~moving-{item['pk']}"))

        for chunk in _chunks(removed_ids):
            UseCase.objects.filter(pk__in=chunk).delete()
        if rekeyed:
            # Keys swap between rows when rows move; parking them first keeps the unique
            # (year, key) constraint true after every statement, on every backend.
            UseCase.objects.bulk_update(rekeyed, ["key"], batch_size=BATCH_SIZE)
        UseCase.objects.bulk_update(
            to_update, ["key", "source_row", "agency", "fields", "changed_at", *TYPED_FIELDS],
            batch_size=BATCH_SIZE)
        UseCase.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_create and to_create[0].pk is None:
            ids = dict(UseCase.objects.filter(inventory_year=year).values_list("key", "pk"))
            for use_case in to_create:
                use_case.pk = ids[use_case.key]
        written = to_update + to_create
        for chunk in _chunks([u.pk for u in to_update]):
            UseCaseFacet.objects.filter(use_case__in=chunk).delete()
        UseCaseFacet.objects.bulk_create(_facet_rows(written), batch_size=BATCH_SIZE * 4)
        audit_record(actor=actor, verb="usecases.inventory.imported", data={
            "source": source, "year": year, "rows": report.rows,
            "created": len(report.created), "updated": len(report.updated),
            "moved": len(report.moved), "unchanged": report.unchanged,
            "removed": len(report.removed), "kept": len(report.kept),
            "rejected": len(report.rejected)})

    if index:
        report.index = _index([u.pk for u in written] + removed_ids)
    report.seconds = time.perf_counter() - started
    return report


def _chunks(ids: list[int]) -> list[list[int]]:
    # IN lists of at most BATCH_SIZE: SQLite caps the parameters of one statement.
    return [ids[i:i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]


def _index(ids: list[int]) -> dict:
    # Imported here: the search app depends on this one (it reads every app's `searchable`
    # module), so the import runs only when an import asks for indexing.
    from cophub.search.services import search_index_update

    return search_index_update(type_name=TYPE_NAME, ids=ids).as_dict()
