"""Contested points across the whole corpus, as the store keeps them (``qa.claims.ledger``
decides what they are; this holds them, so that every worker and a Chroma-server deployment
read the same list).

Two Chroma collections beside the chunks and the manifest:

- **profiles**: one row per committed article, its mean chunk vector (cosine space) with its
  content hash, date and ``done`` (the version of the rules that found its contests; 0: not yet): the articles about the same events
  as a new one are its nearest profiles within a date window;
- **contests**: one row per contested point: its topic vector, its JSON payload (opaque here),
  the dates and spread that filter and rank it, and one ``a:<article ID>`` key per article it
  involves, so that an article's contests are one ``where``.

``ContestListing`` pages them, built once per store generation (a sync that changes contests
bumps the generation, as any other write does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from .connection import store_errors

#: Separates the outlets of a contest in one metadata string.
SEP = "\x1f"
PAGE = 2000
#: Added to a linked contest's rank (its sides tied by the evidence, ``qa/claims/links.py``):
#: above any count of outlets, so linked contests come first and can be told by rank alone.
LINKED_RANK = 100_000


class ContestRow(NamedTuple):
    """A contest as stored: the payload is the caller's JSON."""

    id: str
    payload: str
    vector: Sequence[float]
    articles: tuple[str, ...]
    outlets: tuple[str, ...]
    first: int  # YYYYMMDD, 0 when undated
    last: int
    rank: float  # higher first when no search orders the list; >= LINKED_RANK: linked
    kind: str
    claims: tuple[str, ...] = ()  # "<article ID>@<start>-<end>" of each claim, sorted


