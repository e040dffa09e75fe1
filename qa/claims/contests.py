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
Sentence vectors come from ingest, so this is numpy over a few hundred claims. Whether a
question is about a contest is the answer stage's decision (``qa/answer/contests.py``).
"""

from __future__ import annotations

from ..domain import Contest
from .denials import denials
from .figures import dates, numbers
from .groups import Found
from .record import Record


def contests_among(recs: list[Record]) -> list[Contest]:
    """Every contest among ``recs`` (sides already unified)."""
    return [f.contest for f in build(recs)]


def build(recs: list[Record]) -> list[Found]:
    """Denial, figure and date contests among ``recs``, with the vectors their relevance to a
    question is judged on."""
    # Claims without a vector are outlet statements that state no figure or date.
    recs = [r for r in recs if r.vec is not None]
    if len(recs) < 2:
        return []
    return denials(recs) + numbers(recs) + dates(recs)
