"""What an import reports, and a row of the file as read."""

from dataclasses import dataclass, field


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
class Row:
    line: int
    source_row: int
    agency: str
    inventory_id: str
    fields: dict[str, str]
    key: str = ""

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return row_fingerprint(self.fields)


def row_fingerprint(fields: dict[str, str]) -> tuple[str, str, str]:
    return (fields.get("agency", "").strip().upper(),
            " ".join(fields.get("use_case_name", "").split()).casefold(),
            " ".join(fields.get("agency_bureau", "").split()).casefold())
