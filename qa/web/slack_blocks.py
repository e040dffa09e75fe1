"""Answers rendered as Slack messages: Block Kit within Slack's limits, with citations as links
to the chat page. Pure functions; no Slack client here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..domain import CITATION_RE, Answer, Claim, Citation

#: Slack's documented limits on what one message may hold.
SECTION_CHARS = 3000
MAX_BLOCKS = 50
CONTEXT_ELEMENTS = 10
BUTTON_URL_CHARS = 3000
FALLBACK_CHARS = 12_000  # of the 40,000 Slack allows in ``text``; the blocks carry the answer

#: Kept small so a reply stays readable; the rest is one click away on the web page.
MAX_CONTESTS = 3
MAX_SIDES = 4
MAX_CLAIMS = 3
QUOTE_CHARS = 220
TITLE_CHARS = 120
QUESTION_URL_CHARS = 1500  # longer questions link to the page without pre-filling them

#: ``metadata.event_type`` of the bot's own messages, so thread history can tell a real answer
#: from a placeholder or a notice.
EVENT_ANSWER = "qa_answer"
EVENT_PENDING = "qa_pending"
EVENT_NOTICE = "qa_notice"

STANCE_WORDS = {"asserts": "says", "denies": "denies", "disputes": "disputes"}


@dataclass(frozen=True)
class SourceInfo:
    """What a reader needs to recognise an article: title, outlet and date."""

    title: str = ""
    source: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class SlackMessage:
    """The arguments of ``chat.postMessage``/``chat.update``: fallback text, blocks, metadata."""

    text: str
    blocks: list[dict] = field(default_factory=list)
    metadata: dict | None = None


class Links:
    """URLs on the chat page: an article (optionally a quoted span) and a question."""

    def __init__(self, public_url: str):
        self.base = public_url.rstrip("/")

    def article(self, article_id: str, start: int | None = None, end: int | None = None) -> str:
        """``{public_url}/?article=<id>&start=<s>&end=<e>``: the article, opened at the span."""
        params: dict = {"article": article_id}
        if start is not None and end is not None:
            params.update(start=start, end=end)
        return f"{self.base}/?{urlencode(params)}"

    def disagreements(self) -> str:
        """``{public_url}/#disagreements``: the page's list of contested points."""
        return f"{self.base}/#disagreements"

    def question(self, question: str) -> str:
        """``{public_url}/?q=<question>``: the page asks it and shows the full answer."""
        if not question or len(question) > QUESTION_URL_CHARS:
            return f"{self.base}/"
        return f"{self.base}/?{urlencode({'q': question})}"


# --- rendering answers ------------------------------------------------------------------------
PENDING_TEXT = "Looking into it…"
APOLOGY_TEXT = ("Sorry, something went wrong while answering that. "
                "Please try again in a moment.")
USAGE_TEXT = ("Ask me a question about the news articles, for example "
              "`Did the Taliban take control of Panjshir?` I answer from the articles only, "
              "cite each one, and say where they disagree.")
#: The bot's messages that are not answers, for history read without metadata.
TRANSIENT_TEXTS = frozenset({PENDING_TEXT, APOLOGY_TEXT, USAGE_TEXT})


def escape(text: str) -> str:
    """Slack's three control characters as entities, so article text cannot inject mrkdwn links
    or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link; ``|`` would end the URL part, so it cannot appear in the label."""
    return f"<{escape(url)}|{escape(label.replace('|', '¦'))}>"


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending in "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


class _Refs:
    """Numbers each article once, in order of first mention, and remembers where to link."""

    def __init__(self, links: Links, citations: Sequence[Citation],
                 sources: Mapping[str, SourceInfo]):
        self.links = links
        self.numbers: dict[str, int] = {}
        self.spans: dict[str, tuple[int, int]] = {}
        self.info: dict[str, SourceInfo] = dict(sources)
        for c in citations:
            self.spans.setdefault(c.article_id, (c.start, c.end))
            self.info.setdefault(c.article_id, SourceInfo(c.title, c.source, c.date))

    def knows(self, article_id: str) -> bool:
        return article_id in self.spans or article_id in self.info

    def number(self, article_id: str) -> int:
        return self.numbers.setdefault(article_id, len(self.numbers) + 1)

    def marker(self, article_id: str, start: int | None = None, end: int | None = None) -> str:
        """``<url|[n]>``, pointing at the given span or the article's first cited quote."""
        if start is None:
            start, end = self.spans.get(article_id, (None, None))
        return link(self.links.article(article_id, start, end), f"[{self.number(article_id)}]")


