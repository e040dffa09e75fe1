"""``/disagreements [topic]`` rendered as a Slack message: the contested points across the
corpus (``QAService.list_contests``), each with its sides, who carried them, when, and one quote
linked to its span on the web page. Pure functions; no Slack client here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..contract import ClaimOut, ListedContestOut, ListedSideOut
from .slack_blocks import (BUTTON_URL_CHARS, FALLBACK_CHARS, MAX_BLOCKS,
                           SECTION_CHARS, Links, SlackMessage, SourceInfo,
                           _context, _section, escape, fit, link, said, shorten)

#: How many contests one reply lists; the rest are a narrower topic away.
SHOWN_CONTESTS = 5
SHOWN_SIDES = 4
#: ``metadata.event_type`` of a disagreements listing: not an answer to a question, but what the
#: bot said, so a follow-up in its thread can read it as history.
EVENT_CONTESTS = "qa_contests"

KIND_WORDS = {"denial": "claim and denial", "numbers": "numbers differ",
              "dates": "dates differ", "values": "accounts differ"}


def no_contests_text(topic: str | None) -> str:
    """What the asker reads when nothing is contested (about ``topic``)."""
    if topic:
        return f"No disagreements found about “{shorten(topic, 300)}”."
    return "No disagreements found: the articles do not contradict each other anywhere yet."


_LOWER_FIRST = re.compile(r"^(The|A|An|Several|Some|Many|Most|All|No|Few|Dozens|Hundreds|"
                          r"Thousands)\s")


def contest_question(contest: ListedContestOut) -> str:
    """The question the web page's "Ask about this" asks about a contest (as render.js does)."""
    topic = re.sub(r"[\s.?!:;,]+$", "", contest.topic.strip())
    if _LOWER_FIRST.match(topic):
        topic = topic[0].lower() + topic[1:]
    return (f"Is it true that {topic}?" if contest.kind == "denial"
            else f"What do the sources say about {topic}?")


def _days(first: str | None, last: str | None) -> str:
    if first and last and first != last:
        return f"{first} to {last}"
    return first or last or ""


