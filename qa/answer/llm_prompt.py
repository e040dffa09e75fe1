"""The LLM engine's prompt: ``prompts/system.txt`` and ``prompts/answer.txt`` filled with fenced,
labelled evidence passages and the contests, cut to fit the model's context window.

Article text is data: every passage sits in an ``<article id=... passage=... title=... date=...
source=...>`` block, text that would close or open such a block is defused, and the system prompt
tells the model that nothing inside the blocks is an instruction. Each sentence of a passage ends
with its article ID, so a weak model that copies a sentence copies its citation too.

Budget (tiktoken cl100k, scaled by ``_TOKEN_SAFETY`` because small models' own tokenizers count
more): context window minus ``max_tokens`` for the reply, minus the fixed text; the contests may
use up to ``_CONTEST_SHARE`` of what is left (every side of every contest first, then further
claims); the passages take the rest, best first.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import LLMSettings
from ..domain import ArticleRecord, Claim, Contest, Evidence
from ..errors import GenerationError
from ..index.chunking import count_tokens, encoding
from ..llm import Message
from ..prompts import load_prompt
from ..text import split_spans
from .compose import ABSTAIN_PREFIX

SYSTEM_VARIABLES = frozenset({"abstain"})
ANSWER_VARIABLES = frozenset({"evidence", "contests", "question", "abstain"})

_TOKEN_SAFETY = 0.85
_CHAT_OVERHEAD = 48  # role markers and the chat template's own tokens
_MIN_PASSAGE_TOKENS = 40
_CONTEST_SHARE = 0.3
_NO_CONTESTS = "(none found)"
_FENCE = re.compile(r"<(\s*/?\s*(?:article|contests)\b)", re.I)


@dataclass(frozen=True)
class Prompted:
    """The messages sent, and what the model was actually shown."""

    messages: tuple[Message, ...]
    shown: tuple[tuple[Evidence, int], ...]  # (evidence, end offset of the text shown)
    claims: tuple[Claim, ...] = ()  # contest claims included in the prompt

    def valid_ids(self) -> frozenset[str]:
        """The articles the model may cite: its passages' and the shown claims'."""
        return frozenset({ev.chunk.article_id for ev, _ in self.shown}
                         | {cl.article_id for cl in self.claims})

    def quotable(self, records: dict[str, ArticleRecord]) -> dict[str, list[tuple[int, int]]]:
        """Per article, the sentences the model saw (in the order it saw them), as offsets."""
        out: dict[str, list[tuple[int, int]]] = {}
        for ev, shown_end in self.shown:
            rec = records[ev.chunk.article_id]
            spans = out.setdefault(rec.article.id, [])
            found = False
            spans_of = rec.sentences.spans if rec.sentences is not None else split_spans(rec.article.text)
            for s, e in spans_of:
                if e > ev.chunk.start and s < shown_end:
                    found = True
                    if (s, e) not in spans:
                        spans.append((s, e))
            if not found:  # a chunk without a full sentence is still quotable as it is
                spans.append((ev.chunk.start, min(ev.chunk.end, shown_end)))
        for cl in self.claims:
            spans = out.setdefault(cl.article_id, [])
            if (cl.start, cl.end) not in spans:
                spans.append((cl.start, cl.end))
        return out


class PromptBuilder:
    """Loads and checks the two prompt files once; builds each question's messages."""

    def __init__(self, cfg: LLMSettings, prompt_dir: Path | None = None):
        self.cfg = cfg
        self.system = load_prompt("system", SYSTEM_VARIABLES, prompt_dir)
        self.template = load_prompt("answer", ANSWER_VARIABLES, prompt_dir)

    def build(self, question: str, evidence: list[Evidence], records: dict[str, ArticleRecord],
              contests: list[Contest]) -> Prompted:
        """System and user messages with as much evidence (best first) as the context fits."""
        abstain = f"{ABSTAIN_PREFIX}."
        system = self.system.render(abstain=abstain)
        fill = {"question": question, "abstain": abstain}
        fixed = count_tokens(system) + count_tokens(
            self.template.render(evidence="", contests=_NO_CONTESTS, **fill))
        budget = int((self.cfg.context_window - self.cfg.max_tokens) * _TOKEN_SAFETY)
        budget -= fixed + _CHAT_OVERHEAD
        if budget < _MIN_PASSAGE_TOKENS:
            raise GenerationError(
                f"the model's context window ({self.cfg.context_window} tokens, "
                f"{self.cfg.max_tokens} kept for the reply) leaves no room for evidence",
                retryable=False,
            )
        contest_text, claims = contests_block(contests, records, int(budget * _CONTEST_SHARE))
        budget -= count_tokens(contest_text)
        blocks, shown = self._passages(evidence, records, budget)
        user = self.template.render(evidence="\n\n".join(blocks),
                                    contests=contest_text or _NO_CONTESTS, **fill)
        return Prompted(messages=(("system", system), ("user", user)), shown=tuple(shown),
                        claims=claims)

    def _passages(self, evidence: list[Evidence], records: dict[str, ArticleRecord],
                  budget: int) -> tuple[list[str], list[tuple[Evidence, int]]]:
        blocks: list[str] = []
        shown: list[tuple[Evidence, int]] = []
        for ev in evidence:
            if ev.chunk.article_id not in records:
                continue
            text = ev.chunk.text
            block = passage(len(blocks) + 1, ev, text)
            cost = count_tokens(block) + 1
            if cost > budget:
                if blocks:
                    continue  # a later, shorter passage may still fit
                # Even the best passage is too long: show its beginning.
                keep = max(budget - (cost - count_tokens(text)), _MIN_PASSAGE_TOKENS // 2)
                text = encoding().decode(encoding().encode(text, disallowed_special=())[:keep])
                block = passage(1, ev, text)
                cost = count_tokens(block) + 1
            blocks.append(block)
            shown.append((ev, ev.chunk.start + len(text)))
            budget -= cost
        return blocks, shown


def passage(n: int, ev: Evidence, text: str) -> str:
    """One fenced, labelled passage; each sentence ends with the article's ID."""
    c = ev.chunk
    attrs = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in (
        ("id", c.article_id), ("passage", n), ("title", c.title), ("date", c.date or "unknown"),
        ("source", c.source or "unknown")))
    body = "\n".join(f"{defuse(text[s:e])} [{c.article_id}]" for s, e in split_spans(text))
    return f"<article {attrs}>\n{body}\n</article>"


