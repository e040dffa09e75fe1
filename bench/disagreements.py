"""The contests across the corpus over the whole AllSides corpus (5,685 articles, claims on):
what the list costs to serve beside the article list, and what keeping it costs at ingest.

    .venv/bin/python bench/disagreements.py [--repeat 30] [--adds 8] [--json OUT]

1. **Build**: the corpus ingested with claims into ``var/bench/allsides-claims`` (kept and
   reused while the corpus is unchanged): articles, chunks, contests, wall time.
2. **Serving**: ``GET /api/contests`` (first page, a search by meaning, an outlet filter, a
   date range) side by side with ``GET /api/articles`` (first page, a word search, an outlet
   filter), p50 over ``--repeat`` calls each through the real Flask app, after one warm call
   (the list is read once per store generation). Target: contests p50 <= 100 ms.
3. **Incremental update**: on a copy of the store, ``--adds`` new articles (each an AllSides
   article under a new ID with its last paragraph dropped: another outlet carrying the same
   story), one sync each; the time the contest update took inside the sync against the rest
   of the sync (ingesting that one article). Target: the update costs no more than the ingest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings, StoreSettings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "allsides-baly2020" / "articles.jsonl"
STORE = ROOT / "var" / "bench" / "allsides-claims"


def build() -> dict:
    from qa.service import QAService

    record = STORE / "build.json"
    key = {"corpus": str(CORPUS), "bytes": CORPUS.stat().st_size}
    if record.exists():
        old = json.loads(record.read_text())
        if old.get("key") == key:
            return {**old, "reused": True}
    svc = QAService(Settings(store=StoreSettings(data_dir=STORE)))
    t0 = time.perf_counter()
    summary = svc.ingest([CORPUS])
    wall = time.perf_counter() - t0
    out = {"key": key, "articles": summary.added + summary.unchanged, "added": summary.added,
           "chunks": svc.index.counts()[1], "contests": svc.list_contests(limit=1)[1],
           "wall_s": round(wall, 1), "built": time.strftime("%Y-%m-%d %H:%M")}
    record.write_text(json.dumps(out, indent=1))
    return out


def serving(repeat: int) -> dict:
    from qa.web import create_app

    from qa.config import WebSettings

    settings = Settings(store=StoreSettings(data_dir=STORE),
                        web=WebSettings(rate_limit_per_minute=0))
    client = create_app(settings=settings).test_client()
    # The outlet that carries most contests, so that the filter has something to keep.
    carried = {}
    for c in client.get("/api/contests?limit=100").get_json()["contests"]:
        for o in {o for side in c["sides"] for o in side["outlets"]}:
            carried[o] = carried.get(o, 0) + 1
    outlet = urllib.parse.quote(max(carried, key=carried.get) if carried else "Reuters")
    calls = {
        "contests first page": "/api/contests?limit=20",
        "contests search": "/api/contests?q=impeachment%20witness%20testimony&limit=20",
        "contests outlet filter": f"/api/contests?source={outlet}&limit=20",
        "contests date range": "/api/contests?after=2020-03-01&before=2020-04-30&limit=20",
        "articles first page": "/api/articles?limit=20",
        "articles word search": "/api/articles?q=impeachment&limit=20",
        "articles outlet filter": f"/api/articles?source={outlet}&limit=20",
    }
    out = {}
    for name, url in calls.items():
        r = client.get(url)
        assert r.status_code == 200, (url, r.data[:300])
        xs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = client.get(url)
            xs.append((time.perf_counter() - t0) * 1000)
        out[name] = {"p50_ms": round(statistics.median(xs), 1), "total": r.get_json()["total"]}
    return out


def incremental(adds: int) -> dict:
    """New articles one sync each on a copy of the store: the contest update's share."""
    from qa.claims.ledger import ContestLedger
    from qa.corpus import read_paths
    from qa.domain import Article
    from qa.service import QAService

    articles = [a for a in read_paths([CORPUS]) if isinstance(a, Article)]
    step = max(1, len(articles) // adds)
    picked = [a for a in articles[::step] if a.text.count("\n\n") >= 3][:adds]
    spent: list[float] = []
    real = ContestLedger.__call__

    def timed(self, changed, gone):
        t0 = time.perf_counter()
        real(self, changed, gone)
        spent.append(time.perf_counter() - t0)

    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-contests-") as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(STORE, copy)
        svc = QAService(Settings(store=StoreSettings(data_dir=copy)))
        svc.list_contests(limit=1)
        ContestLedger.__call__ = timed
        try:
            for n, a in enumerate(picked):
                text = a.text.rsplit("\n\n", 1)[0]
                new = Article(id=f"bench-add-{n}", text=text, title=a.title, date=a.date,
                              source="Bench Wire", url=None, metadata=a.metadata)
                spent.clear()
                t0 = time.perf_counter()
                summary = svc.ingest_items([new])
                wall = time.perf_counter() - t0
                assert summary.added == 1, summary
                update = spent[0] if spent else 0.0
                joined = svc.list_contests(filters=_only(new.id))[1]
                rows.append({"wall_s": wall, "contests_s": update, "ingest_s": wall - update,
                             "contests_joined": joined})
        finally:
            ContestLedger.__call__ = real
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in ("wall_s", "contests_s", "ingest_s")}
    return {"adds": len(rows), **med, "ratio": round(med["contests_s"] / med["ingest_s"], 2),
            "contests_joined": [r["contests_joined"] for r in rows]}


def _only(article_id: str):
    from qa.domain import Filters

    return Filters(article_ids=(article_id,))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--adds", type=int, default=8)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if not CORPUS.exists():
        p.error(f"{CORPUS} is missing: ../shared must sit beside the checkout")
    out = {"build": build()}
    b = out["build"]
    print(f"store: {b['articles']} articles, {b['chunks']} chunks, {b['contests']} contests "
          f"({b.get('added', b['articles'])} articles added in {b['wall_s']} s"
          f"{', ' + b['built'] + ', reused' if b.get('reused') else ''})", flush=True)
    out["serving"] = s = serving(args.repeat)
    base = s["articles first page"]["p50_ms"]
    for name, r in s.items():
        print(f"  {name:24s} p50 {r['p50_ms']:7.1f} ms ({r['p50_ms'] / base:.2f}x the article "
              f"list's first page; {r['total']} match)", flush=True)
    out["incremental"] = inc = incremental(args.adds)
    print(f"adding one article (median of {inc['adds']}): sync {inc['wall_s']} s, of which the "
          f"contest update {inc['contests_s']} s and the rest (ingesting it) {inc['ingest_s']} s: "
          f"update/ingest {inc['ratio']}x (target <= 1); contests it joined: {inc['contests_joined']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
