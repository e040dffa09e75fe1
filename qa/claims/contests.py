"""Contested points among the claims of the evidence articles.

Three kinds, each from structure rather than a guess at entailment (no NLI model ships here):
- ``denial``: one side asserts a point and another denies or disputes it. A denial is linked to
  the assertions it answers: those of the side it names ("refuted reports by the Taliban"), or,
  when it names none, those about the same thing ("reports about an agreement"); then each side
  is filled in with its other claims on the point.
- ``numbers``: figures for the same count (same kind of thing, same thing happening to it)
  whose ranges do not overlap (dozens vs over 1,000 fighters killed).
- ``dates``: the same event (same doer, same verb, same object) on different days within a few
  days of each other (Ghani fled on 14 vs 15 August).
Sentence vectors come from ingest, so this is numpy over a few hundred claims.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from datetime import date as _date

import numpy as np

from ..domain import Claim, Contest, ContestSide, Evidence
from .facts import PERIOD, is_vague, same_day
from .record import Record, name_opening_pronoun
from .sides import unify

ANY_REPORT = "*"
#: Cosine similarity between a denial and an assertion of the side it names.
SIM_TARGETED = 0.5
#: ... when both are in one article, which tells one story.
SIM_SAME_ARTICLE = 0.45
#: ... when the denial names no side and the two share no subject or object.
SIM_OPEN = 0.7
#: ... when they share a subject or object noun ("agreement").
SIM_SHARED_KEY = 0.25
#: Nouns too general to say two claims are about the same thing.
_VAGUE_KEYS = frozenset("country people one thing time year way part side government official "
                        "officials report reports world state issue".split())
#: A side's other claims in the same articles join it when this close to the other side's
#: claims and to the point as a whole (or when they share a sentence with a linked claim).
SIM_SUPPORT = 0.65
SIM_CENTRE = 0.6
#: ... or, from any article, when about what the denials are about ("agreement").
SIM_KEY_SUPPORT = 0.45
#: Two figures count the same kind of thing ("Taliban militants killed", "fighters killed").
SIM_COUNTED = 0.5
#: ... in claims about the same event.
SIM_EVENT = 0.5
#: A contest is shown only when the question is about it ...
RELEVANCE = 0.5
#: ... and about as much as about the contest it is most about.
RELEVANCE_SPREAD = 0.2
#: Days apart beyond which two dates are two events, not a disagreement.
MAX_DATE_GAP = 10
_CONFIRM = ("confirm", "admit", "acknowledg")


def find_contests(question: str, evidence: list[Evidence], records: dict, embedder) -> list[Contest]:
    """Contests among the claims of the evidence articles that the question is about, most
    relevant first; [] when it touches nothing contested."""
    ids = list(dict.fromkeys(e.chunk.article_id for e in evidence if e.chunk.article_id in records))
    if not ids:
        return []
    found = _among_articles(tuple((aid, records[aid].content_hash) for aid in sorted(ids)),
                            {aid: records[aid] for aid in ids}, embedder)
    if not found:
        return []
    from . import embed

    spans = defaultdict(list)
    for e in evidence:
        spans[e.chunk.article_id].append((e.chunk.start, e.chunk.end))
    qv = embed(embedder, [question])[0]
    scored = []
    for f in found:
        members = [c for side in f.contest.sides for c in side.claims]
        if not any(s < c.end and c.start < e for c in members for s, e in spans[c.article_id]):
            continue
        rel = _relevance(qv, f)
        if rel >= RELEVANCE:
            scored.append((rel, f.contest))
    scored.sort(key=lambda x: -x[0])
    return [c for rel, c in scored if rel >= scored[0][0] - RELEVANCE_SPREAD]


def _relevance(qv: np.ndarray, f: "_Found") -> float:
    """How much a question is about a contest: its similarity to the point itself, or to the
    disagreement as a whole (the mean of the claims that make it)."""
    topic = float(qv @ f.topic_vec)
    core = float(qv @ _unit(f.core.mean(axis=0))) if len(f.core) else -1.0
    return max(topic, core)


class _Found:
    """A contest with what relevance is judged on: the vector of its point and of the claims
    that make it (the denials and the assertions they answer; the figures; the dated events)."""

    def __init__(self, contest: Contest, topic_vec: np.ndarray, core: np.ndarray):
        self.contest, self.topic_vec, self.core = contest, _unit(topic_vec), core


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


_BUILT: OrderedDict = OrderedDict()
_BUILT_LOCK = threading.Lock()


def _among_articles(key: tuple, records: dict, embedder) -> list[_Found]:
    """Contests among a set of articles, built once per set of article versions."""
    from . import records_of

    with _BUILT_LOCK:
        hit = _BUILT.get(key)
        if hit is not None:
            _BUILT.move_to_end(key)
            return hit
    recs: list[Record] = []
    for aid, _ in key:
        recs += records_of(records[aid], embedder)
    found = _build(unify(recs))
    with _BUILT_LOCK:
        _BUILT[key] = found
        while len(_BUILT) > 256:
            _BUILT.popitem(last=False)
    return found


def contests_among(recs: list[Record]) -> list[Contest]:
    """Every contest among ``recs`` (sides already unified)."""
    return [f.contest for f in _build(recs)]


def _build(recs: list[Record]) -> list[_Found]:
    # Claims without a vector are outlet statements that state no figure or date.
    recs = [r for r in recs if r.vec is not None]
    if len(recs) < 2:
        return []
    return _denials(recs) + _numbers(recs) + _dates(recs)


def _order(claims) -> tuple[Claim, ...]:
    """Date order (undated last), then article and position, without duplicates."""
    seen, out = set(), []
    for c in sorted(claims, key=lambda c: (c.date or "9999", c.article_id, c.start)):
        key = (c.article_id, c.start, c.end, c.speaker, c.stance)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return tuple(out)


class _Union:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, x: int) -> int:
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def join(self, a: int, b: int) -> None:
        self.p[self.find(a)] = self.find(b)

    def groups(self, members) -> list[list[int]]:
        g = defaultdict(list)
        for i in members:
            g[self.find(i)].append(i)
        return list(g.values())


_DENY_VERBS = ("den", "refut", "reject", "dismiss", "rebut", "contradict", "disavow", "disput",
               "contest", "counter", "challeng", "question")


def _soft(d: Record) -> bool:
    """A denial only by negation ("they did not advance", "there were no casualties"): it
    names no claim it answers, so it may agree with one as easily; it joins a contest as a
    side's claim but never starts one."""
    return d.claim.stance == "denies" and not d.claim.verb.lower().startswith(_DENY_VERBS)


