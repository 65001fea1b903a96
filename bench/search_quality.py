"""Search quality of the use case inventory: nDCG@10, Recall@20 and MRR of lexical-only,
semantic-only and hybrid search, against the graded judgments of bench/eval/.

For each database asked for (`--db sqlite`, the default, and/or `postgres`): a fresh database,
`cophub migrate`, then `cophub import-usecases` of the real 2025 inventory (timed: wall time
and the child's peak memory), then every evaluation query in each mode through
`cophub search QUERY --type usecase --limit 20 --mode MODE --json`, called in one child
process with Django's call_command so the embedding model loads once.

    .venv/bin/python bench/search_quality.py                  # as `make bench-search-quality`
    .venv/bin/python bench/search_quality.py --db sqlite,postgres

Results are mapped to the inventory's rows by `source_row` (checked against the agency and
inventory id of the file). Unjudged rows count as not relevant (grade 0); how many of each
mode's top 10 were unjudged is reported, since a method the pool did not include can find
relevant rows nobody graded (see bench/eval/README.md). Exits 1 if any query fails.

Prints a table per database and writes bench/results/search-quality.json.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "eval"))

import common  # noqa: E402
import pool  # noqa: E402  (bench/eval/pool.py: the evaluation set and the inventory reader)
from import_usecases import measure_import  # noqa: E402
from metrics import RELEVANT, query_scores  # noqa: E402

MODES = ("lexical", "semantic", "hybrid")
KINDS = ("keyword", "natural", "mismatch")
QUERY_TIMEOUT = 3600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite",
                        help="Comma-separated databases: sqlite, postgres (default sqlite).")
    parser.add_argument("--csv", type=Path, default=pool.DEFAULT_CSV,
                        help="The 2025 inventory's individually reported use cases.")
    parser.add_argument("--limit", type=int, default=20, help="Results asked for per query.")
    parser.add_argument("--queries", help="Only these query ids (comma-separated).")
    parser.add_argument("--pg-admin-url", default=common.PG_ADMIN_URL)
    parser.add_argument("--pg-name", default=common.PG_NAME)
    parser.add_argument("--no-write", action="store_true",
                        help="Do not write search-quality.json.")
    parser.add_argument("--run-queries", metavar="PLAN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_queries:
        return _child(Path(args.run_queries))

    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(databases) - set(common.DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if not args.csv.exists():
        raise SystemExit(f"bench: {args.csv} not found (the inventory is read from shared "
                         "data, never copied into the repository)")
    evaluation = pool.load_set()
    rows = pool.read_rows(args.csv)
    _check_file(evaluation, rows)
    queries = evaluation["queries"]
    if args.queries:
        wanted = {q.strip() for q in args.queries.split(",")}
        queries = [q for q in queries if q["id"] in wanted]
    common.exit_on_sigterm()

    results = {
        "benchmark": "search-quality", "date": common.now_iso(),
        "command": common.command_line(), "machine": common.machine(),
        "revision": common.revision(),
        "evaluation_set": {
            "file": "bench/eval/usecase_queries.json", "queries": len(queries),
            "kinds": {k: sum(q["kind"] == k for q in queries) for k in KINDS},
            "judgments": sum(len(q["judgments"]) for q in queries),
            "relevant": sum(j["grade"] >= RELEVANT for q in queries for j in q["judgments"]),
        },
        "metrics": {"ndcg@10": "graded gain 2^g - 1, log2 discount, ideal from all the "
                               "query's judgments",
                    "recall@20": f"share of the query's rows graded >= {RELEVANT} in the top 20",
                    "mrr": f"1 / rank of the first row graded >= {RELEVANT} (0 if none in "
                           "the top 20)"},
        "limit": args.limit, "runs": [],
    }
    failures = []
    for kind in databases:
        run = _run_database(kind, args, queries, rows)
        results["runs"].append(run)
        failures += [f"{kind} {e}" for e in run["errors"]]

    _print(results)
    if failures:
        print("\nFAILED — queries answered with an error:\n  " + "\n  ".join(failures[:20]))
        return 1
    if not args.no_write:
        print(f"\nWrote {common.write_json('search-quality', results).relative_to(common.REPO)}")
    return 0


def _check_file(evaluation: dict, rows: list[dict]) -> None:
    """The judgments name rows by position: the file must be the one they were made on."""
    if evaluation["rows"] != len(rows):
        raise SystemExit(f"bench: the inventory has {len(rows)} rows, the judgments were made "
                         f"on {evaluation['rows']}")
    for query in evaluation["queries"]:
        for j in query["judgments"]:
            row = rows[j["source_row"]]
            if (row["agency"], row["id"], row["use_case_name"]) != (
                    j["agency"], j["inventory_id"], j["name"]):
                raise SystemExit(f"bench: row {j['source_row']} of the inventory is not "
                                 f"{j['inventory_id']} {j['name']!r} ({query['id']}): "
                                 "not the file the judgments were made on")


def _run_database(kind: str, args, queries: list[dict], rows: list[dict]) -> dict:
    print(f"[{kind}] fresh database, migrate, import-usecases …", flush=True)
    with common.fresh_database(kind, pg_admin_url=args.pg_admin_url,
                               pg_name=args.pg_name) as (env, database):
        common.run([*common.COPHUB, "migrate", "--noinput"], env=env, timeout=600)
        imported = measure_import(env, args.csv, Path(env["COPHUB_DATA_DIR"]) / "import.log")
        print(f"[{kind}] imported {imported['rows']} rows in {imported['wall_s']} s; "
              f"running {len(queries)} queries × {len(MODES)} modes …", flush=True)
        plan = Path(env["COPHUB_DATA_DIR"]) / "queries.json"
        answers = Path(env["COPHUB_DATA_DIR"]) / "answers.json"
        plan.write_text(json.dumps({
            "limit": args.limit, "modes": MODES, "out": str(answers),
            "queries": [{"id": q["id"], "query": q["query"]} for q in queries]}))
        common.run([sys.executable, str(Path(__file__).resolve()), "--run-queries", str(plan)],
                   env=env | {"DJANGO_SETTINGS_MODULE": "cophub.config.settings"},
                   timeout=QUERY_TIMEOUT)
        raw = json.loads(answers.read_text())
        revision = common.revision()
    return {"database": database, "revision": revision, "import": imported,
            **_score(queries, raw, rows)}


def _child(plan_path: Path) -> int:
    """In the child: Django set up once, every query in every mode through the command."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cophub.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    plan = json.loads(plan_path.read_text())
    answers: dict = {}
    for mode in plan["modes"]:
        for query in plan["queries"]:
            out, err = io.StringIO(), io.StringIO()
            started = time.perf_counter()
            try:
                call_command("search", query["query"], "--type", "usecase", "--limit",
                             str(plan["limit"]), "--mode", mode, "--json", stdout=out,
                             stderr=err)
                found, error = json.loads(out.getvalue()), ""
            except (Exception, SystemExit) as exc:  # noqa: BLE001 — reported, never hidden
                found, error = [], f"{type(exc).__name__}: {exc} {err.getvalue()}".strip()
            answers.setdefault(mode, {})[query["id"]] = {
                "seconds": round(time.perf_counter() - started, 4), "error": error[:500],
                "results": found}
    Path(plan["out"]).write_text(json.dumps(answers))
    return 0