def defuse(text: str) -> str:
    """Article text cannot close its own fence or open a new one."""
    return _FENCE.sub(r"&lt;\1", text)


def contests_block(contests: list[Contest], records: dict[str, ArticleRecord],
                   budget: int) -> tuple[str, tuple[Claim, ...]]:
    """Who claims what, within ``budget`` tokens: each side's first claim before any side's
    second. Claims of articles not in ``records`` are left out (they could not be quoted)."""
    slots = [[[cl for cl in side.claims if cl.article_id in records] for side in k.sides]
             for k in contests]
    chosen: set[tuple[int, int, int]] = set()
    used = sum(count_tokens(_topic_line(k)) + 1 for k in contests)
    depth, more = 0, True
    while more and used < budget:
        more = False
        for ki, k in enumerate(contests):
            for si, side in enumerate(k.sides):
                if depth < len(slots[ki][si]):
                    more = True
                    cost = count_tokens(_claim_line(side.position, slots[ki][si][depth])) + 1
                    if used + cost <= budget:
                        chosen.add((ki, si, depth))
                        used += cost
        depth += 1
    lines: list[str] = []
    claims: list[Claim] = []
    for ki, k in enumerate(contests):
        picked = [(si, ci) for si in range(len(k.sides)) for ci in range(len(slots[ki][si]))
                  if (ki, si, ci) in chosen]
        if not picked:
            continue
        lines.append(_topic_line(k))
        for si, ci in picked:
            cl = slots[ki][si][ci]
            lines.append(_claim_line(k.sides[si].position, cl))
            claims.append(cl)
    return "\n".join(lines), tuple(claims)


def _topic_line(k: Contest) -> str:
    return f"Topic: {defuse(k.topic)}"


def _claim_line(position: str, cl: Claim) -> str:
    who = cl.speaker + (f" ({cl.side})" if cl.side and cl.side != cl.speaker else "")
    return (f'- {defuse(position)}: {defuse(who)} {cl.stance}, {cl.date or "date unknown"}, '
            f'[{cl.article_id}]: "{defuse(cl.quote)}"')
