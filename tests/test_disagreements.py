"""Contested points across the whole corpus (``GET /api/contests``): found at ingest among
each article and its neighbours, kept up to date incrementally (an article added, edited or
pruned changes only the contests it takes part in), in the store, filtered, searched by meaning,
and served through the real Flask app against its own /openapi.json."""

from __future__ import annotations

import json

import pytest

from .conftest import SEEDS
from .webapp import Contract, make_app

DATES = ("2021-08-14", "2021-08-15")  # Ghani fled on 14 vs 15 August

SHUTUL = """---
title: Taliban say they hold Shutul; resistance denies it
date: 2021-09-02
source: Kabul Observer
---

Taliban spokesman Zabihullah Mujahid said on Thursday that Taliban fighters had captured the
Shutul district of Panjshir province after heavy fighting.

The National Resistance Front denied that Shutul had fallen, saying its forces still held the
district and had pushed the Taliban back to the Khawak pass.

Residents reached by phone said fighting continued near the district centre.
"""


def listed(svc) -> dict[str, dict]:
    page, total = svc.list_contests(limit=100)
    assert total == len(page)
    return {c.id: c.model_dump(mode="json") for c in page}


def find(contests, kind: str, *words: str) -> list[dict]:
    """Contests of ``kind`` whose topic or side positions hold every one of ``words``."""
    out = []
    for c in contests:
        text = " ".join([c["topic"], *(s["position"] for s in c["sides"])]).lower()
        if c["kind"] == kind and all(w.lower() in text for w in words):
            out.append(c)
    return out


def side_with(contest: dict, word: str) -> dict:
    sides = [s for s in contest["sides"] if word.lower() in s["position"].lower()]
    assert len(sides) == 1, (word, [s["position"] for s in contest["sides"]])
    return sides[0]


# --- what the seeds hold -------------------------------------------------------------------------
def test_the_seed_contests_are_listed_with_their_sides_and_spread(seed_service):
    contests = list(listed(seed_service).values())
    # Ghani fled on 14 August (RT) vs 15 August (TASS and others).
    [dates] = find(contests, "dates", "Ghani")
    # Two outlets' dates for one event (Ghani named in both sentences): linked. The seeds
    # report every other claim beside its denial, so every contest of theirs is linked.
    assert dates["linked"] is True
    assert all(c["linked"] for c in contests)
    early, late = side_with(dates, "14"), side_with(dates, "15")
    assert "004_ccca31a72ddb13aa" in early["articles"] and early["outlets"] == ["RT"]
    assert "001_1534f80bc8e5ddb2" in late["articles"] and "TASS" in late["outlets"]
    assert not set(early["articles"]) & set(late["articles"])
    # The Taliban's three districts vs the resistance's denial, carried by several outlets.
    [districts] = find(contests, "denial", "three Panjshir districts")
    claimed = side_with(districts, "Taliban")
    denied = side_with(districts, "denied")
    assert {c["stance"] for c in denied["claims"]} & {"denies", "disputes"}
    assert {"TASS", "RT"} <= set(claimed["outlets"]) | set(denied["outlets"])
    assert districts["articles"] >= 3
    # Every quote is the article's text at its offsets.
    for c in contests:
        for s in c["sides"]:
            for cl in s["claims"]:
                text = seed_service.article(cl["article_id"]).article.text
                assert text[cl["start"]:cl["end"]] == cl["quote"]
    # Ranked by how widely the weaker side was carried: the districts lead the one-article one.
    order = [c["id"] for c in contests]
    [cannons] = find(contests, "denial", "cannons")
    assert order.index(districts["id"]) < order.index(cannons["id"])


