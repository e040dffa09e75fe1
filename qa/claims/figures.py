"""Figure and date contests: counts of the same thing that do not overlap (dozens against
over 1,000 fighters killed), and the same event on different days within a few days (Ghani fled
on 14 against 15 August)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from datetime import date as _date

import numpy as np

from ..domain import Contest, ContestSide
from .facts import PERIOD, is_vague, same_day
from .groups import Found, UnionFind, in_order
from .record import Record

#: Two figures count the same kind of thing ("Taliban militants killed", "fighters killed").
SIM_COUNTED = 0.5
#: ... in claims about the same event.
SIM_EVENT = 0.5
#: Days apart beyond which two dates are two events, not a disagreement.
MAX_DATE_GAP = 10
#: Days between a count and another article beyond which the two count at different times: a
#: toll that grows ("five people have died", then "at least 34 people have died" six weeks
#: later) is updated, not disputed.
MAX_COUNT_GAP = 7


def _different_days(qa, ra: Record, qb, rb: Record) -> bool:
    """Counts for different days: both dated and not the same day, one dated more than a week
    from the other's article, or neither dated and their articles more than a week apart."""
    if (qa.date == PERIOD) != (qb.date == PERIOD):
        return True  # a count over a period against a count for one event
    if qa.date and qb.date:
        return qa.date != qb.date if PERIOD in (qa.date, qb.date) else not same_day(qa.date, qb.date)
    for q, other in ((qa, rb), (qb, ra)):
        if q.date and q.date != PERIOD and not q.date.startswith("--") and other.claim.date:
            a, b = _day(q.date, True), _day(other.claim.date, True)
            if a and b and abs((a - b).days) > MAX_COUNT_GAP:
                return True
    if not qa.date and not qb.date:
        return published_apart(ra.claim.date, rb.claim.date)
    return False


def published_apart(a: str | None, b: str | None) -> bool:
    """Two articles' dates more than ``MAX_COUNT_GAP`` days apart (False when either is
    unknown): a count each gives is the count at a different time."""
    da, db = (_day(x, True) if x else None for x in (a, b))
    return bool(da and db and abs((da - db).days) > MAX_COUNT_GAP)


def _different_places(qa, qb) -> bool:
    """Counts for different places: both sentences name places and share none."""
    return bool(qa.places and qb.places and not set(qa.places) & set(qb.places))


def _overlap(a, b) -> bool:
    return a.lo <= b.hi and b.lo <= a.hi


def numbers(recs: list[Record]) -> list[Found]:
    qs = [(i, q) for i, r in enumerate(recs) for q in r.quantities if q.vec is not None]
    if len(qs) < 2:
        return []
    u = UnionFind(len(qs))
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
        if _two_events(qs, recs, group):
            continue
        # Figures that overlap are one position ("over 1,000" and "at least a thousand").
        pu = UnionFind(len(group))
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                if _overlap(qs[group[a]][1], qs[group[b]][1]):
                    pu.join(a, b)
        positions = pu.groups(range(len(group)))
        exact = [p for p in positions if any(not is_vague(qs[group[k]][1].text) for k in p)]
        if len(positions) < 2 or len(exact) < 2:
            continue  # "hundreds of thousands" against "thousands" is no disagreement
        sides = []
        members = set(group)
        for pos in sorted(positions, key=lambda p: min(qs[group[k]][1].lo for k in p)):
            items = [qs[group[k]] for k in pos]
            others = [qs[k] for k in group if k not in {group[m] for m in pos}]
            items += _seconding(qs, recs, items, others, members)
            label = max((q.text for _, q in items), key=len)
            if label[:1].isupper() and label.split()[0][1:].islower():
                label = label[:1].lower() + label[1:]  # "Dozens" opening a sentence
            claims = in_order(recs[i].claim for i, _ in items)
            sides.append(ContestSide(label, claims))
        if len({recs[qs[k][0]].claim.article_id for k in group}) < 2:
            continue  # one article giving two figures is measuring two things
        topic = count_topic([qs[k][1] for k in group])
        core = list(dict.fromkeys(qs[k][0] for k in group))
        cvecs = np.stack([recs[i].vec for i in core])
        out.append(Found(Contest(topic=topic, sides=tuple(sides), kind="numbers"),
                          cvecs.mean(axis=0), cvecs, tuple(recs[i].claim for i in core)))
    return out


