"""Both shared corpora in one store, on one machine: ingest, answer latency, the article list,
a worker's memory and two workers under load, each against a baseline measured in this run.

    .venv/bin/python bench/scale.py [--small 2000] [--questions 100] [--clients 8]
                                    [--seconds 30] [--modes embedded server] [--claims]
                                    [--limit N] [--json OUT]

The corpus is ``../shared/corpus/allsides-baly2020`` and ``../shared/corpus/reuters21578``
together (24,480 articles; ``--limit`` takes the first N of each, to try the script quickly).

1. **Ingest** into a fresh embedded store (``ingest.py`` as a child process) and, with
   ``--modes server``, into a real ``chroma run`` server: wall time, chunks/s against the
   embedder alone on a sample of the same chunks (the limit), the child's peak RSS, the store's
   size on disk. Claims are left out unless ``--claims`` (``bench/ingest.py`` measures their
   cost); the stores are kept under ``var/bench/scale/`` and rebuilt when the corpus changes.
2. **Answer latency** at the full size against the same at ``--small`` articles (the first
   allsides articles, a second store built the same way): ``QAService.ask`` and plain
   llama-index dense retrieval, p50 and p95 over the same questions (made from titles of the
   small store's articles, so both stores can answer them), every question cold. Target: ask
   p50 at full size <= 1.3 x ask p50 at the small size.
3. **The article list** at full size: ``/api/articles`` first page, an outlet filter and a word
   search, p50 over repeated calls through the real Flask app. Target: <= 50 ms.
4. **A worker's memory**: gunicorn with one worker over the full store, RSS of the worker after
   start-up and after 100 questions (the same after start-up over the five seeds, for the
   <= 350 MB target there). Target at full size: <= 600 MB.
5. **Two workers sharing one Chroma server** (``--modes server``): gunicorn with two workers
   whose store is the server, ``--clients`` clients for ``--seconds``: requests/s, p50, p95 and
   errors. Target: 0 errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import Server, load, request  # noqa: E402
from query import percentile, questions_from_titles  # noqa: E402

from qa.config import Settings, StoreSettings  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
CORPORA = (SHARED / "allsides-baly2020" / "articles.jsonl", SHARED / "reuters21578" / "articles.jsonl")
VAR = ROOT / "var" / "bench" / "scale"


def write_corpus(dst: Path, limit: int | None, first: int | None = None) -> list[dict]:
    """The corpora as a folder of .jsonl files, one a corpus (rewritten only when they differ;
    the reader takes files of up to 50 MB): the first ``limit`` records of each, or only the
    first ``first`` of the first corpus."""
    records: list[dict] = []
    dst.mkdir(parents=True, exist_ok=True)
    for n, src in enumerate(CORPORA):
        out = dst / f"{src.parent.name}.jsonl"
        if first is not None and n > 0:
            out.unlink(missing_ok=True)
            continue
        take = first if first is not None else limit
        lines: list[str] = []
        with open(src, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if take is not None and i >= take:
                    break
                lines.append(line if line.endswith("\n") else line + "\n")
        text = "".join(lines)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
        records += [json.loads(line) for line in lines]
    return records


def du(path: Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def ingest(corpus: Path, data_dir: Path, claims: bool, chroma_url: str | None = None) -> dict:
    """``ingest.py`` as a child process: its summary, wall time and peak RSS. A store already
    holding the corpus is kept (its first build's figures come from ``build.json``)."""
    record = data_dir / "build.json"
    key = {"corpus": str(corpus), "bytes": du(corpus), "claims": claims,
           "chroma_url": bool(chroma_url)}
    if record.exists():
        old = json.loads(record.read_text())
        if old.get("key") == key:
            old["reused"] = True
            return old
    cmd = [sys.executable, "ingest.py", "--data-dir", str(data_dir), "--reset", "--json"]
    if not claims:
        cmd.append("--no-claims")
    if chroma_url:
        cmd += ["--chroma-url", chroma_url]
    cmd.append(str(corpus))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"ingest failed ({proc.returncode}): {err[-2000:]}")
    summary = json.loads(out)
    if not summary["added"] and not summary["unchanged"]:
        raise RuntimeError(f"ingest read no article from {corpus}: {summary}")
    result = {"key": key, "summary": summary, "wall_s": round(wall, 1),
              "peak_rss_mb": round(usage.ru_maxrss / 1024), "built": time.strftime("%Y-%m-%d %H:%M"),
              "load": os.getloadavg()[0]}
    data_dir.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(result, indent=1))
    return result


