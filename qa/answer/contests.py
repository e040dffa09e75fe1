"""The contest stage: which disagreements among the evidence articles' claims go into the answer.

Contests are found from the evidence, not from the question's words (``qa.claims`` builds them
from who asserts and who denies, and from differing figures and dates). Two ways in:

1. **No cited claim without its counter-claim.** When a sentence the answer quotes is one of a
   contest's claims, or restates one (a claim of the same side and stance, close in meaning:
   "Trump announced that he had fired Bolton" in one article, "I informed John Bolton that his
   services are no longer needed" in the contest from another), the contest goes in, whatever
   the question asked.
2. **The question is about it.** Otherwise a logistic model over the contest's features (the
   question's similarity to the contested point, to the claims that make it and to the
   closest of them, that
   similarity against the best contest's, the question's words the point holds, a figure or
   date contest for a "how many"/"when" question, how much of it lies in the retrieved chunks,
   how close its claims come in meaning to the sentences the answer quotes)
   gives the probability that the question is about it; ``ContestModelSettings`` holds the
   fitted weights and threshold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..claims import Found
from ..claims.denials import SIM_SUPPORT, told_as
from ..claims.sides import same_side
from ..config import ContestModelSettings
from ..domain import Claim, Contest, Evidence
from ..text import Lexicon
from .evidence import Selection
from .question import DATE, NUMBER, Question

FEATURES = ("topic", "core", "best_claim", "gap", "lex", "kind", "evidence", "answer_sim")


@dataclass
class ContestCandidate:
    """A contest among the evidence articles, and why it would (not) go into the answer."""

    found: Found
    features: np.ndarray = field(repr=False)
    cited: bool = False
    p: float = 0.0
    attached: bool = False

    @property
    def contest(self) -> Contest:
        return self.found.contest


class ContestModel:
    """The fitted logistic model over ``FEATURES`` (weights from settings)."""

    def __init__(self, cfg: ContestModelSettings):
        self.cfg = cfg
        self.weights = np.array([getattr(cfg, f"w_{f}") for f in FEATURES], dtype=np.float32)

    def probability(self, row: np.ndarray) -> float:
        z = float(row @ self.weights) + self.cfg.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


#: A sentence the answer quotes restates a contest's claim when it is a claim of the same side
#: and stance this close in meaning: the builder's own bar for a side's other claims on the point
#: (``denials.SIM_SUPPORT``).
SIM_RESTATED = SIM_SUPPORT


def _restated(f: Found, quoting: list[tuple[np.ndarray, Claim]]) -> bool:
    """Whether a sentence the answer quotes (``quoting``: its vector and the attributed claim it
    holds) restates a claim of the contest: another article's telling of it, or another
    sentence of the same side saying the same."""
    if len(f.core_claims) != len(f.core):
        return False  # the vectors are not the claims' own (a date contest's event labels)
    for vec, claim in quoting:
        asserts = claim.stance == "asserts"
        for member, member_vec in zip(f.core_claims, f.core):
            if (member.stance == "asserts") == asserts and same_side(claim.side, member.side) \
                    and float(vec @ member_vec) >= SIM_RESTATED:
                return True
        if _denied_as_told(f.contest, claim) if asserts else _denies_told(f.contest, claim):
            return True
    return False


def _denies_told(contest: Contest, claim: Claim) -> bool:
    """The other way round: a quoted denial that names a claim by its noun and its claimant
    ("Biden and his campaign have adamantly denied Reade's accusations"), of a side that denies
    in the contest, against a claimant's claim made by the verb of that noun ("Reade said he
    assaulted her" is no accusation by its verb; "Reade has accused Biden of ..." is)."""
    told = told_as(claim.content or claim.quote)
    if not told or not any(same_side(claim.side, c.side) and c.stance != "asserts"
                           for side in contest.sides for c in side.claims):
        return False
    return any(c.stance == "asserts" and not same_side(c.side, claim.side)
               and c.verb.lower().startswith(told) and _names(c.side) & _names(claim.quote)
               for side in contest.sides for c in side.claims)


def _denied_as_told(contest: Contest, claim: Claim) -> bool:
    """Whether a denial of the contest names ``claim`` by the noun of what it does: "the Biden
    camp has denied Reade's allegations" against a quoted "Reade has accused Biden of ...", when
    the contest holds a claim of Reade's side and the accusation names the denier. Every
    allegation of hers against him is what such a denial answers, however far apart in words."""
    verb = claim.verb.lower()
    if not verb or not any(same_side(claim.side, c.side) and c.stance == "asserts"
                           for side in contest.sides for c in side.claims):
        return False
    for side in contest.sides:
        for d in side.claims:
            if d.stance == "asserts" or same_side(d.side, claim.side):
                continue
            told = told_as(d.content or d.quote)
            if told and verb.startswith(told) and _names(d.side) & _names(claim.quote):
                return True
    return False


def _names(text: str) -> set[str]:
    """The capitalised words of ``text`` (a side's name, or the sentence that should name it),
    without a possessive ending ("Reade's" names Reade)."""
    words = re.findall(r"\b[A-Z][\w’'-]{2,}", text)
    return {re.sub(r"[’']s?$", "", w.lower()) for w in words} - {"the"}