def _score(queries: list[dict], raw: dict, rows: list[dict]) -> dict:
    per_query, errors = [], []
    for query in queries:
        grades = {j["source_row"]: j["grade"] for j in query["judgments"]}
        entry = {"id": query["id"], "query": query["query"], "kind": query["kind"],
                 "relevant": sum(g >= RELEVANT for g in grades.values())}
        for mode in MODES:
            answer = raw[mode][query["id"]]
            if answer["error"]:
                errors.append(f"{mode} {query['id']} {query['query']!r}: {answer['error']}")
            ranked = []
            for item in answer["results"]:
                row = item.get("source_row")
                if item.get("type") != "usecase" or row is None or not 0 <= row < len(rows):
                    errors.append(f"{mode} {query['id']}: result without a valid source_row: "
                                  f"{str(item)[:200]}")
                    continue
                if (item.get("agency"), item.get("inventory_id")) != (rows[row]["agency"],
                                                                      rows[row]["id"]):
                    errors.append(f"{mode} {query['id']}: row {row} is "
                                  f"{rows[row]['agency']} {rows[row]['id']}, the result says "
                                  f"{item.get('agency')} {item.get('inventory_id')}")
                ranked.append(row)
            entry[mode] = {**query_scores(ranked, grades), "results": len(ranked),
                           "seconds": answer["seconds"],
                           "top10": [[r, grades.get(r)] for r in ranked[:10]]}
        per_query.append(entry)

    summary = {}
    for mode in MODES:
        summary[mode] = {"all": _means(per_query, mode)}
        for kind in KINDS:
            subset = [q for q in per_query if q["kind"] == kind]
            if subset:
                summary[mode][kind] = _means(subset, mode)
    comparisons = {
        f"hybrid_vs_{other}": _paired(per_query, "hybrid", other) for other in MODES[:2]}
    hybrid = summary["hybrid"]["all"]["ndcg@10"]
    target = {
        "target": "hybrid nDCG@10 above both lexical-only and semantic-only",
        "hybrid": hybrid, "lexical": summary["lexical"]["all"]["ndcg@10"],
        "semantic": summary["semantic"]["all"]["ndcg@10"],
        "met": all(hybrid > summary[m]["all"]["ndcg@10"] for m in MODES[:2]),
    }
    return {"summary": summary, "comparisons": comparisons, "target": target,
            "errors": errors, "queries": per_query}


