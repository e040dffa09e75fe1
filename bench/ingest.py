"""Ingest throughput, measured side by side in one run.

    .venv/bin/python bench/ingest.py [--n 500] [--repeat 1] [--reingest-repeat 5]

On the first N allsides articles (../shared/corpus/allsides-baly2020), with one embedder loaded
once and shared by every pass:

- embedder alone: ``embed()`` over exactly the chunks our ingest makes (the limit);
- our ingest through ``NewsIndex.sync(annotate=None)``: read, chunk, embed, write to Chroma;
- our ingest through ``QAService.ingest`` (what ``ingest.py`` runs), which also annotates
  attributed claims (spaCy parse + claim vectors) once ``qa.claims`` is installed;
- the baseline: plain llama-index ``VectorStoreIndex.from_documents`` into Chroma with the same
  embedder and the same ``SentenceSplitter`` settings;
- a re-ingest of the unchanged set through ``QAService.ingest`` (nothing changed: no embedding).

Every ingest pass starts from a fresh temp store and includes reading the .jsonl file. Passes
are repeated ``--repeat`` times (the re-ingest ``--reingest-repeat`` times) and medians are
quoted. Targets: ingest >= 0.85 x the embedder alone, >= 2 x the baseline, and an unchanged
re-ingest >= 50 x faster than the first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings, StoreSettings  # noqa: E402
from qa.corpus import read_paths  # noqa: E402
from qa.domain import Article  # noqa: E402
from qa.embedding import make_embedder  # noqa: E402
from qa.index import Chunker, NewsIndex  # noqa: E402
from qa.index.chunking import embed_text  # noqa: E402
from qa.service import QAService  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "allsides-baly2020" / "articles.jsonl"


def write_subset(src: Path, n: int, dst: Path) -> Path:
    """The first ``n`` records of ``src`` as a .jsonl file."""
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as w:
        for _, line in zip(range(n), f):
            w.write(line)
    return dst


@dataclass
class Run:
    """One timed pass: wall and CPU seconds (all threads of this process), chunks, articles."""

    wall: float
    cpu: float
    chunks: int
    articles: int


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def fresh_settings(base: Settings, root: Path, name: str) -> Settings:
    store = StoreSettings(data_dir=Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root)),
                          write_batch=base.store.write_batch)
    return base.model_copy(update={"store": store})


def embedder_alone(ctx: dict) -> Run:
    """Embedding exactly the chunks our ingest makes: the ceiling for any ingest of them."""
    wall, cpu, _ = timed(lambda: ctx["embedder"].embed(ctx["texts"]))
    return Run(wall, cpu, len(ctx["texts"]), ctx["n_articles"])


def ours_without_annotator(ctx: dict) -> Run:
    """Read, chunk, embed and commit to a fresh embedded Chroma, claims annotation off."""
    settings = fresh_settings(ctx["base"], ctx["root"], "ours")
    index = NewsIndex(settings, embedder=ctx["embedder"], embedder_id=ctx["emb_id"])
    wall, cpu, summary = timed(lambda: index.sync(read_paths([ctx["subset"]]), annotate=None))
    return Run(wall, cpu, summary.chunks, summary.added)


def ours_with_annotator(ctx: dict) -> Run:
    """What ``ingest.py`` runs: ``QAService.ingest`` (claims annotated when qa.claims exists)."""
    settings = fresh_settings(ctx["base"], ctx["root"], "service")
    svc = QAService(settings, NewsIndex(settings, embedder=ctx["embedder"], embedder_id=ctx["emb_id"]))
    wall, cpu, summary = timed(lambda: svc.ingest([ctx["subset"]]))
    ctx["service"] = svc  # the re-ingest runs against the last complete store
    return Run(wall, cpu, summary.chunks, summary.added)


def baseline(ctx: dict) -> Run:
    """Plain llama-index: Documents -> SentenceSplitter -> the same embedder -> Chroma (the
    articles read and cleaned by the same reader as ours)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from qa.index.chunking import encoding

    base = ctx["base"]
    path = tempfile.mkdtemp(prefix="baseline-", dir=ctx["root"])
    client = chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("baseline", metadata={"hnsw:space": "cosine"},
                                                 embedding_function=None)
    enc = encoding()
    splitter = SentenceSplitter(chunk_size=base.chunking.size, chunk_overlap=base.chunking.overlap,
                                tokenizer=lambda t: enc.encode(t, disallowed_special=()),
                                paragraph_separator="\n\n")

    def run() -> int:
        docs = [Document(text=a.text, id_=a.id,
                         metadata={"title": a.title, "date": a.date or "", "source": a.source or ""})
                for a in read_paths([ctx["subset"]]) if isinstance(a, Article)]
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
        VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=ctx["embedder"],
                                        transformations=[splitter])
        return len(docs)

    wall, cpu, n_docs = timed(run)
    return Run(wall, cpu, collection.count(), n_docs)