def _two_events(qs: list, recs: list[Record], group: list[int]) -> bool:
    """A group joined only through figures that were each paired with a third: two of its
    figures for different places or days, or two different figures one speaker gives in one
    article ("four civilians were killed" in Logar and "at least 16 people" killed in an attack
    on a compound, both in one Daily Mail report, each paired with the Taliban's "twelve" in
    Kabul), count different things, not one count told three ways."""
    for a, b in combinations(group, 2):
        (i, qa), (j, qb) = qs[a], qs[b]
        ra, rb = recs[i], recs[j]
        if _different_days(qa, ra, qb, rb) or _different_places(qa, qb):
            return True
        if ra.claim.article_id == rb.claim.article_id and ra.claim.side == rb.claim.side \
                and not _overlap(qa, qb):
            return True
    return False


def count_topic(items: list) -> str:
    """What a figure contest is about: "how many Taliban fighters were killed" when every
    figure counts the same event (in the plainest words one of them uses); "the number of
    children" when each article names the event differently ("dragged", "crawled", "bringing")."""
    shared = set.intersection(*(set(q.verbs) for q in items))
    plain = [q for q in items if set(q.verbs) <= shared]  # names only what all of them say
    if plain:
        q = min(plain, key=lambda q: (" were " not in q.phrase, len(q.phrase)))
        return f"how many {q.phrase}"
    counted = Counter(q.counted for q in items)
    return "the number of " + min(counted, key=lambda c: (-counted[c], len(c)))


def _seconding(qs: list, recs: list[Record], items: list, others: list, members: set[int]) -> list:
    """Exact figures outside the group that fall within a side's figure, for the same count in
    other words ("12,000 people went through metal detectors" beside "some 12,000 people
    attended"), and within no other side's: they join that side, so every article and speaker
    that gives the figure is on it."""
    out = []
    for k, (j, qb) in enumerate(qs):
        if k in members or is_vague(qb.text) or qb.lo != qb.hi:
            continue
        if any(_overlap(qb, q) for _, q in others):
            continue
        rb = recs[j]
        for i, qa in items:
            ra = recs[i]
            if not qa.lo <= qb.lo <= qa.hi or i == j:
                continue
            if qa.noun != qb.noun and float(qa.vec @ qb.vec) < SIM_COUNTED:
                continue
            if _different_days(qa, ra, qb, rb) or _different_places(qa, qb):
                continue
            if float(ra.vec @ rb.vec) >= SIM_EVENT:
                out.append((j, qb))
                members.add(k)
                break
    return out


def _day(iso: str, year_known: bool) -> _date | None:
    """The day a date names; without a known year for every date, all are put in one leap
    year so that only month and day count."""
    try:
        y = int(iso[:4]) if year_known else 2000
        return _date(y, int(iso[-5:-3]), int(iso[-2:]))
    except ValueError:
        return None


def dates(recs: list[Record]) -> list[Found]:
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
            sides.append(ContestSide(p[0][1].date_text, in_order(r.claim for r, _ in p)))
        label = items[0][1].label
        evecs = [ev.vec for _, ev in items if ev.vec is not None]
        core = np.stack(evecs) if evecs else np.zeros((0, 384), dtype=np.float32)
        out.append(Found(Contest(topic=f"when {label}", sides=tuple(sides), kind="dates"),
                          core.mean(axis=0) if evecs else np.zeros(384, dtype=np.float32), core,
                          tuple(r.claim for r, _ in items)))
    return out
