"""Incremental ingest into a real embedded Chroma: idempotent, replace, prune, bad files."""

from __future__ import annotations

import subprocess
import sys

from qa.config import ChunkSettings
from qa.index import collection_name

from .conftest import ROOT, SEED_IDS


def chunk_ids_by_article(svc) -> dict[str, list[str]]:
    got = svc.index.store.chunks.get(include=["metadatas"])
    out: dict[str, list[str]] = {}
    for cid, m in zip(got["ids"], got["metadatas"]):
        out.setdefault(m["article_id"], []).append(cid)
    return out


def test_reingest_of_unchanged_articles_embeds_nothing(make_service, seed_copy, monkeypatch):
    svc = make_service()
    first = svc.ingest([seed_copy])
    assert (first.added, first.updated, first.unchanged, first.skipped) == (5, 0, 0, ())
    before = chunk_ids_by_article(svc)

    calls = []
    cls = type(svc.index.embedder)
    original = cls.embed
    monkeypatch.setattr(cls, "embed", lambda self, texts: calls.append(len(texts)) or original(self, texts))
    again = svc.ingest([seed_copy])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 5, 0)
    assert calls == []
    assert chunk_ids_by_article(svc) == before
    assert sorted(before) == SEED_IDS


def test_edited_article_is_replaced_without_stale_chunks(make_service, seed_copy):
    svc = make_service()
    svc.ingest([seed_copy])
    f = seed_copy / "003_b50cd088e71c6203.txt"
    f.write_text(f.read_text().replace("Zabihullah Mujahid", "Spokesman Q. Example"))
    summary = svc.ingest([seed_copy])
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 4)

    rec = svc.article("003_b50cd088e71c6203")
    assert "Spokesman Q. Example" in rec.article.text
    got = svc.index.store.chunks.get(where={"article_id": "003_b50cd088e71c6203"},
                                     include=["metadatas", "documents"])
    assert {m["content_hash"] for m in got["metadatas"]} == {rec.content_hash}
    assert len(got["ids"]) == rec.n_chunks
    assert not any("Zabihullah Mujahid" in d for d in got["documents"])
    hits = svc.index.sparse("Spokesman Q. Example", 3)
    assert hits and hits[0][0].article_id == "003_b50cd088e71c6203"
    assert not svc.index.sparse("Zabihullah", 10) or all(
        c.article_id != "003_b50cd088e71c6203" for c, _ in svc.index.sparse("Zabihullah", 10)
    )


def test_prune_removes_articles_no_longer_present(make_service, seed_copy):
    svc = make_service()
    svc.ingest([seed_copy])
    (seed_copy / "004_ccca31a72ddb13aa.txt").unlink()
    kept = svc.ingest([seed_copy])
    assert kept.removed == 0 and svc.index.article("004_ccca31a72ddb13aa") is not None
    pruned = svc.ingest([seed_copy], prune=True)
    assert (pruned.removed, pruned.unchanged) == (1, 4)
    assert svc.index.article("004_ccca31a72ddb13aa") is None
    assert "004_ccca31a72ddb13aa" not in chunk_ids_by_article(svc)
    assert all(c.article_id != "004_ccca31a72ddb13aa" for c, _ in svc.index.sparse("Shattal", 10))


def test_bad_files_are_skipped_and_the_rest_ingested(make_service, seed_copy):
    (seed_copy / "broken.txt").write_bytes(b"\x00\xff\x00binary")
    (seed_copy / "empty.md").write_text("")
    (seed_copy / "feed.jsonl").write_text('{"id": "j1", "text": "Jay one."}\n{oops\n')
    svc = make_service()
    summary = svc.ingest([seed_copy])
    assert summary.added == 6
    reasons = sorted(s.reason.split(" (")[0] for s in summary.skipped)
    assert reasons == ["binary file", "empty file", "not JSON"]
    assert sorted(chunk_ids_by_article(svc)) == sorted(SEED_IDS + ["j1"])


def test_every_chunk_maps_back_to_its_article_verbatim(seed_service):
    chunks = seed_service.index.store.all_chunks()
    assert len(chunks) >= 10
    arts = seed_service.index.articles(SEED_IDS)
    for c in chunks:
        assert arts[c.article_id].article.text[c.start:c.end] == c.text


