"""The seeds eval suite (eval/suites/seeds.yaml) runs as part of the tests: a change that drops
any metric below the suite's thresholds fails here, with the summary table and the failed cases
in the message. The reports land in test-artifacts/eval-seeds/ for a person to read."""

from __future__ import annotations

from eval import report
from eval.runner import in_process, load_corpus, run_suite, summary_table
from eval.suite import ROOT, load_suite
from tests.conftest import ARTIFACTS


def test_the_seeds_suite_meets_its_thresholds(seed_service):
    suite = load_suite(ROOT / "eval" / "suites" / "seeds.yaml")
    corpus = load_corpus(suite)
    assert set(corpus) == set(seed_service.index.articles(corpus))  # the same five articles
    run = run_suite(suite, in_process(seed_service), corpus, target="in-process", progress=False)
    report.write(run, ARTIFACTS / "eval-seeds")
    failed = "\n".join(f"  {r.case.id}: {r.why()}" for r in run.results if not r.passed)
    assert run.passed, f"\n{summary_table(run)}\n\nfailed cases:\n{failed}"
    assert len(suite.thresholds) >= 10  # every metric the suite can measure is bounded
