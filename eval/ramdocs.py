"""RAMDocs (Wang et al. 2025, "Retrieval-Augmented Generation with Conflicting Evidence") as a
corpus plus a suite.

Input: one JSON object a line, ``{"question", "documents": [{"text", "type", "answer"}],
"gold_answers", "wrong_answers"}``; ``type`` is ``correct``, ``misinfo`` or ``noise``.

Output, in a folder: ``corpus.jsonl`` (one article per document, ID ``ramdocs-<item>-<doc>``;
the document's ``type`` and ``answer`` are left out so the service cannot see the key) and
``suite.yaml`` (one fact case per item, restricted to that item's documents by an
``article_ids`` filter, with ``all_answers`` = the gold answers and ``wrong_answers``).

Scoring follows the benchmark's rule (``exact_match``): an answer is right when every gold
answer is in it and no wrong answer is stated as fact. Unlike the paper's plain string match,
a wrong answer the answer attributes ("one document claims 1971") does not count against it: a
contest-aware answer is meant to report the misinformation as a claim.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .judge import contains_answer, stated_as_fact

TYPES = ("correct", "misinfo", "noise")


class RamdocsError(ValueError):
    """A RAMDocs file that cannot be converted; the message names the line."""


def read(path: str | Path, limit: int | None = None) -> list[dict]:
    """The items of a RAMDocs JSONL file, checked."""
    items = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RamdocsError(f"{path}: cannot read it ({exc})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RamdocsError(f"{where}: not JSON ({exc.msg})") from None
        _check(item, where)
        items.append(item)
        if limit and len(items) >= limit:
            break
    if not items:
        raise RamdocsError(f"{path}: no items")
    return items


def _check(item, where: str) -> None:
    if not isinstance(item, dict):
        raise RamdocsError(f"{where}: not a JSON object")
    if not isinstance(item.get("question"), str) or not item["question"].strip():
        raise RamdocsError(f"{where}: 'question' must be a non-empty string")
    docs = item.get("documents")
    if not isinstance(docs, list) or not docs:
        raise RamdocsError(f"{where}: 'documents' must be a non-empty list")
    for j, d in enumerate(docs):
        if not isinstance(d, dict) or not isinstance(d.get("text"), str) or not d["text"].strip():
            raise RamdocsError(f"{where}: documents[{j}] needs a non-empty 'text'")
        if d.get("type") not in TYPES:
            raise RamdocsError(f"{where}: documents[{j}].type must be one of {', '.join(TYPES)}")
    for key in ("gold_answers", "wrong_answers"):
        v = item.get(key, [])
        if not isinstance(v, list) or not all(isinstance(a, str) and a.strip() for a in v):
            raise RamdocsError(f"{where}: '{key}' must be a list of non-empty strings")


def doc_id(i: int, j: int) -> str:
    """The article ID of item ``i``'s document ``j``."""
    return f"ramdocs-{i:04d}-{j:02d}"


def to_corpus_and_cases(items: list[dict], cross_abstain: bool = False
                        ) -> tuple[list[dict], list[dict]]:
    """JSONL article records and suite cases for ``items``. ``cross_abstain``: each question is
    also asked over the next item's documents, which are about another entity and cannot answer
    it (an abstain case, in the same group as the question's own case)."""
    records, cases = [], []
    for i, item in enumerate(items):
        ids = []
        for j, d in enumerate(item["documents"]):
            ids.append(doc_id(i, j))
            records.append({"id": ids[-1], "text": d["text"].strip()})
        types = [d["type"] for d in item["documents"]]
        note = ", ".join(f"{t}: {types.count(t)}" for t in TYPES if t in types)
        # Each item is its own group, so the fit/held split takes about half of the items.
        case = {"id": f"ramdocs-{i:04d}", "group": f"item{i:04d}",
                "question": " ".join(item["question"].split()),
                "filters": {"article_ids": ids}, "note": f"documents: {note}"}
        gold = [a.strip() for a in item.get("gold_answers", [])]
        if gold:
            case.update(kind="fact", all_answers=gold)
            wrong = [a.strip() for a in item.get("wrong_answers", [])]
            if wrong:
                case["wrong_answers"] = wrong
        else:
            case["kind"] = "abstain"
        cases.append(case)
    if cross_abstain and len(items) > 1:
        for i, item in enumerate(items):
            j = (i + 1) % len(items)
            cases.append({"id": f"ramdocs-{i:04d}-elsewhere", "group": f"item{i:04d}",
                          "kind": "abstain", "question": " ".join(item["question"].split()),
                          "filters": {"article_ids": [doc_id(j, k) for k in
                                                      range(len(items[j]["documents"]))]},
                          "note": f"asked over item {j}'s documents, which are about another entity"})
    return records, cases


def convert(data: str | Path, out_dir: str | Path, limit: int | None = None,
            cross_abstain: bool = False) -> Path:
    """Writes ``corpus.jsonl`` and ``suite.yaml`` for a RAMDocs file; returns the suite path."""
    items = read(data, limit)
    records, cases = to_corpus_and_cases(items, cross_abstain)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    suite = {
        "name": f"ramdocs-{Path(data).stem}",
        "description": f"RAMDocs items from {Path(data).name}, scored by the benchmark's rule "
                       "(every gold answer present, no wrong answer stated as fact).",
        "corpus": {"jsonl": str(corpus)},
        "thresholds": {"citation_validity": 1.0},
        "cases": cases,
    }
    path = out / "suite.yaml"
    path.write_text(yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")
    return path


def exact_match(answer_text: str, gold: list[str], wrong: list[str]) -> bool:
    """RAMDocs' rule: every gold answer is in the answer, and no wrong one is stated as fact."""
    return (all(contains_answer(answer_text, g) for g in gold)
            and not any(stated_as_fact(answer_text, w) for w in wrong))
