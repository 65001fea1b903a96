"""The index in memory: per process, numpy arrays of every document's access fields, type,
facet values and vector, so that permission filtering, semantic similarity, facet counts
and ranking are vector operations — no Python loop over documents per query.

The arrays follow the database: each search first asks for the newest index version (one
query); when it moved, only the documents written since are loaded (`seq` > our version).
A purge or a version we cannot find (a rolled-back write, a trimmed log) reloads everything.
Vectors made by another model than the current provider's are ignored (lexical only).
"""

import threading
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from cophub.core.access import AccessLevel, Viewer

from . import embeddings
from .models import SearchDocument

# Access levels as small integers; anything else (a level this code does not know) is 5,
# which only the community's organizers see — as `core.access.can_view` decides.
ACCESS_CODES = {AccessLevel.PUBLIC.value: 0, AccessLevel.SIGNED_IN.value: 1,
                AccessLevel.GOVERNMENT.value: 2, AccessLevel.GROUP.value: 3,
                AccessLevel.ORGANIZERS.value: 4}
UNKNOWN_ACCESS = 5
NONE_ID = -1  # a document without a community or group


@dataclass(frozen=True)
class Snapshot:
    """A consistent view of the arrays for one search (first `n` positions)."""

    n: int
    version: int
    token: str  # with the version, names one committed state of the index
    ids: np.ndarray  # document id per position
    alive: np.ndarray
    type_code: np.ndarray
    access: np.ndarray
    community: np.ndarray
    group: np.ndarray
    has_vector: np.ndarray
    # Vectors are stored once per distinct text (content hash): `vector_row` points each
    # document at its row of `vectors` (-1 for none). Copies and re-imports share a row.
    vector_row: np.ndarray
    vectors: np.ndarray | None  # (distinct texts, dim) float32
    id_to_pos: np.ndarray  # position of a document id, -1 if none
    pair_pos: np.ndarray  # facet value pairs: document position, value code, still valid
    pair_code: np.ndarray
    pair_valid: np.ndarray
    type_codes: dict[str, int]
    value_codes: dict[tuple[str, str, str], int]  # (type, facet, value) -> code
    values: list[tuple[str, str, str]]
    # Masks computed once per snapshot (per kind of viewer, per set of types).
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def positions(self, doc_ids: np.ndarray) -> np.ndarray:
        """Positions of document ids (-1 for ids this snapshot does not hold)."""
        doc_ids = np.asarray(doc_ids, dtype=np.int64)
        inside = (doc_ids >= 0) & (doc_ids < len(self.id_to_pos))
        out = np.full(len(doc_ids), -1, dtype=np.int64)
        out[inside] = self.id_to_pos[doc_ids[inside]]
        out[out >= self.n] = -1
        return out

    def visible(self, viewer: Viewer) -> np.ndarray:
        """`core.access.can_view` for every document at once (and alive). Do not modify the
        array: it is shared by the searches of people with the same access."""
        key = ("visible", viewer.is_authenticated, viewer.is_government, viewer.group_ids,
               viewer.organizer_community_ids)
        mask = self.cache.get(key)
        if mask is None:
            if len(self.cache) > 256:
                self.cache.clear()
            mask = self.cache[key] = self._visible(viewer)
            mask.flags.writeable = False
        return mask

    def _visible(self, viewer: Viewer) -> np.ndarray:
        access = self.access
        mask = access == 0
        if viewer.is_authenticated:
            mask |= access == 1
        if viewer.is_government:
            mask |= access == 2
        if viewer.group_ids:
            mask |= (access == 3) & np.isin(self.group, np.fromiter(viewer.group_ids,
                                                                    dtype=np.int64))
        if viewer.organizer_community_ids:
            mask |= np.isin(self.community, np.fromiter(viewer.organizer_community_ids,
                                                        dtype=np.int64))
        return mask & self.alive

    def cosines(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every document with a unit `query` vector (0 without a
        vector): one matrix-vector product over the distinct vectors."""
        if self.vectors is None or not len(self.vectors):
            return np.zeros(self.n)
        # einsum's own loop rather than BLAS: a matrix-vector product is bound by memory,
        # and BLAS threads on a busy machine stall a 0.1 ms product for a scheduler tick.
        per_row = np.einsum("ij,j->i", self.vectors, query)
        return np.where(self.has_vector, per_row[self.vector_row], 0.0)

    def vector_at(self, position: int) -> np.ndarray | None:
        row = int(self.vector_row[position])
        return self.vectors[row] if row >= 0 and self.vectors is not None else None

    def vector_counts(self, type_names) -> tuple[int, int]:
        """(documents with a vector of the current model, documents) among the live
        documents of these types."""
        key = ("vector_counts", tuple(sorted(type_names)))
        counts = self.cache.get(key)
        if counts is None:
            alive = self.alive & self.of_types(type_names)
            counts = self.cache[key] = (int(np.count_nonzero(alive & self.has_vector)),
                                        int(np.count_nonzero(alive)))
        return counts

    def of_types(self, type_names) -> np.ndarray:
        """Documents of these types (shared: do not modify)."""
        key = ("types", tuple(sorted(type_names)))
        mask = self.cache.get(key)
        if mask is None:
            codes = [self.type_codes[t] for t in type_names if t in self.type_codes]
            mask = self.cache[key] = np.isin(self.type_code, np.array(codes, dtype=np.int16))
            mask.flags.writeable = False
        return mask

    def codes_for(self, type_name: str, facet: str, values) -> list[int]:
        return [code for value in values
                if (code := self.value_codes.get((type_name, facet, value))) is not None]

    def having(self, codes: list[int]) -> np.ndarray:
        """Documents having any of the facet value codes."""
        mask = np.zeros(self.n, dtype=bool)
        if codes:
            selected = self.pair_valid & np.isin(self.pair_code, np.array(codes))
            mask[self.pair_pos[selected]] = True
        return mask

    def value_counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of the documents in mask `docs` have each facet value (by code)."""
        selected = self.pair_valid & docs[self.pair_pos]
        return np.bincount(self.pair_code[selected], minlength=len(self.values))


class LiveIndex:
    def __init__(self):
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.version = 0
        self.token = ""
        self.provider_key = None
        self.n = 0
        self.dim = 0
        self._cap = 0
        self.ids = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.type_code = np.zeros(0, dtype=np.int16)
        self.access = np.zeros(0, dtype=np.int8)
        self.community = np.zeros(0, dtype=np.int64)
        self.group = np.zeros(0, dtype=np.int64)
        self.has_vector = np.zeros(0, dtype=bool)
        self.vector_row = np.zeros(0, dtype=np.int64)
        self.vectors = None
        self.vector_count = 0
        self.row_of_hash: dict[str, int] = {}
        self.hash_of_row: list[str] = []
        self.row_users = np.zeros(0, dtype=np.int64)
        self.free_rows: list[int] = []
        self.pair_start = np.zeros(0, dtype=np.int64)
        self.pair_count = np.zeros(0, dtype=np.int32)
        self.id_to_pos = np.zeros(0, dtype=np.int64)
        self.pairs = 0
        self._pair_cap = 0
        self.pair_pos = np.zeros(0, dtype=np.int64)
        self.pair_code = np.zeros(0, dtype=np.int32)
        self.pair_valid = np.zeros(0, dtype=bool)
        self.type_codes: dict[str, int] = {}
        self.value_codes: dict[tuple[str, str, str], int] = {}
        self.values: list[tuple[str, str, str]] = []
        self._snapshot: Snapshot | None = None

    # --- Keeping up with the database ---------------------------------------------------

    def current(self) -> Snapshot:
        """The arrays as of the newest committed index version (one query when nothing
        changed)."""
        provider = embeddings.provider()
        key = provider.key if provider.on else ""
        latest, _ = self._latest(self.version, self.token)
        snapshot = self._snapshot
        if (snapshot is not None and latest == (self.version, self.token)
                and self.provider_key == key):
            return snapshot
        with self._lock:
            latest, ours_known = self._latest(self.version, self.token)
            if (self._snapshot is None or latest != (self.version, self.token)
                    or self.provider_key != key):
                self._refresh(latest, ours_known, key)
            return self._snapshot

    @staticmethod
    def _latest(version: int, token: str) -> tuple[tuple[int, str], bool]:
        """(newest version, its token), and whether `version` is still in the log with
        `token` (then loading what came after it is enough)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, token FROM search_searchindexchange WHERE id = %s OR id = "
                "(SELECT MAX(id) FROM search_searchindexchange)", [version])
            rows = sorted(cursor.fetchall())
        known = any(row[0] == version and row[1] == token for row in rows)
        return (tuple(rows[-1]) if rows else (0, "")), known

    def _refresh(self, latest: tuple[int, str], ours_known: bool, key: str) -> None:
        incremental = (self._snapshot is not None and self.provider_key == key
                       and ours_known and latest[0] > self.version)
        since = self.version
        if not incremental:
            self._reset()
            self.provider_key = key
            since = -1
        rows = SearchDocument.objects.filter(seq__gt=since).order_by("seq", "id")
        if not incremental:
            rows = rows.filter(removed=False)
        for row in rows.values_list("id", "type_name", "access_level", "community_id",
                                    "group_id", "facets", "embedding", "embedding_model",
                                    "content_hash", "removed").iterator(chunk_size=2000):
            self._apply(*row)
        self.version, self.token = latest
        self._compact_pairs()
        self._snapshot = self._make_snapshot()

    def _apply(self, doc_id, type_name, access_level, community_id, group_id, facets,
               embedding, embedding_model, content_hash, removed) -> None:
        pos = int(self.id_to_pos[doc_id]) if doc_id < len(self.id_to_pos) else -1
        if pos < 0:
            if removed:
                return
            pos = self._append(doc_id)
        self.alive[pos] = not removed
        self.type_code[pos] = self.type_codes.setdefault(type_name, len(self.type_codes))
        self.access[pos] = ACCESS_CODES.get(access_level, UNKNOWN_ACCESS)
        self.community[pos] = NONE_ID if community_id is None else community_id
        self.group[pos] = NONE_ID if group_id is None else group_id
        self._set_vector(pos, None if removed else embedding, embedding_model,
                         content_hash or f"document {doc_id}")
        self._set_facets(pos, type_name, {} if removed else (facets or {}))

    def _set_vector(self, pos: int, embedding, embedding_model: str, key: str) -> None:
        old = int(self.vector_row[pos])
        if old >= 0:
            self.row_users[old] -= 1
            if self.row_users[old] == 0:
                del self.row_of_hash[self.hash_of_row[old]]
                self.free_rows.append(old)
        self.vector_row[pos] = -1
        self.has_vector[pos] = False
        if not self.provider_key or embedding is None or embedding_model != self.provider_key:
            return
        row = self.row_of_hash.get(key)
        if row is None:
            vector = np.frombuffer(bytes(embedding), dtype=np.float32)
            if self.vectors is None:
                self.dim = len(vector)
                self.vectors = np.zeros((1024, self.dim), dtype=np.float32)
                self.row_users = np.zeros(1024, dtype=np.int64)
            if len(vector) != self.dim:
                return
            row = self._vector_row()
            self.vectors[row] = vector
            self.row_of_hash[key] = row
            self.hash_of_row[row] = key
        self.row_users[row] += 1
        self.vector_row[pos] = row
        self.has_vector[pos] = True

    def _vector_row(self) -> int:
        if self.free_rows:
            return self.free_rows.pop()
        if self.vector_count == len(self.vectors):
            size = len(self.vectors) * 2
            vectors = np.zeros((size, self.dim), dtype=np.float32)
            vectors[:self.vector_count] = self.vectors[:self.vector_count]
            users = np.zeros(size, dtype=np.int64)
            users[:self.vector_count] = self.row_users[:self.vector_count]
            self.vectors, self.row_users = vectors, users
        self.vector_count += 1
        self.hash_of_row.append("")
        return self.vector_count - 1

    def _set_facets(self, pos: int, type_name: str, facets: dict) -> None:
        start, count = int(self.pair_start[pos]), int(self.pair_count[pos])
        if count:
            self.pair_valid[start:start + count] = False
        pairs = []
        for facet, values in facets.items():
            for value in values:
                key = (type_name, facet, str(value))
                code = self.value_codes.get(key)
                if code is None:
                    code = self.value_codes[key] = len(self.values)
                    self.values.append(key)
                pairs.append(code)
        if len(pairs) > self._pair_cap - self.pairs:
            self._grow_pairs(self.pairs + len(pairs))
        end = self.pairs + len(pairs)
        self.pair_pos[self.pairs:end] = pos
        self.pair_code[self.pairs:end] = pairs
        self.pair_valid[self.pairs:end] = True
        self.pair_start[pos], self.pair_count[pos] = self.pairs, len(pairs)
        self.pairs = end

    def _append(self, doc_id: int) -> int:
        if self.n == self._cap:
            self._grow(max(1024, self._cap * 2))
        if doc_id >= len(self.id_to_pos):
            grown = np.full(max(doc_id + 1, len(self.id_to_pos) * 2, 1024), -1,
                            dtype=np.int64)
            grown[:len(self.id_to_pos)] = self.id_to_pos
            self.id_to_pos = grown
        pos = self.n
        self.n += 1
        self.ids[pos] = doc_id
        self.id_to_pos[doc_id] = pos
        self.pair_count[pos] = 0
        self.vector_row[pos] = -1
        return pos

    def _grow(self, cap: int) -> None:
        # New arrays (not resized in place): snapshots taken before keep their own.
        def grown(array, fill=0):
            out = np.full((cap, *array.shape[1:]), fill, dtype=array.dtype)
            out[:len(array)] = array
            return out

        self.ids, self.alive = grown(self.ids), grown(self.alive)
        self.type_code, self.access = grown(self.type_code), grown(self.access)
        self.community, self.group = grown(self.community, NONE_ID), grown(self.group,
                                                                          NONE_ID)
        self.has_vector, self.vector_row = grown(self.has_vector), grown(self.vector_row, -1)
        self.pair_start, self.pair_count = grown(self.pair_start), grown(self.pair_count)
        self._cap = cap

    def _grow_pairs(self, needed: int) -> None:
        cap = max(4096, self._pair_cap * 2, needed)
        for name in ("pair_pos", "pair_code", "pair_valid"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)
        self._pair_cap = cap

    def _compact_pairs(self) -> None:
        """Drop facet pairs of documents that changed, once they are the majority."""
        live = int(self.pair_count[:self.n].sum())
        if self.pairs - live <= max(live, 10_000):
            return
        keep = np.flatnonzero(self.pair_valid[:self.pairs])
        self.pair_pos = self.pair_pos[keep].copy()
        self.pair_code = self.pair_code[keep].copy()
        self.pair_valid = np.ones(len(keep), dtype=bool)
        self.pairs = self._pair_cap = len(keep)
        # Each document's pairs are contiguous and in position order after compaction.
        counts = self.pair_count[:self.n].astype(np.int64)
        starts = np.cumsum(counts) - counts
        order = np.argsort(self.pair_pos, kind="stable")
        self.pair_pos, self.pair_code = self.pair_pos[order], self.pair_code[order]
        self.pair_start[:self.n] = starts

    def _make_snapshot(self) -> Snapshot:
        n, p = self.n, self.pairs
        return Snapshot(
            n=n, version=self.version, token=self.token, ids=self.ids[:n], alive=self.alive[:n],
            type_code=self.type_code[:n], access=self.access[:n],
            community=self.community[:n], group=self.group[:n],
            has_vector=self.has_vector[:n], vector_row=self.vector_row[:n],
            vectors=(self.vectors[:self.vector_count] if self.vectors is not None
                     else None),
            id_to_pos=self.id_to_pos, pair_pos=self.pair_pos[:p],
            pair_code=self.pair_code[:p], pair_valid=self.pair_valid[:p],
            type_codes=dict(self.type_codes), value_codes=dict(self.value_codes),
            values=list(self.values),
        )


live_index = LiveIndex()
