"""The HTML report: one self-contained file (inline CSS, inline SVG charts, no scripts, nothing
fetched), readable when mailed around or opened from disk."""

from __future__ import annotations

import re
from html import escape

from qa.domain import CITATION_RE

from .display import fmt_delta, fmt_threshold, fmt_value

GOOD, BAD, NEUTRAL, TRACK = "#2e7d32", "#c62828", "#5c6f7b", "#e8ecef"

CSS = """
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2428;
 margin:0;background:#f6f7f8}
main{max-width:1120px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:34px 0 10px;border-bottom:1px solid
 #d5dadd;padding-bottom:4px} h3{font-size:16px;margin:0}
.meta{color:#56636b;font-size:13px}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;
 color:#fff;vertical-align:middle}
.pass{background:#2e7d32}.fail{background:#c62828}.warn{background:#b26a00}.na{background:#7b8a93}
.panel{background:#fff;border:1px solid #dde2e5;border-radius:8px;padding:16px 18px;margin:12px 0}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{flex:1;min-width:150px;background:#fff;border:1px solid #dde2e5;border-radius:8px;
 padding:10px 14px}
.tile b{display:block;font-size:24px} .tile span{font-size:12px;color:#56636b}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e4e8ea;
 font-size:14px}
th{background:#eef1f3;font-weight:600}
td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
tr.failed td:first-child{border-left:3px solid #c62828}
tr.passed td:first-child{border-left:3px solid #2e7d32}
.case{background:#fff;border:1px solid #dde2e5;border-radius:8px;margin:14px 0;overflow:hidden}
.case.failed{border-left:5px solid #c62828}.case.passed{border-left:5px solid #2e7d32}
.case header{padding:10px 14px;background:#fafbfb;border-bottom:1px solid #e4e8ea}
.case table th{width:130px;background:#fafbfb}
.cite{font-family:ui-monospace,Menlo,monospace;font-size:12px;background:#e3f0ff;
 border-radius:4px;padding:0 3px;color:#0b4f8a}
.unsup{text-decoration:underline wavy #c62828;text-decoration-thickness:1px}
blockquote{margin:4px 0 8px;padding:2px 10px;border-left:3px solid #cfd8dc;color:#37474f}
ul.checks{list-style:none;margin:0;padding:0} ul.checks li{margin:2px 0}
.ok{color:#2e7d32;font-weight:700}.no{color:#c62828;font-weight:700}.soft{color:#b26a00;
 font-weight:700}
.why{color:#c62828} small{color:#56636b}
.side{margin:4px 0 6px 0}
a{color:#0b57a0}
summary{cursor:pointer;color:#37474f;font-size:13px}
"""


def to_html(doc: dict) -> str:
    """The report as one HTML page."""
    suite = doc["suite"]["name"]
    n_pass = sum(c["passed"] for c in doc["cases"])
    status = _badge("thresholds passed" if doc["passed"] else "thresholds failed", doc["passed"])
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>Eval report: {escape(suite)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>Eval report: {escape(suite)} {status}</h1>",
        f"<div class='meta'>{escape(doc['suite'].get('description') or '')}</div>",
        f"<div class='meta'>{n_pass}/{len(doc['cases'])} cases passed · {doc['corpus_size']} "
        f"articles · target {escape(doc['target'])} · engine {escape(doc['engine'] or 'n/a')}"
        f" · {escape(doc['started'])} · {doc['seconds']:.1f}s · suite file "
        f"<code>{escape(doc['suite']['path'])}</code></div>",
    ]
    if doc["failed_thresholds"]:
        parts.append("<div class='panel'><b class='no'>Failed thresholds</b><ul>"
                     + "".join(f"<li>{escape(t)}</li>" for t in doc["failed_thresholds"])
                     + "</ul></div>")
    parts.append(_tiles(doc))
    parts.append("<h2>Metrics</h2><div class='panel'>" + _metric_chart(doc) + "</div>")
    parts.append("<div class='panel'>" + _kind_chart(doc) + "</div>")
    parts.append(_metric_table(doc))
    if doc.get("stages"):
        parts.append("<h2>Where cases are lost</h2><div class='panel'>" + _stage_table(doc)
                     + "</div>")
    if doc.get("baseline"):
        parts.append(_baseline(doc["baseline"]))
    parts.append("<h2>Cases</h2>" + _case_index(doc))
    parts += [_case(c, i) for i, c in enumerate(doc["cases"])]
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _badge(text: str, ok: bool | None) -> str:
    cls = "na" if ok is None else ("pass" if ok else "fail")
    return f"<span class='badge {cls}'>{escape(text)}</span>"


