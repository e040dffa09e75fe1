"""Splitting articles into token-bounded chunks whose offsets map back to the article text."""

from __future__ import annotations

import os
import re
from pathlib import Path

import llama_index.core

# tiktoken would fetch its BPE files from the network; llama-index-core ships them.
os.environ.setdefault(
    "TIKTOKEN_CACHE_DIR", str(Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache")
)

import tiktoken  # noqa: E402
from llama_index.core.node_parser import SentenceSplitter  # noqa: E402

from ..config import ChunkSettings  # noqa: E402
from ..domain import Article, Chunk  # noqa: E402

def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding from llama-index-core's packaged cache (tiktoken keeps the
    loaded encodings itself)."""
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """cl100k tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))


class Chunker:
    """llama-index's SentenceSplitter counting tiktoken tokens, plus exact character offsets."""

    def __init__(self, cfg: ChunkSettings):
        self.cfg = cfg
        enc = encoding()
        self._splitter = SentenceSplitter(
            chunk_size=cfg.size,
            chunk_overlap=cfg.overlap,
            tokenizer=lambda t: enc.encode(t, disallowed_special=()),
            paragraph_separator="\n\n",
        )

    def split(self, article: Article) -> list[Chunk]:
        """Chunks of ``article``; each ``text`` equals ``article.text[start:end]``."""
        pieces = self._splitter.split_text(article.text)
        chunks: list[Chunk] = []
        cursor = 0
        for i, piece in enumerate(pieces):
            start, end = locate(article.text, piece, cursor)
            # Overlap means the next chunk starts before this one ends; search from this start.
            cursor = start + 1
            chunks.append(
                Chunk(
                    id=f"{article.id}#{article.content_hash[:8]}-{i}",
                    article_id=article.id,
                    text=article.text[start:end],
                    start=start,
                    end=end,
                    index=i,
                    title=article.title,
                    date=article.date,
                    source=article.source,
                    content_hash=article.content_hash,
                )
            )
        return chunks


def locate(text: str, piece: str, cursor: int) -> tuple[int, int]:
    """``[start, end)`` of ``piece`` in ``text`` at or after ``cursor``, tolerating the splitter's
    whitespace changes."""
    piece = piece.strip()
    i = text.find(piece, cursor)
    if i < 0:
        i = text.find(piece)
    if i >= 0:
        return i, i + len(piece)
    words = piece.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, cursor) or re.compile(pattern).search(text)
    if m:
        return m.start(), m.end()
    raise ValueError(f"chunk not found in article text: {piece[:60]!r}")


def embed_text(c: Chunk) -> str:
    """What is embedded and indexed for a chunk: the headline gives short chunks context."""
    return f"{c.title}\n{c.text}" if c.title else c.text
