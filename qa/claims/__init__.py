"""Attributed claims and contested points.

- At ingest, ``annotate(article)`` finds who claims what in each article (spaCy's parser and
  NER; ``extract.py``), with the figures and dated events each claim states, and stores them
  in the article manifest with a sentence vector each.
- At answer time, ``find_contests`` groups the claims of the evidence articles that are about
  the same point and reports where sides disagree: one asserts and another denies, or their
  figures or dates differ (``contests.py``).
- ``describe`` writes a contest as attributed prose; ``unhedged`` finds answer sentences that
  state a contested point in the narrator's voice (``prose.py``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..domain import Article, Claim
from ..lru import Recent
from .contests import find_contests
from .extract import extract
from .prose import describe, unhedged
from .record import Record, decode, encode

__all__ = ["annotate", "claims_of", "records_of", "find_contests", "describe", "unhedged",
           "with_vectors"]

_CACHE = Recent(2048)  # (article ID, content hash, annotation hash, contestable) -> (records, complete)


def annotate(article: Article, embedder=None) -> dict[str, str]:
    """The ``claims`` annotation stored with ``article`` at ingest; with an embedder, each
    contestable claim carries its sentence vector so that answering never embeds claims."""
    records = extract(article)
    if embedder is not None:
        records = with_vectors(records, embedder)
    return {"claims": encode(records)}


def _contestable(r: Record) -> bool:
    return r.claim.attributed or bool(r.quantities) or bool(r.events)


def with_vectors(records: list[Record], embedder) -> list[Record]:
    """Records with sentence vectors (and figure-phrase vectors) filled in, in one batch."""
    need = [i for i, r in enumerate(records) if r.vec is None and _contestable(r)]
    qneed = [(i, j) for i, r in enumerate(records) for j, q in enumerate(r.quantities) if q.vec is None]
    eneed = [(i, j) for i, r in enumerate(records) for j, e in enumerate(r.events) if e.vec is None]
    if not need and not qneed and not eneed:
        return records
    texts = ([records[i].embed_text() for i in need]
             + [records[i].quantities[j].counted or records[i].quantities[j].phrase for i, j in qneed]
             + [records[i].events[j].label for i, j in eneed])
    vecs = iter(embed(embedder, texts))
    out = list(records)
    for i in need:
        out[i] = replace(out[i], vec=next(vecs))
    for i, j in qneed:
        qs = list(out[i].quantities)
        qs[j] = replace(qs[j], vec=next(vecs))
        out[i] = replace(out[i], quantities=tuple(qs))
    for i, j in eneed:
        es = list(out[i].events)
        es[j] = replace(es[j], vec=next(vecs))
        out[i] = replace(out[i], events=tuple(es))
    return out


def embed(embedder, texts: list[str]) -> np.ndarray:
    """L2-normalised vectors from the packaged embedder (``.embed``) or any llama-index one."""
    if hasattr(embedder, "embed"):
        vecs = np.asarray(embedder.embed(texts), dtype=np.float32)
    else:
        vecs = np.asarray(embedder.get_text_embedding_batch(texts), dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms == 0, 1.0, norms)


def records_of(record, embedder=None, contestable: bool = False) -> list[Record]:
    """The decoded claims of an ``ArticleRecord`` (cached per article version); missing vectors
    are computed with ``embedder`` when one is given. ``contestable``: only the claims a contest
    can use (what answering a question needs: a third of them, decoded in a third of the time)."""
    raw = record.annotations.get("claims") or ""
    key = (record.article.id, record.content_hash, hash(raw), contestable)
    hit = _CACHE.get(key)
    if hit is None or (embedder is not None and hit[1] is False):
        recs = hit[0] if hit is not None else decode(raw, record.article, contestable)
        complete = all(r.vec is not None for r in recs if _contestable(r))
        if embedder is not None and not complete:
            recs, complete = with_vectors(recs, embedder), True
        hit = (recs, complete)
        _CACHE.put(key, hit)
    return hit[0]


def claims_of(record) -> list[Claim]:
    """The attributed claims (and outlet statements) stored with an ``ArticleRecord``."""
    return [r.claim for r in records_of(record)]
