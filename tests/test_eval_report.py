"""The eval reports: report.json holds every case and metric, summary.md the short story, and
report.html is one self-contained page (checked in a real Chromium: it fetches nothing) with a
card per case and SVG charts; a baseline adds what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import report
from eval.html import links_outside
from eval.runner import load_corpus, run_suite
from eval.suite import load_suite
from qa.domain import Answer, Citation
from tests.conftest import ARTIFACTS

A0, A3 = "000_e5d721c452f0de90", "003_b50cd088e71c6203"
TALKS = ("The first direct talks between delegations from the National Resistance Front (NRF) "
         "and the Taliban radical movement were held in the city of Charikar (the capital of "
         "Parwan Province - TASS) last week.")
SUITE = """
name: report-demo
description: Hand-made answers <for> the report & its tests.
corpus: {paths: [data]}
thresholds: {citation_validity: 1.0, answer_accuracy: 0.9, abstention_accuracy: 0.5}
cases:
  - {id: talks, kind: fact, question: "Where were the first direct talks held?",
     answers: [Charikar], must_cite: [000_e5d721c452f0de90]}
  - {id: dashti, kind: fact, question: "What happened to <b>Dashti</b> & co?", answers: [killed],
     must_cite: [003_b50cd088e71c6203]}
  - {id: pop, kind: abstain, question: "What is the population of Kabul?"}