def _carried_by(side: ListedSideOut) -> str:
    """"TASS, RT · 1 center, 1 right · 2021-08-26 to 2021-09-01" (the parts that are known)."""
    parts = []
    if side.outlets:
        parts.append(escape(shorten(", ".join(side.outlets), 300)))
    else:
        n = len(side.articles)
        parts.append(f"{n} article{'s' if n != 1 else ''}")
    if side.classes:
        ranked = sorted(side.classes.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(escape(shorten(", ".join(f"{n} {name}" for name, n in ranked), 200)))
    when = _days(side.first_date, side.last_date)
    if when:
        parts.append(escape(when))
    return " · ".join(parts)


def shown_claim(side: ListedSideOut) -> ClaimOut | None:
    """The side's quote to show: a named speaker's over "the article", dated over undated."""
    if not side.claims:
        return None
    return min(side.claims, key=lambda c: ((c.speaker or "").lower() == "the article",
                                           c.date is None))


def quoted_articles(contests: Sequence[ListedContestOut]) -> set[str]:
    """The articles whose quotes the listing shows (the bot looks up their titles)."""
    return {c.article_id for k in contests for s in k.sides[:SHOWN_SIDES]
            if (c := shown_claim(s)) is not None}


def _quote_line(claim: ClaimOut, links: Links, sources: Mapping[str, SourceInfo]) -> str:
    info = sources.get(claim.article_id) or SourceInfo()
    # The outlet says whose quote it is (a side may list several); an article without one goes
    # by its title.
    label = shorten(info.source or info.title or "the article", 60)
    ref = link(links.article(claim.article_id, claim.start, claim.end), label)
    return f"• {said(claim)} ({ref})"


def _side_text(side: ListedSideOut, links: Links, sources: Mapping[str, SourceInfo],
               more_url: str) -> str:
    pieces = [(f"*{escape(shorten(side.position, 300))}*", True), ("\n" + _carried_by(side), False)]
    claim = shown_claim(side)
    if claim is not None:
        pieces.append(("\n" + _quote_line(claim, links, sources), True))
    more = len(side.claims) - 1
    if more > 0:
        pieces.append((f"\n_and {more} more claim{'s' if more != 1 else ''} on this side_", True))
    # Each part is capped well under the limit; ``fit`` only guards their sum (entities grow).
    return fit(pieces, SECTION_CHARS, more_url)


def _contest_blocks(i: int, contest: ListedContestOut, links: Links,
                    sources: Mapping[str, SourceInfo]) -> list[dict]:
    spread = [KIND_WORDS.get(contest.kind, contest.kind),
              "reported together" if contest.linked else "to check",
              f"{contest.articles} article{'s' if contest.articles != 1 else ''}"]
    if contest.outlets:
        spread.append(f"{contest.outlets} outlet{'s' if contest.outlets != 1 else ''}")
    when = _days(contest.first_date, contest.last_date)
    if when:
        spread.append(when)
    head = (f"*{i + 1}. {escape(shorten(contest.topic, 500))}*\n"
            f"_{escape(' · '.join(spread))}_")
    blocks = [_section(head, f"contest-{i}")]
    more_url = links.question(contest_question(contest))
    for si, side in enumerate(contest.sides[:SHOWN_SIDES]):
        blocks.append(_section(_side_text(side, links, sources, more_url),
                               f"contest-{i}-side-{si}"))
    notes = [link(more_url, "Ask about this on the web page")]
    hidden = len(contest.sides) - SHOWN_SIDES
    if hidden > 0:
        notes.insert(0, f"{hidden} more position{'s' if hidden != 1 else ''}")
    blocks.append(_context(notes, f"contest-{i}-more"))
    return blocks


def render_contests(contests: Sequence[ListedContestOut], total: int, *, topic: str | None,
                    links: Links, asked_by: str | None = None,
                    sources: Mapping[str, SourceInfo] | None = None) -> SlackMessage:
    """The listing as a Slack message: a heading, then per contest its topic and kind and each
    side's position, outlets (with their classes), dates and one quote linked to the article.
    An empty ``contests`` is the "No disagreements found" message. Within Slack's limits."""
    sources = sources or {}

    def metadata(shown: int) -> dict:
        return {"event_type": EVENT_CONTESTS,
                "event_payload": {"topic": shorten(topic or "", 1000), "shown": shown}}

    if not contests:
        return SlackMessage(text=escape(no_contests_text(topic)), metadata=metadata(0))
    # The contests that fit: two heading blocks and the button around them.
    body: list[dict] = []
    shown = 0
    for i, contest in enumerate(contests):
        part = ([{"type": "divider"}] if body else []) + _contest_blocks(i, contest, links, sources)
        if len(body) + len(part) > MAX_BLOCKS - 3:
            break
        body += part
        shown += 1
    about = f" about _{escape(shorten(topic, 500))}_" if topic else ""
    head = [_section(f":warning: *Where the sources disagree{about or ' most'}*",
                     "disagreements")]
    sub = []
    if asked_by:
        asked = (f"disagreements about _{escape(shorten(topic, 300))}_" if topic
                 else "the top disagreements")
        sub.append(f"<@{asked_by}> asked for {asked}")
    if total > shown:
        sub.append(f"Showing {shown} of {total}"
                   + ("; name a topic to narrow them: `/disagreements TOPIC`" if not topic else ""))
    if sub:
        head.append(_context(sub, "disagreements-about"))
    button = {"type": "button", "action_id": "qa_open_web",
              "text": {"type": "plain_text", "text": "All disagreements on the web page"},
              "url": links.disagreements()[:BUTTON_URL_CHARS]}
    tail = [{"type": "actions", "block_id": "actions", "elements": [button]}]
    fallback = "; ".join(
        f"{c.topic} ({KIND_WORDS.get(c.kind, c.kind)}): "
        + " vs ".join(shorten(s.position, 120) for s in c.sides[:SHOWN_SIDES])
        for c in contests[:shown])
    fallback = ("Disagreements" + (f" about {topic}" if topic else "") + ": " + fallback)
    return SlackMessage(text=escape(shorten(fallback, FALLBACK_CHARS)), blocks=head + body + tail,
                        metadata=metadata(shown))
