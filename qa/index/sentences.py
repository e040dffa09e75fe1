"""Sentence vectors, made at ingest from the chunk embeddings' own forward pass.

Answering decides by meaning at sentence level (which sentence answers, whether a contested
claim is what the question is about), so every sentence needs a vector; embedding each one
separately would cost about as much again as embedding the chunks. Instead the token vectors
of each chunk's pass are mean-pooled over each sentence's tokens: a sentence's vector in the
context of its chunk ("late chunking"). A sentence that two chunks share, or that a chunk
boundary cuts, pools its tokens from all of them. Measured against embedding each sentence on
its own, on the dev suites' fact questions (rank of the first answering sentence among the
evidence sentences), pooled vectors ranked better: MRR 0.82 vs 0.72 on seeds, 0.72 vs 0.64 on
AllSides (``bench/README.md``).

Stored with the article's manifest record as int8 (384 bytes a sentence).
"""

from __future__ import annotations

import base64

import numpy as np
import orjson

from ..domain import Article, Chunk, Sentences
from ..embedding import Embedder, SpanSums
from ..text import split_spans
from .chunking import embed_text

FORMAT = 1


def chunk_spans(chunk: Chunk, spans: list[tuple[int, int]], offset: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Which sentences (indices into ``spans``) a chunk holds part of, and that part's span in
    the embedded text (the chunk's text starts at ``offset`` there: after its title)."""
    idx, local = [], []
    for j, (s, e) in enumerate(spans):
        if e <= chunk.start or s >= chunk.end:
            continue
        idx.append(j)
        local.append((max(s, chunk.start) - chunk.start + offset, min(e, chunk.end) - chunk.start + offset))
    return idx, local


def pooled(article: Article, spans: list[tuple[int, int]], parts: list[tuple[list[int], SpanSums]],
           embedder: Embedder) -> Sentences:
    """The article's sentence table from its chunks' span sums; a sentence no chunk pass saw
    (truncated away) is embedded on its own."""
    dims = embedder.dimensions
    total = np.zeros((len(spans), dims), dtype=np.float32)
    counts = np.zeros(len(spans), dtype=np.int64)
    for idx, sums in parts:
        for k, j in enumerate(idx):
            total[j] += sums.sums[k]
            counts[j] += sums.counts[k]
    missing = [j for j in range(len(spans)) if counts[j] == 0]
    if missing:
        alone = embedder.embed([article.text[spans[j][0]:spans[j][1]] for j in missing])
        for k, j in enumerate(missing):
            total[j], counts[j] = alone[k], 1
    vecs = total / np.maximum(counts, 1)[:, None]
    return Sentences(tuple(spans), unit_rows(vecs))


def unit_rows(m: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(n == 0, 1.0, n)).astype(np.float32)


def standalone(article: Article, embedder: Embedder) -> Sentences:
    """Sentence vectors embedded one sentence at a time: for articles stored before sentence
    vectors were kept (answering computes them once per article version)."""
    spans = split_spans(article.text)
    vecs = embedder.embed([article.text[s:e] for s, e in spans]) if spans else np.zeros((0, embedder.dimensions), np.float32)
    return Sentences(tuple(spans), unit_rows(vecs))


def encode(table: Sentences) -> str:
    """The manifest's ``sentences`` annotation: spans and int8 vectors."""
    q = np.clip(np.round(table.vectors * 127), -127, 127).astype(np.int8)
    flat = [x for s, e in table.spans for x in (s, e)]
    return orjson.dumps({"format": FORMAT, "spans": flat, "dims": int(table.vectors.shape[1]) if len(flat) else 0,
                         "v": base64.b64encode(q.tobytes()).decode("ascii")}).decode()


def decode(raw: str | None, text_length: int) -> Sentences | None:
    """The table from its annotation; None when absent, of another format or not this text's."""
    if not raw:
        return None
    try:
        d = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        return None
    flat = d.get("spans") or []
    try:
        pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    except (TypeError, ValueError):
        return None
    if not ((pairs[:, 0] >= 0) & (pairs[:, 0] < pairs[:, 1]) & (pairs[:, 1] <= text_length)).all():
        return None
    spans = tuple(map(tuple, pairs.tolist()))
    if not spans:
        return Sentences((), np.zeros((0, 0), dtype=np.float32))
    v = np.frombuffer(base64.b64decode(d["v"]), dtype=np.int8).astype(np.float32)
    # Held as float16: finer than the int8 it was stored as, and half the memory of float32
    # in the caches of article records (a worker over 24,480 articles keeps hundreds).
    dims = int(d.get("dims") or 0)
    if not dims or v.size != dims * len(spans):
        return None
    return Sentences(spans, unit_rows(v.reshape(len(spans), dims)).astype(np.float16))


def embed_chunks(embedder: Embedder, chunked: list[tuple[Article, list[Chunk]]]):
    """Chunk vectors (as lists, for Chroma), and each article's sentence table pooled from the
    same forward pass."""
    spans = [split_spans(a.text) for a, _ in chunked]
    texts, local, owner = [], [], []
    for n, (a, chunks) in enumerate(chunked):
        for c in chunks:
            offset = len(c.title) + 1 if c.title else 0
            idx, loc = chunk_spans(c, spans[n], offset)
            texts.append(embed_text(c))
            local.append(loc)
            owner.append((n, idx))
    vectors, sums = embedder.embed_spans(texts, local)
    parts: list[list] = [[] for _ in chunked]
    for (n, idx), s in zip(owner, sums):
        parts[n].append((idx, s))
    tables = [pooled(a, spans[n], parts[n], embedder) for n, (a, _) in enumerate(chunked)]
    return vectors.tolist(), tables