def _answer_pieces(text: str, refs: _Refs) -> list[tuple[str, bool]]:
    """The answer as mrkdwn pieces: escaped text (cuttable) and citation links (atomic)."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in CITATION_RE.finditer(text):
        ids = [i.strip() for i in re.split(r"[,;]", m.group(1))]
        if not all(refs.knows(i) for i in ids):
            continue  # "[ad_1]" and other brackets that are not citations stay text
        pieces.append((escape(text[pos:m.start()]), False))
        pieces.append(("".join(refs.marker(i) for i in ids), True))
        pos = m.end()
    pieces.append((escape(text[pos:]), False))
    return [p for p in pieces if p[0]]


def _cut_escaped(text: str, room: int) -> str:
    """At most ``room`` characters of escaped text, never splitting an entity or a word."""
    cut = text[: max(room, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:")


def fit(pieces: Sequence[tuple[str, bool]], limit: int, more_url: str) -> str:
    """Joins mrkdwn pieces within ``limit`` characters; when they do not fit, ends with "…" and
    a link to ``more_url`` instead of breaking a link or an entity."""
    whole = "".join(p for p, _ in pieces)
    if len(whole) <= limit:
        return whole
    suffix = "… " + link(more_url, "Read the full answer on the web page")
    budget = limit - len(suffix)
    out, used = [], 0
    for piece, atomic in pieces:
        if used + len(piece) <= budget:
            out.append(piece)
            used += len(piece)
            continue
        if not atomic:
            out.append(_cut_escaped(piece, budget - used))
        break
    return "".join(out).rstrip() + suffix


def _section(text: str, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def _context(texts: Sequence[str], block_id: str | None = None) -> dict:
    block = {"type": "context",
             "elements": [{"type": "mrkdwn", "text": t} for t in texts[:CONTEXT_ELEMENTS]]}
    if block_id:
        block["block_id"] = block_id
    return block


def said(claim) -> str:
    """Who said what, when, as mrkdwn: "*Dashti* (National Resistance Front) denied, 2021-09-01:
    “...”" (a domain ``Claim`` or the API's ``ClaimOut``)."""
    who = f"*{escape(shorten(claim.speaker or claim.side or 'Unattributed', 80))}*"
    group = claim.affiliation or claim.side
    if group and group.lower() not in (claim.speaker or "").lower():
        who += f" ({escape(shorten(group, 60))})"
    when = f", {escape(claim.date)}" if claim.date else ""
    verb = STANCE_WORDS.get(claim.stance, claim.stance)
    return f"{who} {verb}{when}: “{escape(shorten(claim.quote, QUOTE_CHARS))}”"


def _claim_line(claim: Claim, refs: _Refs) -> str:
    return f"• {said(claim)} {refs.marker(claim.article_id, claim.start, claim.end)}"


def _contest_blocks(answer: Answer, refs: _Refs, more_url: str) -> list[dict]:
    blocks: list[dict] = [_section(":warning: *Sources disagree*", "contested")]
    for ci, contest in enumerate(answer.contested[:MAX_CONTESTS]):
        blocks.append(_context([f"On *{escape(shorten(contest.topic, 300))}*"],
                               f"contest-{ci}"))
        for si, side in enumerate(contest.sides[:MAX_SIDES]):
            lines = [_claim_line(c, refs) for c in side.claims[:MAX_CLAIMS]]
            extra = len(side.claims) - MAX_CLAIMS
            if extra > 0:
                lines.append(f"_and {extra} more on the web page_")
            pieces = [(f"*{escape(shorten(side.position, 300))}*", True)]
            pieces += [("\n" + line, True) for line in lines]
            blocks.append(_section(fit(pieces, SECTION_CHARS, more_url),
                                   f"contest-{ci}-side-{si}"))
        if len(contest.sides) > MAX_SIDES:
            blocks.append(_context([link(more_url, f"{len(contest.sides) - MAX_SIDES} more "
                                                   "positions on the web page")]))
    hidden = len(answer.contested) - MAX_CONTESTS
    if hidden > 0:
        blocks.append(_context([link(more_url, f"{hidden} more disagreements on the web page")],
                               "contested-more"))
    return blocks


