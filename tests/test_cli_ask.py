"""``python -m qa ask`` as a reader runs it: a subprocess over a store in a temp dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT, SEEDS, SEED_IDS
from .llm_server import free_port


@pytest.fixture(scope="module")
def store(tmp_path_factory, embedder):
    """A temp store holding the seed articles, and the articles' text by ID."""
    from qa.config import Settings, StoreSettings
    from qa.index import NewsIndex
    from qa.service import QAService

    data_dir = tmp_path_factory.mktemp("cli") / "var"
    settings = Settings(store=StoreSettings(data_dir=data_dir))
    svc = QAService(settings, NewsIndex(settings, embedder=embedder[0], embedder_id=embedder[1]))
    assert svc.ingest([SEEDS]).added == 5
    return data_dir, {i: svc.article(i).article.text for i in SEED_IDS}


def run_qa(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**clean, **(env or {})})


def test_ask_prints_the_answer_with_its_citations(store):
    data_dir, texts = store
    r = run_qa("ask", "--data-dir", str(data_dir), "Where", "were", "the", "first", "direct",
               "talks", "between", "the", "NRF", "and", "the", "Taliban", "held?")
    assert r.returncode == 0, r.stderr
    answer, _, cites = r.stdout.partition("\nCitations:\n")
    assert "Charikar" in answer and "[000_e5d721c452f0de90" in answer
    assert "  [000_e5d721c452f0de90] " in cites
    # Under each "[id] title" line the quote is printed whole (wrapped at spaces), in “”.
    entries: list[list] = []
    for line in cites.split("\n\n")[0].splitlines():
        if line.startswith("  ["):
            entries.append([line.split("]")[0][3:], ""])
        elif line.startswith("      "):
            entries[-1][1] += " " + line.strip()
    assert entries
    for aid, quote in entries:
        quote = quote.strip()
        assert quote.startswith("“") and quote.endswith("”")
        assert " ".join(quote[1:-1].split()) in " ".join(texts[aid].split())


def test_ask_json_prints_the_api_contract(store):
    data_dir, texts = store
    r = run_qa("ask", "--json", "--data-dir", str(data_dir), "Who is Ali Maisam Nazary?")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert {"answer", "abstained", "engine", "citations", "contested", "timings_ms"} <= set(body)
    assert body["engine"] == "extractive" and not body["abstained"]
    assert "003_b50cd088e71c6203" in {c["article_id"] for c in body["citations"]}
    for c in body["citations"]:
        assert texts[c["article_id"]][c["start"]:c["end"]] == c["quote"]


def test_ask_with_the_llm_engine_down_falls_back_with_a_note(store):
    data_dir, _ = store
    r = run_qa("ask", "--json", "--engine", "llm", "--data-dir", str(data_dir),
               "Who is Ali Maisam Nazary?",
               env={"QA_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
                    "QA_LLM_TIMEOUT_S": "5"})
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["engine"] == "extractive"
    assert any("language model failed" in n and "cannot be reached" in n for n in body["notes"])


@pytest.mark.parametrize("args, code, message", [
    (["ask", "   "], 2, "error: the question is empty"),
    (["ask", "--after", "31/08/2021", "Who?"], 2, "'after' must be a date YYYY-MM-DD"),
    (["ask", "--engine", "gpt", "Who?"], 2, "invalid choice: 'gpt'"),
])
def test_bad_input_gets_a_clear_message_and_a_non_zero_exit(store, args, code, message):
    data_dir, _ = store
    r = run_qa(*args[:1], "--data-dir", str(data_dir), *args[1:])
    assert r.returncode == code
    assert message in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_a_missing_store_is_a_clear_error(tmp_path):
    r = run_qa("ask", "--data-dir", str(tmp_path / "nowhere"), "Who leads the resistance?")
    assert r.returncode == 1
    assert "no store at" in r.stderr and "ingest" in r.stderr and "Traceback" not in r.stderr


def test_a_bad_setting_in_the_environment_is_a_clear_error(store):
    data_dir, _ = store
    r = run_qa("ask", "--data-dir", str(data_dir), "Who?", env={"QA_ENGINE": "magic"})
    assert r.returncode == 2
    assert "bad setting" in r.stderr and "engine" in r.stderr and "Traceback" not in r.stderr
