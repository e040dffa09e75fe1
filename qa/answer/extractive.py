"""The default engine, no LLM: picks the evidence sentences that answer the question and
composes them into a short cited answer. Every sentence is verbatim from an article (so its
attribution, "Zabihullah Mujahid said ...", travels with it) and carries its article ID."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..config import AnswerSettings
from ..domain import Answer, Citation, Contest, Evidence
from ..index import ArticleRecord
from ..retrieve import content_terms
from .sentences import sentence_spans_around

_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WHEN = re.compile(rf"\b(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                   r"yesterday|today|\d{4}|last (?:week|month|year)|ago)\b")
_NUMBER = re.compile(r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                     r"twelve|dozens?|hundreds?|thousands?|millions?|several)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z]+|al-|bin|van|de))+\b")
_PRONOUN_START = re.compile(r"^(?:He|She|They|It|This|That|These|Those|His|Her|Their)\b")
_REPORTING = re.compile(r"\b(?:said|says|told|stated|claimed|claims|denied|denies|announced|"
                        r"reported|according to|tweeted|wrote|added|insisted|refuted|rejected)\b")
ABSTAIN_PREFIX = "The articles don't say"


def abstention(question: str) -> Answer:
    """The refusal: a result, not an error."""
    q = question.rstrip("?. ")
    return Answer(
        text=f"{ABSTAIN_PREFIX} — none of the ingested articles answers “{q}”.",
        abstained=True,
    )


@dataclass
class _Candidate:
    article_id: str
    start: int
    end: int
    text: str
    terms: set[str]
    context: set[str] = field(default_factory=set)  # terms of the sentence before, same paragraph
    prev: tuple[int, int] | None = None
    score: float = 0.0
    coverage: float = 0.0
    also: list["_Candidate"] = field(default_factory=list)


class ExtractiveEngine:
    """Sentence selection by question-term overlap (IDF-weighted within the evidence), the
    chunk's retrieval score, and the kind of answer the question asks for."""

    def __init__(self, cfg: AnswerSettings, embedder=None):
        self.cfg = cfg
        self.embedder = embedder

    def answer(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord],
               contests: list[Contest]) -> Answer:
        """A cited prose answer, or an abstention when no sentence answers the question."""
        cands = self._candidates(evidence, records)
        qterms = content_terms(question)
        if not cands or not qterms:
            return abstention(question)
        self._score(question, qterms, cands, evidence)
        _weigh_roles(question, qterms, cands, records)
        chosen = self._select(cands)
        if not chosen:
            # A contest alone is no answer: the evidence must also speak to the question.
            return abstention(question)
        lead, lead_citations = _contest_lead(contests, records)
        parts: list[str] = list(lead)
        citations: list[Citation] = list(lead_citations)
        used: set[tuple[int, int]] = set()
        for c in chosen:
            group = [c] + c.also
            ids = list(dict.fromkeys(g.article_id for g in group))
            if _PRONOUN_START.match(c.text) and c.prev is not None and c.prev not in used:
                # Say who "he" is: the sentence before comes along, verbatim and cited.
                c = _Candidate(c.article_id, c.prev[0], c.end,
                               records[c.article_id].article.text[c.prev[0]:c.end], c.terms)
                group = [c] + group[1:]
            used.update((g.start, g.end) for g in group)
            parts.append(f"{_voiced(c, records, contests)} [{', '.join(ids)}]")
            for g in group:
                citations.append(_citation(g, records[g.article_id]))
        return Answer(text=" ".join(parts), citations=tuple(_dedupe(citations)), engine="extractive",
                      contested=tuple(contests))

    # --- steps -------------------------------------------------------------------------------
    def _candidates(self, evidence: list[Evidence], records: dict[str, ArticleRecord]) -> list[_Candidate]:
        seen: set[tuple[str, int]] = set()
        out: list[_Candidate] = []
        for rank, ev in enumerate(evidence):
            rec = records[ev.chunk.article_id]
            text = rec.article.text
            spans = sentence_spans_around(rec.article.id, rec.content_hash, text,
                                          ev.chunk.start, ev.chunk.end)
            for i, (s, e) in enumerate(spans):
                # Sentences that overlap the chunk, completed to their full extent.
                if e <= ev.chunk.start or s >= ev.chunk.end or (ev.chunk.article_id, s) in seen:
                    continue
                seen.add((ev.chunk.article_id, s))
                sent = text[s:e]
                if len(sent.split()) < 4:
                    continue
                cand = _Candidate(ev.chunk.article_id, s, e, sent, content_terms(sent))
                if i > 0 and "\n" not in text[spans[i - 1][1]:s]:
                    cand.prev = spans[i - 1]
                    cand.context = content_terms(text[spans[i - 1][0]:spans[i - 1][1]])
                cand.score = 1.0 / (1 + rank)  # retrieval prior, replaced in _score
                out.append(cand)
        return out

    def _score(self, question: str, qterms: set[str], cands: list[_Candidate],
               evidence: list[Evidence]) -> None:
        n = len(cands)
        df = {t: sum(1 for c in cands if t in c.terms) for t in qterms}
        idf = {t: math.log(1 + n / (1 + df[t])) for t in qterms}
        total = sum(idf.values()) or 1.0
        q = question.lower()
        wants_when = q.startswith("when") or "what date" in q or "what day" in q
        wants_number = "how many" in q or "how much" in q or "number of" in q
        wants_who = q.startswith("who") or q.startswith("whom") or " who " in q
        q_names = set(_NAME.findall(question))
        for c in cands:
            matched = sum(idf[t] for t in qterms if t in c.terms)
            # A pronoun-led sentence ("It is led by ...") leans on the sentence before it.
            leans = bool(_PRONOUN_START.match(c.text)) and c.prev is not None
            ctx = sum(idf[t] for t in qterms if t in c.context and t not in c.terms) if leans else 0.0
            c.coverage = (matched + ctx) / total
            score = (matched + 0.7 * ctx) / total + 0.25 * c.score
            if wants_when and _WHEN.search(c.text):
                score += 0.25
            if wants_number and _NUMBER.search(c.text):
                score += 0.25
            if wants_who and any(nm not in q_names for nm in _NAME.findall(c.text)):
                score += 0.15
            if _PRONOUN_START.match(c.text) and c.prev is None:
                score -= 0.15  # "He said ..." with nothing before it reads badly
            if c.text[:1].islower():
                score -= 0.1  # a scraping fragment ("was the deputy to ...") lost its subject
            if _REPORTING.search(c.text):
                score += 0.05  # attributed statements are what a news answer is built from
            c.score = score if matched > 0 else 0.0

    def _select(self, cands: list[_Candidate]) -> list[_Candidate]:
        ranked = sorted((c for c in cands if c.score > 0), key=lambda c: -c.score)
        # Abstain unless some sentence covers most of what the question asks about ("population
        # of Kabul" is not answered by sentences that only mention Kabul).
        if not ranked or max(c.coverage for c in ranked) < self.cfg.min_coverage:
            return []
        floor = max(0.3, ranked[0].score * 0.6)
        chosen: list[_Candidate] = []
        for c in ranked:
            if c.score < floor:
                break
            twin = next((k for k in chosen if _near_duplicate(k, c)), None)
            if twin is not None:
                if c.article_id != twin.article_id and all(a.article_id != c.article_id for a in twin.also):
                    twin.also.append(c)
                continue
            if len(chosen) < self.cfg.max_sentences:
                chosen.append(c)
        return chosen


