"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank, capped per
article, filtered the same way in both retrievers.

Retrieval only gathers candidates; whether a passage answers is decided sentence by sentence
in the evidence stage (``qa/answer/evidence.py``), by meaning and fitted weights, not here by
word overlap.
"""

from __future__ import annotations

from .config import RetrievalSettings
from .domain import Evidence, Filters
from .index import NewsIndex


def retrieve(text: str, index: NewsIndex, cfg: RetrievalSettings,
             filters: Filters | None = None, vector=None) -> list[Evidence]:
    """Up to ``cfg.top_k`` chunks for a question (its text for BM25; its unit ``vector``, or
    the text embedded, for dense search), best fused rank first."""
    dense, sparse = index.candidates(text, cfg.dense_k, cfg.sparse_k, filters, vector=vector)
    fused: dict[str, dict] = {}
    for rank, (chunk, sim) in enumerate(dense, 1):
        e = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
        e["score"] += 1.0 / (cfg.rrf_k + rank)
        e["dense_rank"], e["dense_similarity"] = rank, sim
    for rank, (chunk, _score) in enumerate(sparse, 1):
        e = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
        e["score"] += 1.0 / (cfg.rrf_k + rank)
        e["sparse_rank"] = rank
    out: list[Evidence] = []
    per_article: dict[str, int] = {}
    for e in sorted(fused.values(), key=lambda e: -e["score"]):
        chunk = e["chunk"]
        if per_article.get(chunk.article_id, 0) >= cfg.per_article:
            continue
        per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
        out.append(Evidence(chunk=chunk, score=e["score"], dense_rank=e.get("dense_rank"),
                            sparse_rank=e.get("sparse_rank"),
                            dense_similarity=e.get("dense_similarity")))
        if len(out) >= cfg.top_k:
            break
    return out
