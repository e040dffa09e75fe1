"""Inline link cards (The Hill): a person's full name glued to the headlines of related
stories, then "MORE", scraped into the running text. "President Trump Donald John
TrumpLincoln Project launches ... MORE's campaign rally" is "President Trump's campaign rally".
"""

from __future__ import annotations

import re

_GLUED = re.compile(r"\b[A-Z][\w'’.-]*[a-z][A-Z0-9][\w'’.-]*")
_TRANSITION = re.compile(r"[a-z](?=[A-Z0-9])")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|\([A-Z][\w'’.-]*\))$")
_REPEATED_NAME_CARD = re.compile(
    r"(\b[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}) \1\b[^\n]{0,3000}? MORE\b")


def remove_link_cards(text: str) -> str:
    """``text`` less inline link cards (each from just after the name shown to its "MORE")."""
    if " MORE" not in text:
        return text
    out, pos = [], 0
    for g in _GLUED.finditer(text):
        if g.start() < pos:
            continue
        end = text.find(" MORE", g.end(), g.end() + 3000)
        if end < 0 or "\n" in text[g.end():end]:
            continue
        cut = _card_start(text, pos, g)
        if cut is not None:
            out.append(text[pos:cut])
            pos = end + len(" MORE")
    out.append(text[pos:])
    return _REPEATED_NAME_CARD.sub(lambda m: m.group(1), "".join(out))


def _card_start(text: str, floor: int, glued: re.Match) -> int | None:
    """Where the card that ``glued`` (its full name run into a headline) belongs starts: just
    after the shown name, which ends with the same surname within a few words before it."""
    window_start = max(floor, glued.start() - 80)
    window = text[window_start:glued.start()]
    for t in _TRANSITION.finditer(glued.group(0)):
        surname = glued.group(0)[: t.end()]
        shown = list(re.finditer(r"(?<![\w'’-])" + re.escape(surname) + r"(?![\w'’-])", window))
        if not shown:
            continue
        start = window_start + shown[-1].end()
        full = text[start:glued.start() + t.end()].split()
        if 1 <= len(full) <= 5 and all(_NAME_WORD.match(w) for w in full):
            return start
    return None
