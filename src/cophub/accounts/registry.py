"""Import CISA's official .gov registry (current-full.csv) into `RegistryDomain`.

The registry only supplies organization and level for `.gov` addresses (see
`accounts.domains`); an import never changes anyone's tier by itself.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cophub.accounts.domains import domain_normalize, level_for_domain_type
from cophub.accounts.models import RegistryDomain
from cophub.core.audit import audit_record
from cophub.core.sources import SourceError, source_read

BATCH_SIZE = 1000
# The real file is about 2 MB; the cap only stops a wrong URL from filling memory.
MAX_SOURCE_BYTES = 50 * 1024 * 1024
URL_TIMEOUT_SECONDS = 60

DOMAIN, DOMAIN_TYPE, ORGANIZATION = "Domain name", "Domain type", "Organization name"
SUBORGANIZATION, CITY, STATE = "Suborganization name", "City", "State"
# "Security contact email" is in the file but not stored, so it is not required.
REQUIRED_COLUMNS = (DOMAIN, DOMAIN_TYPE, ORGANIZATION, SUBORGANIZATION, CITY, STATE)

# Column → model field, with the model's max_length so an over-long value is rejected as one
# bad row instead of failing the whole transaction on PostgreSQL.
_COLUMN_FIELDS = {
    DOMAIN_TYPE: ("domain_type", 100),
    ORGANIZATION: ("organization", 300),
    SUBORGANIZATION: ("suborganization", 300),
    CITY: ("city", 100),
    STATE: ("state", 100),
}
_COMPARED_FIELDS = ["domain", "domain_type", "level", "organization", "suborganization",
                    "city", "state"]


class RegistryImportError(Exception):
    """The source cannot be imported at all (unreadable, wrong scheme, missing columns)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line in the file, reason)


def _read_source(source: str) -> str:
    try:
        data = source_read(source, max_bytes=MAX_SOURCE_BYTES, timeout=URL_TIMEOUT_SECONDS)
    except SourceError as exc:
        raise RegistryImportError(str(exc)) from exc
    try:
        return data.decode("utf-8-sig")  # the registry is sometimes saved with a BOM
    except UnicodeDecodeError as exc:
        raise RegistryImportError(f"{source} is not UTF-8: {exc}") from exc


def _has_control_characters(value: str) -> bool:
    # NUL in particular: PostgreSQL refuses it in text and would abort the whole import.
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def _parse(text: str, report: ImportReport) -> dict[str, dict[str, str]]:
    """Rows keyed by lower-cased domain, each the model field values; bad rows go to
    `report.rejected`. Raises RegistryImportError when required columns are missing."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise RegistryImportError(
            "missing required column(s): " + ", ".join(missing)
            + f" (expected a header with: {', '.join(REQUIRED_COLUMNS)})"
        )
    reader.fieldnames = header

    rows: dict[str, dict[str, str]] = {}
    first_seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        raw_domain = (record.get(DOMAIN) or "").strip()
        values = {column: (record.get(column) or "").strip() for column in _COLUMN_FIELDS}

        reason = ""
        domain = domain_normalize(raw_domain)
        if not raw_domain:
            reason = "empty domain name"
        elif domain is None:
            reason = f"invalid domain name {raw_domain!r}"
        elif not domain.endswith(".gov"):
            reason = f"not a .gov domain: {domain}"
        elif not values[ORGANIZATION]:
            reason = f"empty organization name for {domain}"
        elif domain in first_seen:
            reason = f"duplicate of line {first_seen[domain]}: {domain}"
        else:
            for column, (_, max_length) in _COLUMN_FIELDS.items():
                if _has_control_characters(values[column]):
                    reason = f"control characters in {column} for {domain}"
                    break
                if len(values[column]) > max_length:
                    reason = f"{column} longer than {max_length} characters for {domain}"
                    break
        if reason:
            report.rejected.append((line, reason))
            continue

        first_seen[domain] = line
        fields = {name: values[column] for column, (name, _) in _COLUMN_FIELDS.items()}
        fields["domain"] = domain
        fields["level"] = level_for_domain_type(values[DOMAIN_TYPE])
        rows[domain] = fields
    return rows


def registry_import(*, source: str) -> ImportReport:
    """Upsert the registry at `source` (a path or an http(s) URL) into `RegistryDomain`.

    One transaction; rows are matched by lower-cased domain; importing the same file twice
    reports everything unchanged the second time. Bad rows are reported and skipped; a source
    that cannot be read or lacks required columns raises `RegistryImportError` and changes
    nothing. Domains missing from the file are kept (the file is not a list of removals)."""
    report = ImportReport()
    rows = _parse(_read_source(source), report)
    now = timezone.now()

    with transaction.atomic():
        # Keyed by lower case so a row once entered as "NIH.gov" (by hand, in the admin) is
        # updated rather than duplicated.
        existing = {
            obj.domain.lower(): obj
            for obj in RegistryDomain.objects.only(*_COMPARED_FIELDS)
        }
        to_create: list[RegistryDomain] = []
        to_update: list[RegistryDomain] = []
        for domain, fields in rows.items():
            obj = existing.get(domain)
            if obj is None:
                to_create.append(RegistryDomain(**fields, imported_at=now))
            elif any(getattr(obj, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(obj, name, value)
                obj.imported_at = now
                to_update.append(obj)
            else:
                report.unchanged += 1
        RegistryDomain.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        RegistryDomain.objects.bulk_update(
            to_update, [*_COMPARED_FIELDS, "imported_at"], batch_size=BATCH_SIZE
        )
        report.created, report.updated = len(to_create), len(to_update)
        audit_record(
            actor=None, verb="accounts.registry.imported",
            data={"source": source, "created": report.created, "updated": report.updated,
                  "unchanged": report.unchanged, "rejected": len(report.rejected)},
        )
    return report
