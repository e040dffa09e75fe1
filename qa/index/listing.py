"""Pages of the article list (``GET /api/articles``) at a cost that does not grow with the store.

Listing used to read every article with its full text from the manifest on each call (3 ms at
5 articles, 47 ms at 300). The BM25 table of a generation already holds, in memory, every
committed chunk with its article's title, date and source, so ``ArticleListing`` is built from
it once per generation: articles sorted newest first, with arrays to filter by date and outlet.
A page is a slice of that order, and only its articles are read from the store.

``q`` matches an article whose title contains it (ignoring case), or whose text contains every
one of its words, as BM25 reads words (stop words dropped, stemmed).
"""

from __future__ import annotations

import re

import numpy as np

from ..domain import Filters
from .sparse import SparseIndex


def _day(value: str) -> int:
    return int(value.replace("-", ""))


class ArticleListing:
    """Every article of one BM25 table, newest first (then by ID, descending)."""

    def __init__(self, table: SparseIndex):
        self.table = table
        heads = sorted(table.chunks.articles, key=lambda a: (a.date or "", a.article_id),
                       reverse=True)
        self.ids = np.array([c.article_id for c in heads], dtype=object)
        self._date = np.array([_day(c.date) if c.date else 0 for c in heads], dtype=np.int64)
        # Outlets as small integers, so a filter compares integers, not strings.
        self.sources = sorted({c.source for c in heads if c.source})
        code = {s: n for n, s in enumerate(self.sources, start=1)}
        self._source = np.array([code.get(c.source, 0) for c in heads], dtype=np.int32)
        self._code = code
        self._position = {aid: n for n, aid in enumerate(self.ids)}
        # Titles in one string, so a title search is one scan in C, not a loop over articles.
        titles = [c.title.lower().replace("\n", " ") for c in heads]
        self._titles = "\n".join(titles)
        self._title_starts = np.cumsum([0] + [len(t) + 1 for t in titles[:-1]], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def page(self, filters: Filters | None, limit: int, offset: int,
             query: str | None = None) -> tuple[list[str], int]:
        """The IDs of one page of matching articles, in order, and how many match."""
        keep = self._filter(filters)
        if query:
            found = self._search(query)
            keep = found if keep is None else keep & found
        if keep is None:
            return list(self.ids[offset : offset + limit]), len(self.ids)
        hits = np.flatnonzero(keep)
        return list(self.ids[hits[offset : offset + limit]]), len(hits)

    def _filter(self, filters: Filters | None) -> np.ndarray | None:
        if not filters or filters.empty:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.after:
            keep &= self._date >= _day(filters.after)
        if filters.before:
            # An undated article cannot be shown to fall in a date range, so it never does.
            keep &= (self._date <= _day(filters.before)) & (self._date > 0)
        if filters.sources:
            keep &= np.isin(self._source, [self._code.get(s, -1) for s in filters.sources])
        if filters.article_ids:
            keep &= self._marks(filters.article_ids)
        return keep

    def _marks(self, article_ids) -> np.ndarray:
        marks = np.zeros(len(self.ids), dtype=bool)
        marks[[self._position[a] for a in article_ids if a in self._position]] = True
        return marks

    def _search(self, query: str) -> np.ndarray:
        found = np.zeros(len(self.ids), dtype=bool)
        q = " ".join(query.lower().split())
        if not q or not len(self.ids):
            return found
        starts = [m.start() for m in re.finditer(re.escape(q), self._titles)]
        if starts:
            found[np.searchsorted(self._title_starts, starts, side="right") - 1] = True
        words = self.table.articles_with_words(query)
        if words is not None:
            found |= self._marks(words)
        return found