def test_chunks_fit_the_embedders_window(seed_service, embedder):
    from qa.index.chunking import embed_text

    emb, _ = embedder
    chunks = seed_service.index.store.all_chunks()
    assert max(emb.count_tokens([embed_text(c) for c in chunks])) <= 256


def test_collection_is_tied_to_embedder_and_chunking():
    a = collection_name("news", "minilm-l6-int8", ChunkSettings(size=180, overlap=30))
    b = collection_name("news", "minilm-l6-int8", ChunkSettings(size=120, overlap=30))
    c = collection_name("news", "other-model", ChunkSettings(size=180, overlap=30))
    assert len({a, b, c}) == 3


def test_reset_empties_the_store(make_service, seed_copy):
    svc = make_service()
    svc.ingest([seed_copy])
    summary = svc.ingest([seed_copy / "000_e5d721c452f0de90.txt"], reset=True)
    assert summary.added == 1
    assert svc.index.counts()[0] == 1
    assert [c.article_id for c, _ in svc.index.sparse("Taliban", 50)] == ["000_e5d721c452f0de90"] * len(
        svc.index.sparse("Taliban", 50))


def test_cli_prints_one_line_summary_and_lists_skips(tmp_path, seed_copy):
    (seed_copy / "junk.html").write_bytes(b"\x00\x00")
    cmd = [sys.executable, str(ROOT / "ingest.py"), "--data-dir", str(tmp_path / "v"), str(seed_copy)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("added 5, updated 0, unchanged 0, removed 0, skipped 1, chunks ")
    assert "junk.html: binary file" in out.stderr
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert again.stdout.strip().startswith("added 0, updated 0, unchanged 5")


def test_cli_refuses_missing_paths(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "ingest.py"), "--data-dir", str(tmp_path),
                          str(tmp_path / "nope")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "no such file or folder" in out.stderr


def test_an_import_without_claims_gains_them_later_without_reembedding(
        make_service, make_settings, seed_copy, monkeypatch):
    fast = make_service(make_settings().with_claims(False))
    first = fast.ingest([seed_copy])
    assert first.added == 5 and first.chunks > 0
    assert all(r.claims is None for r in fast.index.articles(SEED_IDS).values())
    question = "How many Taliban fighters were killed in Panjshir?"
    # No claims, so no contest from them; the answer's own sentences may still give the
    # figure differently (a "values" contest found from the text, not from claims).
    assert {k.kind for k in fast.ask(question).contested} <= {"values"}
    before = chunk_ids_by_article(fast)

    full = make_service(make_settings())  # same store, claims on (the default)
    calls = []
    cls = type(full.index.embedder)
    original = cls.embed
    monkeypatch.setattr(cls, "embed", lambda self, texts: calls.append(texts) or original(self, texts))
    again = full.ingest([seed_copy])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 5, 0, 0)
    assert chunk_ids_by_article(full) == before
    # Embedding here is of claim sentences, never of the stored chunks.
    from qa.index.chunking import embed_text

    chunk_texts = {embed_text(c) for c in full.index.sparse_cache.get().chunks.values()}
    assert calls and not any(t in chunk_texts for batch in calls for t in batch)
    assert all(r.claims for r in full.index.articles(SEED_IDS).values())
    # The running service that answered before the backfill now finds the contest too.
    kinds = {k.kind for k in fast.ask(question).contested}
    assert "numbers" in kinds
    assert full.ingest([seed_copy]).unchanged == 5  # and a third run has nothing to do


def test_named_entities_are_stored_with_each_article(make_service, seed_copy):
    svc = make_service()
    svc.ingest([seed_copy])
    rec = svc.index.articles(["004_ccca31a72ddb13aa"])["004_ccca31a72ddb13aa"]
    ents = svc.pipeline().finder.entities(rec)
    named = {(rec.article.text[s:e], label) for s, e, label in ents}
    assert ("Zabihullah Mujahid", "PERSON") in named
    assert any(label in ("GPE", "LOC") and "Panjshir" in text for text, label in named)
    assert all(0 <= s < e <= len(rec.article.text) for s, e, _ in ents)


