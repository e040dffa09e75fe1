"""The LLM engine: prompts a chat model with fenced, labelled evidence, then checks what it wrote.

The model is never trusted: markers of articles it was not shown are removed, sentences without
a valid citation are marked, quotes come from the article text by offset (never from the model),
an answer with no valid citation at all becomes an abstention, and a contested claim stated as
fact gets the disagreement set out in front of it (when ``qa.claims`` is present).
"""

from __future__ import annotations

import html
import importlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import LLMSettings
from ..domain import Answer, Citation, Contest, Evidence
from ..errors import GenerationError
from ..index import ArticleRecord
from ..index.chunking import count_tokens, encoding
from ..llm import ChatModel, Message
from ..prompts import load_prompt
from .citations import CheckedText, MarkerFilter, UNSUPPORTED_MARK, check, citations_for
from .extractive import ABSTAIN_PREFIX, abstention
from .sentences import sentence_spans, split_spans

SYSTEM_VARIABLES = frozenset({"abstain"})
ANSWER_VARIABLES = frozenset({"evidence", "contests", "question", "abstain"})

# cl100k counts run below most small models' own tokenizers; keep a margin so the prompt fits.
_TOKEN_SAFETY = 0.85
_CHAT_OVERHEAD = 48  # role markers and the chat template's own tokens
_MIN_PASSAGE_TOKENS = 40
# A reply that opens by declining is an abstention, whatever follows it.
_REFUSAL = re.compile(
    r"^\W*(?:the\s+(?:articles?\s+|news\s+)?(?:articles?|passages?|sources?|texts?)\s+(?:do|does)\s*(?:not|n['’]t)\s+"
    r"(?:say|mention|answer|contain|state|specify|provide|include)"
    r"|(?:i|we)\s+(?:cannot|can['’]t|can\s+not|am\s+unable|do\s*(?:not|n['’]t)\s+know)"
    r"|there\s+is\s+no\s+(?:information|mention)|no\s+information)",
    re.I,
)
log = logging.getLogger(__name__)
_FENCE = re.compile(r"<(\s*/?\s*(?:article|contests)\b)", re.I)


@dataclass(frozen=True)
class Prompted:
    """The messages sent, and what of the evidence the model was actually shown."""

    messages: tuple[Message, ...]
    shown: tuple[tuple[Evidence, int], ...]  # (evidence, end offset of the text shown)


