"""What the index writers share: batch size, the vocabulary's columns, the report of what
was written, and the writers' lock and version log.

Writers are serialised (PostgreSQL: an advisory lock; SQLite: its single writer), and each
write is one transaction that also appends a `SearchIndexChange` row, so index versions are
committed in order and a process holding the index in memory can load exactly what changed.
"""

import secrets
from dataclasses import dataclass, fields

from django.db import connection

from cophub.core.access import AccessLevel

from ..models import SearchIndexChange
from ..registry import SearchType, search_types

BATCH_SIZE = 500
# Processes more than this many index versions behind reload everything instead of
# catching up (the log is trimmed to this length).
CHANGE_LOG_KEEP = 10_000
# Arbitrary constant naming the PostgreSQL advisory lock that serialises index writers.
_PG_LOCK_KEY = 0x636F7068  # "coph"

# Which SearchTerm column counts a document's words, by access level. Group-only and
# organizer-only documents count in df_other, which spelling suggestions never use.
TERM_COLUMNS = ("df_public", "df_signed_in", "df_government", "df_other")
_TERM_COLUMN_OF = {AccessLevel.PUBLIC: 0, AccessLevel.SIGNED_IN: 1, AccessLevel.GOVERNMENT: 2}


class UnknownSearchType(ValueError):
    pass


@dataclass
class IndexReport:
    """What one update or rebuild did."""

    written: int = 0  # documents created or changed
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0  # texts sent to the embedding provider
    reused: int = 0  # documents written with a vector already stored (same content hash)
    seconds: float = 0.0

    def __iadd__(self, other: "IndexReport") -> "IndexReport":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def search_type_of(type_name: str) -> SearchType:
    try:
        return search_types()[type_name]
    except KeyError:
        raise UnknownSearchType(f"No searchable type is called {type_name!r}.") from None


def term_column(access_level: str) -> int:
    return _TERM_COLUMN_OF.get(access_level, 3)


def writers_lock() -> None:
    """Serialise index writers until the transaction ends. PostgreSQL: an advisory lock;
    SQLite has one writer at a time anyway (cophub opens its transactions IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def version_open() -> int:
    """The next index version, for the rows this transaction writes (under the lock)."""
    change = SearchIndexChange.objects.create(token=secrets.token_hex(16))
    if change.pk % 100 == 0:
        SearchIndexChange.objects.filter(pk__lt=change.pk - CHANGE_LOG_KEEP).delete()
    return change.pk