def _day(value: int) -> date | None:
    try:
        return date(value // 10000, value // 100 % 100, value % 100) if value else None
    except ValueError:
        return None


def _int(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _key(article_id: str) -> str:
    return f"a:{article_id}"


def _any_of(article_ids: Sequence[str]) -> dict:
    conds = [{_key(a): True} for a in article_ids]
    return conds[0] if len(conds) == 1 else {"$or": conds}


class ContestTable:
    """The profiles and contests of one store (``ChromaStore.contest_table``)."""

    def __init__(self, store):
        self.store = store  # a ChromaStore: its connection holds both collections

    @property
    def profiles(self):
        return self.store.connection.get().profiles

    @property
    def contests(self):
        return self.store.connection.get().contests

    # --- profiles --------------------------------------------------------------------------
    def profile_state(self, version: int) -> dict[str, tuple[str, bool]]:
        """article ID -> (content hash profiled, contests found by rules of ``version``) for
        every profiled article."""
        out: dict[str, tuple[str, bool]] = {}
        for ids, metas in self._pages(self.profiles, ["metadatas"]):
            out.update((i, (m.get("content_hash", ""), _done(m) == version))
                       for i, m in zip(ids, metas))
        return out

    def write_profiles(self, entries: dict[str, str]) -> None:
        """Profiles (not yet ``done``) for the articles ``entries`` names (ID -> content hash):
        the mean vector of their current chunks."""
        ids = list(entries)
        for b in range(0, len(ids), 200):
            part = ids[b : b + 200]
            got = self.store.chunks.get(where={"article_id": {"$in": part}},
                                        include=["embeddings", "metadatas"])
            sums: dict[str, list] = {}
            meta: dict[str, dict] = {}
            for emb, m in zip(got["embeddings"], got["metadatas"]):
                aid = m["article_id"]
                if m.get("content_hash") != entries[aid]:
                    continue
                v = np.asarray(emb, dtype=np.float32)
                v /= float(np.linalg.norm(v)) or 1.0
                sums.setdefault(aid, []).append(v)
                meta[aid] = {"content_hash": entries[aid], "date_int": int(m.get("date_int") or 0),
                             "done": 0}
            have = [a for a in part if a in sums]
            if have:
                vecs = [np.mean(sums[a], axis=0) for a in have]
                self.profiles.upsert(ids=have, embeddings=[(v / (np.linalg.norm(v) or 1.0)).tolist()
                                                           for v in vecs],
                                     metadatas=[meta[a] for a in have])

    def mark_done(self, article_ids: Sequence[str], version: int) -> None:
        ids = list(article_ids)
        for b in range(0, len(ids), 500):
            part = ids[b : b + 500]
            got = self.profiles.get(ids=part, include=["metadatas"])
            if got["ids"]:
                self.profiles.update(ids=got["ids"],
                                     metadatas=[{**m, "done": version} for m in got["metadatas"]])

    def forget_profiles(self, article_ids: Sequence[str]) -> None:
        ids = list(article_ids)
        for b in range(0, len(ids), 500):
            self.profiles.delete(ids=ids[b : b + 500])

    def neighbours(self, article_id: str, k: int, min_similarity: float,
                   window_days: int) -> list[tuple[str, float]]:
        """The profiled articles nearest to ``article_id`` (cosine of the mean chunk vectors,
        at least ``min_similarity``), dated within ``window_days`` of it when it has a date;
        best first, itself left out."""
        got = self.profiles.get(ids=[article_id], include=["embeddings", "metadatas"])
        if not got["ids"]:
            return []
        vec, meta = got["embeddings"][0], got["metadatas"][0]
        where = None
        day = _day(int(meta.get("date_int") or 0))
        if day is not None:
            where = {"$and": [{"date_int": {"$gte": _int(day - timedelta(days=window_days))}},
                              {"date_int": {"$lte": _int(day + timedelta(days=window_days))}}]}
        n = min(k + 1, self.profiles.count())
        if n <= 1:
            return []
        hits = self.profiles.query(query_embeddings=[list(vec)], n_results=n, where=where,
                                   include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(hits["ids"][0], hits["distances"][0])
                if i != article_id and 1.0 - float(d) >= min_similarity][:k]

    # --- contests --------------------------------------------------------------------------
    def involving(self, article_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """contest ID -> its claims (``ContestRow.claims``), for every stored contest that
        involves any of ``article_ids``."""
        ids = sorted(set(article_ids))
        out: dict[str, tuple[str, ...]] = {}
        for b in range(0, len(ids), 50):
            got = self.contests.get(where=_any_of(ids[b : b + 50]), include=["metadatas"])
            for cid, m in zip(got["ids"], got["metadatas"]):
                out[cid] = tuple(filter(None, (m.get("claims") or "").split(SEP)))
        return out

    def replace(self, drop: Iterable[str], add: Sequence[ContestRow]) -> None:
        """Deletes the contests ``drop`` names, then writes ``add``."""
        drop = sorted(set(drop) - {r.id for r in add})
        for b in range(0, len(drop), 500):
            self.contests.delete(ids=drop[b : b + 500])
        for b in range(0, len(add), 500):
            part = add[b : b + 500]
            self.contests.upsert(
                ids=[r.id for r in part], embeddings=[list(map(float, r.vector)) for r in part],
                documents=[r.payload for r in part], metadatas=[_metadata(r) for r in part])

    def payloads(self, contest_ids: Sequence[str]) -> dict[str, str]:
        got = self.contests.get(ids=list(contest_ids), include=["documents"])
        return dict(zip(got["ids"], got["documents"]))

    def rows(self) -> tuple[list[str], list[dict], np.ndarray]:
        """Every contest's ID, metadata and topic vector (for ``ContestListing``)."""
        ids, metas, vecs = [], [], []
        for got_ids, got_metas, got_vecs in self._pages(self.contests, ["metadatas", "embeddings"],
                                                        vectors=True):
            ids += got_ids
            metas += got_metas
            vecs += [np.asarray(v, dtype=np.float32) for v in got_vecs]
        return ids, metas, (np.vstack(vecs) if vecs else np.zeros((0, 1), dtype=np.float32))

    def _pages(self, col, include: list[str], vectors: bool = False):
        offset = 0
        with store_errors("reading contests"):
            while True:
                got = col.get(include=include, limit=PAGE, offset=offset)
                ids = got["ids"]
                if not ids:
                    return
                if vectors:
                    yield ids, got["metadatas"], got["embeddings"]
                else:
                    yield ids, got["metadatas"]
                if len(ids) < PAGE:
                    return
                offset += PAGE


def _metadata(r: ContestRow) -> dict:
    meta = {"first": r.first, "last": r.last, "rank": float(r.rank), "kind": r.kind,
            "outlets": SEP.join(r.outlets), "n_articles": len(r.articles),
            "claims": SEP.join(r.claims)}
    meta.update((_key(a), True) for a in r.articles)
    return meta


class ContestListing:
    """Every stored contest's filter and rank fields and topic vector, as of one store
    generation; pages are cut here and only their payloads read from the store."""

    def __init__(self, table: ContestTable, generation: int):
        self.table, self.generation = table, generation
        self.ids, metas, self.vectors = table.rows()
        self.first = np.array([int(m.get("first") or 0) for m in metas], dtype=np.int64)
        self.last = np.array([int(m.get("last") or 0) for m in metas], dtype=np.int64)
        self.rank = np.array([float(m.get("rank") or 0) for m in metas])
        self.outlets = [frozenset(filter(None, (m.get("outlets") or "").split(SEP))) for m in metas]
        self.by_article: dict[str, list[int]] = {}
        self.articles: list[tuple[str, ...]] = []
        #: article ID -> (start, end, row) of every listed claim in it
        self.claims_in: dict[str, list[tuple[int, int, int]]] = {}
        for n, m in enumerate(metas):
            mine = tuple(k[2:] for k, v in m.items() if k.startswith("a:") and v)
            for a in mine:
                self.by_article.setdefault(a, []).append(n)
            self.articles.append(mine)
            for key in filter(None, (m.get("claims") or "").split(SEP)):
                aid, _, span = key.rpartition("@")
                start, _, end = span.partition("-")
                if aid and start.isdigit() and end.isdigit():
                    self.claims_in.setdefault(aid, []).append((int(start), int(end), n))

    def partners(self, article_id: str, start: int, end: int, linked: bool = False) -> list[str]:
        """The other articles of every listed contest one of whose claims overlaps
        ``[start, end)`` of ``article_id``, the contests' own order (a linked contest first);
        ``linked``: of linked contests only."""
        rows = sorted({n for s, e, n in self.claims_in.get(article_id, ())
                       if s < end and start < e and (not linked or self.rank[n] >= LINKED_RANK)},
                      key=lambda n: -self.rank[n])
        return list(dict.fromkeys(a for n in rows for a in self.articles[n] if a != article_id))

    def page(self, *, vector=None, min_similarity: float = 0.0, after: int = 0, before: int = 0,
             sources: Sequence[str] = (), article_ids: Sequence[str] = (), linked: bool = False,
             limit: int = 20, offset: int = 0) -> tuple[list[tuple[str, str, float | None]], int]:
        """(contest ID, payload, similarity to ``vector`` or None) for one page, and the total
        that match (``linked``: only linked contests). With a vector, the contests whose topic
        is at least ``min_similarity`` to it, nearest first; else by rank, then the latest
        first."""
        n = len(self.ids)
        keep = np.ones(n, dtype=bool)
        if linked:
            keep &= self.rank >= LINKED_RANK
        if after:
            keep &= self.last >= after
        if before:
            keep &= (self.first <= before) & (self.first > 0)
        if sources:
            wanted = set(sources)
            keep &= np.array([bool(o & wanted) for o in self.outlets], dtype=bool)
        if article_ids:
            mask = np.zeros(n, dtype=bool)
            for a in article_ids:
                mask[self.by_article.get(a, [])] = True
            keep &= mask
        sims = None
        if vector is not None and n:
            q = np.asarray(vector, dtype=np.float32)
            q /= float(np.linalg.norm(q)) or 1.0
            sims = self.vectors @ q
            keep &= sims >= min_similarity
            order = np.lexsort((-self.rank, -sims))
        else:
            order = np.lexsort((-self.last, -self.rank))
        order = [i for i in order if keep[i]]
        chosen = order[offset : offset + limit]
        payloads = self.table.payloads([self.ids[i] for i in chosen]) if chosen else {}
        out = [(self.ids[i], payloads[self.ids[i]], None if sims is None else float(sims[i]))
               for i in chosen if self.ids[i] in payloads]
        return out, len(order)


def _done(meta: dict) -> int:
    """The version of the rules that found a profile's contests (0: not yet; stores written
    before versions were kept say ``True``, version 1)."""
    done = meta.get("done")
    return int(done) if isinstance(done, (bool, int)) else 0