#: Who-questions about a role ("who speaks for X", "X's spokesman", "who leads X"), and the words
#: that name the role in a sentence.
_ROLE_FAMILIES = (
    (frozenset({"speak"}), re.compile(r"\bspokes(?:man|men|woman|women|person|people)\b", re.I)),
    (frozenset({"lead"}), re.compile(r"\b(?:leader|leads|led|heads?|chief|commander)\b", re.I)),
)


def _weigh_roles(question: str, qterms: frozenset[str], cands: list[_Candidate],
                 records: dict[str, ArticleRecord]) -> None:
    """For "who speaks for the Taliban", a sentence naming a spokesman whose claim the claims
    module gives to the Taliban goes up, and one naming a spokesman of another side goes down:
    "Fahim Dashti, spokesman for the resistance movement, ... the Taliban" shares every word of
    the question and answers none of it."""
    if not re.match(r"\s*(?:who|which)\b", question, re.I):
        return
    family = next((rx for words, rx in _ROLE_FAMILIES if words & qterms), None)
    if family is None:
        return
    org_terms = qterms - {"speak", "lead"}
    if not org_terms:
        return
    try:
        from ..claims import claims_of
    except ImportError:
        return
    for c in cands:
        if c.score <= 0 or not family.search(c.text):
            continue
        sides = {cl.side for cl in claims_of(records[c.article_id])
                 if cl.attributed and cl.start < c.end and c.start < cl.end}
        if any(content_terms(side) & org_terms for side in sides):
            c.score += 0.3
        elif sides:
            c.score -= 0.2


def _voiced(c: _Candidate, records: dict[str, ArticleRecord], contests: list[Contest]) -> str:
    """The sentence, attributed to its outlet when it states a contested point in the outlet's
    own voice: the answer itself never takes a side."""
    sentence = _as_sentence(c.text)
    if not contests:
        return sentence
    from ..claims import unhedged

    if not unhedged(sentence, contests):
        return sentence
    rec = records[c.article_id].article
    who = rec.source or "One article"
    when = f" ({rec.date})" if rec.date else ""
    return f"{who}{when} reports: “{sentence}”"


def _near_duplicate(a: _Candidate, b: _Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= 0.6


def _as_sentence(text: str) -> str:
    text = text.strip()
    # The citation goes after the sentence's own closing punctuation.
    return text if text[-1:] in ".!?”\"’)" else text + "."


def _citation(c: _Candidate, rec: ArticleRecord) -> Citation:
    a = rec.article
    return Citation(article_id=a.id, quote=a.text[c.start:c.end], start=c.start, end=c.end,
                    title=a.title, date=a.date, source=a.source)


def _dedupe(citations: list[Citation]) -> list[Citation]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in citations:
        key = (c.article_id, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _contest_lead(contests: list[Contest], records: dict[str, ArticleRecord]):
    """Sentences that lead the answer with the disagreement, and the citations behind them."""
    if not contests:
        return [], []
    try:
        from ..claims import describe
    except ImportError:
        return [], []
    lead: list[str] = []
    cites: list[Citation] = []
    for k in contests:
        lead.append(describe(k))
        for side in k.sides:
            for cl in side.claims:
                rec = records.get(cl.article_id)
                if rec is None:
                    continue
                a = rec.article
                cites.append(Citation(article_id=a.id, quote=a.text[cl.start:cl.end], start=cl.start,
                                      end=cl.end, title=a.title, date=a.date, source=a.source))
    return lead, cites
