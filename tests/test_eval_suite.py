"""Eval suites load from YAML, and every mistake in one is reported, with where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.runner import load_corpus
from eval.suite import ROOT, SuiteError, load_suite

GOOD = """
name: tiny
corpus:
  paths: [data]
thresholds:
  citation_validity: 1.0
  false_contest_rate: 0.2
cases:
  - id: talks
    kind: fact
    question: Where were the first direct talks held?
    answers: [Charikar]
    must_cite: [000_e5d721c452f0de90]
  - id: taken
    kind: contested
    question: Did the Taliban take Panjshir?
    sides:
      - {name: Taliban, speakers: [Zabihullah Mujahid]}
      - {name: resistance, articles: [003_b50cd088e71c6203], speakers: [NRF]}
  - id: pop
    kind: abstain
    question: What is the population of Kabul?
    filters: {after: "2021-01-01"}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "suite.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SuiteError) as exc:
        load_suite(write(tmp_path, text))
    return exc.value.problems


def test_a_good_suite_loads_with_its_cases_sides_and_thresholds(tmp_path):
    s = load_suite(write(tmp_path, GOOD))
    assert s.name == "tiny" and [c.kind for c in s.cases] == ["fact", "contested", "abstain"]
    assert s.corpus.paths == (ROOT / "data",)
    assert s.thresholds == {"citation_validity": 1.0, "false_contest_rate": 0.2}
    assert s.cases[1].sides[1].articles == ("003_b50cd088e71c6203",)
    assert s.cases[2].filters == {"after": "2021-01-01"}


def test_a_misspelt_key_is_named_with_a_suggestion(tmp_path):
    probs = problems_of(tmp_path, GOOD.replace("answers: [Charikar]", "answer: [Charikar]"))
    assert "cases[0] (id 'talks'): unknown key 'answer' (did you mean 'answers'?)" in probs
    assert any("a fact case needs 'answers'" in p for p in probs)


def test_every_problem_is_reported_at_once(tmp_path):
    text = (GOOD.replace("kind: abstain", "kind: abstention")
            .replace("false_contest_rate: 0.2", "false_contest_rate: 2")
            .replace("citation_validity: 1.0", "citation_valid: 1.0")
            .replace("question: Did the Taliban take Panjshir?", "question: ''"))
    probs = problems_of(tmp_path, text)
    assert len(probs) == 4, probs
    joined = "\n".join(probs)
    assert "cases[2] (id 'pop').kind: must be one of fact, contested, abstain, not 'abstention'" in joined
    assert "thresholds.false_contest_rate: a rate must lie in [0, 1]" in joined
    assert "unknown metric 'citation_valid' (did you mean 'citation_validity'?)" in joined
    assert "cases[1] (id 'taken').question: must be a non-empty string" in joined


def test_an_unquoted_yaml_number_in_answers_is_explained(tmp_path):
    probs = problems_of(tmp_path, GOOD.replace("answers: [Charikar]", "answers: [August 15, 2003]"))
    assert any("[1] 2003 (a YAML number or date: quote it)" in p for p in probs)


def test_duplicate_ids_and_one_sided_contests_are_refused(tmp_path):
    text = GOOD.replace("id: pop", "id: talks").replace(
        "      - {name: resistance, articles: [003_b50cd088e71c6203], speakers: [NRF]}\n", "")
    probs = problems_of(tmp_path, text)
    assert "cases[2]: duplicate id 'talks'" in probs
    assert "cases[1] (id 'taken').sides: a contested case needs at least two sides" in probs


def test_mistakes_deep_in_a_case_are_located_and_explained(tmp_path):
    text = GOOD.replace("{name: Taliban, speakers: [Zabihullah Mujahid]}", "{name: Taliban, says: [x]}")
    text = text.replace('filters: {after: "2021-01-01"}', "filters: {after: \"2021-02-30\", outlets: [RT]}")
    text = text.replace("  - id: talks\n    kind: fact\n", "  - id: talks\n")
    text += "  - just words\n"
    probs = problems_of(tmp_path, text)
    assert probs == [
        "cases[0] (id 'talks').kind: must be one of fact, contested, abstain",
        "cases[1] (id 'taken').sides[0].speakers: give the 'articles' or 'speakers' that make this side",
        "cases[2] (id 'pop').filters.after: must be a date YYYY-MM-DD",
        "cases[2] (id 'pop').filters: unknown key 'outlets'",
        "cases[3]: must be a mapping"], probs


def test_a_missing_corpus_path_says_where_it_looked(tmp_path):
    probs = problems_of(tmp_path, GOOD.replace("paths: [data]", "paths: [no-such-folder]"))
    assert any("'no-such-folder' does not exist (looked at" in p for p in probs)


def test_a_file_that_is_not_yaml_or_not_there_is_a_suite_error(tmp_path):
    assert "not valid YAML" in problems_of(tmp_path, "cases: [\n")[0]
    assert problems_of(tmp_path, "name: x\nwhen: 2021-02-30\n") == [
        "not valid YAML: day is out of range for month"]
    with pytest.raises(SuiteError, match="no such file"):
        load_suite(tmp_path / "absent.yaml")
    assert problems_of(tmp_path, "- just a list\n") == [
        "the file must be a mapping with 'name', 'corpus', 'cases'"]


def test_a_case_naming_an_article_outside_the_corpus_is_refused(tmp_path):
    suite = load_suite(write(tmp_path, GOOD.replace("003_b50cd088e71c6203", "003_nope")))
    with pytest.raises(SuiteError) as exc:
        load_corpus(suite)
    assert exc.value.problems == ["cases[1] (id 'taken'): article '003_nope' is not in the corpus"]


def test_jsonl_ids_missing_from_the_file_are_named(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a1", "text": "Alpha text here."}\n'
                      '{"id": "b2", "text": "Beta text here."}\n', encoding="utf-8")
    text = GOOD.replace("paths: [data]", f"jsonl: {corpus}\n  ids: [a1, zz9]").replace(
        "must_cite: [000_e5d721c452f0de90]", "must_cite: [a1]").replace(
        "articles: [003_b50cd088e71c6203]", "articles: [a1]")
    with pytest.raises(SuiteError) as exc:
        load_corpus(load_suite(write(tmp_path, text)))
    assert exc.value.problems == [f"corpus.ids: 'zz9' is not in {corpus}"]


@pytest.mark.parametrize("name", ["seeds.yaml", "allsides.yaml"])
def test_the_shipped_suites_load_and_name_only_articles_they_ingest(name):
    suite = load_suite(ROOT / "eval" / "suites" / name)
    corpus = load_corpus(suite)
    assert len(suite.cases) >= (25 if name == "seeds.yaml" else 20)
    assert suite.article_ids_named() <= set(corpus)
    assert suite.thresholds.get("citation_validity") == 1.0
    assert {c.kind for c in suite.cases} == {"fact", "contested", "abstain"}
