"""The article list (``GET /api/articles``) over a store of 150 generated articles: pages in the
right order with the right totals for every filter, and only a page's articles read from the
store (the list used to load every article with its full text on each call)."""

from __future__ import annotations

import dataclasses

import pytest

from qa.config import Settings, StoreSettings
from qa.domain import Article

from .webapp import make_app

OUTLETS = ["Reuters", "TASS", "RT", ""]
N = 150


def generated(n: int) -> list[Article]:
    """Articles with dates over three months (some undated), four outlets (one unnamed), and
    a few words only some of them use."""
    out = []
    for i in range(n):
        date = None if i % 11 == 0 else f"2021-{7 + i % 3:02d}-{1 + i % 28:02d}"
        extra = " The convoy reached Shattal at dawn." if i % 7 == 0 else ""
        title = f"Report {i:03d}: " + ("Valley talks resume" if i % 5 == 0 else "Market prices")
        out.append(Article(id=f"art_{i:03d}", title=title, date=date,
                           source=OUTLETS[i % 4] or None,
                           text=f"Article number {i} describes events in the region.{extra}"))
    return out


@pytest.fixture(scope="module")
def listing_service(tmp_path_factory, embedder):
    from qa.index import NewsIndex
    from qa.service import QAService

    settings = Settings(store=StoreSettings(data_dir=tmp_path_factory.mktemp("listing")),
                        claims=False)
    emb, emb_id = embedder
    svc = QAService(settings, NewsIndex(settings, embedder=emb, embedder_id=emb_id))
    assert svc.ingest_items(generated(N)).added == N
    return svc


@pytest.fixture(scope="module")
def client(listing_service):
    return make_app(listing_service).test_client()


def expected(articles: list[Article], after=None, before=None, sources=(), q=None) -> list[str]:
    """The list as the API promises it, computed the slow and obvious way."""
    keep = []
    for a in articles:
        if after and not (a.date and a.date >= after):
            continue
        if before and not (a.date and a.date <= before):
            continue
        if sources and a.source not in sources:
            continue
        if q and q.lower() not in a.title.lower() and not all(
                w in a.text.lower() for w in q.lower().split()):
            continue
        keep.append(a)
    keep.sort(key=lambda a: (a.date or "", a.id), reverse=True)
    return [a.id for a in keep]


QUERIES = [
    ({}, {}),
    ({"source": "TASS"}, {"sources": ("TASS",)}),
    ({"after": "2021-08-01"}, {"after": "2021-08-01"}),
    ({"before": "2021-07-31"}, {"before": "2021-07-31"}),
    ({"after": "2021-07-10", "before": "2021-08-20", "source": "RT"},
     {"after": "2021-07-10", "before": "2021-08-20", "sources": ("RT",)}),
    ({"q": "valley talks"}, {"q": "valley talks"}),   # in titles
    ({"q": "Shattal"}, {"q": "Shattal"}),             # in texts only
    ({"q": "convoy shattal"}, {"q": "convoy shattal"}),  # every word, any order
    ({"q": "Shattal", "source": "Reuters"}, {"q": "Shattal", "sources": ("Reuters",)}),
    ({"q": "zebra"}, {"q": "zebra"}),
]


@pytest.mark.parametrize("params, meaning", QUERIES, ids=[str(p) for p, _ in QUERIES])
def test_every_page_of_every_filter_is_in_order_with_its_total(client, params, meaning):
    want = expected(generated(N), **meaning)
    got, offset = [], 0
    while True:
        body = client.get("/api/articles", query_string={**params, "limit": 40,
                                                          "offset": offset}).get_json()
        assert body["total"] == len(want), params
        got += [a["id"] for a in body["articles"]]
        offset += 40
        if offset >= body["total"]:
            break
    assert got == want


def test_a_page_carries_each_articles_fields_and_snippet(client):
    first = client.get("/api/articles?limit=1").get_json()["articles"][0]
    art = {a.id: a for a in generated(N)}[first["id"]]
    assert first == {"id": art.id, "title": art.title, "date": art.date, "source": art.source,
                     "url": None, "snippet": art.text[:240]}
    assert client.get("/api/sources").get_json() == {"sources": ["RT", "Reuters", "TASS"]}


class Recording:
    """The manifest collection, recording what each ``get`` asked for."""

    def __init__(self, collection):
        self.collection, self.calls = collection, []

    def get(self, **kw):
        self.calls.append(kw)
        return self.collection.get(**kw)

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_a_page_reads_only_its_own_articles_from_the_store(listing_service, client):
    client.get("/api/articles")  # the listing of this generation is built
    conn = listing_service.index.store.connection
    opened = conn.get()
    manifest = Recording(opened.manifest)
    state = listing_service.index.store.state()  # as if just opened: no refresh is due
    conn._opened = dataclasses.replace(opened, manifest=manifest, state=state)
    try:
        body = client.get("/api/articles?limit=10&offset=20&source=TASS").get_json()
        assert len(body["articles"]) == 10 and body["total"] > 30
    finally:
        conn._opened = opened
    texts = [c for c in manifest.calls if "documents" in (c.get("include") or [])]
    assert [sorted(c.get("ids") or ["every article"]) for c in texts] == [
        sorted(a["id"] for a in body["articles"])]
