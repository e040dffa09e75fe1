"""Where a case is lost (the stage table) and fitting the answer path's weights on one half of
a suite while reporting the other."""

from __future__ import annotations

import numpy as np

from eval.calibrate import calibrate, env_lines, fit_logistic
from eval.runner import in_process, load_corpus, run_suite
from eval.stages import INFORMATIVE, STAGES, aggregate
from eval.suite import load_suite

SUITE = """
name: calibrate-demo
corpus: {paths: [data]}
thresholds: {citation_validity: 1.0}
cases:
"""
_CASES = [
    ("talks-1", "fact", "Where were the first direct talks between the NRF and the Taliban held?", "Charikar"),
    ("talks-2", "fact", "In which city did the resistance and the Taliban first negotiate?", "Charikar"),
    ("kabul-1", "fact", "When did the Taliban enter Kabul?", "August 15"),
    ("kabul-2", "fact", "On what date did Taliban fighters sweep into Kabul?", "August 15"),
    ("dashti-1", "fact", "What happened to Fahim Dashti?", "killed"),
    ("dashti-2", "fact", "Was the resistance spokesman Fahim Dashti killed?", "killed"),
    ("flag-1", "fact", "What did the Taliban demand be raised over the Panjshir valley?", "flag"),
    ("flag-2", "fact", "Which banner did the Taliban want flown in Panjshir?", "flag"),
    ("taken-1", "contested", "Did the Taliban take Panjshir?", None),
    ("taken-2", "contested", "Is Panjshir under Taliban control?", None),
    ("pop-1", "abstain", "What is the population of Kabul?", None),
    ("cup-1", "abstain", "Which country won the 2018 FIFA World Cup?", None),
    ("gdp-1", "abstain", "What was Afghanistan's GDP in 2020?", None),
    ("cap-1", "abstain", "What is the capital of Australia?", None),
]
for _id, _kind, _q, _a in _CASES:
    SUITE += f"  - id: {_id}\n    kind: {_kind}\n    question: \"{_q}\"\n"
    if _a:
        SUITE += f"    answers: [\"{_a}\"]\n"
    if _kind == "contested":
        SUITE += ("    sides:\n      - {name: taken, speakers: [Taliban]}\n"
                  "      - {name: denied, speakers: [National Resistance Front, resistance]}\n")


def test_logistic_fit_finds_the_feature_that_decides():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 1] > 0.2).astype(float)
    w, b = fit_logistic(x, y, np.ones(len(y)), l2=0.1)
    assert abs(w[1]) > 5 * max(abs(w[0]), abs(w[2]))
    assert w[1] > 0 and b < 0


def test_the_stage_table_says_where_each_case_was_lost(tmp_path, seed_service):
    path = tmp_path / "s.yaml"
    path.write_text(SUITE, encoding="utf-8")
    suite = load_suite(path)
    run = run_suite(suite, in_process(seed_service), load_corpus(suite), target="in-process",
                    progress=False)
    for r in run.results:
        assert r.stages is not None, r.case.id
        assert set(r.stages["stages"]) == set(STAGES[r.case.kind])
        # A case that passed lost nothing; one that failed was lost at its first failed stage.
        if r.passed:
            assert r.stages["lost"] is None
        else:
            assert r.stages["lost"] in STAGES[r.case.kind]
            assert not r.stages["stages"][r.stages["lost"]]
    table = aggregate([(r.case, r.stages) for r in run.results])
    assert table["fact"]["cases"] == 8 and table["abstain"]["cases"] == 4
    for kind, k in table.items():
        # Each stage is passed by no more cases than the one before it, or lost there.
        stages = STAGES[kind]
        gating = [s for s in stages if s not in INFORMATIVE]
        for a, b in zip(gating, gating[1:]):
            assert k["passed"][b] <= k["passed"][a] + k["lost"][a]
        assert sum(k["lost"].values()) == k["cases"] - sum(
            r.passed for r in run.results if r.case.kind == kind)


def test_calibrate_fits_on_one_half_and_reports_both(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SUITE, encoding="utf-8")
    result = calibrate([path], data_dir=tmp_path / "stores")
    halves = {c.split for c in load_suite(path).cases}
    assert halves == {"fit", "held"}  # the demo has cases in both halves
    assert result["examples"]["fit"] + result["examples"]["held"] == 14
    values = result["settings"]
    assert set(values) == {"QA_SENTENCE_", "QA_ABSTAIN_", "QA_CONTEST_"}
    assert 0.0 <= values["QA_ABSTAIN_"]["answer_at"] <= 1.0
    report = result["report"][0]
    assert set(report["splits"]) == halves
    assert sum(h["cases"] for h in report["splits"].values()) == 14
    lines = env_lines(result)
    assert "QA_SENTENCE_W_SEM=" in lines and "QA_CONTEST_ATTACH_AT=" in lines
