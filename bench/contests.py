"""Contest detection at answer time, measured against retrieval in the same run.

    .venv/bin/python bench/contests.py [--repeat 21]

Over the seed articles (data/) in a fresh temp store, for a few questions:

- retrieval alone: ``qa.retrieve.retrieve`` (the baseline: what every answer pays anyway);
- ``ContestFinder.among`` on a cold cache (the contests of a set of articles are built on first
  use, their claims decoded);
- ``ContestFinder.among`` warm (what later questions over the same articles pay).

Medians in milliseconds, and each as a ratio of retrieval. Targets: cold < 150 ms and warm
< 1.5 x retrieval (warm is mostly one embedding of the question, which retrieval pays too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings, StoreSettings  # noqa: E402
from qa.embedding import make_embedder  # noqa: E402

QUESTIONS = [
    "Did the Taliban take control of Panjshir?",
    "When did Ashraf Ghani flee Afghanistan?",
    "How many Taliban fighters were killed in Panjshir?",
    "Who leads the resistance in Panjshir?",
]


def _ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()

    from qa.claims import ContestFinder
    from qa.index import NewsIndex
    from qa.retrieve import retrieve
    from qa.service import QAService

    with tempfile.TemporaryDirectory() as d:
        settings = Settings(store=StoreSettings(data_dir=Path(d) / "var"))
        emb, emb_id = make_embedder(settings.embedding)
        svc = QAService(settings, NewsIndex(settings, embedder=emb, embedder_id=emb_id))
        svc.ingest([ROOT / "data"])
        svc.index.warm()
        rows = []
        for q in QUESTIONS:
            ev = retrieve(q, svc.index, settings.retrieval)
            recs = svc.index.articles(e.chunk.article_id for e in ev)
            base = [_ms(lambda: retrieve(q, svc.index, settings.retrieval)) for _ in range(args.repeat)]
            cold = [_ms(lambda: ContestFinder(emb).among(recs)) for _ in range(args.repeat)]
            finder = ContestFinder(emb)
            warm = [_ms(lambda: finder.among(recs)) for _ in range(args.repeat)]
            rows.append((q, statistics.median(base), statistics.median(cold), statistics.median(warm)))
    print(f"{'question':52} {'retrieve':>9} {'cold':>7} {'warm':>7} {'cold/r':>7} {'warm/r':>7}")
    ok = True
    for q, b, c, w in rows:
        print(f"{q[:52]:52} {b:9.1f} {c:7.1f} {w:7.1f} {c / b:7.2f} {w / b:7.2f}")
        ok &= c < 150 and w < 1.5 * b
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
