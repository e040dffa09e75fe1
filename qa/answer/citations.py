"""Checks a generated answer's citations instead of trusting them. Pure functions.

What the check does to the model's text:

- A marker ``[id]`` (or ``[id1, id2]``) whose ID is not one the model was shown is removed, and
  each such ID is counted (``Answer.removed_citations``). Valid IDs in the same brackets stay.
- A sentence left without any valid marker is counted (``Answer.unsupported_sentences``) and
  marked by appending ``UNSUPPORTED_MARK`` (`` [no citation]``) after it. The mark has a space
  inside its brackets, so ``CITATION_RE`` never mistakes it for an article ID.
- Each valid cited ID becomes a ``Citation`` whose quote is the sentence of that article (among
  the passages the model was shown) that shares the most content words with the answer sentence,
  copied from the article text by offset: ``quote == article.text[start:end]``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..domain import CITATION_RE, Article, Citation
from ..text import Lexicon

UNSUPPORTED_MARK = "[no citation]"

_ID_SEP = re.compile(r"\s*[,;]\s*")
# Whitespace before a marker goes with it, so "said [bad]." becomes "said." not "said ."
_MARKER_WITH_SPACE = re.compile(r"([ \t]*)" + CITATION_RE.pattern)
_LEADING_MARKERS = re.compile(r"(?:[ \t]*" + CITATION_RE.pattern + r")+")
_END = re.compile(r"[.!?]+[\"”’')]*(?=\s+\S)")
_ABBREV = frozenset("mr mrs ms dr prof gen lt col sgt capt maj sen rep gov st jr sr vs etc inc "
                    "corp co ltd u.s u.k u.n e.g i.e a.m p.m no approx jan feb mar apr jun jul "
                    "aug sep sept oct nov dec".split())
_WORD = re.compile(r"\w")
_BULLET = re.compile(r"\s*(?:\d{1,3}[.)]|[-*•])\s+")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the checked answer, with the valid article IDs it cites."""

    text: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class CheckedText:
    """The answer text after the check, and what the check found."""

    text: str
    sentences: tuple[Sentence, ...]
    removed: int
    unsupported: int

    @property
    def cited_ids(self) -> tuple[str, ...]:
        """Valid cited IDs in order of first appearance."""
        return tuple(dict.fromkeys(i for s in self.sentences for i in s.ids))


def marker_ids(marker_body: str) -> list[str]:
    """The IDs inside one marker's brackets (``"a, b"`` -> ``["a", "b"]``)."""
    return [i for i in _ID_SEP.split(marker_body.strip()) if i]


