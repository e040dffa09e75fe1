"""A question's path, as a row of stages, each in its own module with a typed input and output:

1. understand the question (``question.py``): standalone text, one vector, answer types;
2. retrieve (``qa/retrieve.py``): hybrid dense + BM25 chunks;
3. select evidence (``evidence.py``): every sentence of those chunks scored by a fitted model;
   abstain when none answers;
4. find contests (``contests.py``): disagreements among the evidence articles' claims that the
   answer quotes or the question is about;
5. compose: an ``Engine`` (``engines.py``): extractive, the default (``compose.py``), or the
   LLM (``llm.py``, any OpenAI-compatible endpoint or Ollama) falling back to the extractive
   answer with a note when it fails;
6. check: every quote is cut from the article text by offset; the LLM's citations are checked
   (``citations.py``).

``Pipeline.answer`` and ``Pipeline.stream`` share one path (``_run``); with ``trace=True`` the
answer carries what each stage decided, for the eval's stage table.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..claims import ContestFinder
from ..config import Settings
from ..domain import Answer, ArticleRecord, Evidence, Filters, Sentences
from ..index import NewsIndex
from ..index.sentences import standalone
from ..lru import Recent
from ..retrieve import retrieve
from ..text import Lexicon
from . import contests as contest_stage
from . import evidence as evidence_stage
from .compose import abstention
from .engines import Engine, ExtractiveEngine, LLMWithFallback, sentence_deltas
from .discrepancies import differing_answers, discrepancies
from .question import Question, understand
from .trace import Trace

__all__ = ["Pipeline", "Trace", "abstention"]


@dataclass
class Prepared:
    """What the stages before composition decided for one question."""

    question: Question
    evidence: list[Evidence]
    records: dict[str, ArticleRecord]
    selection: evidence_stage.Selection
    contest_candidates: list[contest_stage.ContestCandidate]
    contests: list
    timings: dict[str, float]


class Pipeline:
    """Built once per service; thread-safe for concurrent questions."""

    def __init__(self, settings: Settings, index: NewsIndex):
        self.settings = settings
        self.index = index
        self.lexicon = Lexicon()
        self.finder = ContestFinder(index.embedder)
        self.sentence_model = evidence_stage.SentenceModel(settings.sentences)
        self.abstention_model = evidence_stage.AbstentionModel(settings.abstention)
        self.contest_model = contest_stage.ContestModel(settings.contests)
        self.engine: Engine = ExtractiveEngine()
        if settings.engine == "llm":
            from .llm import LLMEngine

            self.engine = LLMWithFallback(LLMEngine(settings.llm), self.engine)
        self._standalone = Recent(512)  # (article ID, hash) -> Sentences, for older stores

    # --- the two entry points ----------------------------------------------------------------
    def answer(self, question: str, history: list, filters: Filters, trace: bool = False) -> Answer:
        """The answer to ``question`` (made standalone from ``history`` first)."""
        run = self._run(question, history, filters, trace)
        while True:
            try:
                next(run)
            except StopIteration as stop:
                return stop.value

    def stream(self, question: str, history: list, filters: Filters) -> Iterator[dict]:
        """Delta events, then the final answer event (see ``QAService.ask_stream``)."""
        final = yield from self._run(question, history, filters, False)
        yield {"type": "answer", "answer": final.to_json()}

    # --- the path ----------------------------------------------------------------------------
    def _run(self, question: str, history: list, filters: Filters, trace: bool):
        t0 = time.perf_counter()
        prep = self.prepare(question, history, filters)
        t = time.perf_counter()
        q = prep.question
        if not prep.selection.answerable:
            final = abstention(q.text)
            if self.engine.name != "extractive":
                final = replace(final, engine=self.engine.name)
            yield from sentence_deltas(final.text)
        else:
            final = yield from self.engine.run(q.text, prep)
        timings = dict(prep.timings, compose=(time.perf_counter() - t) * 1000,
                       total=(time.perf_counter() - t0) * 1000)
        return replace(final, question=q.text, timings_ms=timings,
                       trace=Trace.of(prep) if trace else None)

    def prepare(self, question: str, history: list, filters: Filters) -> "Prepared":
        timings: dict[str, float] = {}
        t = time.perf_counter()
        q = understand(question, history, self.index.embedder, self.lexicon,
                       self.settings.answer.max_question_chars)
        timings["understand"] = _ms(t)
        t = time.perf_counter()
        evidence = retrieve(q.text, self.index, self.settings.retrieval, filters, vector=q.vector)
        records = self.index.versions({e.chunk.article_id: e.chunk.content_hash for e in evidence})
        # Chunks whose article is not committed (a write cut short) are never evidence.
        evidence = [e for e in evidence if e.chunk.article_id in records]
        timings["retrieve"] = _ms(t)
        t = time.perf_counter()
        cands = evidence_stage.candidates(evidence, records, self._sentences, self.finder.entities)
        evidence_stage.featurize(q, cands, evidence, records, self.lexicon)
        selection = evidence_stage.select(cands, self.sentence_model, self.abstention_model,
                                          self.settings.answer.max_sentences, self.lexicon)
        timings["evidence"] = _ms(t)
        t = time.perf_counter()
        found = self.finder.among(records) if records else []
        listed, partners = (self._listed(selection, records, filters) if selection.answerable
                            else ([], {}))
        records = {**records, **partners}
        claim_at = self.finder.claim_at(records)
        ccands = contest_stage.candidates(q, found, selection, evidence, self.lexicon, claim_at)
        ccands += contest_stage.counter_claims(
            contest_stage.candidates(q, listed, selection, evidence, self.lexicon, claim_at),
            found, selection)
        chosen = (contest_stage.distinct(
            contest_stage.choose(ccands, self.contest_model, self.settings.answer.max_contests)
            + discrepancies(selection, records, self.lexicon, claim_at)
            + differing_answers(q, selection, records, self.lexicon, claim_at))
                  if selection.answerable else [])
        timings["contests"] = _ms(t)
        return Prepared(q, evidence, records, selection, ccands, chosen, timings)

    def _listed(self, selection: evidence_stage.Selection, records: dict[str, ArticleRecord],
                filters: Filters) -> tuple[list, dict[str, ArticleRecord]]:
        """The contests of the corpus-wide list that a sentence the answer quotes takes part
        in, when their other articles were not retrieved: found again among the quoting
        article and those (within ``filters``), so that the answer shows the counter-claim
        (issue: no cited claim without its counter-claim). Returns the contests that hold a
        partner article, and the partners' records."""
        limit = self.settings.answer.listed_partners
        if not limit or not selection.chosen:
            return [], {}
        listing = self.index.contest_listing(searched=True)
        quoted = [k for c in selection.chosen for k in [c, *c.also]]
        want = [a for k in quoted for a in listing.partners(k.article_id, k.start, k.end, linked=True)
                if a not in records]
        if not want:
            return [], {}
        got = {aid: rec for aid, rec in self.index.articles(list(dict.fromkeys(want))).items()
               if filters.admits(rec.article)}
        partners = {a: got[a] for a in list(dict.fromkeys(a for a in want if a in got))[:limit]}
        if not partners:
            return [], {}
        pool = {k.article_id: records[k.article_id] for k in quoted if k.article_id in records}
        pool.update(partners)
        listed = [f for f in self.finder.among(pool)
                  if any(c.article_id in partners for s in f.contest.sides for c in s.claims)]
        return listed, partners

    def _sentences(self, record: ArticleRecord) -> Sentences:
        if record.sentences is not None:
            return record.sentences
        key = (record.article.id, record.content_hash)
        hit = self._standalone.get(key)
        if hit is None:
            hit = standalone(record.article, self.index.embedder)
            self._standalone.put(key, hit)
        return hit


def _ms(t: float) -> float:
    return (time.perf_counter() - t) * 1000