def _tiles(doc: dict) -> str:
    mt = doc["metrics"]
    tiles = []
    for name in ("citation_validity", "answer_accuracy", "contest_recall",
                 "abstention_accuracy", "unhedged_assertions", "errors"):
        if name not in mt:
            continue
        m = mt[name]
        v = m["value"]
        shown = "n/a" if v is None else (str(int(v)) if m["unit"] == "count" else f"{v:.0%}")
        color = "#1d2428" if m["passed"] is None else (GOOD if m["passed"] else BAD)
        tiles.append(f"<div class='tile'><span>{escape(m['label'])}</span>"
                     f"<b style='color:{color}'>{shown}</b><span>{fmt_threshold(m)}</span></div>")
    return "<div class='tiles'>" + "".join(tiles) + "</div>"


def _metric_chart(doc: dict) -> str:
    """Horizontal bars for the rate metrics, a tick at each threshold, a hollow marker at the
    baseline value."""
    base = (doc.get("baseline") or {}).get("metrics", {})
    rows = [(n, m) for n, m in doc["metrics"].items() if m["unit"] == "rate"]
    label_w, bar_w, row_h, top = 230, 560, 30, 26
    width, height = label_w + bar_w + 150, top + row_h * len(rows) + 10
    svg = [f"<svg role='img' aria-label='metric values' width='100%' viewBox='0 0 {width} "
           f"{height}' xmlns='http://www.w3.org/2000/svg' font-family='system-ui,sans-serif' "
           f"font-size='13'>"]
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + frac * bar_w
        svg.append(f"<line x1='{x:.1f}' y1='{top - 6}' x2='{x:.1f}' y2='{height - 8}' "
                   f"stroke='#d9dee1' stroke-dasharray='2 3'/>")
        svg.append(f"<text x='{x:.1f}' y='{top - 10}' text-anchor='middle' fill='#7b8a93' "
                   f"font-size='11'>{frac:.0%}</text>")
    for i, (name, m) in enumerate(rows):
        y = top + i * row_h
        label = m["label"] + ("" if m["higher_is_better"] else " ↓")
        svg.append(f"<text x='{label_w - 10}' y='{y + 17}' text-anchor='end' fill='#1d2428'>"
                   f"{escape(label)}</text>")
        svg.append(f"<rect x='{label_w}' y='{y + 5}' width='{bar_w}' height='16' rx='3' "
                   f"fill='{TRACK}'/>")
        v = m["value"]
        color = NEUTRAL if m["passed"] is None else (GOOD if m["passed"] else BAD)
        if v is not None:
            svg.append(f"<rect x='{label_w}' y='{y + 5}' width='{max(v * bar_w, 1.5):.1f}' "
                       f"height='16' rx='3' fill='{color}'><title>{escape(name)}: "
                       f"{escape(fmt_value(m))}</title></rect>")
        if m["threshold"] is not None:
            x = label_w + m["threshold"] * bar_w
            svg.append(f"<line x1='{x:.1f}' y1='{y + 1}' x2='{x:.1f}' y2='{y + 25}' "
                       f"stroke='#1d2428' stroke-width='2.5'><title>threshold "
                       f"{escape(fmt_threshold(m))}</title></line>")
        old = (base.get(name) or {}).get("old")
        if old is not None:
            x = label_w + old * bar_w
            svg.append(f"<circle cx='{x:.1f}' cy='{y + 13}' r='5' fill='#fff' stroke='#1d2428' "
                       f"stroke-width='1.5'><title>baseline {old:.3f}</title></circle>")
        text = "n/a" if v is None else f"{v:.0%}  ({m['numerator']:g}/{m['denominator']:g})"
        svg.append(f"<text x='{label_w + bar_w + 10}' y='{y + 17}' fill='#37474f'>{text}</text>")
    svg.append("</svg>")
    legend = ("<small>Bar: value (green: threshold met, red: missed, grey: no threshold). "
              "Black tick: threshold. ↓: lower is better."
              + (" Circle: baseline value." if base else "") + "</small>")
    return "".join(svg) + legend


