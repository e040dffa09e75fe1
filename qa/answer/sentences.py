"""Sentence spans of article text, with offsets, for quoting and extractive answers."""

from __future__ import annotations

import re
from functools import lru_cache

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "maj", "sen", "rep", "gov",
    "st", "jr", "sr", "no", "vs", "etc", "inc", "corp", "co", "ltd", "u.s", "u.k", "u.n", "e.g",
    "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "a.m", "p.m", "ft", "mt", "pres", "rev", "gov't", "dept", "approx",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and
# something that can start a sentence.
_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_DATELINE = re.compile(r"^[A-Z][A-Za-z .'-]{1,40}, [A-Z][a-z]+ \d{1,2}\.\s*(?:/[A-Z]{2,10}/\.?)?\s*")


def split_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence; paragraph breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        base, ptext = para.start(), para.group(0)
        start = 0
        for m in _END.finditer(ptext):
            word = re.search(r"([A-Za-z.']+)\W*$", ptext[start : m.start() + 1])
            token = (word.group(1) if word else "").lower().rstrip(".")
            if token in _ABBREV or (len(token) == 1 and token.isalpha()):
                continue  # "Mr. Smith", "Q. Example", "U.S. forces"
            spans.append((base + start, base + m.end()))
            start = m.end()
            while start < len(ptext) and ptext[start].isspace():
                start += 1
        if start < len(ptext):
            spans.append((base + start, base + len(ptext)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    m = _DATELINE.match(text[s:e])
    if m and m.end() < e - s:
        s += m.end()  # "CAIRO, August 31. /TASS/." is a dateline, not part of the sentence
    return s, e


@lru_cache(maxsize=4096)
def sentence_spans(article_id: str, content_hash: str, text: str) -> tuple[tuple[int, int], ...]:
    """Cached per article version (the hash keys the cache; the text is the value split)."""
    return tuple(split_spans(text))


def sentence_spans_around(article_id: str, content_hash: str, text: str, start: int,
                          end: int) -> tuple[tuple[int, int], ...]:
    """The sentences of the paragraphs that ``[start, end)`` touches, with article offsets.
    Paragraphs are split independently, so these are exactly the full split's sentences there;
    an answer splits a chunk's paragraphs instead of its whole article (~1 ms a question)."""
    ps = text.rfind("\n", 0, start) + 1
    pe = text.find("\n", end)
    return _spans_between(article_id, content_hash, text, ps, len(text) if pe < 0 else pe)


@lru_cache(maxsize=8192)
def _spans_between(article_id: str, content_hash: str, text: str, ps: int, pe: int):
    return tuple((ps + s, ps + e) for s, e in split_spans(text[ps:pe]))
