"""The index layer: the only code that talks to chromadb and llama-index's storage classes.

``NewsIndex`` holds the Chroma store (vectors + article manifest) and the BM25 index derived
from it, and offers dense search, sparse search, article look-up, the article list and
incremental sync. ``connection.py`` opens the store lazily, bounds its requests in time and
refreshes an embedded store that another process wrote to; ``listing.py`` pages the articles.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import Settings
from ..domain import Article, ArticleRecord, Chunk, Filters, IngestSummary, Skipped
from ..embedding import make_embedder
from ..lru import Recent
from .chunking import Chunker, count_tokens
from .contest_table import ContestListing
from .connection import store_errors
from .listing import ArticleListing
from .sparse import SparseCache, SparseIndex
from .layout import collection_name, date_int, where_clause
from .store import Annotator, ChromaStore, ContestHook, Progress

__all__ = [
    "NewsIndex", "ArticleRecord", "Chunker", "SparseIndex", "collection_name", "count_tokens",
    "date_int", "where_clause",
]


class NewsIndex:
    """Dense and sparse search over one store, plus the articles behind the chunks."""

    def __init__(self, settings: Settings, embedder=None, embedder_id: str | None = None):
        if embedder is None:
            embedder, embedder_id = make_embedder(settings.embedding)
        self.settings = settings
        self.embedder = embedder
        self.store = ChromaStore(settings.store, settings.chunking, embedder,
                                 embedder_id or "custom")
        self.sparse_cache = SparseCache(self.store, settings.store.data_dir)
        self._recent = Recent(128)  # (article ID, content hash) -> ArticleRecord
        self._recent_generation: int | None = None  # the store generation they were read at
        self._listing: ArticleListing | None = None
        self._contests: ContestListing | None = None

    @property
    def name(self) -> str:
        return self.store.name

    def sync(self, items: Iterable[Article | Skipped], *, prune: bool = False,
             annotate: Annotator | None = None, progress: Progress | None = None,
             contests: ContestHook | None = None) -> IngestSummary:
        """Incremental ingest; see ``ChromaStore.sync``."""
        return self.store.sync(items, prune=prune, annotate=annotate, progress=progress,
                               contests=contests)

    def reset(self) -> None:
        """Empties the store."""
        self.store.reset()

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """(chunk, cosine similarity), best first; chunks of committed article versions only."""
        return self.candidates(query, k, 0, filters)[0]

    def sparse(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """(chunk, BM25 score), best first; chunks of committed article versions only."""
        return self.candidates(query, 0, k, filters)[1]

    def candidates(self, query: str, dense_k: int, sparse_k: int, filters: Filters | None = None,
                   vector=None) -> tuple[list[tuple[Chunk, float]], list[tuple[Chunk, float]]]:
        """The dense and the sparse hits of one search (either ``k`` may be 0; dense search
        uses ``vector``, the query's embedding, when given), read under one look at the store's
        state; chunks of committed article versions only."""
        before = self.store.state()
        table = self.sparse_cache.get(generation=before[0])
        if self._recent_generation != before[0]:
            # A sync may have re-annotated an unchanged version (claims added after an import
            # without them): records kept from an older generation may lack them.
            self._recent, self._recent_generation = Recent(self._recent.size), before[0]
        # A chunk's ID carries its article's content hash, so the BM25 table of any generation
        # holds the right text for every ID it knows; Chroma returns only IDs and distances.
        dense = (self.store.dense(query if vector is None else vector, dense_k, filters,
                                  known=table.by_id) if dense_k else [])
        sparse = table.search(query, sparse_k, filters) if sparse_k else []
        # A sync marks the store dirty before its first write and clean again only under a new
        # generation, so a BM25 index of a clean generation holds exactly its committed chunks.
        # When the store was clean before the search and is unchanged after it, that set
        # decides, in memory; otherwise (an ingest running or killed) the manifest is read
        # (~5 ms a search at 2,000 articles with claims, measured by bench/query.py).
        if not before[1] and self.store.state() == before:
            return ([(c, s) for c, s in dense if c.id in table.chunk_ids],
                    [(c, s) for c, s in sparse if c.id in table.chunk_ids])
        committed = {c.id for c, _ in self.store.committed(dense + sparse)}
        return ([(c, s) for c, s in dense if c.id in committed],
                [(c, s) for c, s in sparse if c.id in committed])

    def articles(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        """Committed articles by ID."""
        return self.store.get_articles(ids)

    def versions(self, versions: dict[str, str]) -> dict[str, ArticleRecord]:
        """Articles at the given versions (ID -> content hash, as evidence chunks carry them);
        an article whose stored version is another is absent. A version never changes, so
        recent ones are kept in memory: an answer reads the manifest only for articles it has
        not met lately (~1.5 ms a question at 2,000 articles, bench/query.py)."""
        out: dict[str, ArticleRecord] = {}
        missing = []
        for aid, h in versions.items():
            rec = self._recent.get((aid, h))
            if rec is None:
                missing.append(aid)
            else:
                out[aid] = rec
        for aid, rec in self.store.get_articles(missing).items():
            if rec.content_hash == versions[aid]:
                out[aid] = rec
                self._recent.put((aid, rec.content_hash), rec)
        return out

    def article(self, article_id: str) -> ArticleRecord | None:
        return self.store.get_articles([article_id]).get(article_id)

    def listing(self) -> ArticleListing:
        """Every committed article, newest first, as of the store's generation now (built from
        the BM25 table of that generation, once; see ``listing.py``)."""
        table = self.sparse_cache.get()
        current = self._listing
        if current is None or current.table is not table:
            current = self._listing = ArticleListing(table)
        return current

    def list_articles(self, filters: Filters | None = None, limit: int = 20, offset: int = 0,
                      query: str | None = None) -> tuple[list[ArticleRecord], int]:
        """A page of articles (newest first) and the total that match; only the page's
        articles are read from the store."""
        ids, total = self.listing().page(filters, limit, offset, query)
        records = self.store.get_articles(ids)
        return [records[i] for i in ids if i in records], total

    def contest_listing(self, searched: bool = False) -> ContestListing:
        """Every contest across the corpus as of the store's generation now (read once per
        generation; ``contest_table.py``). ``searched``: as of the generation the last search
        saw, without reading the store's state again (an answer, right after its search)."""
        generation = self._recent_generation
        if not searched or generation is None:
            generation = self.store.generation()
        current = self._contests
        if current is None or current.generation != generation:
            with store_errors("reading contests"):
                current = self._contests = ContestListing(self.store.contest_table, generation)
        return current

    def contest_payload(self, contest_id: str) -> str | None:
        """One contest's stored payload (JSON), or None."""
        with store_errors("reading contests"):
            return self.store.contest_table.payloads([contest_id]).get(contest_id)

    def sources(self) -> list[str]:
        """Every outlet named by a committed article."""
        return list(self.listing().sources)

    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return self.store.count()

    def ping(self) -> None:
        self.store.ping()

    def warm(self) -> None:
        """Builds or loads the BM25 index now rather than on the first question."""
        self.sparse_cache.get()
