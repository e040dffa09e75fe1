"""A run cut short leaves a store that readers can trust and that the next run completes.

An article's manifest record is its commit mark (qa/index/store.py). These tests kill a real
``ingest.py`` with SIGKILL at a point fixed by its progress lines, and also stop an in-process
sync at each write step in turn, then check what a fresh reader sees: every committed article
whole, nothing of an uncommitted write, never a mix of an article's old and new versions, and
after one more run a store with no duplicate or orphaned chunks and a BM25 index that agrees with
the vector store.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from qa.config import Settings, StoreSettings
from qa.corpus import read_paths
from qa.domain import Article
from qa.index import NewsIndex
from qa.retrieve import retrieve

from .conftest import ROOT, shared_corpus

N_ARTICLES = 150
WRITE_BATCH = 8
KILL_AFTER = 16  # committed articles reported before the SIGKILL
PROGRESS = re.compile(r"^committed (\d+)/(\d+)$")


# --- helpers -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_jsonl(tmp_path_factory) -> Path:
    """The first N_ARTICLES allsides articles as a .jsonl file, each cut to its opening
    paragraphs (well within one chunk), so that embedding on two shared cores stays a few seconds."""
    src = shared_corpus("allsides-baly2020")
    out = tmp_path_factory.mktemp("recovery") / "articles.jsonl"
    with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        for _, line in zip(range(N_ARTICLES), f):
            rec = json.loads(line)
            rec["text"] = opening(rec["text"], 400)
            w.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def opening(text: str, limit: int) -> str:
    """Whole paragraphs from the start of ``text`` up to ``limit`` characters (at least one
    sentence's worth when the first paragraph is longer)."""
    kept = ""
    for para in text.split("\n\n"):
        if kept and len(kept) + 2 + len(para) > limit:
            break
        kept = f"{kept}\n\n{para}" if kept else para
    if len(kept) > limit:
        cut = kept.rfind(". ", 0, limit)
        kept = kept[: cut + 1] if cut > 0 else kept[:limit]
    return kept


def revised(src: Path, dst: Path) -> Path:
    """A copy of ``src`` where every article starts with a new sentence, so every chunk's
    offsets and hash differ between the old and new version."""
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as w:
        for line in f:
            rec = json.loads(line)
            rec["text"] = "REVISED EDITION. " + rec["text"]
            w.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return dst


def ingest_cli(data_dir: Path, path: Path, kill_after: int | None = None,
               timeout_s: float = 900) -> tuple[int, list[int], str]:
    """Runs ``ingest.py --progress lines``; with ``kill_after``, SIGKILLs it as soon as it
    reports that many committed articles. Returns (exit code, committed counts seen, stdout)."""
    env = {**os.environ, "QA_WRITE_BATCH": str(WRITE_BATCH)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "ingest.py"), "--data-dir", str(data_dir), "--progress",
         "lines", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )
    watchdog = threading.Timer(timeout_s, proc.kill)  # a hung run fails the test, not the suite
    watchdog.start()
    seen: list[int] = []
    other: list[str] = []
    try:
        for line in proc.stderr:
            m = PROGRESS.match(line.strip())
            if not m:
                other.append(line)
                continue
            seen.append(int(m.group(1)))
            if kill_after is not None and seen[-1] >= kill_after:
                proc.send_signal(signal.SIGKILL)
                break
        stdout, rest = proc.communicate()
        other.append(rest)
    finally:
        watchdog.cancel()
    if kill_after is None:
        assert proc.returncode == 0, "".join(other)[-3000:]
    return proc.returncode, seen, stdout


def open_index(data_dir: Path, embedder) -> NewsIndex:
    """A reader that shares nothing with earlier clients of the same directory."""
    from chromadb.api.shared_system_client import SharedSystemClient

    # chromadb caches one embedded system per path inside a process; a fresh reader must not
    # reuse what an earlier client loaded before another process wrote.
    SharedSystemClient.clear_system_cache()
    emb, emb_id = embedder
    settings = Settings(store=StoreSettings(data_dir=data_dir, write_batch=WRITE_BATCH))
    return NewsIndex(settings, embedder=emb, embedder_id=emb_id)


def stored_chunks(index: NewsIndex) -> list[dict]:
    """Every chunk record in the vector store, committed or not."""
    got = index.store.chunks.get(include=["metadatas", "documents"])
    return [{"id": i, "text": d, **m} for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])]


def manifest(index: NewsIndex) -> dict:
    """article_id -> ArticleRecord for every committed article."""
    ids = index.store.manifest.get(include=[])["ids"]
    return index.articles(ids)