_BARE = re.compile(r"^(?:the |a |an )?(?:[\w.-]+(?:’s|'s)? ){0,3}(?:reported |alleged |latest |earlier )?"
                   r"(?:claims?|allegations?|reports?|statements?|assertions?)\b(?!.*\bthat\b)", re.I)


def _bare(d: Record) -> bool:
    """A denial of "the Taliban's claim" that does not say which claim: it answers one its own
    article has reported, never one in another article."""
    return bool(_BARE.match(d.claim.content))


def _links(d: Record, a: Record, sim: float) -> bool:
    """Does denial ``d`` answer assertion ``a``?"""
    if a.claim.side == d.claim.side or _soft(d):
        return False
    if _bare(d) and a.claim.article_id != d.claim.article_id:
        return False
    if d.target and d.target != ANY_REPORT:
        if a.claim.side != d.target:
            return False
        same_article = a.claim.article_id == d.claim.article_id
        return sim >= (SIM_SAME_ARTICLE if same_article else SIM_TARGETED)
    names = {w.lower() for w in (a.claim.side + " " + d.claim.side).split()}
    if d.target == ANY_REPORT and (set(d.keys) & set(a.keys)) - _VAGUE_KEYS - names:
        return sim >= SIM_SHARED_KEY
    return sim >= SIM_OPEN


def _side_name(r: Record) -> str:
    return r.claim.side


