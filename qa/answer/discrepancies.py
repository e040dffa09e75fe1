"""Contests between the answer's own sentences and other articles' tellings of them.

Two articles often carry the same sentence (a wire story rewritten, a page copied) with one
value changed: another figure, another date, another name ("... operated by JR East" /
"... operated by Odakyu Electric Railway"). When a sentence the answer quotes has such a twin
in another retrieved article, the answer must not cite both for one value, nor state either as
settled: the two values become a contest, each attributed to the article that gives it. Found
from the text itself (``qa.text.differing_values``), whether or not the claims module read the
sentence as a claim; figures whose ranges overlap ("16" / "more than a dozen") do not differ.

The same holds for the answer itself: when a "how many X" question gets sentences from two
articles that count X differently (27 / thirty-one states; 14 / 23 people killed), neither is
the answer: the two are a contest, each attributed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..claims.facts import parse_date, value_range
from ..claims.figures import published_apart
from ..domain import ArticleRecord, Claim, Contest, ContestSide
from ..text import Lexicon, differing_values
from .evidence import ENTITY_TYPES, Candidate, Selection, numbers_in
from .question import NUMBER, PLACE, Question

_YEAR = re.compile(r"\b(?:1[6-9]|20)\d\d\b")


def discrepancies(selection: Selection, records: dict[str, ArticleRecord],
                  lexicon: Lexicon, claim_at: "ClaimAt | None" = None) -> list[Contest]:
    """One contest per quoted sentence that another article tells with another value."""
    out: list[Contest] = []
    for c in selection.chosen:
        sides: dict[str, list[tuple[Candidate, tuple[int, int]]]] = {}
        for o in selection.candidates:
            if o.article_id == c.article_id or not _alike(c, o, lexicon):
                continue
            d = differing_values(c.text, o.text)
            if d is None or _same_figure(c.text[d[0][0]:d[0][1]], o.text[d[1][0]:d[1][1]]):
                continue
            if _figures_weeks_apart(c.text[d[0][0]:d[0][1]], o.text[d[1][0]:d[1][1]],
                                    records[c.article_id].article.date,
                                    records[o.article_id].article.date):
                continue  # a count told again weeks later: updated, not disputed
            sides.setdefault(_key(c.text[d[0][0]:d[0][1]]), []).append((c, d[0]))
            sides.setdefault(_key(o.text[d[1][0]:d[1][1]]), []).append((o, d[1]))
        if len(sides) < 2:
            continue
        first = next(iter(sides.values()))[0]
        out.append(Contest(topic=_topic(first[0].text, first[1]),
                           sides=tuple(_side(v, records, claim_at) for v in sides.values()),
                           kind="values", reason="quoted"))
    return out


def differing_answers(q: Question, selection: Selection, records: dict[str, ArticleRecord],
                      lexicon: Lexicon, claim_at: "ClaimAt | None" = None) -> list[Contest]:
    """A contest when the chosen sentences of different articles count what a "how many X"
    question counts differently: each gives a figure followed by X ("27 states" / "thirty-one
    states"), and no two articles' figures agree (module docstring).

    Only counts of the thing asked about, and no dates: on the dev suites' AllSides answers,
    every contest this made between any two figures or any two dates of the chosen sentences
    was false (18 read on 2026-12-07: "10.1 million watched online" against "6,200 attended",
    "19 points of attack" against "ten drones", the day Sanders lost primaries against the day
    he quit, Inhofe's sale date against Burr's). Dates across outlets are contests when the
    claims module ties them to one event (``qa/claims/figures.py``)."""
    counted = _counted(q, lexicon)
    if NUMBER not in q.wants or not counted:
        return []
    # ... and says of it what the question does: "10.1 million people watched the rally online"
    # counts no attendance.
    said = _predicate(q, lexicon)
    by_article: dict[str, tuple[Candidate, frozenset, str]] = {}
    for c in selection.chosen:
        for k in [c, *c.also]:
            if said and not said <= lexicon.terms(k.text):
                continue
            if _elsewhere(k, q, lexicon):
                continue  # a count of another event
            vals = _figures(k.text, q.text)
            value = _counting_figure(k.text, vals, counted, lexicon) if vals else None
            if value is not None and k.article_id not in by_article:
                by_article[k.article_id] = (k, frozenset(v for v in vals if v[2] == value), value)
    if len(by_article) < 2:
        return []
    items = list(by_article.values())
    if not _close_in_time([records[c.article_id].article.date for c, _, _ in items]):
        return []  # a count reported weeks apart is updated, not disputed (figures.MAX_COUNT_GAP)
    if any(_ranges_meet(a[1], b[1]) for i, a in enumerate(items) for b in items[i + 1:]):
        return []
    sides: dict[str, list[tuple[Candidate, tuple[int, int]]]] = {}
    for cand, _, value in items:
        span = _span_of(cand.text, value)
        sides.setdefault(_key(cand.text[span[0]:span[1]]), []).append((cand, span))
    topic = "what the articles give for “" + q.text.rstrip("?. ") + "”"
    return [Contest(topic=topic, sides=tuple(_side(v, records, claim_at) for v in sides.values()),
                    kind="values", reason="quoted")]


def _elsewhere(k: Candidate, q: Question, lexicon: Lexicon) -> bool:
    """Whether the sentence counts at another place than the question asks about: it holds
    none of the question's names and names a place ("how many were killed in the El Paso
    shooting": not "another in the West Texas cities of Midland and Odessa, where ... one man
    killed seven people"). A sentence that names no place ("McMichael said his son fired two
    shots") is read as about the question's event."""
    if not q.name_terms or k.entities is None or q.name_terms & lexicon.terms(k.text):
        return False
    return any(label in ENTITY_TYPES[PLACE] and not lexicon.terms(k.text[s:e]) <= q.name_terms
               for s, e, label in k.entities)


def _figures_weeks_apart(a: str, b: str, date_a: str | None, date_b: str | None) -> bool:
    """Two figures (not names, not dates) from articles published more than
    ``figures.MAX_COUNT_GAP`` days apart."""
    def figure(x: str) -> bool:
        return value_range(x) is not None and not parse_date(x, None) and not _YEAR.search(x)

    return figure(a) and figure(b) and published_apart(date_a, date_b)


def _close_in_time(dates: list[str | None]) -> bool:
    """Whether two of the articles were published within ``figures.MAX_COUNT_GAP`` days of each
    other (an undated article is close to any)."""
    return any(not published_apart(a, b) for i, a in enumerate(dates) for b in dates[i + 1:])


#: What a figure is said to be before it is written: a limit or a bound ("faces a maximum of
#: 50 years", "at least 16 people"), read with the figure by ``value_range``.
_BOUND = re.compile(r"\b(maximum|at most|no more than|not more than|capped at|at least|more than|"
                    r"fewer than|less than|up to|as many as|about|around|nearly|almost|roughly)"
                    r"(?:\s+of)?\s*$", re.I)


def _figures(text: str, question: str) -> frozenset:
    """(lo, hi, as written) of each figure a sentence gives that the question does not."""
    asked = set(re.findall(r"\d[\d,.]*", question))
    out = set()
    for written in numbers_in(text):
        if written in asked:
            continue
        at = text.find(written)
        bound = _BOUND.search(text[max(0, at - 30):max(at, 0)])
        rng = value_range((bound.group(1) + " " if bound else "") + written)
        if rng is not None:
            out.add((rng[0], rng[1], written))
    return frozenset(out)


#: Words after a figure read for what it counts ("27 states", "three more police officers").
_COUNTED_WORDS = 4
#: What a question counts: the noun after "how many" or "the number of" ("states").
_COUNTED = re.compile(r"\bhow\s+many\s+(?:more\s+|other\s+)?([A-Za-z-]+)|"
                      r"\bnumber\s+of\s+([A-Za-z-]+)", re.I)


def _counted(q: Question, lexicon: Lexicon) -> frozenset:
    """The terms of what a question counts (the noun after "how many" / "the number of")."""
    m = _COUNTED.search(q.text)
    return lexicon.terms(m.group(1) or m.group(2)) if m else frozenset()


#: Words between a counted noun and its verb that are no predicate ("how many drones were used").
_AUXILIARY = frozenset("were was is are be been being did do does have has had could would will "
                       "can may might should must shall".split())


def _predicate(q: Question, lexicon: Lexicon) -> frozenset:
    """The terms of what the question says of what it counts: the first word after the counted
    noun that is no auxiliary ("attended" in "how many people attended the rally", "used" in
    "how many drones were used"); empty when there is none."""
    m = _COUNTED.search(q.text)
    if not m:
        return frozenset()
    for word in re.findall(r"[A-Za-z’'-]+", q.text[m.end():]):
        if word.lower() not in _AUXILIARY and (terms := lexicon.terms(word)):
            return terms
    return frozenset()


def _counting_figure(text: str, vals: frozenset, counted: frozenset, lexicon: Lexicon) -> str | None:
    """Of the figures a sentence gives, the first followed within a few words by what the
    question counts ("28 states" for "how many states ...", not "4" of "4 million workers"), or
    None when none counts it ("19 points of attack" for "how many drones")."""
    found = []
    for _lo, _hi, written in vals:
        for at in re.finditer(rf"(?<!\w){re.escape(written)}(?!\w)", text):
            words = text[at.end():].split()[:_COUNTED_WORDS]
            # The figure nearest the noun counts it: "one man killed seven people" counts
            # seven people, not one.
            upto = next((i for i, w in enumerate(words) if lexicon.terms(w) & counted), None)
            if upto is not None and not any(numbers_in(w) for w in words[:upto]):
                found.append((at.start(), written))
    return min(found)[1] if found else None


def _ranges_meet(a: frozenset, b: frozenset) -> bool:
    return any(x[0] <= y[1] and y[0] <= x[1] for x in a for y in b)


def _span_of(text: str, value: str) -> tuple[int, int]:
    i = text.find(value)
    return (i, i + len(value)) if i >= 0 else (0, len(text))


def twins_differ(a: Candidate, b: Candidate) -> bool:
    """Whether two near-identical sentences give different values (never cited as one)."""
    d = differing_values(a.text, b.text)
    return d is not None and not _same_figure(a.text[d[0][0]:d[0][1]], b.text[d[1][0]:d[1][1]])


def _alike(a: Candidate, b: Candidate, lexicon: Lexicon) -> bool:
    ta, tb = lexicon.terms(a.text), lexicon.terms(b.text)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.4


def _same_figure(a: str, b: str) -> bool:
    ra, rb = value_range(a), value_range(b)
    return ra is not None and rb is not None and ra[0] <= rb[1] and rb[0] <= ra[1]


def _key(value: str) -> str:
    return " ".join(value.lower().split())


def _topic(text: str, span: tuple[int, int]) -> str:
    """The words before the differing value, as a quotation: “… the home venue of …”."""
    before = text[:span[0]].split()[-6:]
    after = text[span[1]:].split()[:2]
    return "“… " + " ".join(before) + " … " + " ".join(after).rstrip(".,;:") + " …”"


#: The attributed claim an article's sentence holds, if the claims module found one:
#: (article ID, start, end) -> Claim or None.
ClaimAt = Callable[[str, int, int], "Claim | None"]


def _side(items: list[tuple[Candidate, tuple[int, int]]], records: dict[str, ArticleRecord],
          claim_at: ClaimAt | None = None) -> ContestSide:
    claims = []
    seen = set()
    for cand, (s, e) in items:
        if (cand.article_id, cand.start) in seen:
            continue
        seen.add((cand.article_id, cand.start))
        art = records[cand.article_id].article
        said = claim_at(art.id, cand.start, cand.end) if claim_at else None
        if said is not None:
            # Who the sentence says gives the figure ("the police report states").
            claims.append(Claim(speaker=said.speaker, side=said.side, stance="asserts",
                                quote=cand.text, article_id=art.id, start=cand.start,
                                end=cand.end, content=cand.text, affiliation=said.affiliation,
                                date=art.date))
            continue
        who = art.source or "one article"
        claims.append(Claim(speaker=who, side=who, stance="asserts", quote=cand.text,
                            article_id=art.id, start=cand.start, end=cand.end,
                            content=cand.text, date=art.date, attributed=False))
    value = items[0][0].text[items[0][1][0]:items[0][1][1]]
    claims.sort(key=lambda c: (c.date or "9999", c.article_id))
    return ContestSide(value, tuple(claims))
