"""Reading the file: the source, its encoding, OMB's header, and every row (each checked
by `rows.row_read`)."""

import csv
import io
import re
import urllib.parse
from collections import Counter
from pathlib import Path, PurePosixPath

from cophub.core.sources import SourceError, source_read

from .. import columns as C
from .report import ImportReport, InventoryImportError, Row
from .rows import row_read

# The 2025 file is about 3 MB; the cap only stops a wrong URL from filling memory.
MAX_SOURCE_BYTES = 100 * 1024 * 1024
URL_TIMEOUT_SECONDS = 60

# Python's csv module refuses fields over 128 KiB with an error that would end the whole
# import; the cap is raised (once, process-wide) to the file cap so an oversized field is
# read and then refused as one bad row with FIELD_MAX_CHARS.
if csv.field_size_limit() < MAX_SOURCE_BYTES:
    csv.field_size_limit(MAX_SOURCE_BYTES)

_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def year_from_name(source: str) -> int | None:
    """The inventory year in a file name ("2025_individually_reported_…csv" → 2025), or
    None when the name has no four-digit year or more than one."""
    name = PurePosixPath(urllib.parse.urlsplit(source).path).name if "://" in source \
        else Path(source).name
    years = set(_YEAR_RE.findall(name))
    return int(years.pop()) if len(years) == 1 else None


def read_source(source: str) -> bytes:
    try:
        return source_read(source, max_bytes=MAX_SOURCE_BYTES, timeout=URL_TIMEOUT_SECONDS)
    except SourceError as exc:
        raise InventoryImportError(str(exc)) from exc


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")  # OMB saves the file with a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InventoryImportError(
            f"{source} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} "
            f"cannot be read). Save the file as UTF-8 (CSV UTF-8) and import it again; "
            f"nothing was imported.") from exc


def header_read(names: list[str]) -> list[str]:
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


def parse(text: str, report: ImportReport) -> list[Row]:
    """Every readable row, with `source_row` counted over all data rows (read or not);
    unreadable rows go to `report.rejected`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0  # physical line where the previous record ended
    header: list[str] | None = None
    rows: list[Row] = []
    source_row = 0
    try:
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line: not a data row
            if header is None:
                header = header_read(record)
                extra = [name for name in header if name not in C.COLUMNS]
                if extra:
                    report.notes.append("Ignored column(s) that are not in OMB's data "
                                        "dictionary: " + ", ".join(n or "(blank)" for n in extra))
                continue
            row_number, source_row = source_row, source_row + 1
            row = row_read(record, header, line=line, source_row=row_number, report=report)
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