def _kind_chart(doc: dict) -> str:
    """Passed and failed cases per kind, as stacked bars."""
    kinds: dict[str, list[int]] = {}
    for c in doc["cases"]:
        k = kinds.setdefault(c["case"]["kind"], [0, 0])
        k[0 if c["passed"] else 1] += 1
    label_w, bar_w, row_h, top = 230, 560, 30, 8
    most = max((a + b for a, b in kinds.values()), default=1)
    height = top + row_h * len(kinds) + 4
    svg = [f"<svg role='img' aria-label='cases by kind' width='100%' viewBox='0 0 "
           f"{label_w + bar_w + 150} {height}' xmlns='http://www.w3.org/2000/svg' "
           f"font-family='system-ui,sans-serif' font-size='13'>"]
    for i, (kind, (ok, bad)) in enumerate(kinds.items()):
        y = top + i * row_h
        w_ok, w_bad = ok / most * bar_w, bad / most * bar_w
        svg.append(f"<text x='{label_w - 10}' y='{y + 17}' text-anchor='end'>{escape(kind)} "
                   f"cases</text>")
        svg.append(f"<rect x='{label_w}' y='{y + 5}' width='{w_ok:.1f}' height='16' "
                   f"fill='{GOOD}'><title>{ok} passed</title></rect>")
        svg.append(f"<rect x='{label_w + w_ok:.1f}' y='{y + 5}' width='{w_bad:.1f}' "
                   f"height='16' fill='{BAD}'><title>{bad} failed</title></rect>")
        svg.append(f"<text x='{label_w + w_ok + w_bad + 10:.1f}' y='{y + 17}' fill='#37474f'>"
                   f"{ok} passed, {bad} failed</text>")
    svg.append("</svg>")
    return "".join(svg)


def _metric_table(doc: dict) -> str:
    base = doc.get("baseline")
    head = ("<table><tr><th>metric</th><th>value</th><th>threshold</th><th>status</th>"
            + ("<th>Δ baseline</th>" if base else "") + "<th>what it measures</th></tr>")
    rows = []
    for name, m in doc["metrics"].items():
        st = "" if m["passed"] is None else _badge("ok" if m["passed"] else "FAIL", m["passed"])
        delta = ""
        if base:
            d = base["metrics"].get(name)
            cls = {"better": "ok", "worse": "no"}.get((d or {}).get("direction"), "")
            delta = f"<td class='num {cls}'>{escape(fmt_delta(d, m['unit']))}</td>"
        rows.append(f"<tr><td>{escape(m['label'])}<br><small><code>{name}</code></small></td>"
                    f"<td class='num'>{escape(fmt_value(m))}</td>"
                    f"<td class='num'>{escape(fmt_threshold(m))}</td><td>{st}</td>{delta}"
                    f"<td><small>{escape(m['description'])}</small></td></tr>")
    return head + "".join(rows) + "</table>"


