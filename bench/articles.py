"""The cost of a page of ``GET /api/articles`` at 300 and at 25,000 articles, side by side.

    .venv/bin/python bench/articles.py [--small 300] [--large 25000] [--repeat 30]

Two stores of generated articles (about 600 characters each, one chunk; claims off; a constant
8-dimensional embedder, since listing never reads vectors), built once under
``var/bench/articles-N/`` and kept. For each store, in turn, interleaved:

- ``listing``: ``NewsIndex.list_articles`` as the API calls it (newest first, a page of 20),
  for a plain first page, a deep page, an outlet filter, and a word search;
- ``baseline``: what listing did before: every article read from the manifest with its text,
  filtered, sorted and sliced in Python (the 2026-12-01 trial: 3 ms at 5, 47 ms at 300).

The BM25 table and the listing are built before timing (once per store generation). p50 in ms;
target: a listing page at the large store within 2x of the same page at the small one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings, StoreSettings  # noqa: E402
from qa.domain import Article, Filters  # noqa: E402
from qa.index import NewsIndex, where_clause  # noqa: E402
from qa.index.layout import article_record as _record  # noqa: E402

OUTLETS = ("Reuters", "TASS", "RT", "AP", "BBC", "Al Jazeera")
WORDS = ("valley", "talks", "province", "fighters", "convoy", "ceasefire", "district", "leader",
         "capital", "border", "market", "prices", "election", "court", "minister", "police")


class ConstantEmbedder:
    """Listing never reads vectors; this skips the embedding a real store would cost."""

    def embed(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32)

    def get_query_embedding(self, text):
        return [1.0] * 8


def articles(n: int) -> list[Article]:
    rng = random.Random(n)
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(80))
        out.append(Article(
            id=f"gen_{i:06d}", title=f"Report {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
            date=f"20{10 + i % 12}-{1 + i % 12:02d}-{1 + i % 28:02d}", source=rng.choice(OUTLETS),
            text=f"Article {i}. {words.capitalize()}."))
    return out


def store(n: int) -> NewsIndex:
    settings = Settings(store=StoreSettings(data_dir=ROOT / "var" / "bench" / f"articles-{n}",
                                            write_batch=1000), claims=False)
    index = NewsIndex(settings, embedder=ConstantEmbedder(), embedder_id="bench-constant")
    if index.counts()[0] != n:
        t0 = time.perf_counter()
        print(f"building a store of {n} articles ...", flush=True)
        index.sync(articles(n), prune=True)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    index.listing()  # the BM25 table and the listing of this generation
    return index


def baseline(index: NewsIndex, filters: Filters | None, limit: int, offset: int,
             query: str | None):
    """The list as it was read before: everything, texts included, on every call."""
    got = index.store.manifest.get(where=where_clause(filters), include=["metadatas", "documents"])
    recs = [_record(i, m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])]
    if query:
        q = query.lower()
        recs = [r for r in recs if q in r.article.title.lower() or q in r.article.text.lower()]
    recs.sort(key=lambda r: (r.article.date or "", r.article.id), reverse=True)
    return recs[offset : offset + limit], len(recs)


CASES = {
    "first page": (None, 0, None),
    "deep page": (None, 200, None),
    "outlet filter": (Filters(sources=("TASS",)), 20, None),
    "word search": (None, 0, "convoy"),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", type=int, default=300)
    p.add_argument("--large", type=int, default=25_000)
    p.add_argument("--repeat", type=int, default=30)
    args = p.parse_args()
    print(f"load average before: {os.getloadavg()}")
    stores = {n: store(n) for n in (args.small, args.large)}
    times: dict[tuple, list[float]] = {}
    for r in range(args.repeat):
        for case, (filters, offset, query) in CASES.items():
            for n, index in stores.items():
                modes = [("listing", index.list_articles), ("baseline",
                                                            lambda *a, i=index: baseline(i, *a))]
                if r % 2:
                    modes.reverse()
                for mode, call in modes:
                    if mode == "baseline" and n == args.large and r >= 3:
                        continue  # seconds a call: three runs tell enough
                    t0 = time.perf_counter()
                    call(filters, 20, offset, query)
                    times.setdefault((case, n, mode), []).append(
                        (time.perf_counter() - t0) * 1000)
    print(f"\n| page | listing {args.small} | listing {args.large} | ratio (target <= 2) | "
          f"baseline {args.small} | baseline {args.large} |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for case in CASES:
        p50 = {(n, m): statistics.median(times[(case, n, m)])
               for n in stores for m in ("listing", "baseline")}
        ratio = p50[(args.large, "listing")] / p50[(args.small, "listing")]
        worst = max(worst, ratio) if case != "word search" else worst
        print(f"| {case} | {p50[(args.small, 'listing')]:.2f} ms | "
              f"{p50[(args.large, 'listing')]:.2f} ms | {ratio:.2f}x | "
              f"{p50[(args.small, 'baseline')]:.1f} ms | {p50[(args.large, 'baseline')]:.0f} ms |")
    print(f"\nworst page ratio (word search aside) {worst:.2f}x: "
          f"{'target met' if worst <= 2 else 'TARGET MISSED'}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
