"""How search results are ranked: every weight in one place.

- **Lexical**: the query is cut into words in Python (letters and digits only; English
  stop words dropped; at most 32 words and 1,000 characters, with a notice) and each word is
  one quoted FTS5 term or one query parameter — user text never becomes full-text syntax.
  Words are OR-ed and ranked by BM25: FTS5 `bm25()` with the `porter unicode61` tokenizer
  on SQLite; on PostgreSQL (`english` configuration) the sum over words of the word's
  inverse document frequency × `ts_rank` (saturating: r / (r + 1)), over a narrow table of
  tsvectors with a GIN index. Titles weigh 2× the body. When the words of a query match very
  many documents (more than 5,000 together, counted per stem — FTS5's own vocabulary on SQLite,
  `SearchLexeme` on PostgreSQL), the commonest are left out like stop words: they cost the
  most to rank and BM25 gives them almost no weight. Over the 3,611 use cases no evaluation
  query comes near that; at 100,000 documents it keeps ranking within a few milliseconds.
- **Semantic**: documents and the query are embedded (title + start of the body: the
  first 1,000 characters, of which MiniLM reads 128 word pieces, the length it was trained
  on; 256 was slower and no better on the evaluation set); the
  cosine similarity with every visible document is one matrix-vector product in memory
  (vectors are stored once per distinct text). Documents without a vector are lexical-only.
- **Hybrid** (the default): `0.75 × cosine/best cosine + 0.25 × BM25/best BM25`
  (`selectors.SEMANTIC_WEIGHT` and `fuse`, with the reasoning). On the use case evaluation
  set (`bench/eval/`), nDCG@10 / Recall@20 / MRR: lexical 0.610 / 0.479 / 0.899, semantic
  0.704 / 0.593 / 0.941, hybrid 0.744 / 0.646 / 0.979 — hybrid ahead for keyword, natural
  and mismatched queries alike (SQLite; on PostgreSQL nDCG@10 is 0.597 / 0.704 / 0.739).
- **What counts as a result** (shown, counted, and counted in facets): the visible
  documents that match lexically, or whose similarity is at least the provider's floor
  (0.3 for MiniLM) — per mode, lexical or semantic matches only.
- **Spelling**: a query of at most three words whose words the person's vocabulary lacks
  gets each such word replaced by the nearest one it has (fewest edits, then most frequent),
  "Showing results for …, search instead for …". Words the model's tokenizer knows as whole
  English words ("quit") are not corrected. The vocabularies are counted per audience —
  everyone, signed-in people, government members — from those documents only; group-only
  and organizer-only documents are in none, so no suggestion reveals them.
"""

import numpy as np

# Hybrid score = SEMANTIC_WEIGHT × cosine / best cosine
#              + (1 − SEMANTIC_WEIGHT) × BM25 / best BM25,
# over the visible documents that match. Each score is divided by its best value among them
# ("theoretical min-max" normalisation: BM25's minimum is 0 and so is, in practice, the
# cosine of unrelated text), so the blend does not depend on the raw scales, which vary
# with the query. A convex blend uses how far apart documents are, which reciprocal rank
# fusion throws away; Bruch, Gai & Ingber ("An Analysis of Fusion Functions for Hybrid
# Retrieval", ACM TOIS 2023) found it at least as good and more stable. Documents without a
# vector get cosine 0, documents that do not match lexically BM25 0. The weight: on the use
# case evaluation set (bench/eval: 47 graded queries), nDCG@10 of hybrid search was above
# both lexical-only (0.61) and semantic-only (0.70) for weights 0.6–0.9 and flat at 0.74
# from 0.7 to 0.8; 0.75 is the middle of that plateau, not a tuned peak.
SEMANTIC_WEIGHT = 0.75
# How many documents the words of one query may match before the commonest words are left
# out (see `lexical.plan`): ranking reads every match, and the commonest words count least.
# Over the 3,611 use cases only a query made of the very commonest words reaches it.
LEXICAL_POSTINGS_BUDGET = 5_000
# Hybrid ranking (and "similar" documents) use vectors once this share of the documents has
# one. While the worker embeds in the background after a first start, a document without a
# vector could score at most 1 − SEMANTIC_WEIGHT against an embedded one's 1.0, so the order
# would say more about which documents the worker reached first than about the query: until
# then hybrid search is plain keyword search, and operators are told how far embedding is.
# Above it, the few documents still without a vector (an embedding that failed, to be tried
# again) keep their keyword matches and lose only their semantic part.
SEMANTIC_MIN_COVERAGE = 0.95


def semantic_ready(embedded: int, documents: int) -> bool:
    """Whether enough of the `documents` have a vector for semantic similarity to rank."""
    return embedded > 0 and embedded >= SEMANTIC_MIN_COVERAGE * documents


def fuse(lexical_scores: np.ndarray, cosines: np.ndarray) -> np.ndarray:
    """The hybrid score of documents, from their lexical score (0 where no match) and
    their cosine similarity (0 where no vector)."""
    best_lexical = lexical_scores.max(initial=0.0)
    best_cosine = cosines.max(initial=0.0)
    lexical_part = lexical_scores / best_lexical if best_lexical > 0 else lexical_scores
    semantic_part = np.clip(cosines, 0, None) / best_cosine if best_cosine > 0 else 0.0
    return SEMANTIC_WEIGHT * semantic_part + (1 - SEMANTIC_WEIGHT) * lexical_part
