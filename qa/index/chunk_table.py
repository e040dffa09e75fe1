"""Every committed chunk of one store generation, held compactly beside the BM25 index.

A search hands back positions (BM25) or IDs (dense), and answering needs a handful of chunks a
question; holding all of them as ``Chunk`` objects cost ~120 MB at 83,000 chunks (each with
its own copies of its article's ID, hash, title, date and outlet). Here an article's fields are
kept once, offsets in arrays, and the texts in one UTF-8 blob, read from its file once saved
(positional reads: the pages stay in the host's page cache, shared by its workers, and count in
no worker's memory). A ``Chunk`` is made when one is asked for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..domain import Chunk


class ArticleFields(NamedTuple):
    """What every chunk of one article version shares."""

    article_id: str
    content_hash: str
    title: str
    date: str | None
    source: str | None


class ChunkTable(Mapping):
    """Chunks by ID (a ``Mapping``) and by position (``at``), made on demand."""

    def __init__(self, ids: list[str], article_of: np.ndarray, articles: list[ArticleFields],
                 starts: np.ndarray, ends: np.ndarray, indexes: np.ndarray,
                 text_offsets: np.ndarray, texts):
        self.ids = ids
        self.article_of = article_of  # position -> index into ``articles``
        self.articles = articles
        self.starts, self.ends, self.indexes = starts, ends, indexes
        self._offsets = text_offsets  # byte offsets into ``texts``, one more than chunks
        self._texts = texts  # bytes, or the saved blob (``_Blob``)
        self._position = {cid: n for n, cid in enumerate(ids)}

    @classmethod
    def of(cls, chunks: list[Chunk]) -> "ChunkTable":
        """The table of ``chunks`` (texts held in memory until saved)."""
        articles: list[ArticleFields] = []
        seen: dict[tuple[str, str], int] = {}
        article_of = np.empty(len(chunks), dtype=np.int32)
        blobs, offsets = [], [0]
        for n, c in enumerate(chunks):
            key = (c.article_id, c.content_hash)
            if key not in seen:
                seen[key] = len(articles)
                articles.append(ArticleFields(c.article_id, c.content_hash, c.title, c.date, c.source))
            article_of[n] = seen[key]
            b = c.text.encode("utf-8")
            blobs.append(b)
            offsets.append(offsets[-1] + len(b))
        return cls([c.id for c in chunks], article_of, articles,
                   np.array([c.start for c in chunks], dtype=np.int64),
                   np.array([c.end for c in chunks], dtype=np.int64),
                   np.array([c.index for c in chunks], dtype=np.int32),
                   np.array(offsets, dtype=np.int64), b"".join(blobs))

    # --- access -------------------------------------------------------------------------------
    def at(self, n: int) -> Chunk:
        """The chunk at position ``n`` (the BM25 index's document number)."""
        a = self.articles[int(self.article_of[n])]
        text = self.text(n)
        return Chunk(id=self.ids[n], article_id=a.article_id, text=text,
                     start=int(self.starts[n]), end=int(self.ends[n]), index=int(self.indexes[n]),
                     title=a.title, date=a.date, source=a.source, content_hash=a.content_hash)

    def text(self, n: int) -> str:
        return bytes(self._texts[int(self._offsets[n]):int(self._offsets[n + 1])]).decode("utf-8")

    def __getitem__(self, chunk_id: str) -> Chunk:
        return self.at(self._position[chunk_id])

    def __contains__(self, chunk_id) -> bool:
        return chunk_id in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, field: str) -> np.ndarray:
        """One article field for every chunk, as an array (for filter masks)."""
        values = np.array([getattr(a, field) or "" for a in self.articles], dtype=object)
        return values[self.article_of] if len(self.ids) else values[:0]

    # --- disk ---------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Writes the table to ``folder`` (``table.json``, ``arrays.npz``, ``texts.bin``)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "texts.bin").write_bytes(bytes(self._texts))
        np.savez(folder / "arrays.npz", article_of=self.article_of, starts=self.starts,
                 ends=self.ends, indexes=self.indexes, offsets=self._offsets)
        (folder / "table.json").write_text(json.dumps(
            {"ids": self.ids, "articles": [list(a) for a in self.articles]}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "ChunkTable":
        """Reads what ``save`` wrote; the texts are read when asked for, not loaded."""
        doc = json.loads((folder / "table.json").read_text(encoding="utf-8"))
        arrays = np.load(folder / "arrays.npz")
        texts = _Blob(folder / "texts.bin")
        return cls(doc["ids"], arrays["article_of"], [ArticleFields(*a) for a in doc["articles"]],
                   arrays["starts"], arrays["ends"], arrays["indexes"], arrays["offsets"], texts)


class _Blob:
    """The saved texts, read slice by slice with ``os.pread`` (thread-safe, no shared file
    position). It was memory-mapped before: with a question reading ~100 chunks' texts at random
    places, 100 questions over 24,480 articles had faulted in the whole 41 MB blob, counted in
    each worker's RSS although the pages are the same page cache."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._size = os.fstat(self._fd).st_size

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _ = part.indices(self._size)
        return os.pread(self._fd, max(0, stop - start), start) if stop > start else b""

    def __bytes__(self) -> bytes:
        return self[0:self._size]

    def __del__(self) -> None:
        try:
            os.close(self._fd)
        except (OSError, AttributeError):
            pass
