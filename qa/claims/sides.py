"""One name per side across articles: "Resistance Front", "resistance forces", "NRFA" and
"National Resistance Front of Afghanistan" are the National Resistance Front; a person one
article names without affiliation takes the side other articles give them."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from .record import ANY_REPORT, Record, with_side
from .speakers import acronym

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


def same_side(a: str, b: str) -> bool:
    """Two side labels name one organisation (acronym, demonym, or one's distinctive words
    within the other's)."""
    if a.lower().replace(".", "") == b.lower().replace(".", "") or _demonym(a, b):
        return True
    if acronym(a) == b or acronym(b) == a or acronym(" ".join(_core(a)).title()) == b \
            or acronym(" ".join(_core(b)).title()) == a:
        return True
    ca, cb = _core(a), _core(b)
    short, long_ = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
    distinct = [w for w in short if w not in _COMMON]
    return bool(distinct) and set(distinct) <= set(long_)


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

    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
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
