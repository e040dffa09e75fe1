"""The LLM engine: prompts a chat model with fenced, labelled evidence, then checks what it wrote.

The model is never trusted: markers of articles it was not shown are removed, sentences without
a valid citation are marked, quotes come from the article text by offset (never from the model),
an answer with no valid citation at all becomes an abstention, and a contested claim stated as
fact gets the disagreement set out in front of it (when ``qa.claims`` is present).
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..config import LLMSettings
from ..domain import Answer, Citation, Contest, Evidence
from ..index import ArticleRecord
from ..llm import ChatModel
from .citations import CheckedText, MarkerFilter, UNSUPPORTED_MARK, check, citations_for
from .extractive import abstention
from .llm_prompt import ANSWER_VARIABLES, SYSTEM_VARIABLES, PromptBuilder, Prompted

__all__ = ["LLMEngine", "Prompted", "SYSTEM_VARIABLES", "ANSWER_VARIABLES"]

log = logging.getLogger(__name__)
# A reply that opens by declining is an abstention, whatever follows it.
_REFUSAL = re.compile(
    r"^\W*(?:the\s+(?:articles?\s+|news\s+)?(?:articles?|passages?|sources?|texts?)\s+"
    r"(?:do|does)\s*(?:not|n['’]t)\s+(?:say|mention|answer|contain|state|specify|provide|include)"
    r"|(?:i|we)\s+(?:cannot|can['’]t|can\s+not|am\s+unable|do\s*(?:not|n['’]t)\s+know)"
    r"|there\s+is\s+no\s+(?:information|mention)|no\s+information)",
    re.I,
)


class LLMEngine:
    """Answers from evidence with a chat model and checks its citations."""

    def __init__(self, cfg: LLMSettings, prompt_dir: Path | None = None):
        self.cfg = cfg
        self.prompts = PromptBuilder(cfg, prompt_dir)
        self.model = ChatModel(cfg)
        self.claims = _claims_module()

    # --- the two entry points ----------------------------------------------------------------
    def answer(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord],
               contests: list[Contest]) -> Answer:
        """The model's answer after the citation check (``GenerationError`` when it fails)."""
        prompted = self.prompt(question, evidence, records, contests)
        if not prompted.shown:
            return replace(abstention(question), engine="llm")
        raw = self.model.chat(prompted.messages)
        return self.finish(raw, question, prompted, records, contests)

    def stream(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord],
               contests: list[Contest]) -> Iterator[str]:
        """Yields text deltas as they arrive (markers of unknown articles held back and dropped);
        returns the checked ``Answer``, which may differ from the deltas (marks, abstention)."""
        prompted = self.prompt(question, evidence, records, contests)
        if not prompted.shown:
            return replace(abstention(question), engine="llm")
        gate = MarkerFilter(prompted.valid_ids())
        parts: list[str] = []
        for delta in self.model.stream(prompted.messages):
            parts.append(delta)
            shown = gate.feed(delta)
            if shown:
                yield shown
        tail = gate.flush()
        if tail:
            yield tail
        return self.finish("".join(parts), question, prompted, records, contests)

    # --- steps -------------------------------------------------------------------------------
    def prompt(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord],
               contests: list[Contest]) -> Prompted:
        """The messages for ``question`` (see ``qa.answer.llm_prompt``)."""
        return self.prompts.build(question, evidence, records, contests)

    def finish(self, raw: str, question: str, prompted: Prompted,
               records: dict[str, ArticleRecord], contests: list[Contest]) -> Answer:
        """The checked ``Answer`` for the model's reply ``raw``."""
        checked = check(raw, prompted.valid_ids())
        if _REFUSAL.match(raw) or not checked.cited_ids:
            note = ("The language model found no answer in the articles."
                    if _REFUSAL.match(raw) or not raw.strip()
                    else "The language model's reply cited none of the articles it was shown, "
                         "so it is not shown.")
            return replace(abstention(question), engine="llm", notes=(note,),
                           removed_citations=checked.removed)
        spans = prompted.quotable(records)
        articles = {aid: records[aid].article for aid in checked.cited_ids}
        citations = citations_for(checked.sentences, spans, articles)
        text, notes = checked.text, _check_notes(checked)
        lead, lead_citations = self._hedge(text, contests, records)
        if lead:
            text = " ".join(lead) + " " + text
            citations = _dedupe(lead_citations + citations)
            notes += ("The model stated a contested point as fact; who claims what is set out "
                      "first.",)
        return Answer(text=text, citations=tuple(citations), engine="llm",
                      contested=tuple(contests), notes=notes, removed_citations=checked.removed,
                      unsupported_sentences=checked.unsupported)

    def _hedge(self, text: str, contests: list[Contest], records: dict[str, ArticleRecord]):
        """The contests' descriptions (and their claims' citations) when the text states a
        contested claim in its own voice; nothing otherwise or without ``qa.claims``."""
        if self.claims is None or not contests or not self.claims.unhedged(text, contests):
            return [], []
        lead = [self.claims.describe(k) for k in contests]
        cites: list[Citation] = []
        for k in contests:
            for side in k.sides:
                for cl in side.claims:
                    rec = records.get(cl.article_id)
                    if rec is not None:
                        a = rec.article
                        cites.append(Citation(article_id=a.id, quote=a.text[cl.start:cl.end],
                                              start=cl.start, end=cl.end, title=a.title,
                                              date=a.date, source=a.source))
        return lead, cites


def _claims_module():
    """``qa.claims`` when it provides ``unhedged()`` and ``describe()``; None (with a warning
    when the module is there without them). Errors raised while importing it propagate."""
    try:
        claims = importlib.import_module("qa.claims")
    except ModuleNotFoundError as exc:
        if exc.name == "qa.claims":
            return None
        raise
    missing = [f for f in ("unhedged", "describe") if not callable(getattr(claims, f, None))]
    if missing:
        log.warning("qa.claims has no %s(); LLM answers are not checked for contested claims "
                    "stated as fact", "(), ".join(missing))
        return None
    return claims


def _check_notes(checked: CheckedText) -> tuple[str, ...]:
    notes = []
    if checked.removed:
        notes.append(f"Removed {checked.removed} citation(s) of articles the model was not shown.")
    if checked.unsupported:
        notes.append(f"{checked.unsupported} sentence(s) cite no article and are marked "
                     f"{UNSUPPORTED_MARK}.")
    return tuple(notes)


def _dedupe(citations: list[Citation]) -> list[Citation]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in citations:
        if (c.article_id, c.start, c.end) not in seen:
            seen.add((c.article_id, c.start, c.end))
            out.append(c)
    return out
