"""The reports of a run: ``report.json`` (every case and metric), ``summary.md`` and a
self-contained ``report.html`` (see ``eval/html.py``); with a baseline, the changes against it."""

from __future__ import annotations

import json
from pathlib import Path

from .display import fmt_delta, fmt_threshold, fmt_value
from .metrics import METRICS
from .runner import Run

FORMAT = "newsqa-eval/1"


class BaselineError(ValueError):
    """A ``--baseline`` file that is not an earlier report."""


def to_json(run: Run, baseline: dict | None = None) -> dict:
    """The whole run as one JSON document (what ``--baseline`` reads back)."""
    bounds = {t.metric: t for t in run.thresholds}
    metrics = {}
    for name, v in run.values.items():
        meta, t = METRICS[name], bounds.get(name)
        metrics[name] = {
            "value": v.value, "numerator": v.numerator, "denominator": v.denominator,
            "label": meta.label, "description": meta.description, "unit": meta.unit,
            "higher_is_better": meta.higher_is_better,
            "threshold": t.bound if t else None, "passed": t.passed if t else None,
        }
    doc = {
        "format": FORMAT,
        "suite": {"name": run.suite.name, "path": str(run.suite.path),
                  "description": run.suite.description, "thresholds": run.suite.thresholds},
        "target": run.target, "engine": run.engine, "started": run.started,
        "seconds": round(run.seconds, 2), "corpus_size": run.corpus_size,
        "passed": run.passed,
        "failed_thresholds": [t.describe() for t in run.thresholds if not t.passed],
        "metrics": metrics,
        "stages": run.stage_table(),
        "splits": run.splits(),
        "cases": [r.to_json() for r in run.results],
    }
    if baseline is not None:
        doc["baseline"] = compare(doc, baseline)
    return doc


def load_baseline(path: str | Path) -> dict:
    """An earlier ``report.json``; anything else is a ``BaselineError`` saying what is wrong."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BaselineError(f"{path}: not an eval report (expected format {FORMAT!r})")
    if not isinstance(doc.get("metrics"), dict) or not isinstance(doc.get("cases"), list):
        raise BaselineError(f"{path}: the report has no 'metrics' or 'cases'")
    doc["_path"] = str(path)
    return doc


def compare(new: dict, old: dict) -> dict:
    """Metric deltas (with whether each is better or worse) and cases whose outcome changed."""
    deltas = {}
    for name, cur in new["metrics"].items():
        prev = (old["metrics"].get(name) or {}).get("value")
        if cur["value"] is None or prev is None:
            deltas[name] = {"old": prev, "delta": None, "direction": "n/a"}
            continue
        d = cur["value"] - prev
        better = d > 0 if cur["higher_is_better"] else d < 0
        deltas[name] = {"old": prev, "delta": d,
                        "direction": "same" if abs(d) < 1e-9 else ("better" if better else "worse")}
    before = {c["case"]["id"]: c["passed"] for c in old["cases"]}
    now = {c["case"]["id"]: c["passed"] for c in new["cases"]}
    return {
        "path": old.get("_path", ""), "started": old.get("started", ""),
        "engine": old.get("engine", ""), "metrics": deltas,
        "newly_failing": sorted(k for k, ok in now.items() if before.get(k) is True and not ok),
        "newly_passing": sorted(k for k, ok in now.items() if before.get(k) is False and ok),
        "added": sorted(set(now) - set(before)),
        "removed": sorted(set(before) - set(now)),
    }


def to_markdown(doc: dict) -> str:
    """A short Markdown summary: the metrics table, changes, and the failed cases."""
    base = doc.get("baseline")
    status = "PASSED" if doc["passed"] else "FAILED"
    n_pass = sum(c["passed"] for c in doc["cases"])
    out = [f"# Eval: {doc['suite']['name']} — {status}", ""]
    out.append(f"{n_pass}/{len(doc['cases'])} cases passed · {doc['corpus_size']} articles · "
               f"target {doc['target']} · engine {doc['engine'] or 'n/a'} · {doc['started']} · "
               f"{doc['seconds']:.1f}s")
    out.append("")
    head = "| metric | value | threshold | status |" + (" Δ baseline |" if base else "")
    out += [head, "|---|---|---|---|" + ("---|" if base else "")]
    for name, mt in doc["metrics"].items():
        st = "" if mt["passed"] is None else ("ok" if mt["passed"] else "**FAIL**")
        row = f"| {mt['label']} | {fmt_value(mt)} | {fmt_threshold(mt)} | {st} |"
        if base:
            row += f" {fmt_delta(base['metrics'].get(name), mt['unit'])} |"
        out.append(row)
    if doc["failed_thresholds"]:
        out += ["", "Failed thresholds:", ""] + [f"- {t}" for t in doc["failed_thresholds"]]
    if base:
        out += ["", f"Against the baseline `{base['path']}` ({base['started']}):", ""]
        for key, label in (("newly_failing", "now failing"), ("newly_passing", "now passing"),
                           ("added", "new cases"), ("removed", "removed cases")):
            if base[key]:
                out.append(f"- {label}: {', '.join(base[key])}")
        if not any(base[k] for k in ("newly_failing", "newly_passing", "added", "removed")):
            out.append("- no case changed outcome")
    if doc.get("stages"):
        out += ["", "## Where cases are lost", ""]
        for kind, k in doc["stages"].items():
            out.append(f"- {kind} ({k['cases']}): " + ", ".join(
                f"{s} {k['passed'][s]} passed / {k['lost'][s]} lost" for s in k["passed"]))
        for half, h in sorted((doc.get("splits") or {}).items()):
            out.append(f"- {half} half: {h['passed']}/{h['cases']} passed")
    failed = [c for c in doc["cases"] if not c["passed"]]
    if failed:
        out += ["", "## Failed cases", ""]
        for c in failed:
            q = c["case"]["question"].replace("|", "\\|")
            out.append(f"- `{c['case']['id']}` ({c['case']['kind']}) {q} — {c['why']}")
    return "\n".join(out) + "\n"


def write(run: Run, out_dir: str | Path, baseline: dict | None = None) -> dict:
    """Writes report.json, summary.md and report.html into ``out_dir``; returns the JSON."""
    from .html import to_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = to_json(run, baseline)
    (out / "report.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    (out / "summary.md").write_text(to_markdown(doc), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")
    return doc
