"""Whether a contest's sides are tied to one point by the evidence, beyond the builders' match:
what puts a contest at the head of the list across the corpus (``GET /api/contests``). An answer's
contests are tied by the question and the sentences it quotes; a list over the whole corpus has
neither, and two claims the builders pair from articles about different events are not a
disagreement.

Two claims on different sides are **linked** when

- (a denial) they come from one article, from different sentences: the reporter put the claim
  and its denial side by side;
- (figures and dates) two speakers give them (for figures: each a source an article quotes,
  not an outlet's own voice), in sentences close in meaning (cosine of their sentence vectors >=
  ``similarity``), in one article, or in two articles dated at most ``days`` apart (or one
  undated) whose sentences name a common entity (a person, organisation, place or event:
  spaCy's entities stored at ingest, not the figures themselves).

A linked contest says so (``linked`` in ``GET /api/contests``) and is listed before the others,
which are candidates: pairs the builders made that a reader should check. A sentence split into
two sides of itself links nothing.

Fitted on the first hand-checked sample of the AllSides list
(``eval/suites/disagreements-allsides.yaml``): a denial in one article of a claim made in
another was a real disagreement 1 time in 19, against 9 in 16 when one article reported both.
Checked on a fresh sample of 50 linked contests (``disagreements-allsides-linked.yaml``): 16
real with the right sides (denials 16/39, figures 0/10). Linked means "read these first", not
"verified": figures are not yet told apart by event.

Figures an outlet gives in its own voice were a different count of something else far more
often than a disagreement: over the 25 figure contests of both samples (1 real), those with a
quoted source on every side were 1 real of 5 (the first sample, fitted on: 1 of 3; the linked
sample: 0 of 2), those with a side only in an outlet's voice 0 of 20. The four figure contests
the dev suites expect have a quoted source on each side. Dates keep the rule as it was: the
seeds' "Ghani fled on 14 vs 15 August" is real with one side in an outlet's voice (the two
date contests of the samples, both false, are too few to fit on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import combinations

import numpy as np

from ..domain import Claim, Contest

#: spaCy entity labels that are values rather than things: a shared "three" or "Tuesday" does
#: not make two sentences about one event.
VALUE_LABELS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"})

#: What the test reads of a claim: the entities named in its sentence (lower-cased) and its
#: sentence vector (unit length; None when unknown).
ClaimFacts = Callable[[Claim], tuple[frozenset[str], np.ndarray | None]]


@dataclass(frozen=True)
class LinkRule:
    days: int = 3
    similarity: float = 0.5

    def linked(self, contest: Contest, facts: ClaimFacts) -> bool:
        """Whether two claims on different sides of ``contest`` tie it to one point."""
        return any(self._pair(contest.kind, a, b, facts)
                   for left, right in combinations(contest.sides, 2)
                   for a in left.claims for b in right.claims)

    def _pair(self, kind: str, a: Claim, b: Claim, facts: ClaimFacts) -> bool:
        if a.article_id == b.article_id and not (a.end <= b.start or b.end <= a.start):
            return False  # one sentence split into two sides
        if kind == "denial":
            return a.article_id == b.article_id
        # Figures and dates: two speakers, about the same thing (close in meaning), and across
        # articles about the same event (a common entity, dates close).
        if a.side == b.side or (kind == "numbers" and not (a.attributed and b.attributed)):
            return False  # one speaker; or an outlet's own count (see the module docstring)
        names_a, vec_a = facts(a)
        names_b, vec_b = facts(b)
        if vec_a is None or vec_b is None or float(np.dot(vec_a, vec_b)) < self.similarity:
            return False
        if a.article_id == b.article_id:
            return True
        if not names_a & names_b:
            return False
        return not (a.date and b.date) or abs((date.fromisoformat(a.date)
                                               - date.fromisoformat(b.date)).days) <= self.days