def assert_committed_articles_are_whole(index: NewsIndex) -> dict:
    """Every committed article has exactly its n_chunks chunks (indexes 0..n-1) of its hash,
    each mapping verbatim into the committed text. Returns the manifest."""
    records = manifest(index)
    by_version: dict[tuple[str, str], list[dict]] = {}
    for c in stored_chunks(index):
        by_version.setdefault((c["article_id"], c["content_hash"]), []).append(c)
    for aid, rec in records.items():
        mine = by_version.get((aid, rec.content_hash), [])
        assert rec.n_chunks > 0, aid
        assert sorted(c["chunk_index"] for c in mine) == list(range(rec.n_chunks)), aid
        for c in mine:
            assert rec.article.text[c["start"]:c["end"]] == c["text"], c["id"]
    return records


def assert_readers_see_only_committed_versions(index: NewsIndex, queries: list[str]) -> int:
    """Dense, BM25 and fused retrieval return only chunks of an article's committed version,
    verbatim. Returns how many hits were checked (so a test can insist there were some)."""
    records = manifest(index)
    cfg = index.settings.retrieval
    checked = 0
    for q in queries:
        hits = [c for c, _ in index.dense(q, 20)] + [c for c, _ in index.sparse(q, 20)]
        hits += [e.chunk for e in retrieve(q, index, cfg)]
        for c in hits:
            rec = records.get(c.article_id)
            assert rec is not None, f"{c.id} belongs to an uncommitted article"
            assert c.content_hash == rec.content_hash, f"{c.id} is not the committed version"
            assert rec.article.text[c.start:c.end] == c.text, c.id
            checked += 1
    return checked


def assert_complete(index: NewsIndex, expected: dict[str, Article]) -> None:
    """The store holds exactly ``expected``: no missing, duplicate or orphaned chunk, and BM25
    indexes the same chunks as the vector store."""
    records = assert_committed_articles_are_whole(index)
    assert {a: r.content_hash for a, r in records.items()} == {
        a: art.content_hash for a, art in expected.items()}
    chunks = stored_chunks(index)
    ids = [c["id"] for c in chunks]
    assert len(ids) == len(set(ids))
    assert len(chunks) == sum(r.n_chunks for r in records.values())
    assert all(records[c["article_id"]].content_hash == c["content_hash"] for c in chunks)
    assert sorted(index.sparse_cache.get().chunks) == sorted(ids)
    assert index.store._state()["dirty"] is False


def read_articles(path: Path) -> dict[str, Article]:
    arts = [a for a in read_paths([path]) if isinstance(a, Article)]
    return {a.id: a for a in arts}


# --- a real SIGKILL ---------------------------------------------------------------------------
def test_killed_first_run_is_completed_by_the_next_without_duplicates(tmp_path, corpus_jsonl,
                                                                       embedder):
    data_dir = tmp_path / "var"
    expected = read_articles(corpus_jsonl)
    assert len(expected) == N_ARTICLES

    rc, seen, _ = ingest_cli(data_dir, corpus_jsonl, kill_after=KILL_AFTER)
    assert rc == -signal.SIGKILL, f"the run ended on its own before {KILL_AFTER} commits: {seen}"
    assert seen[-1] >= KILL_AFTER and seen[-1] < N_ARTICLES

    index = open_index(data_dir, embedder)
    records = assert_committed_articles_are_whole(index)
    # At least what was reported is committed, and the run did not get far past it.
    assert seen[-1] <= len(records) < N_ARTICLES
    assert set(records) <= set(expected)
    assert all(records[a].content_hash == expected[a].content_hash for a in records)
    uncommitted = [a for a in expected if a not in records]
    # Titles of uncommitted articles are the queries most likely to surface their chunks.
    queries = [expected[a].title for a in uncommitted[:15]] + [records[a].article.title
                                                              for a in list(records)[:5]]
    assert assert_readers_see_only_committed_versions(index, queries) > 0
    # Committed articles are searchable: each one's headline finds it.
    for aid in list(records)[:10]:
        found = {c.article_id for c, _ in index.dense(records[aid].article.title, 10)}
        assert aid in found, aid

    rc, seen, stdout = ingest_cli(data_dir, corpus_jsonl)
    summary = stdout.strip().splitlines()[-1]
    assert summary.startswith(f"added {N_ARTICLES - len(records)}, updated 0, unchanged {len(records)}, ")
    assert_complete(open_index(data_dir, embedder), expected)


