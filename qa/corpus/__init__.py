"""Reading articles from .txt, .md, .html and .jsonl files into clean ``Article`` values.

Every reader returns the cleaned text that chunk offsets and citation quotes refer to; scraping
debris is removed here, once, so that no later layer ever sees it. ``readers.py`` holds the
readers, ``outlets.py`` the table of outlet-specific debris and self-naming marks,
``cleaning.py`` the generic cleaning, ``links.py`` The Hill's inline link cards.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..domain import ARTICLE_ID_RE, Article, Skipped
from .errors import MAX_ARTICLE_CHARS, MAX_FILE_BYTES, ReadError
from .outlets import remove_debris
from .readers import _record, parse_date, parse_html, parse_jsonl, parse_markdown, parse_txt

__all__ = ["MAX_ARTICLE_CHARS", "MAX_FILE_BYTES", "ReadError", "SUFFIXES", "article_id_for",
           "decode", "iter_paths", "parse_date", "parse_html", "parse_jsonl", "parse_markdown",
           "parse_txt", "read_file", "read_paths", "remove_debris", "_record"]

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")


def iter_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` with a known suffix, in a stable order; hidden files skipped."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not _hidden(f, p):
                    yield f
        else:
            yield p


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)


def read_paths(paths: Iterable[Path]) -> Iterator[Article | Skipped]:
    """Every article found under ``paths``; a file or line that cannot be read is a ``Skipped``."""
    for f in iter_paths(paths):
        try:
            yield from read_file(f)
        except ReadError as exc:
            yield Skipped(str(f), str(exc))


def read_file(path: Path) -> Iterator[Article | Skipped]:
    """Articles in one file (one for documents, many for .jsonl)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReadError(f"unsupported file type {suffix or '(none)'}")
    if not path.exists():
        raise ReadError("no such file")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("empty file")
    if suffix == ".jsonl":
        yield from parse_jsonl(_jsonl_lines(path), str(path))
        return
    if size > MAX_FILE_BYTES:
        raise ReadError(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    raw = path.read_bytes()
    text = decode(raw)
    parser = {".txt": parse_txt, ".md": parse_markdown, ".markdown": parse_markdown}.get(
        suffix, parse_html
    )
    yield parser(text, article_id_for(path))


def article_id_for(path: Path) -> str:
    """A file's article ID is its stem; it must be usable inside citation brackets."""
    stem = path.stem
    if not ARTICLE_ID_RE.match(stem):
        raise ReadError(f"file name {stem!r} is not a valid article ID (letters, digits, _.:-)")
    return stem


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM is dropped); binary or undecodable bytes raise ``ReadError``."""
    if b"\x00" in raw[:8192]:
        raise ReadError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise ReadError("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _jsonl_lines(path: Path) -> Iterator[str | ReadError]:
    """A .jsonl file's lines, read as they come (a corpus export may be larger than memory
    should hold at once); a line that is not UTF-8 comes as the ``ReadError`` saying so."""
    with open(path, "rb") as f:
        head = f.read(8192)
        if b"\x00" in head:
            raise ReadError("binary file (contains NUL bytes)")
        f.seek(0)
        first = True
        for raw in f:
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            first = False
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                yield ReadError(f"not UTF-8 text (bad byte at offset {exc.start})")
