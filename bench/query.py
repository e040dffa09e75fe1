"""Answer latency against plain dense retrieval, measured side by side in one run.

    .venv/bin/python bench/query.py [--n 2000] [--questions 100] [--repeat 1]

Over the first N allsides articles (../shared/corpus/allsides-baly2020), in one store:

- plain llama-index dense retrieval: ``VectorIndexRetriever`` over the same Chroma collection
  (``NewsIndex.store.vector_store()``) with the same embedder, ``similarity_top_k`` = our
  ``top_k`` (the chunks an answer is built from);
- our hybrid retrieval alone (``qa.retrieve.retrieve``: dense + BM25, fused, joined, capped);
- ``QAService.ask``: retrieval, contests and the answer engine (extractive by default).

Questions are made from article titles. Each question is timed in every mode, in turn (the
order rotating), after a warm-up that loads the models and the BM25 index, so the modes share
the machine's load. Caches keyed on the question's text (its vector, stemmed words) are
cleared before every timed call, so each mode meets every question cold. p50 and p95 are quoted; target: ask p50 <= 1.5 x plain retrieval p50.

The store is built once under ``var/bench/query-N/`` and kept: later runs re-ingest it
incrementally (nothing changed, nothing embedded) and time only the questions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings, StoreSettings  # noqa: E402
from qa.index import NewsIndex  # noqa: E402
from qa.retrieve import retrieve  # noqa: E402
from qa.service import QAService  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "allsides-baly2020" / "articles.jsonl"
TEMPLATES = ("What happened: {}?", "What do the articles say about {}?", "{}: what is known?",
             "Why {}?", "Who said {}?")


def write_subset(src: Path, n: int, dst: Path) -> list[dict]:
    """The first ``n`` records of ``src`` as a .jsonl file (rewritten only when it differs)."""
    lines = []
    with open(src, encoding="utf-8") as f:
        for _, line in zip(range(n), f):
            lines.append(line)
    text = "".join(lines)
    if not dst.exists() or dst.read_text(encoding="utf-8") != text:
        dst.write_text(text, encoding="utf-8")
    return [json.loads(line) for line in lines]


def questions_from_titles(records: list[dict], k: int) -> list[str]:
    """``k`` questions from titles spread evenly over the corpus."""
    step = max(1, len(records) // k)
    titles = [r["title"].strip().rstrip("?.!") for r in records[::step] if r.get("title")][:k]
    return [TEMPLATES[i % len(TEMPLATES)].format(t) for i, t in enumerate(titles)]


def build_store(settings: Settings, subset: Path) -> QAService:
    """The cached store, brought up to date with ``subset`` (a no-op once built)."""
    svc = QAService(settings)
    t = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"  building the store: {done}/{total} articles, {time.perf_counter() - t:.0f}s",
              flush=True)

    summary = svc.ingest([subset], prune=True, progress=progress)
    print(f"store: {summary.line()}", flush=True)
    return svc


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="articles in the store (default 2000)")
    p.add_argument("--questions", type=int, default=100, help="questions (default 100)")
    p.add_argument("--repeat", type=int, default=1, help="passes over the questions (default 1: each question new)")
    p.add_argument("--store", type=Path, help="store dir (default var/bench/query-N)")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if not args.corpus.exists():
        p.error(f"{args.corpus} is missing: ../shared must sit beside the checkout")

    store_dir = args.store or ROOT / "var" / "bench" / f"query-{args.n}"
    store_dir.mkdir(parents=True, exist_ok=True)
    records = write_subset(args.corpus, args.n, store_dir / "articles.jsonl")
    settings = Settings(store=StoreSettings(data_dir=store_dir))
    svc = build_store(settings, store_dir / "articles.jsonl")
    index: NewsIndex = svc.index
    questions = questions_from_titles(records, args.questions)

    from llama_index.core import VectorStoreIndex
    from llama_index.core.retrievers import VectorIndexRetriever

    plain_index = VectorStoreIndex.from_vector_store(index.store.vector_store(),
                                                     embed_model=index.embedder)
    plain = VectorIndexRetriever(index=plain_index, similarity_top_k=settings.retrieval.top_k)

    modes = {
        "plain dense retrieval (llama-index)": lambda q: plain.retrieve(q),
        "hybrid retrieval (qa.retrieve)": lambda q: retrieve(q, index, settings.retrieval),
        "QAService.ask (" + settings.engine + ")": lambda q: svc.ask(q),
    }
    for q in questions[:3]:  # warm-up: ONNX session, BM25 index, spaCy, caches
        for fn in modes.values():
            fn(q)

    def cold() -> None:
        # Every mode meets each question as new: the question's vector and the stemmed words of
        # the texts it touches, kept by the first mode, must not speed up the next.
        getattr(index.embedder, "forget", lambda: None)()
        svc.pipeline().lexicon.clear()

    times: dict[str, list[float]] = {m: [] for m in modes}
    stages: dict[str, list[float]] = {}
    abstained = 0
    answered: list[float] = []  # ask times of the questions that got an answer
    load_before = os.getloadavg()[0]
    names = list(modes)
    for r in range(args.repeat):
        for i, q in enumerate(questions):
            k = (i + r) % len(names)
            for name in names[k:] + names[:k]:
                cold()
                t = time.perf_counter()
                out = modes[name](q)
                times[name].append((time.perf_counter() - t) * 1000)
                if name.startswith("QAService.ask"):
                    abstained += out.abstained
                    if not out.abstained:
                        answered.append(times[name][-1])
                    for stage, ms in out.timings_ms.items():
                        stages.setdefault(stage, []).append(ms)
    load_after = os.getloadavg()[0]

    articles, chunks = index.counts()
    print(f"\n{articles} articles, {chunks} chunks; {len(questions)} questions x {args.repeat}; "
          f"{abstained} of {len(times[names[2]])} answers abstained")
    print(f"{'mode':40} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    summary = {}
    for name, xs in times.items():
        summary[name] = {"p50": percentile(xs, 50), "p95": percentile(xs, 95),
                         "mean": statistics.fmean(xs)}
        print(f"{name:40} {summary[name]['p50']:8.1f} {summary[name]['p95']:8.1f} "
              f"{summary[name]['mean']:8.1f}")
    if answered:
        summary["ask, answered questions only"] = {
            "p50": percentile(answered, 50), "p95": percentile(answered, 95),
            "mean": statistics.fmean(answered)}
        m = summary["ask, answered questions only"]
        print(f"{'  of which answered (not abstained)':40} {m['p50']:8.1f} {m['p95']:8.1f} "
              f"{m['mean']:8.1f}")
    print("ask stages (p50 ms): " + ", ".join(
        f"{s} {percentile(v, 50):.1f}" for s, v in stages.items()))
    base = summary[names[0]]["p50"]
    ratio = summary[names[2]]["p50"] / base
    print(f"\nask p50 / plain retrieval p50      {ratio:6.2f}   target <= 1.5   "
          f"{'ok' if ratio <= 1.5 else 'MISSED'}")
    print(f"hybrid p50 / plain retrieval p50   {summary[names[1]]['p50'] / base:6.2f}")
    print(f"load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({
            "articles": articles, "chunks": chunks, "questions": len(questions),
            "repeat": args.repeat, "modes": summary,
            "stages_p50": {s: percentile(v, 50) for s, v in stages.items()},
            "ratio_ask_plain_p50": ratio, "load": [load_before, load_after],
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
