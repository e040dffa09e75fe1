"""Boilerplate of particular outlets and scrapers, and the marks by which an outlet names
itself: a visible table, one row a rule, applied to every article at ingest. A new outlet's
debris is a new row here, with a test in ``tests/test_corpus.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .links import remove_link_cards


@dataclass(frozen=True)
class Debris:
    """Text that a scraper or an outlet's page adds to an article and that is not news."""

    seen_in: str  # where it comes from
    what: str  # what it looks like
    remove: Callable[[str], str]


@dataclass(frozen=True)
class SourceMark:
    """Where an article names its outlet, which becomes its ``source`` when none is given."""

    outlet: str
    what: str
    pattern: re.Pattern
    where: str  # "title" (the mark is cut from the headline) or "head" (the body's start)


def _drop(pattern: re.Pattern) -> Callable[[str], str]:
    return lambda text: pattern.sub("", text)


DEBRIS: tuple[Debris, ...] = (
    Debris("scraped WordPress pages", "ad slot markers on a line of their own: '[ad_1]'",
           _drop(re.compile(r"^\s*\[ad_\d+\]\s*$", re.M))),
    Debris("scraped WordPress pages", "a closing 'Source link' line",
           _drop(re.compile(r"^\s*Source link\s*$", re.M))),
    Debris("RT", "'Also on rt.com' promotions and the promoted headline under them",
           _drop(re.compile(r"^[ \t]*Also on [a-z0-9.-]+\.[a-z]{2,}[ \t]*\n(?:[^\n]*\S[^\n]*\n?)*",
                            re.M | re.I))),
    Debris("The Hill", "inline link cards after a name: the full name glued to related "
           "headlines, then 'MORE'", remove_link_cards),
)

SOURCE_MARKS: tuple[SourceMark, ...] = (
    SourceMark("RT", "headline suffix '— RT World News' (or '— RT', '— RT Russia News')",
               re.compile(r"\s+[—–-]\s+(RT\s(?:World\s|Russia\s|Business\s)?News|RT)\s*$"),
               "title"),
    SourceMark("TASS", "'/TASS/' in the dateline", re.compile(r"/TASS/"), "head"),
)


def remove_debris(text: str) -> str:
    """``text`` less every ``DEBRIS`` rule's matches."""
    for rule in DEBRIS:
        text = rule.remove(text)
    return text


def source_from_title(title: str) -> tuple[str, str | None]:
    """The headline less an outlet's own mark, and the outlet it names (or None)."""
    for mark in SOURCE_MARKS:
        if mark.where == "title":
            m = mark.pattern.search(title)
            if m:
                return title[: m.start()], mark.outlet
    return title, None


def detect_source(body: str) -> str | None:
    """The outlet an article names for itself near its start (its dateline)."""
    head = body[:400]
    for mark in SOURCE_MARKS:
        if mark.where == "head" and mark.pattern.search(head):
            return mark.outlet
    return None
