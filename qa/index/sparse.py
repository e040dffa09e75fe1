"""BM25 over the committed chunks, through llama-index's ``BM25Retriever`` (bm25s).

The vector store is the one source of truth: the BM25 index is derived from it, cached on local
disk under the store's generation number, and rebuilt when the generation moves. Several server
processes over one Chroma server therefore always agree with it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from ..domain import Chunk, Filters
from .chunk_table import ChunkTable
from .chunking import embed_text
from .store import ChromaStore

log = logging.getLogger(__name__)

class SparseIndex:
    """A BM25 retriever for one store generation, with filters applied as a weight mask, and
    the generation's chunks (``chunks``, a ``ChunkTable``: by ID, or by position)."""

    def __init__(self, chunks: list[Chunk] | ChunkTable, retriever=None):
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        table = chunks if isinstance(chunks, ChunkTable) else ChunkTable.of(chunks)
        if retriever is None and len(table):
            nodes = [TextNode(id_=c.id, text=embed_text(c), metadata={"i": n})
                     for n, c in enumerate(chunks)]
            retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
            # The retriever keeps a copy of every node (text and metadata) for building
            # results; searches here map hits to ``chunks`` instead, so the copy is dropped
            # (at 83,000 chunks it held ~300 MB) and never saved.
            retriever.corpus = retriever.bm25.corpus = None
        self.chunks = table
        self.by_id = table  # a Mapping of chunk ID -> Chunk
        self.chunk_ids = table  # membership by ID
        self.retriever = retriever
        self._positions = np.arange(len(table))
        self._article = table.column("article_id")
        self._source = table.column("source")
        dates = table.column("date")
        self._date = np.array([int(d.replace("-", "")) if d else 0 for d in dates], dtype=np.int64)

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """1 for chunks that pass ``filters`` (same meaning as the store's ``where``)."""
        if not filters or filters.empty:
            return None
        keep = np.ones(len(self.chunks), dtype=bool)
        if filters.after:
            keep &= self._date >= int(filters.after.replace("-", ""))
        if filters.before:
            keep &= (self._date <= int(filters.before.replace("-", ""))) & (self._date > 0)
        if filters.sources:
            keep &= np.isin(self._source, list(filters.sources))
        if filters.article_ids:
            keep &= np.isin(self._article, list(filters.article_ids))
        return keep.astype(np.int64)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Top ``k`` chunks by BM25 score (> 0) among those that pass ``filters``."""
        if not len(self.chunks) or not query.strip():
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        # llama-index's BM25Retriever builds, persists and loads the index; the search calls its
        # bm25s model directly with the retriever's own tokenizer settings, because the
        # retriever rebuilds a node from JSON for each of the k hits (~1.5 ms a search at
        # 2,000 articles, bench/query.py) only for this code to map it back to a chunk.
        import bm25s

        r = self.retriever
        tokens = bm25s.tokenize(query, stemmer=None if r.skip_stemming else r.stemmer,
                                token_pattern=r.token_pattern, show_progress=False)
        if not tokens.vocab:
            return []
        positions, scores = r.bm25.retrieve(tokens, corpus=self._positions, weight_mask=mask,
                                            k=min(k, len(self.chunks)), show_progress=False)
        return [(self.chunks.at(int(i)), float(s)) for i, s in zip(positions[0], scores[0]) if s > 0]

    def articles_with_words(self, query: str) -> set[str] | None:
        """The articles whose chunks, together, hold every word of ``query`` as BM25 reads
        words (stop words dropped, stemmed); None when ``query`` has no such word."""
        import bm25s

        r = self.retriever
        if r is None:
            return set()
        words = bm25s.tokenize(query, stopwords="en", stemmer=None if r.skip_stemming else r.stemmer,
                               token_pattern=r.token_pattern, return_ids=False,
                               show_progress=False)[0]
        if not words:
            return None
        found: set[str] | None = None
        for word in dict.fromkeys(words):
            token = r.bm25.vocab_dict.get(word)
            if token is None:
                return set()
            # A chunk holding the word scores above zero for it alone.
            scores = r.bm25.get_scores_from_ids([token])
            have = set(self._article[scores > 0])
            found = have if found is None else found & have
            if not found:
                return set()
        return found

    def save(self, path: Path) -> None:
        """Writes the retriever and the chunk table to ``path``."""
        # One temp folder per process: two workers may build the same generation at once.
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.persist(str(tmp / "bm25"), show_progress=False)
        self.chunks.save(tmp / "chunks")
        shutil.rmtree(path, ignore_errors=True)
        try:
            tmp.rename(path)  # atomic: a reader sees the old cache or the new one, never half
        except OSError:
            if not (path / "chunks" / "table.json").exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process saved the same one first

    @classmethod
    def load(cls, path: Path) -> "SparseIndex":
        """Reads what ``save`` wrote."""
        from llama_index.retrievers.bm25 import BM25Retriever

        table = ChunkTable.load(path / "chunks")
        retriever = None
        if len(table):
            import bm25s

            # Without the node copy (see __init__), and with the score arrays memory-mapped:
            # the workers of a host share their pages instead of each holding its own.
            bm25 = bm25s.BM25.load(str(path / "bm25"), load_corpus=False, mmap=True)
            with open(path / "bm25" / "retriever.json", encoding="utf-8") as f:
                retriever = BM25Retriever(existing_bm25=bm25, **json.load(f))
        return cls(table, retriever)


class SparseCache:
    """Keeps the BM25 index in step with the store's generation, on disk and in memory."""

    def __init__(self, store: ChromaStore, cache_dir: Path):
        self.store = store
        self.cache_dir = cache_dir / "bm25" / store.name
        self._current: tuple[str, SparseIndex] | None = None
        self._lock = threading.Lock()

    def get(self, generation: int | None = None) -> SparseIndex:
        """The BM25 index for the store as it is now (or at ``generation``, just read)."""
        if generation is None:
            generation = self.store.generation()
        # The collection's UUID changes on reset, so a cache never outlives the store it indexed.
        gen = f"{self.store.manifest.id}-{generation}"
        cur = self._current
        if cur and cur[0] == gen:
            return cur[1]
        with self._lock:
            if self._current and self._current[0] == gen:
                return self._current[1]
            path = self.cache_dir / f"gen-{gen}"
            index = None
            if (path / "chunks" / "table.json").exists():
                try:
                    index = SparseIndex.load(path)
                except Exception:  # a damaged cache is rebuilt, never trusted
                    index = None
            if index is None and self.store.count()[1] > self.store.cfg.bm25_child_above:
                # A large store is indexed by a child process, so that this one (a server
                # worker) keeps none of the build's peak memory, only the memory-mapped result.
                try:
                    build_in_child(self.store, path)
                    index = SparseIndex.load(path)
                    self._prune_old(keep=path)
                except Exception as exc:  # noqa: BLE001 - fall back to building here
                    log.warning("building the BM25 index in a child process failed (%s); "
                                "building it here", exc)
                    index = None
            if index is None:
                index = SparseIndex(self.store.all_chunks())
                try:
                    index.save(path)
                    self._prune_old(keep=path)
                    # Read back: the texts memory-mapped rather than held.
                    index = SparseIndex.load(path)
                except OSError:
                    pass  # read-only disk: keep it in memory only
            self._current = (gen, index)
            return index

    def _prune_old(self, keep: Path) -> None:
        for p in self.cache_dir.glob("gen-*"):
            if p != keep and ".tmp" not in p.name:
                shutil.rmtree(p, ignore_errors=True)


def _build(cfg, name: str, path: str) -> None:
    """In the child: the committed chunks of the store named ``name``, indexed and saved."""
    store = ChromaStore(cfg, None, None, "", name=name)
    SparseIndex(store.all_chunks()).save(Path(path))


def build_in_child(store: ChromaStore, path: Path) -> None:
    """Builds and saves the BM25 index of ``store`` in a fresh (spawned) process."""
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_build, args=(store.cfg, store.name, str(path)), daemon=True)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the child exited with {child.exitcode}")
