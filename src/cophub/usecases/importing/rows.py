"""The checks of one row (a row that fails one is skipped and reported), and the key rule."""

import re
from collections import defaultdict

from .. import columns as C
from .report import ImportReport, Row

_ROW_KEY_RE = re.compile(r"^row-\d+$", re.IGNORECASE)


def row_read(record: list[str], header: list[str], *, line: int, source_row: int,
              report: ImportReport) -> Row | None:
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
    return Row(line=line, source_row=source_row, agency=agency, inventory_id=inventory_id,
                fields=values)


def keys_assign(rows: list[Row], report: ImportReport) -> None:
    """The documented key rule (module docstring). Notes each repeated id."""
    by_id: dict[tuple[str, str], list[Row]] = defaultdict(list)
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