class LLMEngine:
    """Answers from evidence with a chat model and checks its citations."""

    def __init__(self, cfg: LLMSettings, prompt_dir: Path | None = None):
        self.cfg = cfg
        self.system = load_prompt("system", SYSTEM_VARIABLES, prompt_dir)
        self.template = load_prompt("answer", ANSWER_VARIABLES, prompt_dir)
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
        gate = MarkerFilter(_valid_ids(prompted, contests, records))
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
        """System and user messages, with as much evidence (best first) as the context fits."""
        abstain = f"{ABSTAIN_PREFIX}."
        system = self.system.render(abstain=abstain)
        fill = {"contests": _contests_block(contests) or "(none found)", "question": question,
                "abstain": abstain}
        fixed = count_tokens(system) + count_tokens(self.template.render(evidence="", **fill))
        budget = int((self.cfg.context_window - self.cfg.max_tokens) * _TOKEN_SAFETY)
        budget -= fixed + _CHAT_OVERHEAD
        if budget < _MIN_PASSAGE_TOKENS:
            raise GenerationError(
                f"the model's context window ({self.cfg.context_window} tokens, "
                f"{self.cfg.max_tokens} kept for the reply) leaves no room for evidence",
                retryable=False,
            )
        blocks: list[str] = []
        shown: list[tuple[Evidence, int]] = []
        for ev in evidence:
            if ev.chunk.article_id not in records:
                continue
            text = ev.chunk.text
            block = _passage(len(blocks) + 1, ev, text)
            cost = count_tokens(block) + 1
            if cost > budget:
                if blocks:
                    continue  # a later, shorter passage may still fit
                # Even the best passage is too long: show its beginning.
                keep = max(budget - (cost - count_tokens(text)), _MIN_PASSAGE_TOKENS // 2)
                text = encoding().decode(encoding().encode(text, disallowed_special=())[:keep])
                block = _passage(1, ev, text)
                cost = count_tokens(block) + 1
            blocks.append(block)
            shown.append((ev, ev.chunk.start + len(text)))
            budget -= cost
        user = self.template.render(evidence="\n\n".join(blocks), **fill)
        return Prompted(messages=(("system", system), ("user", user)), shown=tuple(shown))

    def finish(self, raw: str, question: str, prompted: Prompted,
               records: dict[str, ArticleRecord], contests: list[Contest]) -> Answer:
        """The checked ``Answer`` for the model's reply ``raw``."""
        valid = _valid_ids(prompted, contests, records)
        checked = check(raw, valid)
        if _REFUSAL.match(raw) or not checked.cited_ids:
            note = ("The language model found no answer in the articles."
                    if _REFUSAL.match(raw) or not raw.strip()
                    else "The language model's reply cited none of the articles it was shown, "
                         "so it is not shown.")
            return replace(abstention(question), engine="llm", notes=(note,),
                           removed_citations=checked.removed)
        spans = _quotable(prompted, contests, records)
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


def _passage(n: int, ev: Evidence, text: str) -> str:
    c = ev.chunk
    attrs = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in (
        ("id", c.article_id), ("passage", n), ("title", c.title), ("date", c.date or "unknown"),
        ("source", c.source or "unknown")))
    body = "\n".join(f"{_defuse(text[s:e])} [{c.article_id}]" for s, e in split_spans(text))
    return f"<article {attrs}>\n{body}\n</article>"


def _defuse(text: str) -> str:
    """Article text cannot close its own fence or open a new one."""
    return _FENCE.sub(r"&lt;\1", text)


def _contests_block(contests: list[Contest]) -> str:
    lines: list[str] = []
    for k in contests:
        lines.append(f"Topic: {_defuse(k.topic)}")
        for side in k.sides:
            for cl in side.claims:
                who = cl.speaker + (f" ({cl.side})" if cl.side and cl.side != cl.speaker else "")
                lines.append(f'- {_defuse(side.position)}: {_defuse(who)} {cl.stance}, '
                             f'{cl.date or "date unknown"}, [{cl.article_id}]: '
                             f'"{_defuse(cl.quote)}"')
    return "\n".join(lines)


def _valid_ids(prompted: Prompted, contests: list[Contest],
               records: dict[str, ArticleRecord]) -> frozenset[str]:
    """The articles the model was shown: its passages and the contests' claims."""
    ids = {ev.chunk.article_id for ev, _ in prompted.shown}
    ids |= {cl.article_id for k in contests for s in k.sides for cl in s.claims
            if cl.article_id in records}
    return frozenset(ids)


def _quotable(prompted: Prompted, contests: list[Contest],
              records: dict[str, ArticleRecord]) -> dict[str, list[tuple[int, int]]]:
    """Per article, the sentences the model saw (in the order it saw them), as offsets."""
    out: dict[str, list[tuple[int, int]]] = {}
    for ev, shown_end in prompted.shown:
        rec = records[ev.chunk.article_id]
        spans = out.setdefault(rec.article.id, [])
        found = False
        for s, e in sentence_spans(rec.article.id, rec.content_hash, rec.article.text):
            if e > ev.chunk.start and s < shown_end:
                found = True
                if (s, e) not in spans:
                    spans.append((s, e))
        if not found:  # a chunk without a full sentence is still quotable as it is
            spans.append((ev.chunk.start, min(ev.chunk.end, shown_end)))
    for k in contests:
        for side in k.sides:
            for cl in side.claims:
                if cl.article_id in records:
                    spans = out.setdefault(cl.article_id, [])
                    if (cl.start, cl.end) not in spans:
                        spans.append((cl.start, cl.end))
    return out


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
