"""Pairing the rows of a file with the use cases stored for its year."""

from collections import defaultdict

from .report import Row, row_fingerprint


def match(rows: list[Row], stored: dict[str, dict]) -> tuple[dict[int, dict], set[str]]:
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
        stored_by_print[row_fingerprint(item["fields"])].append(key)
    for fingerprint, indexes in file_by_print.items():
        keys = stored_by_print.get(fingerprint, [])
        if len(indexes) == 1 and len(keys) == 1 and fingerprint[1]:
            matched[indexes[0]] = free.pop(keys[0])
    for i, row in enumerate(rows):
        if i not in matched and row.key in free:
            matched[i] = free.pop(row.key)
    return matched, set(free)