def embedder_alone(corpus: Path, sample: int) -> dict:
    """chunks/s of the embedder alone over the chunks ingest makes of the first ``sample``
    articles (the limit ingest can reach)."""
    from qa.corpus import read_paths
    from qa.embedding import make_embedder
    from qa.index import Chunker
    from qa.index.chunking import embed_text

    settings = Settings()
    emb, _ = make_embedder(settings.embedding)
    chunker = Chunker(settings.chunking)
    articles = []
    for a in read_paths([corpus]):
        if hasattr(a, "text"):
            articles.append(a)
        if len(articles) >= sample:
            break
    texts = [embed_text(c) for a in articles for c in chunker.split(a)]
    if not texts:
        raise RuntimeError(f"no article could be read from {corpus}")
    emb.embed(texts[:16])  # warm-up
    t0 = time.perf_counter()
    emb.embed(texts)
    wall = time.perf_counter() - t0
    return {"articles": len(articles), "chunks": len(texts), "chunks_per_s": round(len(texts) / wall, 1)}


def latency(data_dir: Path, questions: list[str], chroma_url: str | None = None) -> dict:
    """p50/p95 (ms) of ``QAService.ask`` and of plain llama-index dense retrieval, each
    question cold, the two interleaved."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.retrievers import VectorIndexRetriever

    from qa.service import QAService

    settings = Settings(store=StoreSettings(data_dir=data_dir, chroma_url=chroma_url))
    svc = QAService(settings)
    index = svc.index
    plain = VectorIndexRetriever(
        index=VectorStoreIndex.from_vector_store(index.store.vector_store(), embed_model=index.embedder),
        similarity_top_k=settings.retrieval.top_k)
    for q in questions[:3]:
        svc.ask(q)
        plain.retrieve(q)
    times: dict[str, list[float]] = {"ask": [], "plain": []}
    for i, q in enumerate(questions):
        for mode in (("ask", "plain") if i % 2 == 0 else ("plain", "ask")):
            index.embedder.forget()
            svc.pipeline().lexicon.clear()
            t0 = time.perf_counter()
            svc.ask(q) if mode == "ask" else plain.retrieve(q)
            times[mode].append((time.perf_counter() - t0) * 1000)
    articles, chunks = index.counts()
    return {"articles": articles, "chunks": chunks,
            **{f"{m}_{p}": round(percentile(v, q), 1) for m, v in times.items()
               for p, q in (("p50", 50), ("p95", 95))}}


def article_list(data_dir: Path, repeat: int) -> dict:
    """p50 (ms) of three ``/api/articles`` calls through the Flask app over the store."""
    from qa.web import create_app

    settings = Settings(store=StoreSettings(data_dir=data_dir))
    client = create_app(settings=settings).test_client()
    calls = {"first page": "/api/articles?limit=20",
             "outlet filter": "/api/articles?source=Reuters&limit=20",
             "word search": "/api/articles?q=oil%20prices&limit=20"}
    for url in calls.values():
        assert client.get(url).status_code == 200
    out = {}
    for name, url in calls.items():
        xs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = client.get(url)
            xs.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.data[:200]
        out[name] = round(statistics.median(xs), 1)
    return out


def worker_rss(data_dir: Path, questions: list[str], log: Path, chroma_url: str | None = None) -> dict:
    """RSS (MB) of a lone gunicorn worker after start-up and after ``questions``."""
    server = Server(data_dir, 1, log, extra_env={"QA_CHROMA_URL": chroma_url} if chroma_url else None)
    try:
        server.wait_ready(timeout_s=600)
        pid = server.worker_pids()[0]
        started = _rss_mb(pid)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for q in questions:
            request(conn, q)
        return {"after_start_mb": started, "after_questions_mb": _rss_mb(pid),
                "questions": len(questions)}
    finally:
        server.stop()


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    return -1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--small", type=int, default=2000, help="articles in the small store (default 2000)")
    p.add_argument("--questions", type=int, default=100, help="questions timed (default 100)")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--modes", nargs="+", default=["embedded", "server"], choices=["embedded", "server"])
    p.add_argument("--claims", action="store_true", help="ingest with attributed claims")
    p.add_argument("--server-store", choices=["ingest", "copy"], default="ingest",
                   help="server mode: ingest the corpus through the server (default), or serve a "
                        "copy of the embedded store's files (the same format; skips the second "
                        "ingest, whose figures are then not measured)")
    p.add_argument("--limit", type=int, help="the first N articles of each corpus only (a quick try)")
    p.add_argument("--sample", type=int, default=300, help="articles whose chunks time the embedder alone")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    for c in CORPORA:
        if not c.exists():
            p.error(f"{c} is missing: ../shared must sit beside the checkout")

    tag = f"-{args.limit}" if args.limit else ""
    big_corpus = VAR / f"all{tag}"
    records = write_corpus(big_corpus, args.limit)
    small_corpus = VAR / f"small-{args.small}-corpus"
    small_records = write_corpus(small_corpus, None, first=min(args.small, len(records)))
    questions = questions_from_titles(small_records, args.questions)
    out: dict = {"articles": len(records), "small": len(small_records), "claims": args.claims,
                 "cores": os.cpu_count(), "load_before": os.getloadavg()[0]}
    print(f"corpus: {len(records)} articles (small store: {len(small_records)}); "
          f"claims {'on' if args.claims else 'off'}; {os.cpu_count()} cores", flush=True)

    alone = embedder_alone(big_corpus, args.sample)
    out["embedder_alone"] = alone
    print(f"embedder alone: {alone['chunks_per_s']} chunks/s over {alone['chunks']} chunks", flush=True)

    big = VAR / f"embedded{tag}"
    small = VAR / f"small-{args.small}"
    print("ingest (embedded) ...", flush=True)
    out["ingest_embedded"] = b = ingest(big_corpus, big, args.claims)
    b["chunks_per_s"] = round(b["summary"]["chunks"] / b["wall_s"], 1) if b["summary"]["chunks"] else None
    b["ratio_to_embedder"] = round(b["chunks_per_s"] / alone["chunks_per_s"], 2) if b["chunks_per_s"] else None
    b["store_mb"] = round(du(big) / 2**20)
    print(f"  {b['summary']['added']} articles, {b['summary']['chunks']} chunks in {b['wall_s']}s "
          f"= {b['chunks_per_s']} chunks/s ({b['ratio_to_embedder']}x the embedder alone); "
          f"peak RSS {b['peak_rss_mb']} MB; store {b['store_mb']} MB on disk"
          + (" (built earlier: " + b["built"] + ")" if b.get("reused") else ""), flush=True)
    out["ingest_small"] = ingest(small_corpus, small, args.claims)

    print("answer latency ...", flush=True)
    lat_big = latency(big, questions)
    lat_small = latency(small, questions)
    out["latency"] = {"full": lat_big, "small": lat_small,
                      "ask_p50_ratio": round(lat_big["ask_p50"] / lat_small["ask_p50"], 2),
                      "plain_p50_ratio": round(lat_big["plain_p50"] / lat_small["plain_p50"], 2)}
    for name, r in (("full", lat_big), ("small", lat_small)):
        print(f"  {name:5s} {r['articles']:6d} articles {r['chunks']:7d} chunks: ask p50 {r['ask_p50']} "
              f"p95 {r['ask_p95']} ms; plain retrieval p50 {r['plain_p50']} p95 {r['plain_p95']} ms")
    print(f"  ask p50 full/small {out['latency']['ask_p50_ratio']}x (target <= 1.3); "
          f"plain retrieval {out['latency']['plain_p50_ratio']}x", flush=True)

    out["article_list_ms"] = article_list(big, 30)
    print("article list p50 (ms, target <= 50): " + ", ".join(
        f"{k} {v}" for k, v in out["article_list_ms"].items()), flush=True)

    with tempfile.TemporaryDirectory(prefix="qa-scale-") as tmp:
        tmp = Path(tmp)
        seeds = tmp / "seeds"
        subprocess.run([sys.executable, "ingest.py", "--data-dir", str(seeds), "data"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        seed_questions = [q for q in _seed_questions()] * 13
        out["worker_rss_seeds"] = worker_rss(seeds, seed_questions[:100], tmp / "g-seeds.log")
        out["worker_rss_full"] = worker_rss(big, questions, tmp / "g-full.log")
        for name in ("seeds", "full"):
            r = out[f"worker_rss_{name}"]
            print(f"worker RSS over {name}: {r['after_start_mb']} MB after start-up, "
                  f"{r['after_questions_mb']} MB after {r['questions']} questions", flush=True)

        if "server" in args.modes:
            from tests.chroma_server import ChromaServer

            copy = args.server_store == "copy"
            server_dir = VAR / (f"server-copy{tag}" if copy else f"server{tag}")
            if copy:
                src, dst = big / "chroma", VAR / f"chroma-copy{tag}"
                if not dst.exists():
                    shutil.copytree(src, dst)
                chroma = ChromaServer(dst)
            else:
                chroma = ChromaServer(VAR / f"chroma{tag}")
            chroma.start()
            try:
                if copy:
                    print("Chroma server over a copy of the embedded store (its ingest not measured)",
                          flush=True)
                else:
                    print("ingest (Chroma server) ...", flush=True)
                    s = out["ingest_server"] = ingest(big_corpus, server_dir, args.claims,
                                                      chroma_url=chroma.url)
                    s["chunks_per_s"] = round(s["summary"]["chunks"] / s["wall_s"], 1) if s["summary"]["chunks"] else None
                    s["store_mb"] = round(du(chroma.path) / 2**20)
                    print(f"  {s['summary']['added']} articles in {s['wall_s']}s = {s['chunks_per_s']} chunks/s; "
                          f"peak RSS {s['peak_rss_mb']} MB; server store {s['store_mb']} MB"
                          + (" (built earlier: " + s["built"] + ")" if s.get("reused") else ""), flush=True)
                r = out["worker_rss_server"] = worker_rss(server_dir, questions, tmp / "g-server.log",
                                                          chroma_url=chroma.url)
                print(f"worker RSS over the Chroma server at full size: {r['after_start_mb']} MB after "
                      f"start-up, {r['after_questions_mb']} MB after {r['questions']} questions "
                      "(target <= 600)", flush=True)
                server = Server(server_dir, 2, tmp / "g-two.log",
                                extra_env={"QA_CHROMA_URL": chroma.url})
                try:
                    server.wait_ready(timeout_s=600)
                    server.warm(args.clients)
                    r = load(server.port, args.clients, args.seconds)
                finally:
                    server.stop()
                out["two_workers_server"] = r
                print(f"two workers on one Chroma server, {args.clients} clients x {args.seconds:g}s: "
                      f"{r['rps']} req/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
                      f"errors {r['errors']} (target 0)"
                      + (f" e.g. {r['error_samples'][0]}" if r["error_samples"] else ""), flush=True)
            finally:
                chroma.stop()

    out["load_after"] = os.getloadavg()[0]
    print(f"load average {out['load_before']:.1f} before, {out['load_after']:.1f} after, "
          f"on {os.cpu_count()} cores; peak RSS of this process "
          f"{round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)} MB")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def _seed_questions() -> list[str]:
    from load import QUESTIONS

    return list(QUESTIONS)


if __name__ == "__main__":
    sys.exit(main())