def drop_unknown_ids(text: str, valid: Collection[str]) -> tuple[str, int]:
    """``text`` with every ID not in ``valid`` removed from its marker (the marker too when none
    is left), and how many IDs were removed."""
    removed = 0

    def fix(m: re.Match) -> str:
        nonlocal removed
        ids = marker_ids(m.group(2))
        keep = list(dict.fromkeys(i for i in ids if i in valid))
        removed += sum(1 for i in ids if i not in valid)
        return f"{m.group(1)}[{', '.join(keep)}]" if keep else ""

    return _MARKER_WITH_SPACE.sub(fix, text), removed


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence of an answer; citation markers right after a sentence's
    closing punctuation belong to that sentence, and a line break always ends one."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base, lt = line.start(), line.group(0)
        bullet = _BULLET.match(lt)
        start = bullet.end() if bullet else 0  # "1. " or "- " opens a list item, not a sentence
        for m in _END.finditer(lt):
            if m.start() < start:
                continue  # inside markers already taken by the previous sentence
            if _abbreviation(lt[start:m.start() + 1]):
                continue
            end = m.end()
            trailing = _LEADING_MARKERS.match(lt, end)
            if trailing:
                end = trailing.end()
            nxt = lt[end:].lstrip()
            if nxt[:1].islower():
                continue  # "approx. five" or a stray full stop, not a sentence end
            spans.append((base + start, base + end))
            start = end
        if lt[start:].strip():
            spans.append((base + start, base + len(lt)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def check(text: str, valid: Collection[str]) -> CheckedText:
    """Removes unknown IDs, then counts and marks sentences without a valid citation."""
    cleaned, removed = drop_unknown_ids(text.strip(), valid)
    cleaned = re.sub(r"[ \t]+\n", "\n", cleaned).strip()
    out: list[str] = []
    sentences: list[Sentence] = []
    unsupported = 0
    cursor = 0
    for s, e in sentence_spans(cleaned):
        out.append(cleaned[cursor:e])
        cursor = e
        body = CITATION_RE.sub("", cleaned[s:e])
        if not _WORD.search(body):
            continue  # a lone marker or punctuation: nothing to support
        ids = tuple(dict.fromkeys(i for m in CITATION_RE.finditer(cleaned[s:e])
                                  for i in marker_ids(m.group(1))))
        sentences.append(Sentence(text=cleaned[s:e], ids=ids))
        if not ids:
            unsupported += 1
            out.append(" " + UNSUPPORTED_MARK)
    out.append(cleaned[cursor:])
    return CheckedText(text="".join(out), sentences=tuple(sentences), removed=removed,
                       unsupported=unsupported)


def best_span(sentence: str, spans: Sequence[tuple[int, int]], article_text: str,
              lexicon: Lexicon | None = None) -> tuple[int, int]:
    """Of ``spans`` (article sentences, in evidence order), the one sharing the most content
    words with ``sentence``; the earliest wins ties."""
    if not spans:
        raise ValueError("no candidate spans to quote from")
    lexicon = lexicon or Lexicon()
    terms = lexicon.terms(CITATION_RE.sub("", sentence))
    best, best_score = spans[0], -1.0
    for s, e in spans:
        cand = lexicon.terms(article_text[s:e])
        score = len(terms & cand) / (1 + 0.01 * len(cand))  # shorter wins a tie in overlap
        if score > best_score:
            best, best_score = (s, e), score
    return best


def citations_for(sentences: Sequence[Sentence], spans: Mapping[str, Sequence[tuple[int, int]]],
                  articles: Mapping[str, Article], lexicon: Lexicon | None = None) -> list[Citation]:
    """One ``Citation`` per (cited ID, chosen sentence), in answer order, without duplicates.

    ``spans[id]`` lists the quotable sentences of article ``id``; ``articles[id]`` is its
    ``Article``. An ID with no quotable sentence is a bug in the caller, not the model."""
    out: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    lexicon = lexicon or Lexicon()
    for sent in sentences:
        for aid in sent.ids:
            art = articles[aid]
            s, e = best_span(sent.text, spans[aid], art.text, lexicon)
            if (aid, s, e) in seen:
                continue
            seen.add((aid, s, e))
            out.append(Citation(article_id=aid, quote=art.text[s:e], start=s, end=e,
                                title=art.title, date=art.date, source=art.source))
    return out


class MarkerFilter:
    """Streams text through while holding back ``[...]`` until it closes, so a marker with an
    unknown ID never reaches the reader; the final answer is still checked in full."""

    _MAX = 300  # longer than any marker (several 128-character IDs would be absurd anyway)

    def __init__(self, valid: Collection[str]):
        self.valid = valid
        self._held = ""

    def feed(self, delta: str) -> str:
        """The part of ``delta`` (plus anything held) that can be shown now."""
        out: list[str] = []
        for ch in delta:
            if self._held:
                self._held += ch
                if ch == "]":
                    out.append(self._release())
                elif ch in "[\n" or len(self._held) > self._MAX:
                    # Not a marker after all; a new "[" may start one.
                    held, self._held = self._held[:-1], ""
                    out.append(held)
                    if ch == "[":
                        self._held = "["
                    else:
                        out.append(ch)
            elif ch == "[":
                self._held = "["
            else:
                out.append(ch)
        return "".join(out)

    def flush(self) -> str:
        """Whatever is still held at the end of the stream."""
        held, self._held = self._held, ""
        return held

    def _release(self) -> str:
        held, self._held = self._held, ""
        if CITATION_RE.fullmatch(held) is None:
            return held
        keep = [i for i in dict.fromkeys(marker_ids(held[1:-1])) if i in self.valid]
        return f"[{', '.join(keep)}]" if keep else ""


def _abbreviation(upto: str) -> bool:
    word = re.search(r"([A-Za-z.']+)\W*$", upto)
    token = (word.group(1) if word else "").lower().rstrip(".")
    return token in _ABBREV or (len(token) == 1 and token.isalpha())


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