def _denials(recs: list[Record]) -> list[_Found]:
    att = [i for i, r in enumerate(recs) if r.claim.attributed]
    deny = [i for i in att if recs[i].claim.stance != "asserts"]
    asserts = [i for i in att if recs[i].claim.stance == "asserts"]
    if not deny or not asserts:
        return []
    vecs = np.stack([r.vec for r in recs])
    sims = vecs @ vecs.T
    u = _Union(len(recs))
    linked: set[int] = set()
    for d in deny:
        for a in asserts:
            if _links(recs[d], recs[a], float(sims[d, a])):
                u.join(d, a)
                linked |= {d, a}
    out = []
    used: set[int] = set()
    for group in sorted(u.groups(linked), key=lambda g: min(g)):
        ds = [i for i in group if recs[i].claim.stance != "asserts"]
        as_ = [i for i in group if recs[i].claim.stance == "asserts"]
        asserting = {_side_name(recs[i]) for i in as_}
        denying = {_side_name(recs[i]) for i in ds} - asserting
        if not asserting or not denying:
            continue
        centre = vecs[group].mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        members = set(group)
        spans = {(recs[i].claim.article_id, recs[i].claim.start) for i in group}
        articles = {recs[i].claim.article_id for i in group}
        # What the denials are about ("agreement"), less the parties' own names.
        names = {w.lower() for side in asserting | denying for w in side.split()}
        keys = {k for i in ds for k in recs[i].keys} - names
        for i in att:  # each side's other claims on the point
            r = recs[i]
            if i in members or i in used or _side_name(r) not in asserting | denying:
                continue
            opposed = max(float(sims[i, j]) for j in group if _side_name(recs[j]) != _side_name(r))
            central = float(vecs[i] @ centre)
            if (r.claim.article_id, r.claim.start) in spans or (
                    r.claim.article_id in articles and opposed >= SIM_SUPPORT and central >= SIM_CENTRE) or (
                    set(r.keys) & keys and opposed >= SIM_KEY_SUPPORT and central >= SIM_KEY_SUPPORT):
                members.add(i)
        if _resolved(recs, members, denying, vecs, as_):
            continue
        used |= members
        # The assertion closest to the denials states the point best.
        rep = max(as_, key=lambda i: float(sims[i, ds].max() + sims[i, ds].mean()))
        sides = []
        for name in sorted(asserting, key=lambda s: -sum(_side_name(recs[i]) == s for i in as_)):
            claims = [recs[i].claim for i in members if _side_name(recs[i]) == name]
            sides.append(ContestSide(f"claimed by {_display(recs, name)}", _order(claims)))
        for name in sorted(denying, key=lambda s: -sum(_side_name(recs[i]) == s for i in ds)):
            claims = [recs[i].claim for i in members if _side_name(recs[i]) == name]
            sides.append(ContestSide(f"denied by {_display(recs, name)}", _order(claims)))
        contest = Contest(topic=_topic(recs[rep], recs), sides=tuple(sides), kind="denial")
        out.append(_Found(contest, vecs[rep], vecs[group]))
    return out


def _resolved(recs, members, denying, vecs, as_) -> bool:
    """A denying side that later confirms the point has settled it: no contest."""
    for i, r in enumerate(recs):
        if r.claim.side in denying and r.claim.verb.lower().startswith(_CONFIRM) \
                and r.claim.stance == "asserts" and any(float(vecs[i] @ vecs[a]) >= SIM_SUPPORT for a in as_):
            return True
    return False


def _display(recs: list[Record], side: str) -> str:
    """A side as prose: "the Taliban", "Reuters"."""
    dets = [r.side_det for r in recs if r.claim.side == side and r.claim.attributed]
    person = any(r.claim.speaker == side for r in recs)
    if not person and dets and sum(dets) * 2 >= len(dets):
        return f"the {side}"
    return side


def _topic(rep: Record, recs: list[Record]) -> str:
    """The point in dispute, in the asserting side's words, its opening pronoun named."""
    return name_opening_pronoun(rep.claim.content, _display(recs, rep.claim.side))


def _different_days(qa, ra: Record, qb, rb: Record) -> bool:
    """Counts for different days: both dated and not the same day, or one dated more than a
    week from the other's article."""
    if (qa.date == PERIOD) != (qb.date == PERIOD):
        return True  # a count over a period against a count for one event
    if qa.date and qb.date:
        return qa.date != qb.date if PERIOD in (qa.date, qb.date) else not same_day(qa.date, qb.date)
    for q, other in ((qa, rb), (qb, ra)):
        if q.date and q.date != PERIOD and not q.date.startswith("--") and other.claim.date:
            a, b = _day(q.date, True), _day(other.claim.date, True)
            if a and b and abs((a - b).days) > 7:
                return True
    return False


def _different_places(qa, qb) -> bool:
    """Counts for different places: both sentences name places and share none."""
    return bool(qa.places and qb.places and not set(qa.places) & set(qb.places))


def _overlap(a, b) -> bool:
    return a.lo <= b.hi and b.lo <= a.hi


