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

from collections import defaultdict

import numpy as np

from ..domain import Contest, Evidence
from ..lru import Recent
from .denials import denials
from .figures import dates, numbers
from .groups import Found, unit
from .record import Record
from .sides import unify

#: A contest is shown only when the question is about it ...
RELEVANCE = 0.5
#: ... and about as much as about the contest it is most about.
RELEVANCE_SPREAD = 0.2


def find_contests(question: str, evidence: list[Evidence], records: dict, embedder) -> list[Contest]:
    """Contests among the claims of the evidence articles that the question is about, most
    relevant first; [] when it touches nothing contested."""
    ids = list(dict.fromkeys(e.chunk.article_id for e in evidence if e.chunk.article_id in records))
    if not ids:
        return []
    # Keyed by version and annotation: an unchanged article can gain claims later.
    found = _among_articles(tuple((aid, records[aid].content_hash,
                                   hash(records[aid].annotations.get("claims")))
                                  for aid in sorted(ids)),
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


def _relevance(qv: np.ndarray, f: Found) -> float:
    """How much a question is about a contest: its similarity to the point itself, or to the
    disagreement as a whole (the mean of the claims that make it)."""
    topic = float(qv @ f.topic_vec)
    core = float(qv @ unit(f.core.mean(axis=0))) if len(f.core) else -1.0
    return max(topic, core)


_BUILT = Recent(256)  # article versions -> contests among them


def _among_articles(key: tuple, records: dict, embedder) -> list[Found]:
    """Contests among a set of articles, built once per set of article versions."""
    from . import records_of

    hit = _BUILT.get(key)
    if hit is not None:
        return hit
    recs: list[Record] = []
    for aid, *_ in key:
        recs += records_of(records[aid], embedder, contestable=True)
    found = _build(unify(recs))
    _BUILT.put(key, found)
    return found


def contests_among(recs: list[Record]) -> list[Contest]:
    """Every contest among ``recs`` (sides already unified)."""
    return [f.contest for f in _build(recs)]


def _build(recs: list[Record]) -> list[Found]:
    # Claims without a vector are outlet statements that state no figure or date.
    recs = [r for r in recs if r.vec is not None]
    if len(recs) < 2:
        return []
    return denials(recs) + numbers(recs) + dates(recs)