def _means(entries: list[dict], mode: str) -> dict:
    return {
        "queries": len(entries),
        "ndcg@10": round(statistics.fmean(q[mode]["ndcg@10"] for q in entries), 4),
        "recall@20": round(statistics.fmean(q[mode]["recall@20"] for q in entries), 4),
        "mrr": round(statistics.fmean(q[mode]["rr"] for q in entries), 4),
        "unjudged@10_mean": round(statistics.fmean(q[mode]["unjudged@10"] for q in entries), 2),
        "unjudged@10_share": round(sum(q[mode]["unjudged@10"] for q in entries)
                                   / max(1, sum(min(10, q[mode]["results"]) for q in entries)), 3),
        "mean_query_s": round(statistics.fmean(q[mode]["seconds"] for q in entries), 4),
    }


def _paired(entries: list[dict], a: str, b: str, *, rounds: int = 10_000) -> dict:
    """Per-query nDCG@10 of mode a against mode b: wins, ties, losses, the mean difference
    and a two-sided paired randomisation (sign-flip) test, seeded so reruns agree."""
    diffs = [q[a]["ndcg@10"] - q[b]["ndcg@10"] for q in entries]
    observed = abs(statistics.fmean(diffs))
    rng = random.Random(20250)
    extreme = sum(
        abs(statistics.fmean(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12
        for _ in range(rounds))
    return {"wins": sum(d > 1e-9 for d in diffs), "ties": sum(abs(d) <= 1e-9 for d in diffs),
            "losses": sum(d < -1e-9 for d in diffs),
            "mean_ndcg@10_difference": round(statistics.fmean(diffs), 4),
            "p_value": round((extreme + 1) / (rounds + 1), 4)}


def _print(results: dict) -> None:
    m, ev = results["machine"], results["evaluation_set"]
    print(f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM; "
          f"{ev['queries']} queries ({', '.join(f'{v} {k}' for k, v in ev['kinds'].items())}), "
          f"{ev['judgments']} judgments, {ev['relevant']} relevant; "
          f"{common.describe_revision(results['revision'])}")
    for run in results["runs"]:
        db, imp = run["database"], run["import"]
        print(f"\n{db['engine']} {db['version']}: import-usecases {imp['rows']} rows in "
              f"{imp['wall_s']} s wall (own figure {imp['reported_s']} s), max RSS "
              f"{imp['max_rss_mib']:.0f} MiB; index: {imp['index']}")
        table_rows = []
        for mode in MODES:
            for part in ("all", *KINDS):
                s = run["summary"][mode].get(part)
                if s:
                    table_rows.append([mode if part == "all" else "", part, s["queries"],
                                       f"{s['ndcg@10']:.3f}", f"{s['recall@20']:.3f}",
                                       f"{s['mrr']:.3f}", f"{s['unjudged@10_mean']:.1f}",
                                       f"{s['mean_query_s'] * 1000:.0f}"])
        print(common.table(["mode", "queries", "n", "nDCG@10", "Recall@20", "MRR",
                            "unjudged in top 10", "ms/query"], table_rows, text_columns=2))
        for name, c in run["comparisons"].items():
            print(f"  {name}: nDCG@10 {c['mean_ndcg@10_difference']:+.3f}, wins/ties/losses "
                  f"{c['wins']}/{c['ties']}/{c['losses']}, paired randomisation p = "
                  f"{c['p_value']}")
        t = run["target"]
        print(f"  target: {t['target']} — {'met' if t['met'] else 'MISSED'} "
              f"(hybrid {t['hybrid']:.3f}, lexical {t['lexical']:.3f}, "
              f"semantic {t['semantic']:.3f})")


if __name__ == "__main__":
    sys.exit(main())
