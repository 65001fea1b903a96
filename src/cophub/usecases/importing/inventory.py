"""The import itself: `inventory_import` (see the package docstring for its guarantees)."""

import time

from django.db import transaction
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.search.services import search_index_update

from .. import columns as C
from ..agencies import agency_registry_match, registry_organizations
from ..models import Agency, UseCase, UseCaseFacet
from .facets import TYPED_FIELDS, facet_rows, typed
from .matching import match
from .reading import decode, parse, read_source
from .report import ImportReport, InventoryImportError, Row
from .rows import keys_assign

BATCH_SIZE = 500
TYPE_NAME = "usecase"  # the search type (see searchable.py)


def agencies_upsert(rows: list[Row], report: ImportReport) -> dict[str, Agency]:
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
    rows = parse(decode(read_source(source), source), report)
    keys_assign(rows, report)
    now = timezone.now()

    with transaction.atomic():
        agencies = agencies_upsert(rows, report)
        stored = {
            key: {"pk": pk, "key": key, "source_row": source_row, "fields": fields}
            for pk, key, source_row, fields in UseCase.objects.filter(
                inventory_year=year).values_list("pk", "key", "source_row", "fields")
        }
        matched, unmatched = match(rows, stored)
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
                                   created_at=now, changed_at=now, **typed(row))
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
                               fields=row.fields, changed_at=now, **typed(row))
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
        UseCaseFacet.objects.bulk_create(facet_rows(written), batch_size=BATCH_SIZE * 4)
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
    return search_index_update(type_name=TYPE_NAME, ids=ids).as_dict()
