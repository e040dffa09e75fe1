"""The contests across the corpus (``GET /api/contests``), checked two ways:

- **recall**: every contested point a suite expects (one per ``group``, however many phrasings
  ask about it) should be in the list, as a contest that involves the point's articles and
  carries each expected side (``contests.contest_match``, the same rule the answers are held
  to, with every article of the contest counted as cited);
- **precision**: a sample of the list over a whole corpus, read by a person: is each a real
  disagreement, and are its sides right? ``python -m eval disagreements --sample`` writes the
  sample to review; the verdicts live in a labels file (``eval/suites/disagreements-*.yaml``)
  keyed by contest ID, and are scored against the list as it is now (a contest whose ID no
  longer appears, because the claims changed, is reported as stale, not counted).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from html import escape
from pathlib import Path

from typing import Annotated

import yaml
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator

from .contests import contest_match
from .suite import FileModel, Suite, located_problems

#: A page of the list: (limit, offset) -> (contests as JSON, total).
ListPage = Callable[[int, int], tuple[list[dict], int]]


def every_contest(page: ListPage, size: int = 100) -> list[dict]:
    """The whole list, page by page."""
    out: list[dict] = []
    while True:
        got, total = page(size, len(out))
        out += got
        if not got or len(out) >= total:
            return out


def in_process(service) -> ListPage:
    def page(limit: int, offset: int):
        got, total = service.list_contests(limit=limit, offset=offset)
        return [c.model_dump(mode="json") for c in got], total

    return page


def over_http(base_url: str, token: str | None = None) -> ListPage:
    import urllib.request

    def page(limit: int, offset: int):
        req = urllib.request.Request(f"{base_url.rstrip('/')}/api/contests?limit={limit}&offset={offset}")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=60) as resp:
            doc = json.loads(resp.read())
        return doc["contests"], doc["total"]

    return page


def articles_of(contest: Mapping) -> set[str]:
    return {a for s in contest.get("sides", []) for a in s.get("articles", [])} | {
        c.get("article_id") for s in contest.get("sides", []) for c in s.get("claims", [])}


def carries(sides, contest: Mapping) -> bool:
    """Whether ``contest`` carries every expected side (each by its own contest side)."""
    cited = [{"article_id": a} for a in articles_of(contest)]
    return contest_match(sides, {"contested": [contest], "citations": cited}).found


def recall(suite: Suite, contests: list[dict]) -> dict:
    """Per contested point of ``suite``: is it in the list? (see the module docstring)"""
    points: dict[str, object] = {}
    for case in suite.cases:
        if case.kind == "contested":
            points.setdefault(case.point, case)
    rows = []
    for point, case in points.items():
        wanted = {a for s in case.sides for a in s.articles}
        near = [c for c in contests if not wanted or articles_of(c) & wanted]
        hits = [c for c in near if carries(case.sides, c)]
        hit = next((c for c in hits if c.get("linked")), hits[0] if hits else None)
        rows.append({"point": point, "found": hit is not None,
                     "linked": bool(hit and hit.get("linked")),
                     "topic": hit["topic"] if hit else "", "id": hit["id"] if hit else "",
                     "candidates": len(near),
                     "sides": [s.name for s in case.sides]})
    found = sum(r["found"] for r in rows)
    return {"suite": suite.name, "points": len(rows), "found": found,
            "found_linked": sum(r["linked"] for r in rows),
            "recall": found / len(rows) if rows else None, "rows": rows}


# --- precision ---------------------------------------------------------------------------------
def sample(contests: list[dict], n: int, seed: int = 15) -> list[dict]:
    """``n`` contests drawn at random (seeded) from the whole list."""
    rng = random.Random(seed)
    return rng.sample(contests, min(n, len(contests)))


def review_text(contests: Iterable[dict], corpus_name: str) -> str:
    """The sample as a labels file to fill in: each contest's sides, who says what, where."""
    lines = [f"# Hand-checked contests of the list over {corpus_name}.",
             "# For each: real (is it a real disagreement between sources?), sides_right (are",
             "# the sides and who holds them right?), note. Fill in, then: python -m eval",
             "# disagreements --labels THIS_FILE ...", "labels:"]
    for c in contests:
        lines.append(f"  - id: '{c['id']}'")
        lines.append(f"    topic: {json.dumps(c['topic'][:160], ensure_ascii=False)}")
        lines.append(f"    kind: {c['kind']}")
        for s in c["sides"]:
            lines.append(f"    # side: {s['position'][:120]} ({', '.join(s['outlets']) or 'no outlet'})")
            for cl in s["claims"][:3]:
                q = " ".join(cl["quote"].split())[:300]
                lines.append(f"    #   {cl['speaker']} {cl['stance']} [{cl['article_id']}]: {q}")
        lines += ["    real: ", "    sides_right: ", "    note: ''"]
    return "\n".join(lines) + "\n"


