"""The evaluation measures, shared by bench/search_quality.py and `pool.py baseline`.

Graded judgments (0–3) per query; rows nobody judged count as grade 0.
"""

import math

RELEVANT = 2  # grade at or above which a row counts as relevant (Recall, MRR)


def dcg(gains: list[int]) -> float:
    """Discounted cumulative gain with graded gain 2^g - 1 and a log2(rank + 1) discount."""
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def query_scores(ranked_rows: list[int], grades: dict[int, int]) -> dict:
    """nDCG@10 (ideal from all of the query's judgments), Recall@20 and reciprocal rank
    (relevant = grade >= RELEVANT), and how many of the top 10 nobody judged."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:10])
    ndcg = dcg([grades.get(r, 0) for r in ranked_rows[:10]]) / ideal if ideal else 0.0
    relevant = {r for r, g in grades.items() if g >= RELEVANT}
    recall = len(relevant & set(ranked_rows[:20])) / len(relevant) if relevant else 0.0
    rr = next((1 / (i + 1) for i, r in enumerate(ranked_rows[:20]) if r in relevant), 0.0)
    return {"ndcg@10": round(ndcg, 4), "recall@20": round(recall, 4), "rr": round(rr, 4),
            "unjudged@10": sum(r not in grades for r in ranked_rows[:10])}