def reingest(ctx: dict) -> Run:
    """``QAService.ingest`` of the unchanged set into the store the last full pass made."""
    wall, cpu, summary = timed(lambda: ctx["service"].ingest([ctx["subset"]]))
    assert summary.unchanged == ctx["n_articles"] and summary.chunks == 0, summary
    return Run(wall, cpu, 0, summary.unchanged)


PASSES = {
    "embedder alone (the limit)": embedder_alone,
    "ingest, no claims (NewsIndex.sync)": ours_without_annotator,
    "ingest + claims (QAService.ingest)": ours_with_annotator,
    "llama-index from_documents (baseline)": baseline,
}


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               runs[0].chunks, runs[0].articles)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=500, help="articles (default 500)")
    p.add_argument("--repeat", type=int, default=1, help="rounds of the full passes (median)")
    p.add_argument("--reingest-repeat", type=int, default=5, help="runs of the re-ingest")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if not args.corpus.exists():
        p.error(f"{args.corpus} is missing: ../shared must sit beside the checkout")

    base = Settings()
    embedder, emb_id = make_embedder(base.embedding)
    load_before = os.getloadavg()[0]
    runs: dict[str, list[Run]] = {name: [] for name in PASSES}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        subset = write_subset(args.corpus, args.n, root / "articles.jsonl")
        articles = [a for a in read_paths([subset]) if isinstance(a, Article)]
        chunker = Chunker(base.chunking)
        texts = [embed_text(c) for a in articles for c in chunker.split(a)]
        ctx = {"base": base, "root": root, "subset": subset, "embedder": embedder,
               "emb_id": emb_id, "texts": texts, "n_articles": len(articles)}
        embedder.embed(texts[:16])  # load the ONNX session outside every timing
        warm = fresh_settings(base, root, "warm")  # loads spaCy (claims) outside every timing
        QAService(warm, NewsIndex(warm, embedder=embedder, embedder_id=emb_id)).ingest_items(articles[:1])
        print(f"{len(articles)} articles, {len(texts)} chunks; embedder {emb_id}, batch "
              f"{base.embedding.batch_size}, parallel batches "
              f"{base.embedding.threads or os.cpu_count()}, write batch {base.store.write_batch}; "
              f"load average {load_before:.1f} on {os.cpu_count()} cores", flush=True)
        names = list(PASSES)
        for r in range(args.repeat):
            # Interleaved round by round, in a rotating order, so that changes in the load of
            # the machine fall on every pass alike.
            order = names[r % len(names):] + names[: r % len(names)]
            for name in order:
                runs[name].append(PASSES[name](ctx))
            print(f"  round {r + 1}: " + ", ".join(f"{runs[n][-1].wall:.1f}s" for n in names),
                  flush=True)
        runs["re-ingest, unchanged (QAService.ingest)"] = [
            reingest(ctx) for _ in range(args.reingest_repeat)]
    load_after = os.getloadavg()[0]

    rows = {name: median_run(rs) for name, rs in runs.items()}
    print(f"\n{'pass':40} {'articles':>8} {'chunks':>7} {'wall s':>8} {'cpu s':>8} "
          f"{'chunks/s':>9} {'articles/s':>10}")
    for name, m in rows.items():
        cps = f"{m.chunks / m.wall:9.1f}" if m.chunks else f"{'-':>9}"
        print(f"{name:40} {m.articles:8d} {m.chunks:7d} {m.wall:8.2f} {m.cpu:8.2f} {cps} "
              f"{m.articles / m.wall:10.2f}")

    lim, nos, svc, plain, again = rows.values()
    cps = lambda m: m.chunks / m.wall  # noqa: E731
    aps = lambda m: m.articles / m.wall  # noqa: E731
    ratios = [
        ("ingest/embedder, chunks/s, no claims", cps(nos) / cps(lim), 0.85),
        ("ingest/embedder, chunks/s, + claims", cps(svc) / cps(lim), 0.6),
        ("ingest/baseline, chunks/s, no claims", cps(nos) / cps(plain), 2.0),
        ("ingest/baseline, chunks/s, + claims", cps(svc) / cps(plain), 1.2),
        ("ingest/baseline, articles/s, no claims", aps(nos) / aps(plain), 2.0),
        ("ingest/baseline, articles/s, + claims", aps(svc) / aps(plain), 1.2),
        ("first/re-ingest, + claims", svc.wall / again.wall, 50.0),
    ]
    print()
    for name, value, target in ratios:
        print(f"{name:40} {value:8.2f}   target >= {target:g}   "
              f"{'ok' if value >= target else 'MISSED'}")
    print(f"\nmedians of {args.repeat} round(s), re-ingest of {args.reingest_repeat}; load "
          f"average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({
            "articles": len(articles), "chunks": len(texts), "load": [load_before, load_after],
            "rows": {k: vars(m) for k, m in rows.items()},
            "ratios": {k: v for k, v, _ in ratios},
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