def test_search_by_meaning_and_filters(seed_service):
    page, total = seed_service.list_contests("On which day did Ashraf Ghani leave Afghanistan?")
    assert total >= 1 and find([page[0].model_dump()], "dates", "Ghani")
    assert page[0].similarity is not None and page[0].similarity >= 0.3
    everything = listed(seed_service)
    page, _ = seed_service.list_contests(filters=_filters(sources=("RT",)))
    assert page and all("RT" in {o for s in c.sides for o in s.outlets} for c in page)
    assert len(page) < len(everything)
    page, _ = seed_service.list_contests(filters=_filters(before="2021-08-30"))
    assert page and all(c.first_date <= "2021-08-30" for c in page)
    page, _ = seed_service.list_contests(filters=_filters(after="2021-09-02"))
    assert page == []
    first, total = seed_service.list_contests(limit=2)
    second, _ = seed_service.list_contests(limit=2, offset=2)
    assert len(first) == 2 and not {c.id for c in first} & {c.id for c in second}
    assert [c.id for c in first + second] == list(everything)[:len(first + second)]


def _filters(**kw):
    from qa.domain import Filters

    return Filters(**kw)


# --- incremental -------------------------------------------------------------------------------
def test_an_article_added_edited_or_pruned_changes_only_its_contests(make_service, seed_copy):
    svc = make_service()
    svc.ingest([seed_copy])
    before = listed(svc)
    assert before

    (seed_copy / "zz_shutul.md").write_text(SHUTUL, encoding="utf-8")
    svc.ingest([seed_copy])
    added = listed(svc)
    new = {k: v for k, v in added.items() if k not in before}
    assert new, "the new article took part in no contest"
    for c in new.values():
        assert any("zz_shutul" in a for s in c["sides"] for a in s["articles"]), c["topic"]
    # Every contest the new article takes no part in is as it was.
    untouched = {k: v for k, v in added.items()
                 if not any("zz_shutul" in a for s in v["sides"] for a in s["articles"])}
    assert untouched == {k: v for k, v in before.items() if k in untouched}
    assert set(before) - set(added) <= {k for k, v in before.items()
                                        if find([v], "denial", "Panjshir districts")}
    # The Kabul Observer's side of the Shutul claim: Mujahid asserts, the resistance denies.
    shutul = [c for c in new.values() if "Kabul Observer" in {o for s in c["sides"] for o in s["outlets"]}]
    assert shutul
    speakers = {cl["speaker"] for c in shutul for s in c["sides"] for cl in s["claims"]}
    assert any("Mujahid" in s or "Taliban" in s for s in speakers), speakers

    # Edited so that it no longer disputes anything: its contests go, the rest stay.
    (seed_copy / "zz_shutul.md").write_text(SHUTUL.split("The National Resistance")[0]
                                            .replace("Taliban spokesman Zabihullah Mujahid said",
                                                     "Reporters said"), encoding="utf-8")
    svc.ingest([seed_copy])
    edited = listed(svc)
    assert not {k for k in new if k in edited}
    assert {k: v for k, v in edited.items() if k in untouched} == untouched

    # Pruned: the list is the one before it came.
    (seed_copy / "zz_shutul.md").unlink()
    svc.ingest([seed_copy], prune=True)
    assert listed(svc) == before


def test_an_interrupted_update_is_finished_by_the_next_ingest(make_service, seed_copy,
                                                              monkeypatch):
    from qa.claims.ledger import ContestLedger

    clean = listed(_ingested(make_service, seed_copy, "clean"))
    calls = []
    real = ContestLedger.update

    def dies(self, article_id):
        calls.append(article_id)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(self, article_id)

    monkeypatch.setattr(ContestLedger, "update", dies)
    svc = _ingested(make_service, seed_copy, "cut", expect_error=True)
    monkeypatch.setattr(ContestLedger, "update", real)
    summary = svc.ingest([seed_copy])
    assert summary.added == 0
    assert listed(svc) == clean


def test_a_store_ingested_before_contests_existed_gets_them(make_service, seed_copy):
    svc = make_service()
    index = svc.index
    # Claims stored, contests not looked for (as a store written before they were).
    from qa.claims import Annotator
    from qa.corpus import read_paths

    index.sync(read_paths([seed_copy]), annotate=Annotator(index.embedder))
    assert svc.list_contests()[1] == 0
    summary = svc.ingest([seed_copy])
    assert summary.unchanged == 5
    assert find(listed(svc).values(), "dates", "Ghani")


