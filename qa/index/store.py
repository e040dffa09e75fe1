"""The Chroma store: chunk vectors, the article manifest, and incremental sync.

Two collections per (embedder, chunking) pair:
- ``<name>``: one record per chunk (vector, text, article metadata, offsets);
- ``<name>-articles``: one record per article (full cleaned text, content hash, annotations).
  An article's manifest record is written only after all its chunks are: it is the commit mark.
  Readers join chunks against it, so chunks of an article whose write was cut short are never
  shown, and the next sync finishes the job without duplicates (chunk IDs are deterministic).
Two more hold the contests across the corpus (``<name>-profiles``, ``<name>-contests``;
``contest_table.py``), updated by a sync before it commits.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..config import ChunkSettings, StoreSettings
from ..domain import Article, ArticleRecord, Chunk, Filters, IngestSummary, Skipped
from ..errors import StoreUnavailable
from . import sentences as sentence_table
from .chunking import Chunker
from .connection import SIDE_COLLECTIONS, StoreConnection, state_of, store_errors
from .contest_table import ContestTable
from .layout import (ANNOTATION_VERSION_KEY, CLAIMS_KEY, SENTENCES_KEY, Annotator, ContestHook, Entry,
                     Progress, annotate_all, annotated_version, annotation_version, article_metadata,
                     article_record, chunk_from_record, chunk_metadata, collection_name,
                     where_clause)

PAGE = 2000
class ChromaStore:
    """Vectors and the manifest in Chroma; knows nothing of retrieval strategy or answers."""

    def __init__(self, cfg: StoreSettings, chunking: ChunkSettings | None, embedder,
                 embedder_id: str, name: str | None = None):
        self.cfg = cfg
        self.embedder = embedder
        # ``name``: an existing store opened for reading only (no chunking, no embedder).
        self.name = name or collection_name(cfg.collection_prefix, embedder_id, chunking)
        self.chunker = Chunker(chunking) if chunking is not None else None
        # Nothing connects here: a worker boots while its store is down (see connection.py).
        self.connection = StoreConnection(cfg, self.name)
        # The state the open client last followed, and (weakly) which opening of it that was.
        self._seen: tuple[weakref.ref, tuple[int, bool]] | None = None
        self._syncing = 0  # syncs running in this process (their writes need no refresh)

    @property
    def client(self):
        """The Chroma client, connected on first use (``StoreUnavailable`` when it cannot be)."""
        return self.connection.get().client

    @property
    def chunks(self):
        """The chunk collection."""
        return self.connection.get().chunks

    @property
    def manifest(self):
        """The article manifest collection."""
        return self.connection.get().manifest

    @property
    def contest_table(self) -> ContestTable:
        """The contests across the corpus (and the article profiles that find them)."""
        return ContestTable(self)

    # --- state -------------------------------------------------------------------------------
    def _manifest_metadata(self) -> dict:
        # A Collection object caches its metadata from when it was fetched; another process (an
        # ingest run, a second worker) moves the state, so read it from the store every time.
        fresh = self.client.get_collection(self.manifest.name, embedding_function=None)
        return dict(fresh.metadata or {})

    def _state(self) -> dict:
        generation, dirty = state_of(self._manifest_metadata())
        return {"generation": generation, "dirty": dirty}

    def _set_state(self, **kw) -> None:
        meta = {k: v for k, v in self._manifest_metadata().items() if not k.startswith("hnsw:")}
        meta.update(kw)
        self.manifest.modify(metadata=meta)

    def state(self) -> tuple[int, bool]:
        """(generation, dirty) as the store holds them now."""
        with store_errors("reading the store state"):
            s = self._state()
        return self._follow((s["generation"], s["dirty"]))

    def generation(self) -> int:
        """Bumped by every sync that changed anything; caches key on it."""
        return self.state()[0]

    def _follow(self, state: tuple[int, bool]) -> tuple[int, bool]:
        """Refreshes an embedded client when another process has written since it last looked
        (an ``ingest.py`` run beside the server): its in-memory vector index would not know the
        new chunks. The manifest's state is read from the files, so it always shows the move."""
        opened = self.connection.get()
        seen = self._seen[1] if self._seen and self._seen[0]() is opened else opened.state
        if state != seen and not self._syncing:
            self._seen = None
            del opened
            self.connection.refresh()
        else:
            self._seen = (weakref.ref(opened), state)
        return state

    def _read(self, what: str, read: Callable[[], object]):
        """``read()`` with store errors as ``StoreUnavailable``; on an embedded store that
        another process is writing to, a failed read is tried once more on a refreshed client
        (a query can meet a chunk its stale in-memory index does not know: "Error finding id")."""
        try:
            with store_errors(what):
                return read()
        except StoreUnavailable:
            if not self.connection.embedded or self._syncing:
                raise
            self.connection.refresh()
            with store_errors(what):
                return read()

    def ping(self) -> None:
        """Raises ``StoreUnavailable`` unless the store answers (and follows its state, so the
        counts read next are of the store as it is now)."""
        self.state()
        with store_errors("checking the store"):
            self.manifest.count()
            self.client.heartbeat()

    # --- reads -------------------------------------------------------------------------------
    def manifest_hashes(self) -> dict[str, str]:
        """article_id -> content hash for every committed article."""
        return {i: e.content_hash for i, e in self.manifest_entries().items()}

    def manifest_entries(self) -> dict[str, Entry]:
        """article_id -> what the manifest says of it, for every committed article."""
        out: dict[str, Entry] = {}
        with store_errors("reading the manifest"):
            for ids, metas, _ in self._pages(self.manifest, ["metadatas"]):
                out.update((i, Entry(m["content_hash"], annotated_version(m), SENTENCES_KEY in m))
                           for i, m in zip(ids, metas))
        return out

    def _pages(self, col, include: list[str], where: dict | None = None):
        offset = 0
        while True:
            got = col.get(include=include, limit=PAGE, offset=offset, where=where)
            ids = got["ids"]
            if not ids:
                return
            yield ids, got.get("metadatas") or [None] * len(ids), got.get("documents") or [None] * len(ids)
            if len(ids) < PAGE:
                return
            offset += PAGE

    def all_chunks(self) -> list[Chunk]:
        """Every committed chunk (for the BM25 index)."""
        committed = self.manifest_hashes()
        out: list[Chunk] = []
        with store_errors("reading chunks"):
            for ids, metas, docs in self._pages(self.chunks, ["metadatas", "documents"]):
                for cid, meta, doc in zip(ids, metas, docs):
                    if committed.get(meta["article_id"]) == meta.get("content_hash"):
                        out.append(chunk_from_record(cid, doc, meta))
        out.sort(key=lambda c: (c.article_id, c.index))
        return out

    def committed(self, hits: list[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
        """``hits`` less the chunks that are not of their article's committed version: those of
        a write cut short, or of a version replaced since a BM25 index was built."""
        ids = list({c.article_id for c, _ in hits})
        if not ids:
            return hits
        got = self._read("reading the manifest",
                         lambda: self.manifest.get(ids=ids, include=["metadatas"]))
        hashes = {i: m["content_hash"] for i, m in zip(got["ids"], got["metadatas"])}
        return [(c, s) for c, s in hits if hashes.get(c.article_id) == c.content_hash]

    def get_articles(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        """Committed articles by ID (missing IDs are absent from the result)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self._read("reading articles",
                         lambda: self.manifest.get(ids=ids, include=["metadatas", "documents"]))
        return {i: article_record(i, m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])}

    def count(self) -> tuple[int, int]:
        """(articles, chunks) stored, committed or not."""
        with store_errors("counting"):
            return self.manifest.count(), self.chunks.count()

    # --- writes ------------------------------------------------------------------------------
    def sync(self, items: Iterable[Article | Skipped], *, prune: bool = False,
             annotate: Annotator | None = None, progress: Progress | None = None,
             contests: ContestHook | None = None) -> IngestSummary:
        """Makes the store hold ``items``: unchanged articles are skipped without embedding,
        changed ones replaced, new ones added; with ``prune``, articles not in ``items`` go.
        With ``contests``, the contests across the corpus follow within the same commit: every
        annotated article whose current version has not had its contests found (new, changed,
        or stored before) is profiled and handed to ``contests`` with the articles gone."""
        t0 = time.perf_counter()
        skipped: list[Skipped] = []
        incoming: dict[str, Article] = {}
        for it in items:
            if isinstance(it, Skipped):
                skipped.append(it)
            elif it.id in incoming:
                skipped.append(Skipped(it.id, "duplicate article ID (kept the first)"))
            else:
                incoming[it.id] = it
        self._syncing += 1
        try:
            return self._sync(incoming, skipped, t0, prune=prune, annotate=annotate,
                              progress=progress, contests=contests)
        finally:
            self._syncing -= 1

    def _sync(self, incoming: dict[str, Article], skipped: list[Skipped], t0: float, *,
              prune: bool, annotate: Annotator | None, progress: Progress | None,
              contests: ContestHook | None) -> IngestSummary:
        with store_errors("syncing"):
            state = self._state()
            entries = self.manifest_entries()
            known = {i: e.content_hash for i, e in entries.items()}
            # Articles stored before sentence vectors were kept are embedded again.
            todo = [a for a in incoming.values() if known.get(a.id) != a.content_hash
                    or not entries[a.id].has_sentences]
            # Unchanged articles stored without claims (an import with claims off), or with an
            # older annotator's, get them now, without re-embedding.
            version = annotation_version(annotate)
            backfill = [a for a in incoming.values()
                        if annotate is not None and a.id in entries
                        and entries[a.id].content_hash == a.content_hash
                        and entries[a.id].has_sentences and entries[a.id].annotated < version]
            gone = [i for i in known if i not in incoming] if prune else []
            profiled = self.contest_table.profile_state(contests.version) if contests is not None else {}
            after = {i: h for i, h in known.items() if i not in gone}
            after.update((a.id, a.content_hash) for a in todo)
            annotated = {i for i, e in entries.items() if e.annotated} | {a.id for a in todo + backfill}
            # Articles annotated again (a newer annotator) have other claims: their contests too.
            reannotated = {a.id for a in backfill}
            unlisted = [i for i, h in after.items() if i in annotated
                        and (profiled.get(i) != (h, True) or i in reannotated)]
            # An article gone, or replaced by a version without claims, leaves the contests.
            unlisted_gone = [i for i in profiled if i not in after
                             or (i not in annotated and profiled[i][0] != after[i])]
            if (not todo and not backfill and not gone and not state["dirty"] and not unlisted
                    and not unlisted_gone):
                return IngestSummary(unchanged=len(incoming), skipped=tuple(skipped),
                                     seconds=time.perf_counter() - t0)
            self._set_state(dirty=True, generation=state["generation"])
            if state["dirty"]:
                self._sweep()
            added = updated = n_chunks = 0
            step = self.cfg.write_batch
            batches = [todo[b : b + step] for b in range(0, len(todo), step)]
            # Annotating (a spaCy parse, mostly holding the GIL) runs on its own thread one
            # write batch ahead of embedding (onnxruntime releases the GIL), so the two keep
            # both cores busy rather than waiting for each other at every batch.
            with ThreadPoolExecutor(1, thread_name_prefix="annotate") as pool:
                ahead = [pool.submit(annotate_all, annotate, batches[0])] if annotate and batches else []
                try:
                    for k, batch in enumerate(batches):
                        if ahead and k + 1 < len(batches):
                            ahead.append(pool.submit(annotate_all, annotate, batches[k + 1]))
                        n_chunks += self._write(batch, ahead[k] if ahead else None,
                                                annotation_version(annotate))
                        if ahead:
                            ahead[k] = None  # its annotations are written: let them go
                        for a in batch:
                            added += a.id not in known
                            updated += a.id in known
                        if progress:
                            progress(sum(map(len, batches[: k + 1])), len(todo) + len(backfill))
                finally:
                    for f in ahead:
                        if f is not None:
                            f.cancel()
            for b in range(0, len(backfill), step):
                self._annotate_only(backfill[b : b + step], annotate)
                if progress:
                    progress(len(todo) + min(b + step, len(backfill)), len(todo) + len(backfill))
            if gone:
                for b in range(0, len(gone), 500):
                    part = gone[b : b + 500]
                    self.chunks.delete(where={"article_id": {"$in": part}})
                    self.manifest.delete(ids=part)
            if contests is not None and (unlisted or unlisted_gone):
                table = self.contest_table
                table.write_profiles({i: after[i] for i in unlisted})
                table.forget_profiles(unlisted_gone)
                contests(unlisted, unlisted_gone)
                table.mark_done(unlisted, contests.version)
            self._set_state(dirty=False, generation=state["generation"] + 1)
            # This process's own client holds what it wrote: no refresh is needed for it.
            self._seen = (weakref.ref(self.connection.get()), (state["generation"] + 1, False))
        return IngestSummary(
            added=added, updated=updated + len(backfill),
            unchanged=len(incoming) - len(todo) - len(backfill), removed=len(gone),
            skipped=tuple(skipped), chunks=n_chunks, seconds=time.perf_counter() - t0,
        )

    def _write(self, batch: list[Article], pending: Future | None, version: int) -> int:
        """Writes ``batch``: its chunks and their vectors, then each article's manifest record
        (its commit mark) with the annotations ``pending`` makes of it (None: not annotated)."""
        chunked = [(a, self.chunker.split(a)) for a in batch]
        flat = [c for _, cs in chunked for c in cs]
        vectors, tables = sentence_table.embed_chunks(self.embedder, chunked)
        annotations = pending.result() if pending is not None else None
        for b in range(0, len(flat), 1000):
            part = flat[b : b + 1000]
            self.chunks.upsert(
                ids=[c.id for c in part], embeddings=vectors[b : b + len(part)],
                documents=[c.text for c in part], metadatas=[chunk_metadata(c) for c in part],
            )
        # The commit mark, written only once all of an article's chunks are in.
        self.manifest.upsert(
            ids=[a.id for a, _ in chunked],
            embeddings=[[1.0] for _ in chunked],
            documents=[a.text for a, _ in chunked],
            metadatas=[article_metadata(a, len(cs), annotations[n] if annotations else None,
                                         tables[n], version)
                       for n, (a, cs) in enumerate(chunked)],
        )
        for a, _ in chunked:
            self.chunks.delete(
                where={"$and": [{"article_id": a.id}, {"content_hash": {"$ne": a.content_hash}}]}
            )
        return len(flat)

    def _annotate_only(self, batch: list[Article], annotate: Annotator) -> None:
        """Adds claims to committed, unchanged articles; their chunks and vectors stay."""
        got = self.manifest.get(ids=[a.id for a in batch], include=["metadatas"])
        metas = dict(zip(got["ids"], got["metadatas"]))
        batch = [a for a in batch if a.id in metas]
        self.manifest.update(
            ids=[a.id for a in batch],
            metadatas=[{**metas[a.id], CLAIMS_KEY: claims,
                        ANNOTATION_VERSION_KEY: annotation_version(annotate)}
                       for a, claims in zip(batch, annotate_all(annotate, batch))],
        )

    def _sweep(self) -> None:
        """After a run that died: drop chunks that no committed article owns."""
        committed = self.manifest_hashes()
        stale = [
            cid
            for ids, metas, _ in self._pages(self.chunks, ["metadatas"])
            for cid, m in zip(ids, metas)
            if committed.get(m["article_id"]) != m.get("content_hash")
        ]
        for b in range(0, len(stale), 1000):
            self.chunks.delete(ids=stale[b : b + 1000])

    def reset(self) -> None:
        """Drops both collections and starts empty."""
        from chromadb.errors import NotFoundError

        with store_errors("resetting"):
            for name in (self.name, *(f"{self.name}-{k}" for k in SIDE_COLLECTIONS)):
                try:
                    self.client.delete_collection(name)
                except NotFoundError:  # absent collection: nothing to drop
                    pass
        self.connection.reopen_collections()

    # --- dense search ------------------------------------------------------------------------
    def vector_store(self):
        """The chunk collection as a llama-index ``ChromaVectorStore``."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    def _complete(self, vector, k: int, ids: list[str], distances: list[float],
                  known: Mapping[str, Chunk]) -> tuple[list[str], list[float]]:
        """A query that returned fewer chunks than the collection holds and than were asked
        for has left some out: Chroma's server sometimes omits a stored vector from a query
        (seen with ``chroma run`` after an add; upstream chroma-core/chroma#5367). The chunks
        it left out are scored here from their stored vectors."""
        returned = set(ids)
        absent = [cid for cid in known if cid not in returned]
        # A page at a time: all of a large store's vectors at once, as JSON from the server,
        # held a worker at ~1 GB after its first such query (83,000 chunks, bench/scale.py).
        for b in range(0, len(absent), 1000):
            rows = self.chunks.get(ids=absent[b : b + 1000], include=["embeddings"])
            ids, distances = _nearest_first(vector, k, ids, distances,
                                            (rows["ids"], rows["embeddings"]))
        return ids, distances

    def dense(self, query: str, k: int, filters: Filters | None = None,
              known: Mapping[str, Chunk] | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks to ``query`` by cosine similarity, best first; any stored chunk,
        committed or not (``NewsIndex`` keeps the committed ones).

        The query is embedded by the llama-index embedder and searched with Chroma's own query
        API for IDs and distances only: text and metadata are fetched just for the hits that
        ``known`` (an in-memory chunk table by ID) lacks. Going through llama-index's
        ``VectorIndexRetriever`` instead cost ~4 ms more a search at 2,000 articles, most of it
        fetching and wrapping 40 documents that the BM25 table already holds (bench/query.py).
        """
        vector = [float(x) for x in (self.embedder.embed([query])[0] if isinstance(query, str) else query)]
        where = where_clause(filters)
        known = known or {}

        def search():
            got = self.chunks.query(query_embeddings=[vector], n_results=k, where=where,
                                    include=["distances"])
            ids, distances = got["ids"][0], got["distances"][0]
            if where is None and len(ids) < min(k, len(known)):
                ids, distances = self._complete(vector, k, ids, distances, known)
            missing = [i for i in ids if i not in known]
            fetched = {}
            if missing:
                rows = self.chunks.get(ids=missing, include=["documents", "metadatas"])
                fetched = {i: chunk_from_record(i, d, m)
                           for i, d, m in zip(rows["ids"], rows["documents"], rows["metadatas"])}
            return ids, distances, fetched

        ids, distances, fetched = self._read("searching", search)
        out = []
        for cid, distance in zip(ids, distances):
            chunk = known.get(cid) or fetched.get(cid)
            if chunk is not None:  # deleted between the query and the fetch
                out.append((chunk, 1.0 - float(distance)))  # cosine space: distance = 1 - cos
        return out


def _nearest_first(vector, k: int, ids: list[str], distances: list[float],
                   extra: tuple[list[str], list]) -> tuple[list[str], list[float]]:
    """``ids`` with the ``extra`` IDs (scored from their stored vectors) merged in by cosine
    distance, the ``k`` nearest."""
    q = np.asarray(vector, dtype=np.float32)
    q /= np.linalg.norm(q) or 1.0
    pairs = list(zip(ids, distances))
    for cid, emb in zip(*extra):
        v = np.asarray(emb, dtype=np.float32)
        pairs.append((cid, 1.0 - float(v @ q) / (float(np.linalg.norm(v)) or 1.0)))
    pairs.sort(key=lambda p: p[1])
    return [p[0] for p in pairs[:k]], [p[1] for p in pairs[:k]]


