"""The index layer: the only code that talks to chromadb and llama-index's storage classes.

``NewsIndex`` holds the Chroma store (vectors + article manifest) and the BM25 index derived
from it, and offers dense search, sparse search, article look-up and incremental sync.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import Settings
from ..domain import Article, Chunk, Filters, IngestSummary, Skipped
from ..embedding import make_embedder
from .chunking import Chunker, count_tokens
from .sparse import SparseCache, SparseIndex
from .store import Annotator, ArticleRecord, ChromaStore, Progress, collection_name, where_clause

__all__ = [
    "NewsIndex", "ArticleRecord", "Chunker", "SparseIndex", "collection_name", "count_tokens",
    "where_clause",
]


class NewsIndex:
    """Dense and sparse search over one store, plus the articles behind the chunks."""

    def __init__(self, settings: Settings, embedder=None, embedder_id: str | None = None,
                 client=None):
        if embedder is None:
            embedder, embedder_id = make_embedder(settings.embedding)
        self.settings = settings
        self.embedder = embedder
        self.store = ChromaStore(settings.store, settings.chunking, embedder,
                                 embedder_id or "custom", client=client)
        self.sparse_cache = SparseCache(self.store, settings.store.data_dir)

    @property
    def name(self) -> str:
        return self.store.name

    def sync(self, items: Iterable[Article | Skipped], *, prune: bool = False,
             annotate: Annotator | None = None, progress: Progress | None = None) -> IngestSummary:
        """Incremental ingest; see ``ChromaStore.sync``."""
        return self.store.sync(items, prune=prune, annotate=annotate, progress=progress)

    def reset(self) -> None:
        """Empties the store."""
        self.store.reset()

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """(chunk, cosine similarity), best first; chunks of committed article versions only."""
        before = self.store.state()
        return self._committed(self.store.dense(query, k, filters), before)

    def sparse(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """(chunk, BM25 score), best first; chunks of committed article versions only."""
        before = self.store.state()
        hits = self.sparse_cache.get(generation=before[0]).search(query, k, filters)
        return self._committed(hits, before)

    def _committed(self, hits: list[tuple[Chunk, float]], before: tuple[int, bool]):
        # A sync marks the store dirty before its first write and clean again only under a new
        # generation, so a BM25 index of a clean generation holds exactly its committed chunks.
        # When the store was clean before the search and is unchanged after it, that set
        # decides, in memory; otherwise (an ingest running or killed) the manifest is read
        # (~5 ms a search at 2,000 articles with claims, measured by bench/query.py).
        if not before[1] and self.store.state() == before:
            committed = self.sparse_cache.get(generation=before[0]).chunk_ids
            return [(c, s) for c, s in hits if c.id in committed]
        return self.store.committed(hits)

    def articles(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        """Committed articles by ID."""
        return self.store.get_articles(ids)

    def article(self, article_id: str) -> ArticleRecord | None:
        return self.store.get_articles([article_id]).get(article_id)

    def list_articles(self, filters: Filters | None = None, limit: int = 20, offset: int = 0,
                      query: str | None = None) -> tuple[list[ArticleRecord], int]:
        return self.store.list_articles(filters, limit, offset, query)

    def sources(self) -> list[str]:
        return self.store.sources()

    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return self.store.count()

    def ping(self) -> None:
        self.store.ping()

    def warm(self) -> None:
        """Builds or loads the BM25 index now rather than on the first question."""
        self.sparse_cache.get()
