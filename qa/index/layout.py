"""How the store lays articles and chunks out in Chroma: collection names, the metadata of a
chunk and of an article's manifest record (the keys of what ingest computed for it), how a
record becomes a domain value again, and filters as a Chroma ``where``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import NamedTuple, Protocol

from ..config import ChunkSettings
from ..domain import Article, ArticleRecord, Chunk, Filters, date_int
from . import sentences as sentence_table

#: What is computed per article at ingest besides its vectors: its attributed claims, in the
#: stored form ``qa.claims`` writes and reads (the store keeps it as an opaque string). An
#: annotator may carry a ``version``: articles annotated by an older one are annotated again,
#: and a ``many(articles)`` that annotates a write batch at once (``annotate_all``).
Annotator = Callable[[Article], str]
Progress = Callable[[int, int], None]
class ContestHook(Protocol):
    """Finds the contests across the corpus that involve the given articles (changed, gone) and
    writes them to the store's ``ContestTable`` (``qa.claims.ledger.ContestLedger``)."""

    #: The version of the rules that find contests: articles whose contests an older version
    #: found are looked at again by the next sync.
    version: int

    def __call__(self, changed: list[str], gone: list[str]) -> None: ...

#: Manifest metadata keys of what ingest computed per article.
CLAIMS_KEY = "ann_claims"
ANNOTATION_VERSION_KEY = "ann_v"
SENTENCES_KEY = "sentences"


class Entry(NamedTuple):
    """What the manifest says of one committed article."""

    content_hash: str
    annotated: int  # the version of the annotator that annotated it (0: none)
    has_sentences: bool  # sentence vectors are stored


def collection_name(prefix: str, embedder_id: str, chunking: ChunkSettings) -> str:
    """Ties vectors to the model and chunking that made them (Chroma: 3-512 chars [A-Za-z0-9._-])."""
    raw = f"{prefix}-{embedder_id}-c{chunking.size}o{chunking.overlap}"
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in raw).strip("-._")
    if len(safe) > 60:
        safe = safe[:48] + "-" + hashlib.sha1(raw.encode()).hexdigest()[:8]
    return safe


def chunk_metadata(c: Chunk) -> dict:
    return {
        "article_id": c.article_id,
        "content_hash": c.content_hash,
        "title": c.title,
        "date": c.date or "",
        "date_int": int(c.date.replace("-", "")) if c.date else 0,
        "source": c.source or "",
        "start": c.start,
        "end": c.end,
        "chunk_index": c.index,
    }


def chunk_from_record(cid: str, text: str, meta: dict) -> Chunk:
    """A ``Chunk`` from what Chroma (or the BM25 corpus) stored."""
    return Chunk(
        id=cid, article_id=meta["article_id"], text=text, start=int(meta["start"]),
        end=int(meta["end"]), index=int(meta["chunk_index"]), title=meta.get("title", ""),
        date=meta.get("date") or None, source=meta.get("source") or None,
        content_hash=meta.get("content_hash", ""),
    )


def annotate_all(annotate: Annotator, articles: list[Article]) -> list[str]:
    """The annotations of ``articles``: through the annotator's ``many`` where it has one (it
    parses and embeds them together), else one call per article."""
    many = getattr(annotate, "many", None)
    return list(many(articles)) if many is not None else [annotate(a) for a in articles]


def annotation_version(annotate: Annotator | None) -> int:
    """The version of what ``annotate`` writes (1 for an annotator that names none; 0: none)."""
    return 0 if annotate is None else int(getattr(annotate, "version", 1))


def annotated_version(meta: dict) -> int:
    """The annotator version a manifest record was annotated by (0: not annotated)."""
    if CLAIMS_KEY not in meta:
        return 0
    return int(meta.get(ANNOTATION_VERSION_KEY) or 1)


def article_metadata(a: Article, n_chunks: int, claims: str | None, sentences,
                      version: int = 0) -> dict:
    meta = {
        "content_hash": a.content_hash, "title": a.title, "date": a.date or "",
        "date_int": a.date_int, "source": a.source or "", "url": a.url or "", "n_chunks": n_chunks,
        "extra": json.dumps(list(a.metadata), ensure_ascii=False),
        SENTENCES_KEY: sentence_table.encode(sentences),
    }
    if claims is not None:
        meta[CLAIMS_KEY] = claims
        meta[ANNOTATION_VERSION_KEY] = version
    return meta


def article_record(aid: str, meta: dict, text: str) -> ArticleRecord:
    extra = tuple(tuple(x) for x in json.loads(meta.get("extra") or "[]"))
    art = Article(
        id=aid, text=text, title=meta.get("title", ""), date=meta.get("date") or None,
        source=meta.get("source") or None, url=meta.get("url") or None, metadata=extra,
    )
    return ArticleRecord(art, meta["content_hash"], int(meta.get("n_chunks", 0)),
                         claims=meta.get(CLAIMS_KEY),
                         sentences=sentence_table.decode(meta.get(SENTENCES_KEY), len(text)))


def where_clause(filters: Filters | None) -> dict | None:
    """Filters as a Chroma ``where`` (article_id, source, date_int)."""
    if not filters or filters.empty:
        return None
    conds: list[dict] = []
    if filters.after:
        conds.append({"date_int": {"$gte": date_int(filters.after)}})
    if filters.before:
        # An undated article cannot be shown to fall in a date range, so it never does.
        conds.append({"date_int": {"$lte": date_int(filters.before)}})
        conds.append({"date_int": {"$gte": 1}})
    if filters.sources:
        conds.append({"source": {"$in": list(filters.sources)}})
    if filters.article_ids:
        conds.append({"article_id": {"$in": list(filters.article_ids)}})
    return conds[0] if len(conds) == 1 else {"$and": conds}