def _stage_table(doc: dict) -> str:
    """Per kind of case, how many passed each stage and how many were lost there, and the
    pass counts of the suite's two halves."""
    out = []
    for kind, k in doc["stages"].items():
        head = "".join(f"<th>{escape(s)}</th>" for s in k["passed"])
        passed = "".join(f"<td class='num'>{n}</td>" for n in k["passed"].values())
        lost = "".join(f"<td class='num{' no' if n else ''}'>{n}</td>" for n in k["lost"].values())
        out.append(f"<h3>{escape(kind)} ({k['cases']} cases)</h3><table><tr><th></th>{head}</tr>"
                   f"<tr><th>passed</th>{passed}</tr><tr><th>lost here</th>{lost}</tr></table>")
    halves = doc.get("splits") or {}
    if halves:
        out.append("<p>" + " · ".join(
            f"{escape(half)} half: {h['passed']}/{h['cases']} passed" for half, h in
            sorted(halves.items())) + " (fitted on the fit half; the held half is reported apart)</p>")
    return "".join(out)


def _baseline(b: dict) -> str:
    items = []
    for key, label in (("newly_failing", "Now failing"), ("newly_passing", "Now passing"),
                       ("added", "New cases"), ("removed", "Removed cases")):
        if b[key]:
            links = ", ".join(f"<a href='#case-{escape(k)}'>{escape(k)}</a>" for k in b[key])
            items.append(f"<li><b>{label}:</b> {links}</li>")
    if not items:
        items.append("<li>No case changed outcome.</li>")
    return (f"<h2>Against the baseline</h2><div class='panel'><div class='meta'>"
            f"<code>{escape(b['path'])}</code> · {escape(b['started'])} · engine "
            f"{escape(b['engine'] or 'n/a')}</div><ul>{''.join(items)}</ul></div>")


def _case_index(doc: dict) -> str:
    rows = ["<table><tr><th>case</th><th>kind</th><th>question</th><th>result</th>"
            "<th>why</th></tr>"]
    for c in doc["cases"]:
        cid = c["case"]["id"]
        cls = "passed" if c["passed"] else "failed"
        rows.append(f"<tr class='{cls}'><td><a href='#case-{escape(cid)}'>{escape(cid)}</a></td>"
                    f"<td>{escape(c['case']['kind'])}</td><td>{escape(c['case']['question'])}"
                    f"</td><td>{_badge('pass' if c['passed'] else 'fail', c['passed'])}</td>"
                    f"<td class='why'>{escape(c['why'])}</td></tr>")
    return "".join(rows) + "</table>"


def _answer_html(c: dict) -> str:
    ans = c.get("answer") or {}
    text = ans.get("answer", "")
    if not ans:
        return f"<span class='why'>{escape(c.get('error') or 'no answer')}</span>"
    sents = c.get("sentences") or []
    if ans.get("abstained") or not sents:
        return _markers(escape(text)) + (" " + _badge("abstained", None)
                                         if ans.get("abstained") else "")
    out, rest = [], escape(text)
    for s in sents:
        if s["supported"]:
            continue
        piece = escape(s["sentence"])
        at = rest.find(piece)
        if at < 0:
            continue
        out.append(_markers(rest[:at]))
        out.append(f"<span class='unsup' title='not supported by its citations'>"
                   f"{_markers(piece)}</span>")
        rest = rest[at + len(piece):]
    out.append(_markers(rest))
    return "".join(out)


def _markers(escaped: str) -> str:
    return CITATION_RE.sub(lambda m: f"<span class='cite'>[{m.group(1)}]</span>", escaped)


