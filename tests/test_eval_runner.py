"""The eval runner: ``python -m eval run`` in-process over a real store, and against the real
app served over HTTP; exit codes say whether the thresholds held."""

from __future__ import annotations

import json

import pytest

from eval.__main__ import main
from eval.runner import TargetError, in_process, load_corpus, over_http, run_suite
from eval.suite import load_suite
from tests.webapp import LiveServer, make_app

SUITE = """
name: runner-demo
corpus: {paths: [data]}
thresholds: {citation_validity: 1.0, errors: 0, THRESHOLD}
cases:
  - id: talks
    kind: fact
    question: Where were the first direct talks between the NRF and the Taliban held?
    answers: [EXPECTED]
    must_cite: [000_e5d721c452f0de90]
  - id: dashti
    kind: fact
    question: What happened to Fahim Dashti?
    answers: [killed]
  - id: pop
    kind: abstain
    question: What is the population of Kabul?
"""


def suite_file(tmp_path, expected="Charikar", threshold="answer_accuracy: 0.5", name="s.yaml"):
    p = tmp_path / name
    p.write_text(SUITE.replace("EXPECTED", expected).replace("THRESHOLD", threshold),
                 encoding="utf-8")
    return p


def test_the_cli_runs_a_suite_in_process_writes_reports_and_exits_by_thresholds(tmp_path, capsys):
    data = tmp_path / "store"
    ok = main(["run", str(suite_file(tmp_path)), "--report", str(tmp_path / "r1"),
               "--data-dir", str(data), "--quiet"])
    out = capsys.readouterr().out
    assert ok == 0, out
    assert "citation_validity" in out and "runner-demo: " in out and "target in-process" in out
    doc = json.loads((tmp_path / "r1" / "report.json").read_text())
    assert {c["case"]["id"]: c["passed"] for c in doc["cases"]}["talks"] is True
    assert (tmp_path / "r1" / "report.html").exists() and (tmp_path / "r1" / "summary.md").exists()

    # The same store (already ingested); an answer no article gives fails its threshold.
    bad = suite_file(tmp_path, expected="Kandahar", threshold="answer_accuracy: 0.9",
                     name="bad.yaml")
    code = main(["run", str(bad), "--data-dir", str(data), "--quiet", "--report",
                 str(tmp_path / "r2"), "--baseline", str(tmp_path / "r1" / "report.json")])
    out = capsys.readouterr().out
    assert code == 1
    assert "THRESHOLD FAILED: answer_accuracy 0.500 (needs >= 0.9)" in out
    doc = json.loads((tmp_path / "r2" / "report.json").read_text())
    assert doc["baseline"]["newly_failing"] == ["talks"]


def test_a_broken_suite_exits_2_and_says_why(tmp_path, capsys):
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\ncorpus: {paths: [data]}\ncases:\n  - {id: a, kind: fact}\n")
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "cases[0] (id 'a'): 'question' is missing" in err and "a fact case needs 'answers'" in err


def test_a_baseline_that_is_not_a_report_exits_2(tmp_path, capsys):
    (tmp_path / "old.json").write_text("[]")
    assert main(["run", str(suite_file(tmp_path)), "--baseline", str(tmp_path / "old.json")]) == 2
    assert "not an eval report" in capsys.readouterr().err


def test_over_http_scores_the_same_answers_as_in_process(tmp_path, seed_service):
    suite = load_suite(suite_file(tmp_path))
    corpus = load_corpus(suite)
    local = run_suite(suite, in_process(seed_service), corpus, target="in-process",
                      progress=False)
    with LiveServer(make_app(seed_service)) as server:
        remote = run_suite(suite, over_http(server.url), corpus, target=server.url,
                           progress=False)
    assert [r.answer["answer"] for r in remote.results] == [r.answer["answer"] for r in local.results]
    assert [r.passed for r in remote.results] == [r.passed for r in local.results]
    assert remote.values["citation_validity"].value == 1.0
    assert remote.results[0].passed, remote.results[0].why()


def test_http_errors_fail_their_cases_and_the_errors_threshold(tmp_path, seed_service, capsys):
    with LiveServer(make_app(seed_service, api_token="s3cret")) as server:
        code = main(["run", str(suite_file(tmp_path)), "--url", server.url, "--quiet",
                     "--report", str(tmp_path / "r")])
        assert code == 1
        doc = json.loads((tmp_path / "r" / "report.json").read_text())
        assert all(c["why"].startswith("error: HTTP 401") for c in doc["cases"])
        assert doc["metrics"]["errors"]["value"] == 3
        assert main(["run", str(suite_file(tmp_path)), "--url", server.url, "--token",
                     "s3cret", "--quiet"]) == 0
    capsys.readouterr()


def test_an_unreachable_server_is_a_clear_error():
    ask = over_http("http://127.0.0.1:9", timeout=2)
    with pytest.raises(TargetError, match="cannot reach http://127.0.0.1:9/api/ask"):
        ask("Who leads the resistance?", {})