def candidates(q: Question, found: list[Found], selection: Selection, evidence: list[Evidence],
               lexicon: Lexicon, claim_at) -> list[ContestCandidate]:
    """Every contest with its features, and whether the answer quotes one of its claims, or
    restates one (``claim_at``: the attributed claim a sentence holds, ``ContestFinder.claim_at``)."""
    if not found:
        return []
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in evidence:
        spans.setdefault(e.chunk.article_id, []).append((e.chunk.start, e.chunk.end))
    quoted = _quoted_spans(selection)
    chosen = np.stack([c.vector for c in selection.chosen]) if selection.chosen else None
    quoting = [(c.vector, claim) for c in selection.chosen
               if (claim := claim_at(c.article_id, c.start, c.end)) is not None]
    texts = [lexicon.terms(e.chunk.text) for e in evidence]
    n = len(texts)
    weight = {t: math.log(1 + n / (1 + sum(t in x for x in texts))) for t in q.terms}
    total = sum(weight.values()) or 1.0
    rels = []
    for f in found:
        topic = float(q.vector @ f.topic_vec)
        core = float(q.vector @ _unit(f.core.mean(axis=0))) if len(f.core) else -1.0
        best_claim = float((f.core @ q.vector).max()) if len(f.core) else -1.0
        rels.append((topic, core, best_claim))
    best = max(max(r) for r in rels)
    out = []
    for f, (topic, core, best_claim) in zip(found, rels):
        members = [c for side in f.contest.sides for c in side.claims]
        # The words of the point itself and of the claims that make it (not of every claim
        # a side made on it: a contest that a whole corpus is about holds every word).
        said = set(lexicon.terms(f.contest.topic))
        for c in f.core_claims or members:
            said |= lexicon.terms(c.content or c.quote)
        lex = sum(w for t, w in weight.items() if t in said) / total
        kind = float((f.contest.kind == "numbers" and NUMBER in q.wants)
                     or (f.contest.kind == "dates" and DATE in q.wants))
        inside = sum(_overlaps(spans.get(c.article_id, ()), c.start, c.end) for c in members)
        # Whether the contest is about what the answer says: its claims against the chosen
        # sentences, by meaning.
        answer_sim = float((chosen @ f.core.T).max()) if chosen is not None and len(f.core) else 0.0
        row = np.array([topic, core, best_claim, max(topic, core, best_claim) - best, lex, kind,
                        inside / max(len(members), 1), answer_sim], dtype=np.float32)
        # Quoted: the answer cites one of the claims the contest shows on a side.
        cited = any(_overlaps(quoted.get(c.article_id, ()), c.start, c.end) for c in members) \
            or _restated(f, quoting)
        out.append(ContestCandidate(f, row, cited))
    return out


def counter_claims(listed: list[ContestCandidate], found: list[Found], selection: Selection
                   ) -> list[ContestCandidate]:
    """Of the contests the corpus-wide list adds (``Pipeline._listed``), those that show the
    counter-claim of a sentence the answer quotes when no contest among the retrieved articles
    holds that sentence's claim: the retrieved articles decide first (the same disagreement
    found again over other articles would be shown twice)."""
    held = {(c.article_id, c.start) for f in found for side in f.contest.sides for c in side.claims}
    quoted = _quoted_spans(selection)
    out = []
    for cand in listed:
        mine = [c for side in cand.contest.sides for c in side.claims
                if _overlaps(quoted.get(c.article_id, ()), c.start, c.end)]
        if cand.cited and mine and not any((c.article_id, c.start) in held for c in mine):
            out.append(cand)
    return out


def choose(cands: list[ContestCandidate], model: ContestModel, limit: int) -> list[Contest]:
    """The contests that go into the answer, those the question is about first, each marked
    with why it is there (see the module docstring)."""
    for c in cands:
        c.p = model.probability(c.features)
        c.attached = c.cited or c.p >= model.cfg.attach_at
    ranked = sorted((c for c in cands if c.attached), key=lambda c: -c.p)[:limit]
    return [replace(c.contest, reason="asked" if c.p >= model.cfg.attach_at else "quoted")
            for c in ranked]


def distinct(contests: list[Contest]) -> list[Contest]:
    """``contests`` less those whose every claim sentence an earlier one already shows (the
    claims module and the answer's own sentences can find one disagreement twice)."""
    out: list[Contest] = []
    shown: list[set] = []
    for k in contests:
        mine = {(c.article_id, c.start) for side in k.sides for c in side.claims}
        if any(mine <= earlier for earlier in shown):
            continue
        out.append(k)
        shown.append(mine)
    return out


def _quoted_spans(selection: Selection) -> dict[str, list[tuple[int, int]]]:
    """Article ID -> spans of the sentences the answer quotes (with their twins in other
    articles)."""
    quoted: dict[str, list[tuple[int, int]]] = {}
    for c in selection.chosen:
        for k in [c, *c.also]:
            quoted.setdefault(k.article_id, []).append((k.start, k.end))
    return quoted


def _overlaps(spans, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v
