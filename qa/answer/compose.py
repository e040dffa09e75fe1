"""The extractive composer (the default engine, no LLM): the chosen sentences, verbatim and cited,
led by the disagreements that bear on them.

Every sentence is the article's own (so its attribution, "Zabihullah Mujahid said ...",
travels with it) and carries its article ID. A contest leads with who claims what; a chosen
sentence that states a contested point in the outlet's own voice is attributed to the outlet,
so the answer itself never takes a side.
"""

from __future__ import annotations

import re

from ..claims import describe, unhedged
from ..domain import Answer, ArticleRecord, Citation, Contest
from .evidence import Candidate, Selection

ABSTAIN_PREFIX = "The articles don't say"
_PRONOUN_START = re.compile(r"^(?:He|She|They|It|This|That|These|Those|His|Her|Their)\b")


def abstention(question: str) -> Answer:
    """The refusal: a result, not an error."""
    q = question.rstrip("?. ")
    return Answer(text=f"{ABSTAIN_PREFIX} — none of the ingested articles answers “{q}”.",
                  abstained=True)


class Extractive:
    """Composes an answer from the evidence stage's selection and the chosen contests."""

    name = "extractive"

    def compose(self, question: str, selection: Selection, records: dict[str, ArticleRecord],
                contests: list[Contest]) -> Answer:
        """A cited prose answer, or an abstention when no sentence answers the question."""
        if not selection.answerable or not selection.chosen:
            # A contest alone is no answer: the evidence must also speak to the question.
            return abstention(question)
        # The disagreements the question is about lead; those that only bear on a quoted
        # sentence follow the sentences they qualify.
        lead, citations = contest_lead([k for k in contests if k.reason != "quoted"], records)
        tail, tail_citations = contest_lead([k for k in contests if k.reason == "quoted"], records)
        parts: list[str] = list(lead)
        used: set[tuple[int, int]] = set()
        for c in selection.chosen:
            group = [c, *c.also]
            ids = list(dict.fromkeys(g.article_id for g in group))
            if _PRONOUN_START.match(c.text) and c.prev is not None and c.prev not in used:
                # Say who "he" is: the sentence before comes along, verbatim and cited.
                text = records[c.article_id].article.text
                c = Candidate(c.article_id, c.prev[0], c.end, text[c.prev[0]:c.end], c.vector)
                group = [c, *group[1:]]
            used.update((g.start, g.end) for g in group)
            parts.append(f"{_voiced(c, records, contests)} [{', '.join(ids)}]")
            citations.extend(citation(records[g.article_id], g.start, g.end) for g in group)
        if tail:
            parts.append("Disputed: " + " ".join(tail))
            citations.extend(tail_citations)
        return Answer(text=" ".join(parts), citations=tuple(dedupe(citations)),
                      engine="extractive", contested=tuple(contests))


def contest_lead(contests: list[Contest], records: dict[str, ArticleRecord]
                 ) -> tuple[list[str], list[Citation]]:
    """Sentences that lead an answer with its disagreements, and the citations behind them."""
    lead: list[str] = []
    cites: list[Citation] = []
    for k in contests:
        text = describe(k)
        if text:
            lead.append(text)
        for side in k.sides:
            for cl in side.claims:
                rec = records.get(cl.article_id)
                if rec is not None:
                    cites.append(citation(rec, cl.start, cl.end))
    return lead, cites


def citation(rec: ArticleRecord, start: int, end: int) -> Citation:
    """The citation of ``[start, end)`` of an article: its exact text there."""
    a = rec.article
    return Citation(article_id=a.id, quote=a.text[start:end], start=start, end=end,
                    title=a.title, date=a.date, source=a.source)


def dedupe(citations: list[Citation]) -> list[Citation]:
    """Citations without repeats of the same span, in order."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in citations:
        key = (c.article_id, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _voiced(c: Candidate, records: dict[str, ArticleRecord], contests: list[Contest]) -> str:
    """The sentence, attributed to its outlet when it states a contested point in the outlet's
    own voice."""
    sentence = as_sentence(c.text)
    if not contests or not unhedged(sentence, contests):
        return sentence
    rec = records[c.article_id].article
    who = rec.source or "One article"
    when = f" ({rec.date})" if rec.date else ""
    return f"{who}{when} reports: “{sentence}”"


def as_sentence(text: str) -> str:
    """An article sentence as answer text: trimmed, ending in punctuation, and with the
    article's own square brackets ("[the]", an editor's insertion) shown as parentheses, since
    brackets in answer text are citation markers."""
    text = text.strip().replace("[", "(").replace("]", ")")
    # The citation goes after the sentence's own closing punctuation.
    return text if text[-1:] in ".!?”\"’)" else text + "."
