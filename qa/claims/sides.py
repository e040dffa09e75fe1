"""One name per side across articles: "Resistance Front", "resistance forces", "NRFA" and
"National Resistance Front of Afghanistan" are the National Resistance Front; a person one
article names without affiliation takes the side other articles give them."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from .record import ANY_REPORT, Record, with_side
from .names import acronym

#: Words too common in organisation names to identify one on their own.
_COMMON = frozenset("""
state states department national united party house office ministry news media council committee
court agency service new american international world people public general federal front group
movement forces force army government the of and for local
""".split())


def _core(label: str) -> list[str]:
    """A side's words less a trailing "of <place>" and case."""
    words = re.sub(r"\s+of\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*$", "", label).split()
    return [w.lower().strip("()") for w in words]


def _demonym(a: str, b: str) -> bool:
    """"Iran" and "Iranian", "Russia" and "Russian", "China" and "Chinese"."""
    a, b = sorted((a.lower(), b.lower()), key=len)
    if " " in a or " " in b or len(a) < 4:
        return False
    stem = a[:-1] if a.endswith(("a", "e")) else a
    return b.startswith(stem) and b[len(stem):] in ("n", "an", "ian", "ese", "i", "ish", "s")


@lru_cache(maxsize=16384)
def _features(label: str) -> tuple:
    """What ``same_side`` compares, computed once per label: the label flattened, its
    acronyms, and its core words (all, and those distinctive enough to identify it)."""
    core = _core(label)
    return (label.lower().replace(".", ""), acronym(label), acronym(" ".join(core).title()),
            len(core), frozenset(core), frozenset(w for w in core if w not in _COMMON))


def same_side(a: str, b: str) -> bool:
    """Two side labels name one organisation (acronym, demonym, or one's distinctive words
    within the other's)."""
    flat_a, acr_a, core_acr_a, n_a, words_a, distinct_a = _features(a)
    flat_b, acr_b, core_acr_b, n_b, words_b, distinct_b = _features(b)
    if flat_a == flat_b or _demonym(a, b):
        return True
    # An acronym of one letter ("R" from "Reporters", or a party's "(R)") names nothing.
    if any(len(x) > 1 and x == y for x, y in ((acr_a, b), (acr_b, a), (core_acr_a, b), (core_acr_b, a))):
        return True
    distinct, other = (distinct_a, words_b) if n_a <= n_b else (distinct_b, words_a)
    return bool(distinct) and distinct <= other


def candidate_pairs(labels: list[str]) -> list[tuple[str, str]]:
    """The label pairs ``same_side`` could accept, found through what it compares instead of
    trying every pair: the same flattened label, one's acronym as the other label, single
    words with the same first three letters (demonyms), or a shared distinctive word."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    exact: dict[str, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        flat, _, _, _, _, distinct = _features(lab)
        exact[lab].append(i)
        buckets[("flat", flat)].append(i)
        if " " not in lab:
            buckets[("word", lab.lower()[:3])].append(i)
        for w in distinct:
            buckets[("distinct", w)].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    for i, lab in enumerate(labels):
        _, acr, core_acr, *_ = _features(lab)
        for x in {acr, core_acr}:
            pairs.update((min(i, j), max(i, j)) for j in exact.get(x, ()) if j != i)
    return [(labels[a], labels[b]) for a, b in sorted(pairs)]


def _proper(label: str) -> bool:
    return all(w[:1].isupper() for w in label.split() if w.lower() not in ("of", "the", "and", "for"))


def unify(records: list[Record]) -> list[Record]:
    """The records with every attributed claim's side (and denial target) renamed to one
    canonical name per organisation; outlet voices are left as they are."""
    attributed = [r for r in records if r.claim.attributed]
    # People: the side other claims give the same surname.
    by_person: dict[str, Counter] = defaultdict(Counter)
    for r in attributed:
        c = r.claim
        if c.side != c.speaker and len(c.speaker.split()) <= 4 and c.speaker[:1].isupper():
            by_person[c.speaker.split()[-1].lower()][c.side] += 1
    out = []
    for r in records:
        c = r.claim
        if c.attributed and c.side == c.speaker:
            known = by_person.get(c.speaker.split()[-1].lower())
            if known:
                r = with_side(r, known.most_common(1)[0][0])
        out.append(r)
    counts = Counter(r.claim.side for r in out if r.claim.attributed)
    labels = list(counts) + [r.target for r in out if r.target and r.target not in counts and r.target != ANY_REPORT]
    parent = {lab: lab for lab in labels}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in candidate_pairs(labels):
        if same_side(a, b):
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for lab in labels:
        groups[find(lab)].append(lab)
    canon = {}
    for members in groups.values():
        # "Iran" rather than "Iranian"; then the proper name most claims use.
        best = max(members, key=lambda m: (_proper(m), not any(_demonym(m, o) and len(o) < len(m)
                                                               for o in members),
                                           counts.get(m, 0), -len(m)))
        for m in members:
            canon[m] = best
    renamed = []
    for r in out:
        if r.claim.attributed and canon.get(r.claim.side, r.claim.side) != r.claim.side:
            r = with_side(r, canon[r.claim.side])
        if r.target and r.target in canon and canon[r.target] != r.target:
            from dataclasses import replace

            r = replace(r, target=canon[r.target])
        renamed.append(r)
    return renamed
