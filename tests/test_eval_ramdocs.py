"""The RAMDocs adapter: conflicting-evidence items become a corpus plus a suite, run end to end
against the real service, scored by the benchmark's rule."""

from __future__ import annotations

import json

import pytest
import yaml

from eval import ramdocs
from eval.__main__ import main
from eval.runner import in_process, load_corpus, run_suite
from eval.suite import ROOT, load_suite

SAMPLE = ROOT / "eval" / "samples" / "ramdocs_sample.jsonl"


def test_the_sample_has_conflicting_and_misinformation_documents():
    items = ramdocs.read(SAMPLE)
    assert 5 <= len(items) <= 8
    types = [d["type"] for it in items for d in it["documents"]]
    assert {"correct", "misinfo", "noise"} <= set(types)
    assert any(len(it["gold_answers"]) > 1 for it in items)  # ambiguous: several right answers
    assert all(it["wrong_answers"] for it in items if "misinfo" in
               [d["type"] for d in it["documents"]])


def test_convert_writes_one_article_per_document_and_a_case_per_item(tmp_path):
    suite_path = ramdocs.convert(SAMPLE, tmp_path / "out")
    records = [json.loads(x) for x in (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()]
    items = ramdocs.read(SAMPLE)
    assert len(records) == sum(len(it["documents"]) for it in items)
    assert records[0] == {"id": "ramdocs-0000-00", "text": items[0]["documents"][0]["text"]}
    assert all(set(r) == {"id", "text"} for r in records)  # the answer key stays out
    raw = yaml.safe_load(suite_path.read_text())
    first = raw["cases"][0]
    assert first["all_answers"] == ["Mendota", "Dunmore"]
    assert first["wrong_answers"] == ["Castleton"]
    assert first["filters"]["article_ids"] == [f"ramdocs-0000-0{j}" for j in range(4)]
    suite = load_suite(suite_path)
    assert len(suite.cases) == len(items) and set(load_corpus(suite)) == {r["id"] for r in records}


@pytest.mark.parametrize("line,message", [
    ("not json", "not JSON"),
    ('{"question": "", "documents": [{"text": "x", "type": "correct"}]}', "'question'"),
    ('{"question": "q?", "documents": []}', "'documents'"),
    ('{"question": "q?", "documents": [{"text": "x", "type": "rumour"}]}', "type must be one of"),
    ('{"question": "q?", "documents": [{"text": "x", "type": "noise"}], "gold_answers": "x"}',
     "'gold_answers' must be a list"),
])
def test_a_malformed_item_names_its_line(tmp_path, line, message):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"question": "ok?", "documents": [{"text": "t", "type": "noise"}]})
                 + "\n" + line + "\n")
    with pytest.raises(ramdocs.RamdocsError, match=message) as exc:
        ramdocs.read(p)
    assert f"{p}:2" in str(exc.value)


@pytest.mark.parametrize("answer,right", [
    ("It is in Mendota [a] and in Dunmore [b].", True),
    ("Two colleges share the name: one in Mendota, Vermont, and one in Dunmore, Oregon. One "
     "document claims the college is in Castleton.", True),
    ("It is in Mendota.", False),  # a gold answer is missing
    ("It is in Mendota and Dunmore. It moved to Castleton.", False),  # misinformation as fact
])
def test_exact_match_needs_every_gold_answer_and_no_wrong_one_as_fact(answer, right):
    assert ramdocs.exact_match(answer, ["Mendota", "Dunmore"], ["Castleton"]) is right


def test_the_converted_suite_runs_end_to_end_and_scores_by_the_rule(tmp_path, make_service):
    suite = load_suite(ramdocs.convert(SAMPLE, tmp_path / "out"))
    corpus = load_corpus(suite)
    service = make_service()
    service.ingest_items(corpus.values())
    run = run_suite(suite, in_process(service), corpus, target="in-process", progress=False)
    assert run.values["citation_validity"].value == 1.0
    assert run.values["errors"].value == 0
    for r in run.results:
        own = set(r.case.filters["article_ids"])
        cited = {c["article_id"] for c in r.answer["citations"]}
        assert cited <= own, f"{r.case.id} cites another item's documents: {cited - own}"
        text = "" if r.answer["abstained"] else r.answer["answer"]
        assert r.counts["correct"] == int(ramdocs.exact_match(
            text, list(r.case.all_answers), list(r.case.wrong_answers)))


def test_the_cli_converts_and_says_how_to_run(tmp_path, capsys):
    assert main(["ramdocs", str(SAMPLE), "--out", str(tmp_path / "o"), "--limit", "2"]) == 0
    assert "python -m eval run" in capsys.readouterr().out
    assert len(load_suite(tmp_path / "o" / "suite.yaml").cases) == 2
    assert main(["ramdocs", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "x")]) == 2