def _sources_block(refs: _Refs, more_url: str) -> dict | None:
    items = []
    for article_id, n in sorted(refs.numbers.items(), key=lambda kv: kv[1]):
        info = refs.info.get(article_id, SourceInfo())
        start, end = refs.spans.get(article_id, (None, None))
        title = shorten(info.title or article_id, TITLE_CHARS)
        parts = [f"*[{n}]* " + link(refs.links.article(article_id, start, end), title)]
        parts += [escape(shorten(x, 60)) for x in (info.source, info.date) if x]
        items.append(" · ".join(parts))
    if not items:
        return None
    if len(items) > CONTEXT_ELEMENTS:
        rest = len(items) - (CONTEXT_ELEMENTS - 1)
        items = items[: CONTEXT_ELEMENTS - 1] + [link(more_url, f"and {rest} more sources")]
    return _context(items, "sources")


def render_answer(answer: Answer, *, question: str, links: Links, asked_by: str | None = None,
                  sources: Mapping[str, SourceInfo] | None = None) -> SlackMessage:
    """An ``Answer`` as a Slack message: the answer with citation markers as numbered links to
    the article on the web page, the sources (title, outlet, date), a "Sources disagree" section
    per contest, and a button to the full answer. Always within Slack's block limits."""
    refs = _Refs(links, answer.citations, sources or {})
    more_url = links.question(question)
    head: list[dict] = []
    if asked_by:
        head.append(_context([f"<@{asked_by}> asked: _{escape(shorten(question, 500))}_"],
                             "question"))
    if answer.question and " ".join(answer.question.split()) != " ".join(question.split()):
        # A follow-up was rewritten; show what was actually answered.
        head.append(_context([f"Answering: _{escape(shorten(answer.question, 500))}_"],
                             "standalone"))
    body_text = answer.text.strip() or "The articles don't say."
    body = [_section(fit(_answer_pieces(body_text, refs), SECTION_CHARS, more_url), "answer")]
    contest = _contest_blocks(answer, refs, more_url) if answer.contested else []
    for c in answer.citations:  # cited but never marked in the text: still listed
        refs.number(c.article_id)
    tail: list[dict] = []
    sources_block = _sources_block(refs, more_url)
    if sources_block:
        tail.append(sources_block)
    if answer.notes:
        tail.append(_context([":information_source: " + escape(shorten(n, 300))
                              for n in answer.notes], "notes"))
    button = {"type": "button", "action_id": "qa_open_web",
              "text": {"type": "plain_text", "text": "Open on the web page"},
              "url": more_url[:BUTTON_URL_CHARS]}
    tail.append({"type": "actions", "block_id": "actions", "elements": [button]})
    if contest:
        contest = [{"type": "divider"}] + contest
        room = MAX_BLOCKS - len(head) - len(body) - len(tail)
        if len(contest) > room:
            contest = contest[: room - 1] + [_context(
                [link(more_url, "More disagreements on the web page")], "contested-more")]
    blocks = head + body + contest + tail
    fallback = shorten(body_text, FALLBACK_CHARS) if len(body_text) > FALLBACK_CHARS else body_text
    return SlackMessage(text=escape(fallback), blocks=blocks, metadata={
        "event_type": EVENT_ANSWER,
        "event_payload": {"question": shorten(question, 1000), "abstained": answer.abstained},
    })


def notice(text: str) -> SlackMessage:
    """A short message that is not an answer (usage hint, apology): never chat history."""
    return SlackMessage(text=escape(text),
                        metadata={"event_type": EVENT_NOTICE, "event_payload": {}})