def test_killed_replacing_run_shows_each_article_whole_in_one_version(tmp_path, corpus_jsonl,
                                                                      embedder):
    data_dir = tmp_path / "var"
    old = read_articles(corpus_jsonl)
    first = open_index(data_dir, embedder).sync(old.values())
    assert first.added == N_ARTICLES
    open_index(data_dir, embedder).warm()  # a BM25 cache of the old versions is on disk
    new_path = revised(corpus_jsonl, tmp_path / "revised.jsonl")
    new = read_articles(new_path)

    rc, seen, _ = ingest_cli(data_dir, new_path, kill_after=KILL_AFTER)
    assert rc == -signal.SIGKILL, f"the run ended on its own before {KILL_AFTER} commits: {seen}"

    index = open_index(data_dir, embedder)
    records = assert_committed_articles_are_whole(index)
    assert set(records) == set(old)
    versions = {a: ("new" if r.content_hash == new[a].content_hash else
                    "old" if r.content_hash == old[a].content_hash else "neither")
                for a, r in records.items()}
    assert "neither" not in versions.values()
    n_new = sum(v == "new" for v in versions.values())
    assert seen[-1] <= n_new < N_ARTICLES
    for aid, v in versions.items():
        assert records[aid].article.text.startswith("REVISED EDITION. ") == (v == "new")
    queries = [old[a].title for a in list(old)[: KILL_AFTER + 8]]
    assert assert_readers_see_only_committed_versions(index, queries) > 0

    ingest_cli(data_dir, new_path)
    index = open_index(data_dir, embedder)
    assert_complete(index, new)
    assert not [c for c in stored_chunks(index) if not c["text"] or c["content_hash"] in
                {a.content_hash for a in old.values()}]
    hits = index.sparse("REVISED EDITION", 20)
    assert hits and all(c.content_hash == new[c.article_id].content_hash for c, _ in hits)


# --- a crash at each write step, in process ---------------------------------------------------
class Crash(BaseException):
    """Stands in for the process dying; BaseException so no handler on the way swallows it."""


def crash_on_call(obj, method: str, call: int, monkeypatch, half: bool = False) -> None:
    """Makes ``obj.method`` die on its ``call``-th invocation; with ``half``, that invocation
    first writes the first half of its records (a write torn between two requests)."""
    real = getattr(obj, method)
    calls = {"n": 0}

    def dying(**kw):
        calls["n"] += 1
        if calls["n"] == call:
            if half:
                n = len(kw["ids"]) // 2
                real(**{k: v[:n] for k, v in kw.items()})
            raise Crash(f"{method} #{call}")
        return real(**kw)

    monkeypatch.setattr(obj, method, dying)


@pytest.fixture(scope="module")
def small_set(corpus_jsonl) -> tuple[dict[str, Article], dict[str, Article]]:
    """24 articles (three write batches) in an old and a revised version."""
    old = dict(list(read_articles(corpus_jsonl).items())[:24])
    new = {a: replace(art, text="REVISED EDITION. " + art.text) for a, art in old.items()}
    return old, new


# Per batch of 8 articles, sync makes one chunk upsert, one manifest upsert (the commit mark),
# then one chunk delete per article (the replaced version's chunks).
@pytest.mark.parametrize(("collection", "method", "call", "half", "n_new"), [
    ("chunks", "upsert", 2, True, WRITE_BATCH),         # batch 2's new chunks half written
    ("manifest", "upsert", 2, False, WRITE_BATCH),      # batch 2's chunks in, its commit mark not
    ("chunks", "delete", 10, False, 2 * WRITE_BATCH),   # batch 2 committed, old chunks not all gone
], ids=["torn-chunk-write", "before-commit-mark", "before-old-chunks-deleted"])
def test_replace_cut_short_at_each_step_never_mixes_versions(tmp_path, small_set, embedder,
                                                            monkeypatch, collection, method,
                                                            call, half, n_new):
    old, new = small_set
    data_dir = tmp_path / "var"
    open_index(data_dir, embedder).sync(old.values())
    open_index(data_dir, embedder).warm()  # a BM25 cache of the old versions is on disk

    writer = open_index(data_dir, embedder)
    crash_on_call(getattr(writer.store, collection), method, call, monkeypatch, half=half)
    with pytest.raises(Crash):
        writer.sync(new.values())
    monkeypatch.undo()

    index = open_index(data_dir, embedder)
    assert index.store._state()["dirty"] is True
    stored = {(c["article_id"], c["content_hash"]) for c in stored_chunks(index)}
    # The torn state really is there: chunks of both versions of some article are stored.
    assert any((a, new[a].content_hash) in stored and (a, old[a].content_hash) in stored
               for a in old)
    records = assert_committed_articles_are_whole(index)
    assert set(records) == set(old)
    committed_new = [a for a, r in records.items() if r.content_hash == new[a].content_hash]
    assert committed_new == list(new)[:n_new]
    assert assert_readers_see_only_committed_versions(index, [a.title for a in old.values()]) > 0

    summary = open_index(data_dir, embedder).sync(new.values())
    assert (summary.added, summary.updated, summary.unchanged) == (0, len(old) - n_new, n_new)
    assert_complete(open_index(data_dir, embedder), new)