def _numbers(recs: list[Record]) -> list[_Found]:
    qs = [(i, q) for i, r in enumerate(recs) for q in r.quantities if q.vec is not None]
    if len(qs) < 2:
        return []
    u = _Union(len(qs))
    linked: set[int] = set()
    for x in range(len(qs)):
        i, qa = qs[x]
        for y in range(x + 1, len(qs)):
            j, qb = qs[y]
            ra, rb = recs[i], recs[j]
            if i == j or (ra.claim.article_id == rb.claim.article_id and ra.claim.side == rb.claim.side):
                continue
            if not set(qa.verbs) & set(qb.verbs):
                continue
            if _different_days(qa, ra, qb, rb) or _different_places(qa, qb):
                continue
            if qa.noun != qb.noun and float(qa.vec @ qb.vec) < SIM_COUNTED:
                continue
            if float(ra.vec @ rb.vec) < SIM_EVENT:
                continue
            u.join(x, y)
            linked |= {x, y}
    out = []
    for group in u.groups(linked):
        # Figures that overlap are one position ("over 1,000" and "at least a thousand").
        pu = _Union(len(group))
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                if _overlap(qs[group[a]][1], qs[group[b]][1]):
                    pu.join(a, b)
        positions = pu.groups(range(len(group)))
        exact = [p for p in positions if any(not is_vague(qs[group[k]][1].text) for k in p)]
        if len(positions) < 2 or len(exact) < 2:
            continue  # "hundreds of thousands" against "thousands" is no disagreement
        sides = []
        for pos in sorted(positions, key=lambda p: min(qs[group[k]][1].lo for k in p)):
            items = [qs[group[k]] for k in pos]
            label = max((q.text for _, q in items), key=len)
            if label[:1].isupper() and label.split()[0][1:].islower():
                label = label[:1].lower() + label[1:]  # "Dozens" opening a sentence
            claims = _order(recs[i].claim for i, _ in items)
            sides.append(ContestSide(label, claims))
        if len({recs[qs[k][0]].claim.article_id for k in group}) < 2:
            continue  # one article giving two figures is measuring two things
        topic = f"how many {qs[group[0]][1].phrase}"
        cvecs = np.stack([recs[i].vec for i in dict.fromkeys(qs[k][0] for k in group)])
        out.append(_Found(Contest(topic=topic, sides=tuple(sides), kind="numbers"),
                          cvecs.mean(axis=0), cvecs))
    return out


def _day(iso: str, year_known: bool) -> _date | None:
    """The day a date names; without a known year for every date, all are put in one leap
    year so that only month and day count."""
    try:
        y = int(iso[:4]) if year_known else 2000
        return _date(y, int(iso[-5:-3]), int(iso[-2:]))
    except ValueError:
        return None


def _dates(recs: list[Record]) -> list[_Found]:
    by_event: dict[tuple, list[tuple[Record, object]]] = defaultdict(list)
    for r in recs:
        for ev in r.events:
            obj = " ".join(ev.label.lower().split()[-2:])
            by_event[(ev.verb, ev.subject, obj)].append((r, ev))
    out = []
    for (_verb, _subj, _obj), items in by_event.items():
        if len({r.claim.article_id for r, _ in items}) < 2:
            continue
        positions: list[list[tuple[Record, object]]] = []
        for r, ev in items:
            for p in positions:
                if same_day(p[0][1].date, ev.date):
                    p.append((r, ev))
                    break
            else:
                positions.append([(r, ev)])
        if len(positions) < 2:
            continue
        known = all(not p[0][1].date.startswith("--") for p in positions)
        days = [_day(p[0][1].date, known) for p in positions]
        if any(d is None for d in days) or (max(days) - min(days)).days > MAX_DATE_GAP:
            continue
        sides = []
        for p in sorted(positions, key=lambda p: p[0][1].date[-5:]):
            sides.append(ContestSide(p[0][1].date_text, _order(r.claim for r, _ in p)))
        label = items[0][1].label
        evecs = [ev.vec for _, ev in items if ev.vec is not None]
        core = np.stack(evecs) if evecs else np.zeros((0, 384), dtype=np.float32)
        out.append(_Found(Contest(topic=f"when {label}", sides=tuple(sides), kind="dates"),
                          core.mean(axis=0) if evecs else np.zeros(384, dtype=np.float32), core))
    return out