def test_contests_found_by_older_rules_are_found_again(make_service, seed_copy):
    from qa.claims.ledger import ContestLedger

    svc = make_service()
    svc.ingest([seed_copy])
    before = listed(svc)
    table = svc.index.store.contest_table
    table.mark_done(list(table.profile_state(ContestLedger.version)), 1)  # a store of version 1
    assert not any(done for _, done in table.profile_state(ContestLedger.version).values())
    assert svc.ingest([seed_copy]).unchanged == 5
    assert all(done for _, done in table.profile_state(ContestLedger.version).values())
    assert listed(svc) == before and find(before.values(), "dates", "Ghani")


def test_articles_annotated_again_have_their_contests_found_again(make_service, seed_copy):
    """A newer annotator changes an article's claims, not its text: its contests are looked
    for again within the same sync."""
    from qa.claims import ANNOTATION_VERSION, Annotator
    from qa.corpus import read_paths

    svc = make_service()
    svc.ingest([seed_copy])
    before = listed(svc)
    ledger, looked = svc._ledger(), []

    class Recording:
        version = ledger.version

        def __call__(self, changed, gone):
            looked.append(sorted(changed))
            ledger(changed, gone)

    class Newer(Annotator):
        version = ANNOTATION_VERSION + 1

    index = svc.index
    summary = index.sync(read_paths([seed_copy]), annotate=Newer(index.embedder),
                         contests=Recording())
    assert summary.updated == 5 and looked == [sorted(a.id for a in read_paths([seed_copy]))]
    assert listed(svc) == before  # the same claims: the same contests


def test_claims_off_finds_no_contests(make_service, make_settings, seed_copy):
    svc = make_service(make_settings().with_claims(False))
    svc.ingest([seed_copy])
    assert svc.list_contests() == ([], 0)


def _ingested(make_service, articles, name, expect_error=False):
    svc = make_service(data_dir=articles.parent / name)
    if expect_error:
        with pytest.raises(RuntimeError, match="killed"):
            svc.ingest([articles])
    else:
        svc.ingest([articles])
    return svc


# --- perspective -------------------------------------------------------------------------------
def test_each_side_counts_the_classes_of_the_outlets_that_carried_it(make_service, tmp_path):
    """Articles that class their outlet (AllSides' ``bias``): each side says which classes
    carried it; the field's name is a setting."""
    classes = {"TASS": "center", "RT": "right"}
    lines = []
    from qa.corpus import read_paths

    for a in read_paths([SEEDS]):
        rec = {"id": a.id, "title": a.title, "date": a.date, "source": a.source or "Unnamed",
               "text": a.text, "leaning": classes.get(a.source or "", "left")}
        lines.append(json.dumps(rec))
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "seeds.jsonl").write_text("\n".join(lines), encoding="utf-8")
    from qa.config import DisagreementSettings

    svc = make_service(disagreements=DisagreementSettings(perspective_field="leaning"))
    svc.ingest([tmp_path / "corpus"])
    [dates] = find(listed(svc).values(), "dates", "Ghani")
    assert side_with(dates, "14")["classes"] == {"right": 1}
    late = side_with(dates, "15")
    assert late["classes"].get("center") == 1 and sum(late["classes"].values()) == len(late["outlets"])


# --- HTTP ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(seed_service):
    return make_app(seed_service).test_client()


@pytest.fixture(scope="module")
def contract(client) -> Contract:
    return Contract(client.get("/openapi.json").get_json())