"""


def cite(corpus, aid, quote):
    start = corpus[aid].text.index(quote)
    return Citation(aid, quote, start, start + len(quote), source="TASS")


@pytest.fixture
def suite(tmp_path):
    p = tmp_path / "demo.yaml"
    p.write_text(SUITE, encoding="utf-8")
    s = load_suite(p)
    return s, load_corpus(s)


def run_with(suite, answers: dict):
    s, corpus = suite
    answers = {q: (a(corpus) if callable(a) else a).to_json() for q, a in answers.items()}
    return run_suite(s, lambda q, f: answers[q], corpus, target="hand-made", progress=False)


def good(corpus):
    return Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),))


ABSTAIN = Answer("The articles don't say.", abstained=True)
FIRST = {"Where were the first direct talks held?": good,
         "What happened to <b>Dashti</b> & co?": ABSTAIN,
         "What is the population of Kabul?": ABSTAIN}


def test_report_json_holds_every_case_and_metric(suite, tmp_path):
    doc = report.write(run_with(suite, FIRST), tmp_path / "r")
    on_disk = json.loads((tmp_path / "r" / "report.json").read_text())
    assert on_disk == json.loads(json.dumps(doc))
    assert [c["case"]["id"] for c in doc["cases"]] == ["talks", "dashti", "pop"]
    assert [c["passed"] for c in doc["cases"]] == [True, False, True]
    assert "abstained on an answerable case" in doc["cases"][1]["why"]
    assert doc["cases"][0]["answer"]["citations"][0]["article_id"] == A0
    acc = doc["metrics"]["answer_accuracy"]
    assert (acc["value"], acc["threshold"], acc["passed"]) == (0.5, 0.9, False)
    assert doc["passed"] is False
    assert doc["failed_thresholds"] == ["answer_accuracy 0.500 (needs >= 0.9)"]


def test_summary_md_has_the_metrics_table_and_the_failed_cases(suite, tmp_path):
    report.write(run_with(suite, FIRST), tmp_path / "r")
    md = (tmp_path / "r" / "summary.md").read_text()
    assert md.startswith("# Eval: report-demo — FAILED")
    assert "| Answer accuracy | 0.500 (1/2) | >= 0.9 | **FAIL** |" in md
    assert "| Citation validity | 1.000 (2/2) | >= 1 | ok |" in md
    assert "- `dashti` (fact)" in md and "abstained on an answerable case" in md
    assert "`talks`" not in md.split("## Failed cases")[1]


def test_report_html_is_self_contained_escaped_and_has_a_card_per_case(suite, tmp_path):
    report.write(run_with(suite, FIRST), tmp_path / "r")
    html = (tmp_path / "r" / "report.html").read_text()
    assert "<script" not in html.lower() and links_outside(html) == []
    assert html.count("<svg") == 2
    for cid in ("talks", "dashti", "pop"):
        assert f"id='case-{cid}'" in html
    assert "What happened to &lt;b&gt;Dashti&lt;/b&gt; &amp; co?" in html
    assert "<b>Dashti</b>" not in html
    assert "Charikar" in html and f"<span class='cite'>[{A0}]</span>" in html


def test_links_outside_finds_what_a_page_would_fetch():
    assert links_outside("<img src='https://cdn.example/x.png'><a href='#case-1'>x</a>") == [
        "https://cdn.example/x.png"]
    assert links_outside("<style>a{background:url(//cdn.example/y.svg)}</style>") == [
        "//cdn.example/y.svg"]


def test_a_baseline_shows_metric_deltas_and_cases_that_changed(suite, tmp_path):
    report.write(run_with(suite, FIRST), tmp_path / "old")
    base = report.load_baseline(tmp_path / "old" / "report.json")
    better = dict(FIRST)
    better["What happened to <b>Dashti</b> & co?"] = lambda c: Answer(
        f"NRFA said on Sunday that its main spokesperson, Fahim Dashti, had been killed in the "
        f"fighting. [{A3}]", (cite(c, A3, "NRFA said on Sunday that its main spokesperson, Fahim "
                                "Dashti, had been killed in the fighting."),))
    better["Where were the first direct talks held?"] = ABSTAIN
    doc = report.write(run_with(suite, better), tmp_path / "new", baseline=base)
    b = doc["baseline"]
    assert b["newly_passing"] == ["dashti"] and b["newly_failing"] == ["talks"]
    assert b["metrics"]["answer_accuracy"] == {"old": 0.5, "delta": 0.0, "direction": "same"}
    assert b["metrics"]["false_abstention_rate"]["direction"] == "same"
    md = (tmp_path / "new" / "summary.md").read_text()
    assert "Δ baseline" in md and "- now failing: talks" in md and "- now passing: dashti" in md
    html = (tmp_path / "new" / "report.html").read_text()
    assert "Against the baseline" in html and "<a href='#case-talks'>talks</a>" in html


def test_a_better_metric_is_marked_better_and_a_worse_one_worse(suite, tmp_path):
    report.write(run_with(suite, FIRST), tmp_path / "old")
    base = report.load_baseline(tmp_path / "old" / "report.json")
    answered = dict(FIRST)
    answered["What is the population of Kabul?"] = good
    answered["What happened to <b>Dashti</b> & co?"] = good
    doc = report.to_json(run_with(suite, answered), base)
    m = doc["baseline"]["metrics"]
    assert m["abstention_accuracy"]["direction"] == "worse"
    assert m["false_abstention_rate"] == {"old": 0.5, "delta": -0.5, "direction": "better"}


def test_a_baseline_that_is_not_a_report_is_refused(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"metrics": {}}')
    with pytest.raises(report.BaselineError, match="not an eval report"):
        report.load_baseline(p)
    p.write_text("not json")
    with pytest.raises(report.BaselineError, match="not a JSON report"):
        report.load_baseline(p)
    with pytest.raises(report.BaselineError, match="no such file"):
        report.load_baseline(tmp_path / "absent.json")


def test_report_html_renders_in_chromium_without_fetching_anything(suite, tmp_path):
    from playwright.sync_api import sync_playwright

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail(f"{chromium} is missing: `make browser` (apt-get install chromium) installs it")
    report.write(run_with(suite, FIRST), tmp_path / "r")
    url = (tmp_path / "r" / "report.html").as_uri()
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium),
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(url)
        bars = page.locator("svg rect title").count()
        cards = page.locator("section.case").count()
        failed_first = page.locator("section.case.failed h3").first.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
        browser.close()
    assert requests == [url] and errors == []
    assert cards == 3 and "dashti" in failed_first
    assert bars >= 10  # a bar per measured rate metric, and the kinds chart


def test_report_html_marks_statements_their_citations_do_not_support(suite, tmp_path):
    answers = dict(FIRST)
    answers["Where were the first direct talks held?"] = lambda c: Answer(
        f"The talks were held in Charikar [{A0}]; Fahim Dashti chaired them [{A0}].",
        (cite(c, A0, TALKS),))
    report.write(run_with(suite, answers), tmp_path / "r")
    html = (tmp_path / "r" / "report.html").read_text()
    assert (f"<span class='unsup' title='not supported by its citations'>; Fahim Dashti chaired "
            f"them <span class='cite'>[{A0}]</span>.</span>") in html
    assert f"The talks were held in Charikar <span class='cite'>[{A0}]</span>" in html
