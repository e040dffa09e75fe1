"""What the contest builders share: a contest with the vectors its relevance is judged on,
union-find for grouping claims, and date order for a side's claims."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..domain import Claim, Contest


class Found:
    """A contest with what relevance is judged on: the vector of its point and of the claims
    that make it (the denials and the assertions they answer; the figures; the dated events)."""

    def __init__(self, contest: Contest, topic_vec: np.ndarray, core: np.ndarray,
                 core_claims: tuple[Claim, ...] = ()):
        self.contest, self.topic_vec, self.core = contest, unit(topic_vec), core
        #: The claims that make the disagreement (``core`` holds their vectors).
        self.core_claims = core_claims


def unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


def in_order(claims) -> tuple[Claim, ...]:
    """Date order (undated last), then article and position, without duplicates."""
    seen, out = set(), []
    for c in sorted(claims, key=lambda c: (c.date or "9999", c.article_id, c.start)):
        key = (c.article_id, c.start, c.end, c.speaker, c.stance)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return tuple(out)


class UnionFind:
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
