"""The LLM engine: prompts a chat model with fenced, labelled evidence, then checks what it wrote.

The model is never trusted: markers of articles it was not shown are removed, sentences without
a valid citation are marked, quotes come from the article text by offset (never from the model),
an answer with no valid citation at all becomes an abstention, and a contested claim stated as
fact gets the disagreement set out in front of it (when ``qa.claims`` is present).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..claims import unhedged
from ..config import LLMSettings
from ..domain import Answer, ArticleRecord, Contest, Evidence
from ..llm import ChatModel
from ..text import Lexicon
from .citations import UNSUPPORTED_MARK, MarkerFilter, check, citations_for, drop_unknown_ids
from .compose import abstention, contest_lead, dedupe
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

    name = "llm"

    def __init__(self, cfg: LLMSettings, prompt_dir: Path | None = None):
        self.cfg = cfg
        self.prompts = PromptBuilder(cfg, prompt_dir)
        self.model = ChatModel(cfg)
        self.lexicon = Lexicon()

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
        valid = prompted.valid_ids()
        cleaned, removed = drop_unknown_ids(raw.strip(), valid)
        refused = bool(_REFUSAL.match(raw))
        if refused or not check(cleaned, valid).cited_ids:
            note = ("The language model found no answer in the articles."
                    if refused or not raw.strip()
                    else "The language model's reply cited none of the articles it was shown, "
                         "so it is not shown.")
            return replace(abstention(question), engine="llm", notes=(note,),
                           removed_citations=removed)
        flagged = self._unhedged(cleaned, contests)
        for sentence in flagged:
            # Stated as fact, one side of a contest goes; the descriptions say who claims what.
            cleaned = cleaned.replace(sentence, "", 1)
        checked = check(re.sub(r"[ \t]{2,}", " ", cleaned), valid)
        articles = {aid: records[aid].article for aid in checked.cited_ids}
        citations = citations_for(checked.sentences, prompted.quotable(records), articles,
                                  self.lexicon)
        text, notes = checked.text, _check_notes(removed, checked.unsupported)
        if flagged:
            lead, lead_citations = contest_lead(contests, records)
            text = " ".join(lead + ([text] if text else []))
            citations = dedupe(lead_citations + citations)
            notes += (f"{len(flagged)} sentence(s) of the model stated a contested point as fact; "
                      "who claims what is said instead.",)
        return Answer(text=text, citations=tuple(citations), engine="llm",
                      contested=tuple(contests), notes=notes, removed_citations=removed,
                      unsupported_sentences=checked.unsupported)

    def _unhedged(self, text: str, contests: list[Contest]) -> list[str]:
        """Sentences of ``text`` stating a contested claim in the narrator's voice."""
        if not contests:
            return []
        return [s for s in unhedged(text, contests) if s and s in text]


def _check_notes(removed: int, unsupported: int) -> tuple[str, ...]:
    notes = []
    if removed:
        notes.append(f"Removed {removed} citation(s) of articles the model was not shown.")
    if unsupported:
        notes.append(f"{unsupported} sentence(s) cite no article and are marked "
                     f"{UNSUPPORTED_MARK}.")
    return tuple(notes)
