"""Answer engines behind one ``Pipeline``: retrieve, find contests, compose, check citations.

- ``extractive`` (default, no LLM): ``qa/answer/extractive.py``
- ``llm`` (any OpenAI-compatible endpoint or Ollama): ``qa/answer/llm.py``; on a timeout or an
  error it falls back to the extractive answer with a note, never a 500.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator

from ..config import Settings
from ..domain import Answer, Contest, Evidence, Filters
from ..errors import QAError
from ..index import ArticleRecord, NewsIndex
from ..retrieve import content_terms, retrieve
from .extractive import ExtractiveEngine, abstention


class Pipeline:
    """Built once per service; thread-safe for concurrent questions."""

    def __init__(self, settings: Settings, index: NewsIndex):
        self.settings = settings
        self.index = index
        self.extractive = ExtractiveEngine(settings.answer, index.embedder)
        self.llm = None
        if settings.engine == "llm":
            from .llm import LLMEngine

            self.llm = LLMEngine(settings.llm)

    def _prepare(self, question: str, history: list, filters: Filters):
        timings: dict[str, float] = {}
        t = time.perf_counter()
        standalone = question
        if history:
            from ..chat import rewrite

            standalone = rewrite(question, history)
        timings["rewrite"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        evidence = retrieve(standalone, self.index, self.settings.retrieval, filters)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        records = self.index.versions({e.chunk.article_id: e.chunk.content_hash for e in evidence})
        # Chunks whose article is not committed (a write cut short) are never evidence.
        evidence = [e for e in evidence if e.chunk.article_id in records]
        contests = self._contests(standalone, evidence, records)
        timings["contests"] = (time.perf_counter() - t) * 1000
        return standalone, evidence, records, contests, timings

    def _contests(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord]):
        try:
            from ..claims import find_contests
        except ImportError:
            return []
        found = find_contests(question, evidence, records, self.index.embedder)
        terms = content_terms(question)
        return [k for k in found
                if about(terms, k, evidence, self.settings.answer.contest_coverage, question)]

    def answer(self, question: str, history: list, filters: Filters) -> Answer:
        """The answer to ``question`` (made standalone from ``history`` first)."""
        standalone, evidence, records, contests, timings = self._prepare(question, history, filters)
        t = time.perf_counter()
        if not evidence:
            ans = abstention(standalone)
        elif self.llm is not None:
            try:
                ans = self.llm.answer(standalone, evidence, records, contests)
            except QAError as exc:
                fallback = self.extractive.answer(standalone, evidence, records, contests)
                ans = _with(fallback, notes=fallback.notes + (
                    f"The language model failed ({exc.message}); this is the extractive answer.",))
        else:
            ans = self.extractive.answer(standalone, evidence, records, contests)
        timings["compose"] = (time.perf_counter() - t) * 1000
        return _with(ans, question=standalone, timings_ms=timings)

    def stream(self, question: str, history: list, filters: Filters) -> Iterator[dict]:
        """Delta events, then the final answer event (see ``QAService.ask_stream``)."""
        t0 = time.perf_counter()
        standalone, evidence, records, contests, timings = self._prepare(question, history, filters)
        final: Answer | None = None
        if evidence and self.llm is not None:
            try:
                gen = self.llm.stream(standalone, evidence, records, contests)
                while True:
                    try:
                        delta = next(gen)
                    except StopIteration as stop:
                        final = stop.value
                        break
                    yield {"type": "delta", "text": delta}
            except QAError as exc:
                fb = self.extractive.answer(standalone, evidence, records, contests)
                final = _with(fb, notes=fb.notes + (
                    f"The language model failed ({exc.message}); this is the extractive answer.",))
                yield {"type": "reset"}
                yield from _sentence_deltas(final.text)
        else:
            final = (self.extractive.answer(standalone, evidence, records, contests)
                     if evidence else abstention(standalone))
            yield from _sentence_deltas(final.text)
        timings["total"] = (time.perf_counter() - t0) * 1000
        final = _with(final, question=standalone, timings_ms=timings)
        yield {"type": "answer", "answer": final.to_json()}


_QUANTITY = re.compile(r"\b(?:how (?:many|much|big|large|small|high|low)|number of|size of|"
                       r"amount of|toll|turnout|count)\b", re.I)
_DATE = re.compile(r"^\s*when\b|\b(?:what|which) (?:date|day|month|year)\b|\bon what day\b", re.I)


def asks_for(question: str) -> set[str]:
    """The contest kinds a question's form asks about: a quantity, a date."""
    kinds = set()
    if _QUANTITY.search(question):
        kinds.add("numbers")
    if _DATE.search(question):
        kinds.add("dates")
    return kinds


_EVENT_VERB = re.compile(r"\bhow many\b(?:\s+[\w'’-]+){1,4}?\s+(?:(?:were|was|are|is|been|got)\s+)?"
                         r"([a-z]+(?:ed|en)|went|lost|spent|sent|left|fought|caught|shot|held|"
                         r"took|fled|won|hit)\b", re.I)


def _other_event(question: str, contest: Contest) -> bool:
    """Whether a "how many" question names what happened ("how many children were moved out")
    and a figure contest counts something else happening ("children killed")."""
    if contest.kind != "numbers":
        return False
    m = _EVENT_VERB.search(question)
    if not m:
        return False  # "how big was the crowd": no event named
    said = set(content_terms(contest.topic))
    for side in contest.sides:
        for claim in side.claims:
            said |= content_terms(claim.quote)
    return not content_terms(m.group(1)) <= said


def about(question_terms: set[str], contest: Contest, evidence: list[Evidence],
          threshold: float, question: str = "") -> bool:
    """Whether a question touches a contest: the contested point names most of what the question
    asks, each word weighted by how rare it is in the evidence. Words every retrieved passage
    shares ("Taliban", "Trump") say little; the rest decide. Sentence vectors alone cannot tell
    "when did the Taliban enter Kabul" from "did the Taliban take Panjshir"; the words can. (The
    sides' claims are not used: a side says many things, and some word of the question is
    always among them.)"""
    if not question_terms:
        return False
    if contest.kind in asks_for(question) and not _other_event(question, contest):
        # A figure or date contest answers a "how many"/"when" question on the same event; the
        # claims module has already judged the event by meaning, and the words may not match
        # ("how big was the crowd" / "how many people attended").
        return True
    texts = [content_terms(e.chunk.text) for e in evidence]
    n = len(texts)
    weight = {t: math.log(1 + n / (1 + sum(t in x for x in texts))) for t in question_terms}
    covered = content_terms(contest.topic)
    total = sum(weight.values())
    return total > 0 and sum(w for t, w in weight.items() if t in covered) / total >= threshold


def _sentence_deltas(text: str) -> Iterator[dict]:
    for piece in re.split(r"(?<=[.!?\]])(\s+)", text):
        if piece:
            yield {"type": "delta", "text": piece}


def _with(ans: Answer, **changes) -> Answer:
    from dataclasses import replace

    return replace(ans, **changes)
