"""Full-text matching in the database: SQLite FTS5 on the embedded default, PostgreSQL's
full-text search in production. Raw SQL, branched on `connection.vendor`, because neither
engine's full-text features are reachable through the portable ORM (FTS5 is a virtual table;
the ORM's SearchQuery would not let us weight each word by its rarity, nor count a word's
documents from the index).

Terms arrive already cut into letters-and-digits words (`text.query_parse`): they are
passed as quoted FTS5 strings or as query parameters, never as syntax.
"""

import math
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import DatabaseError, connection

FTS_TABLE = "search_fts"  # SQLite: created by migration 0001
PG_CONFIG = "english"
# How much a word in the title counts against one in the body: FTS5's bm25 column weights,
# and on PostgreSQL the weights of labels A (title) and B (body) given to ts_rank. Titles
# say what a thing is; on the use case evaluation set 1.0–2.5 scored within 0.01 of each
# other (nDCG@10), and 2.0 helped keyword queries most.
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0
_PG_WEIGHTS = f"{{0, 0, {BODY_WEIGHT / TITLE_WEIGHT}, 1}}"  # D, C, B, A
# ts_rank's normalisation 32 turns each word's rank r into r / (r + 1): it saturates as the
# word repeats, like BM25's term frequency, and the word's rarity (the weight) does the
# rest. On the use case evaluation set it ranked best (nDCG@10 0.60, against 0.52 for 1,
# the length penalty, and 0.59 for none).
_PG_NORMALIZATION = 32
_PG_VECTOR = (f"setweight(to_tsvector('{PG_CONFIG}', title), 'A') || "
              f"setweight(to_tsvector('{PG_CONFIG}', body), 'B')")
_CHUNK = 500


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- Writing --------------------------------------------------------------------------------

def fts_write(*, cursor, delete_ids: Sequence[int], rows: Sequence[tuple[int, str, str]]):
    """Make the full-text index agree with the documents just written: drop `delete_ids`
    (removed documents) and (re)write `rows` of (id, title, body)."""
    written = [row[0] for row in rows]
    if connection.vendor == "sqlite":
        # Every written id is deleted first too: a rewrite replaces its row, and a stale row
        # left behind (an id reused after a test flush) can never shadow a new document.
        for chunk in _chunks(list(delete_ids) + written):
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                           f"({', '.join(['%s'] * len(chunk))})", list(chunk))
        if rows:
            cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, title, body) "
                               "VALUES (%s, %s, %s)", list(rows))
    elif connection.vendor == "postgresql":
        for chunk in _chunks(list(delete_ids) + written):
            _lexemes_count(cursor, chunk, sign=-1)  # what these documents held until now
            cursor.execute("DELETE FROM search_searchtextvector WHERE document_id = ANY(%s)",
                           [list(chunk)])
        for chunk in _chunks(written):
            cursor.execute("INSERT INTO search_searchtextvector (document_id, vector) "
                           f"SELECT id, {_PG_VECTOR} FROM search_searchdocument "
                           "WHERE id = ANY(%s)", [list(chunk)])
            _lexemes_count(cursor, chunk, sign=+1)


def _lexemes_count(cursor, ids: Sequence[int], *, sign: int) -> None:
    """Add (or take away) the stemmed words of these documents' vectors to SearchLexeme,
    with PostgreSQL's own ts_stat. Its argument is a query text: the ids are integers."""
    literal = "{" + ",".join(str(int(i)) for i in ids) + "}"
    cursor.execute(
        "INSERT INTO search_searchlexeme (lexeme, df) "
        "SELECT word, %s * ndoc FROM ts_stat(%s) WHERE length(word) <= 255 ORDER BY word "
        "ON CONFLICT (lexeme) DO UPDATE SET df = search_searchlexeme.df + excluded.df",
        [sign, "SELECT vector FROM search_searchtextvector "
               f"WHERE document_id = ANY('{literal}'::bigint[])"])


def fts_rebuild(*, cursor) -> None:
    """Rewrite the whole full-text index from the documents (after a full rebuild)."""
    if connection.vendor == "sqlite":
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) "
                       "SELECT id, title, body FROM search_searchdocument WHERE NOT removed")
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
    elif connection.vendor == "postgresql":
        cursor.execute("DELETE FROM search_searchtextvector")
        cursor.execute("INSERT INTO search_searchtextvector (document_id, vector) "
                       f"SELECT id, {_PG_VECTOR} FROM search_searchdocument WHERE NOT removed")
        cursor.execute("DELETE FROM search_searchlexeme")
        cursor.execute("INSERT INTO search_searchlexeme (lexeme, df) SELECT word, ndoc FROM "
                       "ts_stat('SELECT vector FROM search_searchtextvector') "
                       "WHERE length(word) <= 255")


