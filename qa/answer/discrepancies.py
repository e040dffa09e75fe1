"""Contests between the answer's own sentences and other articles' tellings of them.

Two articles often carry the same sentence (a wire story rewritten, a page copied) with one
value changed: another figure, another date, another name ("... operated by JR East" /
"... operated by Odakyu Electric Railway"). When a sentence the answer quotes has such a twin
in another retrieved article, the answer must not cite both for one value, nor state either as
settled: the two values become a contest, each attributed to the article that gives it. Found
from the text itself (``qa.text.differing_values``), whether or not the claims module read the
sentence as a claim; figures whose ranges overlap ("16" / "more than a dozen") do not differ.
"""

from __future__ import annotations

from ..claims.facts import value_range
from ..domain import ArticleRecord, Claim, Contest, ContestSide
from ..text import Lexicon, differing_values
from .evidence import Candidate, Selection


def discrepancies(selection: Selection, records: dict[str, ArticleRecord],
                  lexicon: Lexicon) -> list[Contest]:
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
            sides.setdefault(_key(c.text[d[0][0]:d[0][1]]), []).append((c, d[0]))
            sides.setdefault(_key(o.text[d[1][0]:d[1][1]]), []).append((o, d[1]))
        if len(sides) < 2:
            continue
        first = next(iter(sides.values()))[0]
        out.append(Contest(topic=_topic(first[0].text, first[1]),
                           sides=tuple(_side(v, records) for v in sides.values()),
                           kind="values", reason="quoted"))
    return out


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


def _side(items: list[tuple[Candidate, tuple[int, int]]], records: dict[str, ArticleRecord]) -> ContestSide:
    claims = []
    seen = set()
    for cand, (s, e) in items:
        if (cand.article_id, cand.start) in seen:
            continue
        seen.add((cand.article_id, cand.start))
        art = records[cand.article_id].article
        who = art.source or "one article"
        claims.append(Claim(speaker=who, side=who, stance="asserts", quote=cand.text,
                            article_id=art.id, start=cand.start, end=cand.end,
                            content=cand.text, date=art.date, attributed=False))
    value = items[0][0].text[items[0][1][0]:items[0][1][1]]
    claims.sort(key=lambda c: (c.date or "9999", c.article_id))
    return ContestSide(value, tuple(claims))