def test_articles_annotated_by_an_older_annotator_are_annotated_again_without_reembedding(
        make_service, seed_copy, monkeypatch):
    from qa.claims import Annotator, annotate
    from qa.claims.extract import extract
    from qa.claims.record import encode

    class OldAnnotator(Annotator):
        version = 1  # claims only, as stores written before entities were kept hold them

        def many(self, articles):
            return [encode(extract(a, self.model)) for a in articles]

    svc = make_service()
    monkeypatch.setattr(type(svc), "_annotator", lambda self: OldAnnotator(self.index.embedder))
    svc.ingest([seed_copy])
    rec = svc.index.articles(["000_e5d721c452f0de90"])["000_e5d721c452f0de90"]
    assert rec.claims and svc.pipeline().finder.entities(rec) is None
    before = chunk_ids_by_article(svc)

    monkeypatch.undo()
    fresh = make_service(svc.settings)
    again = fresh.ingest([seed_copy])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 5, 0, 0)
    assert chunk_ids_by_article(fresh) == before
    rec = fresh.index.articles(["000_e5d721c452f0de90"])["000_e5d721c452f0de90"]
    assert fresh.pipeline().finder.entities(rec)
    assert rec.claims == annotate(rec.article, fresh._annotator().model, fresh.index.embedder)
    assert fresh.ingest([seed_copy]).unchanged == 5  # the current version is not redone


def test_a_large_store_builds_its_bm25_index_in_a_child_process(make_service, make_settings,
                                                                  seed_copy, tmp_path):
    """Past ``bm25_child_above`` chunks the index is built by a spawned process (a worker keeps
    none of the build's peak memory); the searches are the same as an index built in-process."""
    from qa.config import StoreSettings
    from qa.index import sparse

    inproc = make_service(data_dir=tmp_path / "a")
    inproc.ingest([seed_copy])
    child = make_service(make_settings(store=StoreSettings(data_dir=tmp_path / "b",
                                                           bm25_child_above=0)))
    child.ingest([seed_copy])
    built = []
    real = sparse.build_in_child

    def spy(store, path):
        built.append(path)
        return real(store, path)

    sparse.build_in_child = spy
    try:
        table = child.index.sparse_cache.get()
    finally:
        sparse.build_in_child = real
    assert built and (built[0] / "chunks" / "table.json").exists()
    for q in ("Ghani fled on August 15", "Taliban fighters killed in Panjshir", "Geo TV agreement"):
        mine = [(c.id, round(s, 4)) for c, s in table.search(q, 10)]
        theirs = [(c.id, round(s, 4)) for c, s in inproc.index.sparse_cache.get().search(q, 10)]
        assert mine == theirs and mine


def test_each_write_batch_is_annotated_in_one_call_ahead_of_its_write(make_service, make_settings,
                                                                      seed_copy, tmp_path):
    """The annotator gets whole write batches (one parse stream, one embedding call), the next
    batch while the current one embeds; what it stores is what annotating each article alone
    stores, and an annotator that fails leaves no article of its batch committed."""
    import pytest

    from qa.claims import Annotator, annotate
    from qa.config import StoreSettings

    svc = make_service(make_settings(store=StoreSettings(data_dir=tmp_path / "a", write_batch=2)))
    batches = []

    class Counting(Annotator):
        def many(self, articles):
            batches.append([a.id for a in articles])
            return super().many(articles)

    svc._annotator = lambda: Counting(svc.index.embedder)
    svc.ingest([seed_copy])
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(i for b in batches for i in b) == SEED_IDS
    model = Counting(svc.index.embedder).model
    for rec in svc.index.articles(SEED_IDS).values():
        assert rec.claims == annotate(rec.article, model, svc.index.embedder)

    broken = make_service(make_settings(store=StoreSettings(data_dir=tmp_path / "b", write_batch=2)))
    calls = []

    class Failing(Annotator):
        def many(self, articles):
            calls.append(len(articles))
            if len(calls) == 2:
                raise RuntimeError("annotator died")
            return super().many(articles)

    broken._annotator = lambda: Failing(broken.index.embedder)
    with pytest.raises(RuntimeError, match="annotator died"):
        broken.ingest([seed_copy])
    committed = broken.index.articles(SEED_IDS)
    assert len(committed) == 2 and all(r.claims for r in committed.values())
    broken._annotator = lambda: Annotator(broken.index.embedder)
    again = broken.ingest([seed_copy])
    assert (again.added, again.unchanged) == (3, 2)
    assert sorted(chunk_ids_by_article(broken)) == SEED_IDS
