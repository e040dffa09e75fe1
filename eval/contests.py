"""Contested cases on one answer: whether the answer's contests carry the expected sides, who
the claims are attributed to, and which sentences state a contested claim as plain fact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import permutations

from qa.claims import unhedged as claims_unhedged
from qa.domain import Article

from .judge import contains_answer, hedged, normalise, sentences, supports
from .metrics import answer_cited


def matches_speaker(alias: str, claim: Mapping) -> bool:
    """Whether ``alias`` names the claim's speaker, side or affiliation (all the words of one
    inside the other, after normalising: 'Mujahid' ~ 'Zabihullah Mujahid')."""
    a = set(normalise(alias).split())
    if not a:
        return False
    for key in ("speaker", "side", "affiliation"):
        t = set(normalise(claim.get(key) or "").split())
        if t and (a <= t or t <= a):
            return True
    return False


def side_claims(expected, side: Mapping) -> list[Mapping]:
    """Claims of a contest side that make the expected side (by article and speaker)."""
    return [c for c in side.get("claims", [])
            if (not expected.articles or c.get("article_id") in expected.articles)
            and (not expected.speakers or any(matches_speaker(a, c) for a in expected.speakers))
            and (not getattr(expected, "says", ()) or any(
                contains_answer(c.get("quote") or "", w) for w in expected.says))]


@dataclass(frozen=True)
class ContestMatch:
    """How well the answer's contests carry a contested case's sides."""

    found: bool
    topic: str = ""
    missing_sides: tuple[str, ...] = ()
    uncited_sides: tuple[str, ...] = ()


def position_of(contest: Mapping, side: Mapping) -> str:
    """What a contest side holds, as opposed to who holds it: for a denial, whether it claims
    or denies the point ("claimed by the Taliban" and "claimed by TASS" are one position); for
    figures, dates and values, the value itself."""
    pos = str(side.get("position") or "")
    if contest.get("kind", "denial") == "denial":
        return pos.split(" by ", 1)[0].strip().lower() if " by " in pos else pos.lower()
    return pos.lower()


def contest_match(expected_sides, answer: Mapping) -> ContestMatch:
    """The best contest of the answer for the expected sides: each side needs its own contest
    side with a claim that makes it, and a citation of an article that carries it. Two
    expected sides never match two contest sides of one position (two parties that both claim
    the point are not a disagreement between them)."""
    cited = answer_cited(answer)
    best = ContestMatch(False, "", tuple(s.name for s in expected_sides))
    for contest in answer.get("contested", []):
        sides = contest.get("sides", [])
        best_here = None
        for order in permutations(range(len(sides)), min(len(sides), len(expected_sides))):
            if len({position_of(contest, sides[j]) for j in order}) < len(order):
                continue
            missing, uncited = [], []
            for exp, j in zip(expected_sides, order):
                claims = side_claims(exp, sides[j])
                if not claims:
                    missing.append(exp.name)
                elif not cited & ({c.get("article_id") for c in claims} | set(exp.articles)):
                    uncited.append(exp.name)
            missing += [e.name for e in expected_sides[len(order):]]
            m = ContestMatch(not missing and not uncited, contest.get("topic", ""),
                             tuple(missing), tuple(uncited))
            if best_here is None or _rank(m) < _rank(best_here):
                best_here = m
        if best_here and _rank(best_here) < _rank(best):
            best = best_here
    return best


def _rank(m: ContestMatch) -> tuple[int, int]:
    return (len(m.missing_sides), len(m.uncited_sides))


def claims_of(answer: Mapping) -> list[Mapping]:
    """Every claim in the answer's contests."""
    return [c for k in answer.get("contested", []) for s in k.get("sides", [])
            for c in s.get("claims", [])]


def attributed(claim: Mapping, corpus: Mapping[str, Article]) -> bool:
    """A claim is attributed when it names a speaker, and the speaker is not just the outlet
    that published the article."""
    speaker = normalise(claim.get("speaker") or "")
    if not speaker or speaker in {"unknown", "unattributed", "article", "report", "outlet"}:
        return False
    art = corpus.get(claim.get("article_id"))
    return not (art and art.source and speaker == normalise(art.source))


def unhedged(answer: Mapping) -> list[str]:
    """Sentences of the answer that state a contested claim in the narrator's voice.

    When the answer's claims carry their ``content`` (the claim without its "X said" frame),
    this is ``qa.claims.unhedged(text, contests)``, so the service and its eval agree on what
    hedging is. Without it (the ``/api/ask`` JSON gives only the quote, frame included, which
    that function cannot match against), the rule is: a sentence is unhedged when it carries no
    attribution (``judge.hedged``) and a claim of one of the answer's contests supports it
    (``judge.supports``), i.e. it repeats a disputed claim as plain fact."""
    if answer.get("abstained") or not answer.get("contested"):
        return []
    text = answer.get("answer", "")
    claims = claims_of(answer)
    if claims and all(c.get("content") for c in claims):
        found = claims_unhedged(text, list(contests_from_json(answer.get("contested", []))))
        return [f if isinstance(f, str) else getattr(f, "text", str(f)) for f in found]
    quotes = [c.get("quote", "") for c in claims]
    return [s for s in sentences(text)
            if not hedged(s) and any(supports(s, q) for q in quotes if q)]


def contests_from_json(items: Iterable[Mapping]):
    """``Contest`` values rebuilt from the answer JSON (for ``qa.claims`` functions)."""
    from qa.domain import Claim, Contest, ContestSide

    out = []
    for k in items:
        sides = []
        for s in k.get("sides", []):
            claims = tuple(
                Claim(speaker=c.get("speaker") or "", side=c.get("side") or "",
                      stance=c.get("stance") or "asserts", quote=c.get("quote") or "",
                      article_id=c.get("article_id") or "", start=int(c.get("start") or 0),
                      end=int(c.get("end") or 0), affiliation=c.get("affiliation"),
                      date=c.get("date"), content=c.get("content") or "")
                for c in s.get("claims", []))
            sides.append(ContestSide(position=s.get("position") or "", claims=claims))
        out.append(Contest(topic=k.get("topic") or "", sides=tuple(sides),
                           kind=k.get("kind") or "denial"))
    return tuple(out)
