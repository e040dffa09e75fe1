"""The links a denial contest is built from, checked one by one: does this denial answer this
claim? A contest of the list is right only when its links are, and a link is two sentences to
read, so a sample of links tells which way of linking (``qa.claims.denials.PATHS``) loses
precision, on many more cases per hour than whole contests do.

    python -m eval links --store var/bench/allsides-claims --sample 240 --seed 7 --out F
    python -m eval links --store var/bench/allsides-claims --labels F [F ...]

``--sample`` takes articles in a seeded order and, for each, the links of its denials among the
claims of the article and the articles the list compares it with (``ContestLedger``), until it
has that many; it writes them to ``--out`` with ``answers:`` left blank for a person to fill in.
``--labels`` finds the links again with today's rules and reports, per path, how many of the
labelled links still made are answers; a labelled link no longer made is counted as dropped
(with how many of those were answers: what a change of rules lost).
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator

from .disagreements import YesNo, _quoted_id, load_entries
from .suite import FileModel


def _key(d, a) -> str:
    return f"{d.article_id}@{d.start}-{d.end}>{a.article_id}@{a.start}-{a.end}"


def links_of(service, article_id: str) -> list[dict]:
    """The links of the denials of ``article_id`` among it and the articles the list compares
    it with, as dicts (key, path, sim, denial, assertion)."""
    import numpy as np

    from qa.claims.denials import links
    from qa.claims.sides import unify

    ledger = service._ledger()
    records = ledger.neighbourhood(article_id)
    out: dict[str, dict] = {}
    # As the ledger looks: among the neighbours, and in the article alone.
    for ids in (sorted(records), [article_id]):
        recs = unify([r for aid in ids for r in ledger.finder.records(records[aid], contestable=True)])
        for d, a, path in links(recs):
            dc, ac = recs[d].claim, recs[a].claim
            if dc.article_id != article_id or (dc.article_id == ac.article_id and dc.start == ac.start):
                continue  # another article's denial; or one sentence split into two sides
            out.setdefault(_key(dc, ac), {"key": _key(dc, ac), "path": path,
                                          "sim": round(float(np.dot(recs[d].vec, recs[a].vec)), 3),
                                          "denial": dc, "assertion": ac})
    return list(out.values())


def sample(service, n: int, seed: int, exclude: set[str] = frozenset()) -> list[dict]:
    """About ``n`` links, article by article in a seeded order (each article's links whole)."""
    ids = sorted(service.index.store.manifest_entries())
    random.Random(seed).shuffle(ids)
    out: list[dict] = []
    for aid in ids:
        if len(out) >= n:
            break
        out += [x for x in links_of(service, aid) if x["key"] not in exclude]
    return out


def review_text(found: list[dict], how: str) -> str:
    lines = ["# Denial links to hand-check: does the denial answer the claim? (answers: true|false)",
             f"# {how}", "links:"]
    for x in found:
        d, a = x["denial"], x["assertion"]
        lines += [f"  - id: '{x['key']}'", f"    path: {x['path']}", f"    sim: {x['sim']}",
                  f"    # D {d.speaker} {d.stance}: {' '.join(d.quote.split())[:300]}",
                  f"    # A {a.speaker}: {' '.join(a.quote.split())[:300]}",
                  "    answers: "]
    return "\n".join(lines) + "\n"


class LinkIn(FileModel):
    id: Annotated[str, BeforeValidator(_quoted_id)]
    path: str = ""
    sim: float = 0.0
    answers: YesNo


class LinksIn(FileModel):
    links: list[LinkIn] = []


def load_labels(path: Path) -> list[dict]:
    return load_entries(path, LinksIn, "links")


def score(service, labels: list[dict]) -> dict:
    """Per path: the labelled links still made and how many are answers; the dropped ones."""
    made: dict[str, str] = {}
    for aid in sorted({lab["id"].split("@", 1)[0] for lab in labels}):
        made.update((x["key"], x["path"]) for x in links_of(service, aid))
    paths: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    dropped = [0, 0]
    for lab in labels:
        path = made.get(lab["id"])
        row = paths[path] if path else dropped
        row[0] += lab["answers"]
        row[1] += 1
    kept = [sum(r[0] for r in paths.values()), sum(r[1] for r in paths.values())]
    return {"paths": {p: {"answers": r[0], "made": r[1]} for p, r in sorted(paths.items())},
            "kept": {"answers": kept[0], "made": kept[1],
                     "precision": kept[0] / kept[1] if kept[1] else None},
            "dropped": {"answers": dropped[0], "links": dropped[1]}}


def to_text(doc: dict) -> str:
    k, dr = doc["kept"], doc["dropped"]
    out = [f"Denial links still made: {k['answers']}/{k['made']} answer their claim"
           + (f" = {k['precision']:.3f}" if k["precision"] is not None else "")
           + f"; dropped by today's rules: {dr['links']} ({dr['answers']} of them answers)."]
    out += [f"  {p}: {r['answers']}/{r['made']}" for p, r in doc["paths"].items()]
    return "\n".join(out)