def _quoted_id(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a contest ID in quotes ('0123abcd...')")
    return value.strip()


def _yes_no(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class LabelIn(FileModel):
    """One hand-checked contest; ``topic`` and ``kind`` are copied from the list to read by."""

    id: Annotated[str, BeforeValidator(_quoted_id)]
    topic: str = ""
    kind: str = ""
    real: YesNo
    sides_right: YesNo | None = Field(None, validate_default=True)
    note: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = ""

    @field_validator("sides_right")
    @classmethod
    def _said_for_real_ones(cls, v: bool | None, info: ValidationInfo) -> bool | None:
        if v is None and info.data.get("real"):
            raise ValueError("a real contest needs sides_right: true|false")
        return v


class LabelsIn(FileModel):
    labels: list[LabelIn] = []


def load_entries(path: Path, model: type[FileModel], field: str) -> list[dict]:
    """The entries under ``field`` of a hand-checked YAML file read as ``model``; a mistake is a
    ``ValueError`` naming every one."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [e.model_dump() for e in getattr(model.model_validate(doc), field)]
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise ValueError(f"{path}: " + "; ".join(located_problems(exc, doc, model))) from None


def load_labels(path: Path) -> list[dict]:
    """The verdicts of a labels file."""
    return load_entries(path, LabelsIn, "labels")


def precision(labels: list[dict], contests: list[dict]) -> dict:
    """Of the labelled contests still listed: real ones with the right sides, over all."""
    listed = {c["id"]: c for c in contests}
    rows, stale = [], []
    for lab in labels:
        c = listed.get(lab["id"])
        if c is None:
            stale.append(lab["id"])
            continue
        rows.append({"id": lab["id"], "topic": c["topic"], "kind": c["kind"],
                     "real": lab["real"], "sides_right": bool(lab.get("sides_right")),
                     "note": lab.get("note") or "", "linked": bool(c.get("linked")),
                     "sides": [s["position"] for s in c["sides"]]})
    good = sum(r["real"] and r["sides_right"] for r in rows)
    linked = [r for r in rows if r["linked"]]
    good_linked = sum(r["real"] and r["sides_right"] for r in linked)
    return {"labelled": len(rows), "right": good, "real": sum(r["real"] for r in rows),
            "precision": good / len(rows) if rows else None, "stale": stale, "rows": rows,
            # The contests the list puts first (links.py), on their own.
            "linked": {"labelled": len(linked), "right": good_linked,
                       "precision": good_linked / len(linked) if linked else None}}


# --- report ------------------------------------------------------------------------------------
def to_markdown(doc: dict) -> str:
    out = ["# Contests across the corpus", ""]
    p = doc.get("precision")
    if p:
        out.append(f"Precision over {doc.get('store', '')}: {p['right']}/{p['labelled']} hand-checked "
                   f"contests real with the right sides"
                   + (f" = {p['precision']:.3f}" if p["precision"] is not None else "")
                   + f" ({p['real']} real; {len(p['stale'])} labels stale); "
                   f"{doc.get('listed', 0)} contests listed. Linked (listed first): "
                   f"{p['linked']['right']}/{p['linked']['labelled']}"
                   + (f" = {p['linked']['precision']:.3f}." if p["linked"]["precision"] is not None
                      else "."))
    for r in doc.get("recall", []):
        out.append(f"- {r['suite']}: {r['found']}/{r['points']} expected contested points listed "
                   f"({r['found_linked']} linked)")
        out += [f"    - missing: {row['point']} ({' vs '.join(row['sides'])})"
                for row in r["rows"] if not row["found"]]
    return "\n".join(out) + "\n"


def section_html(doc: dict) -> str:
    """The report's section: recall per suite, then the precision sample, contest by contest."""
    parts = ["<section><h2>Contests across the corpus</h2>"]
    if doc.get("recall"):
        parts.append("<table><tr><th>suite</th><th>expected points listed</th><th>of them linked</th>"
                     "<th>missing</th></tr>")
        for r in doc["recall"]:
            missing = ", ".join(escape(row["point"]) for row in r["rows"] if not row["found"])
            parts.append(f"<tr><td>{escape(r['suite'])}</td><td>{r['found']}/{r['points']}</td>"
                         f"<td>{r['found_linked']}</td>"
                         f"<td>{missing or '-'}</td></tr>")
        parts.append("</table>")
    p = doc.get("precision")
    if p:
        shown = f"{p['precision']:.3f}" if p["precision"] is not None else "n/a"
        parts.append(f"<p>Precision on a hand-checked sample of {escape(str(doc.get('store', '')))}: "
                     f"<b>{p['right']}/{p['labelled']} = {shown}</b> real, with the right sides "
                     f"({p['real']} real; {len(p['stale'])} stale labels); of the linked "
                     f"contests, listed first: <b>{p['linked']['right']}/{p['linked']['labelled']}"
                     f"</b>.</p>")
        parts.append("<table><tr><th>kind</th><th>linked</th><th>topic</th><th>sides</th><th>real</th>"
                     "<th>sides right</th><th>note</th></tr>")
        for r in p["rows"]:
            parts.append(f"<tr><td>{escape(r['kind'])}</td><td>{'yes' if r['linked'] else 'no'}</td>"
                         f"<td>{escape(r['topic'][:200])}</td>"
                         f"<td>{' | '.join(escape(s[:80]) for s in r['sides'])}</td>"
                         f"<td>{'yes' if r['real'] else 'no'}</td>"
                         f"<td>{'yes' if r['sides_right'] else 'no'}</td><td>{escape(r['note'])}</td></tr>")
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def to_html(doc: dict) -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Contests across the corpus"
            "</title><style>body{font:14px system-ui;margin:2em}td,th{border:1px solid #ccc;"
            "padding:4px;vertical-align:top}table{border-collapse:collapse}</style></head><body>"
            + section_html(doc) + "</body></html>")