# --- Reading --------------------------------------------------------------------------------

def plan(terms: Sequence[str], *, documents: int, budget: int) -> tuple[list[str],
                                                                       list[float]]:
    """Which of the query's words to match, and each one's weight (PostgreSQL: its inverse
    document frequency; FTS5 weighs words itself).

    Words found in many documents cost the most to rank (every posting is read) and say the
    least: the rarest words are kept first, and once the documents they match add up past
    `budget` the commoner ones are left out, as stop words are (always at least one is
    kept). No query is made when no word could go past it (`documents` in all)."""
    terms = list(terms)
    if connection.vendor == "sqlite" and len(terms) * documents <= budget:
        return terms, [1.0] * len(terms)
    costs = term_costs(terms)
    kept, postings = [], 0
    for term in sorted(terms, key=lambda t: costs.get(t, 0)):
        if kept and postings + costs.get(term, 0) > budget:
            break
        kept.append(term)
        postings += costs.get(term, 0)
    kept.sort(key=terms.index)
    weights = [math.log(1 + (documents - costs.get(t, 0) + 0.5) / (costs.get(t, 0) + 0.5))
               for t in kept]
    return kept, weights


def term_costs(terms: Sequence[str]) -> dict[str, int]:
    """How many documents each term matches in the full-text index, as that index stems it
    ("generation" matches "general", "generative", …), counting every document whatever its
    access level. SQLite: FTS5's own vocabulary, reached through a tiny per-connection probe
    table that stems the words the same way. PostgreSQL: SearchLexeme, with the stems of
    `to_tsvector('english', word)`. One to four queries."""
    if not terms:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.word, COALESCE(MAX(l.df), 0) FROM unnest(%s::text[]) AS t(word) "
                "LEFT JOIN search_searchlexeme l ON l.lexeme = ANY(tsvector_to_array("
                f"to_tsvector('{PG_CONFIG}', t.word))) GROUP BY t.word", [list(terms)])
            found = dict(cursor.fetchall())
            return {term: int(found.get(term, 0)) for term in terms}
        try:
            cursor.execute("DELETE FROM temp.search_fts_probe")
        except DatabaseError:
            # TEMP tables: private to this connection, never written to the database
            # file. Made on first use (again after a rollback took them away).
            cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_probe USING "
                           "fts5(t, tokenize='porter unicode61 remove_diacritics 2')")
            cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_probe_terms "
                           "USING fts5vocab(temp, 'search_fts_probe', 'instance')")
            cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_terms "
                           f"USING fts5vocab(main, '{FTS_TABLE}', 'row')")
        cursor.executemany("INSERT INTO temp.search_fts_probe (rowid, t) VALUES (%s, %s)",
                           list(enumerate(terms, 1)))
        cursor.execute("SELECT doc, term FROM temp.search_fts_probe_terms")
        stem_of = {terms[doc - 1]: stem for doc, stem in cursor.fetchall()}
        stems = sorted(set(stem_of.values()))
        counts: dict[str, int] = {}
        if stems:
            cursor.execute("SELECT term, doc FROM temp.search_fts_terms WHERE term IN "
                           f"({', '.join(['%s'] * len(stems))})", stems)
            counts = dict(cursor.fetchall())
    return {term: counts.get(stem_of.get(term, ""), 0) for term in terms}


def lexical_match(terms: Sequence[str], weights: Sequence[float]) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Every document matching at least one term (OR), with a BM25-style score (higher is
    better): document ids (int64) and scores (float64), unordered.

    SQLite: FTS5's bm25() with Porter stemming (its own term statistics; `weights` unused).
    PostgreSQL: the sum over terms of weight × ts_rank (length-normalised), the weight
    being the term's inverse document frequency — ts_rank alone has no notion of rarity.
    """
    if not terms:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = " OR ".join(f'"{term}"' for term in terms)
            cursor.execute(f"SELECT rowid, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}) "
                           f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
        elif connection.vendor == "postgresql":
            query = f"plainto_tsquery('{PG_CONFIG}', %s)"
            score = " + ".join(f"%s * ts_rank('{_PG_WEIGHTS}', vector, {query}, "
                               f"{_PG_NORMALIZATION})" for _ in terms)
            matches = " || ".join(query for _ in terms)
            params: list = []
            for term, weight in zip(terms, weights, strict=True):
                params += [float(weight), term]
            params += list(terms)
            cursor.execute(f"SELECT document_id, {score} FROM search_searchtextvector "
                           f"WHERE vector @@ ({matches})", params)
        else:
            raise NotImplementedError(f"Search does not support {connection.vendor}.")
        rows = cursor.fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    array = np.array(rows, dtype=np.float64)
    return array[:, 0].astype(np.int64), array[:, 1]