def _expected(case: dict) -> str:
    bits = []
    for key, label in (("answers", "any of"), ("all_answers", "all of"),
                       ("wrong_answers", "not as fact"), ("must_cite", "cites one of")):
        if case.get(key):
            bits.append(f"<b>{label}:</b> " + ", ".join(escape(a) for a in case[key]))
    for s in case.get("sides", []):
        bits.append(f"<b>side</b> {escape(s['name'])}: speakers "
                    f"{escape(', '.join(s['speakers']) or '—')}; articles "
                    f"{escape(', '.join(s['articles']) or '—')}")
    if case["kind"] == "abstain":
        bits.append("the articles hold no answer: the service should abstain")
    if case.get("note"):
        bits.append(f"<small>{escape(case['note'])}</small>")
    return "<br>".join(bits)


def _citations(ans: dict, open_: bool) -> str:
    cites = ans.get("citations") or []
    if not cites:
        return "<small>none</small>"
    ids = sorted({str(x.get("article_id")) for x in cites})
    summary = (f"<summary>{len(cites)} quote{'s' if len(cites) != 1 else ''} from "
               f"{', '.join(escape(i) for i in ids)}</summary>")
    return f"<details{' open' if open_ else ''}>{summary}" + "".join(
        f"<div><span class='cite'>{escape(str(x.get('article_id')))}</span> "
        f"<small>{escape(str(x.get('source') or ''))} {escape(str(x.get('date') or ''))} "
        f"[{x.get('start')}, {x.get('end')})</small>"
        f"<blockquote>{escape(str(x.get('quote', ''))[:600])}</blockquote></div>"
        for x in cites) + "</details>"


def _contests(ans: dict) -> str:
    out = []
    for k in ans.get("contested") or []:
        sides = []
        for s in k.get("sides", []):
            claims = "".join(
                f"<li><b>{escape(str(cl.get('speaker') or '—'))}</b> "
                f"<small>({escape(str(cl.get('stance', '')))}, "
                f"<span class='cite'>{escape(str(cl.get('article_id')))}</span>"
                f"{', ' + escape(str(cl['date'])) if cl.get('date') else ''})</small>: "
                f"“{escape(str(cl.get('quote', ''))[:300])}”</li>" for cl in s.get("claims", []))
            sides.append(f"<div class='side'><i>{escape(str(s.get('position', '')))}</i>"
                         f"<ul>{claims}</ul></div>")
        out.append(f"<div><b>{escape(str(k.get('topic', '')))}</b> <small>"
                   f"({escape(str(k.get('kind', '')))})</small>{''.join(sides)}</div>")
    return "".join(out)


def _case(c: dict, i: int) -> str:
    case, ans = c["case"], c.get("answer") or {}
    cls = "passed" if c["passed"] else "failed"
    checks = "".join(
        f"<li><span class='{'ok' if k['ok'] else ('no' if k['required'] else 'soft')}'>"
        f"{'✓' if k['ok'] else ('✗' if k['required'] else '!')}</span> <b>{escape(k['name'])}"
        f"</b>: {escape(k['detail'])}</li>" for k in c["checks"])
    rows = [("question", escape(case["question"])), ("expected", _expected(case)),
            ("answer", _answer_html(c))]
    if ans:
        rows.append(("citations", _citations(ans, open_=not c["passed"])))
        if ans.get("contested"):
            rows.append(("contested", _contests(ans)))
    rows.append(("checks", f"<ul class='checks'>{checks}</ul>"))
    if not c["passed"]:
        rows.append(("why it failed", f"<span class='why'>{escape(c['why'])}</span>"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f"<section class='case {cls}' id='case-{escape(case['id'])}'><header><h3>"
            f"{i + 1}. {escape(case['id'])} <small>{escape(case['kind'])}</small> "
            f"{_badge('pass' if c['passed'] else 'fail', c['passed'])} <small>"
            f"{c['seconds']:.2f}s</small></h3></header><table>{body}</table></section>")


def links_outside(html: str) -> list[str]:
    """URLs the page would fetch (src=, href= to another host, url(...) in CSS): must be none."""
    found = re.findall(r"""(?:src|href)\s*=\s*['"]((?:https?:)?//[^'"]+)""", html)
    found += re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", html)
    return found