def test_the_api_lists_and_shows_contests(client, contract):
    page = contract.check("/api/contests", "GET", client.get("/api/contests?limit=3"))
    assert page["total"] >= 4 and len(page["contests"]) == 3
    one = page["contests"][0]
    got = contract.check("/api/contests/{contest_id}", "GET",
                         client.get(f"/api/contests/{one['id']}"))
    assert got == one
    found = contract.check("/api/contests", "GET",
                           client.get("/api/contests?q=when+did+Ghani+flee+Kabul&limit=1"))
    assert find(found["contests"], "dates", "Ghani") and found["contests"][0]["similarity"] > 0
    rt = contract.check("/api/contests", "GET", client.get("/api/contests?source=RT&after=2021-08-01"))
    assert rt["contests"] and all("RT" in {o for s in c["sides"] for o in s["outlets"]}
                                  for c in rt["contests"])


@pytest.mark.parametrize("url,status", [
    ("/api/contests?bogus=1", 400),
    ("/api/contests?after=2021-02-30", 400),
    ("/api/contests?limit=0", 400),
    ("/api/contests?limit=abc", 400),
    ("/api/contests?q=" + "x" * 5000, 400),
    ("/api/contests/not-an-id", 404),
    ("/api/contests/0123456789abcdef", 404),
])
def test_bad_requests_get_a_clear_error(client, contract, url, status):
    resp = client.get(url)
    assert resp.status_code == status
    body = resp.get_json()
    assert body["error"]["message"]
    if url.startswith("/api/contests/"):
        contract.check("/api/contests/{contest_id}", "GET", resp)
    else:
        contract.check("/api/contests", "GET", resp)


def test_the_token_guards_the_contests(seed_service):
    client = make_app(seed_service, api_token="s3cret").test_client()
    assert client.get("/api/contests").status_code == 401
    ok = client.get("/api/contests", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.get_json()["contests"]


# --- linked ------------------------------------------------------------------------------------
CLAIMED = """---
title: Taliban say Shutul has fallen
date: 2021-09-02
source: Kabul Observer
---

Taliban spokesman Zabihullah Mujahid said on Thursday that Taliban fighters had captured the
Shutul district of Panjshir province after heavy fighting near the Khawak pass.
"""

DENIED = """---
title: Resistance says it still holds Shutul
date: 2021-09-02
source: Panjshir Courier
---

The National Resistance Front denied the Taliban's claim that Taliban fighters had captured the
Shutul district of Panjshir province, saying its forces still held the district.
"""


def test_a_denial_reported_with_its_claim_is_linked_and_one_paired_across_articles_is_not(
        make_service, tmp_path):
    """Two articles, each with one side of Shutul (paired by meaning: 'to check'), and a third
    that reports the claim and its denial together (linked); ``linked=true`` lists that one."""
    corpus = tmp_path / "shutul"
    corpus.mkdir()
    (corpus / "claimed.md").write_text(CLAIMED, encoding="utf-8")
    (corpus / "denied.md").write_text(DENIED, encoding="utf-8")
    svc = make_service(data_dir=tmp_path / "var")
    svc.ingest([corpus])
    apart = find(listed(svc).values(), "denial", "Shutul")
    assert apart and not any(c["linked"] for c in apart), apart
    assert svc.list_contests(linked=True) == ([], 0)

    (corpus / "together.md").write_text(SHUTUL, encoding="utf-8")
    svc.ingest([corpus])
    every = list(listed(svc).values())
    together = [c for c in every if c["linked"]]
    assert together and all("Kabul Observer" in o for c in together
                            for o in [{x for s in c["sides"] for x in s["outlets"]}])
    assert every[:len(together)] == together  # linked first
    page, total = svc.list_contests(linked=True)
    assert [c.id for c in page] == [c["id"] for c in together] and total == len(together)

    client = make_app(svc).test_client()
    got = client.get("/api/contests?linked=true").get_json()
    assert [c["id"] for c in got["contests"]] == [c["id"] for c in together]
    assert client.get("/api/contests?linked=false").get_json()["total"] == len(every)
    bad = client.get("/api/contests?linked=yes")
    assert bad.status_code == 400 and "linked" in bad.get_json()["error"]["message"]
