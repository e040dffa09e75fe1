"""Readers: each seed's debris, dates, titles and outlets; other formats; bad inputs."""

from __future__ import annotations

import json

import pytest

from qa.corpus import read_file, read_paths, remove_debris
from qa.domain import Article, Skipped

from .conftest import SEEDS


def seed(aid: str) -> Article:
    (art,) = list(read_file(SEEDS / f"{aid}.txt"))
    return art


@pytest.mark.parametrize(
    "aid, date, source, title_start, text_start",
    [
        ("000_e5d721c452f0de90", "2021-09-01", "TASS", "National resistance forces",
         "CAIRO, August 31. /TASS/. National resistance"),
        ("001_1534f80bc8e5ddb2", "2021-08-26", "TASS", "Resistance forces in Afghanistan",
         "MOSCOW, August 26. /TASS/."),
        ("002_dc1ae020b261a8f8", None, None,
         "Taliban claim control of eight districts in Panjshir, Massoud says he’s ready for talks",
         "The Taliban on Sunday said"),
        ("003_b50cd088e71c6203", None, None, "Ahmed Masood, the leader of the opposition",
         "Ahmed Masood, the leader"),
        ("004_ccca31a72ddb13aa", None, "RT",
         "Taliban says it captured key entrance to Panjshir valley, local resistance denies it, "
         "as both claim heavy losses on other side", "The Taliban claims its fighters seized"),
    ],
)
def test_seed_metadata(aid, date, source, title_start, text_start):
    art = seed(aid)
    assert art.id == aid
    assert art.date == date
    assert art.source == source
    assert art.title.startswith(title_start)
    assert art.text.startswith(text_start)
    assert "RT World News" not in art.title


@pytest.mark.parametrize(
    "aid, gone",
    [
        ("000_e5d721c452f0de90", [" date 2021-09-01", "date 2021"]),
        ("003_b50cd088e71c6203", ["[ad_1]", "[ad_2]", "Source link"]),
        ("004_ccca31a72ddb13aa", ["Also on rt.com", "Mujahideen v Taliban", "US used secret CIA base",
                                  "7 Taliban fighters killed in clashes", "RT World News"]),
    ],
)
def test_seed_debris_removed(aid, gone):
    text = seed(aid).text
    for junk in gone:
        assert junk not in text


def test_hard_wrapped_lines_are_joined_but_paragraphs_kept():
    text = seed("004_ccca31a72ddb13aa").text
    assert "seized a key position at the entrance to the Panjshir valley" in text
    assert "“They did not succeed in their offensive" in text
    assert "\n\n“They did not succeed" in text


def test_a_sentence_broken_into_two_paragraphs_is_joined(tmp_path):
    # CNN's Baghdadi story as scraped: the split hides that Trump said the second half.
    f = tmp_path / "cnn.txt"
    f.write_text("Raid\n\nTrump said Baghdadi was chased to the end of a dead end tunnel by dogs,\n\n"
                 "bringing three children with him.\n\nAt the end of the tunnel he detonated a vest.\n\n"
                 "the next paragraph starts in lower case after a full stop.\n", encoding="utf-8")
    (art,) = read_paths([f])
    assert art.text.split("\n\n") == [
        "Trump said Baghdadi was chased to the end of a dead end tunnel by dogs, bringing three "
        "children with him.",
        "At the end of the tunnel he detonated a vest.",
        "the next paragraph starts in lower case after a full stop.",
    ]


def test_headline_is_not_part_of_the_body():
    art = seed("002_dc1ae020b261a8f8")
    assert not art.text.startswith("Taliban claim control")


def test_markdown_front_matter_and_heading(tmp_path):
    f = tmp_path / "md-1.md"
    f.write_text("---\ntitle: Front title\ndate: 2020-03-04\nsource: The Outlet\n---\n"
                 "# Heading\n\nSome **bold** text with a [link](http://x.y).\n\n- a list item\n")
    (art,) = list(read_file(f))
    assert (art.id, art.title, art.date, art.source) == ("md-1", "Front title", "2020-03-04", "The Outlet")
    assert "Some bold text with a link." in art.text
    assert "a list item" in art.text and "http://x.y" not in art.text


def test_html_article_extraction(tmp_path):
    f = tmp_path / "h1.html"
    f.write_text(
        "<html><head><title>T | Site</title><meta property='og:title' content='Real title'>"
        "<meta property='article:published_time' content='2020-05-06T10:00:00Z'>"
        "<meta property='og:site_name' content='Daily Bugle'><script>var x=1;</script></head>"
        "<body><nav>Home | World</nav><article><h1>Real title</h1><p>First para &amp; more.</p>"
        "<p>Second <b>para</b>.</p><aside>Related: junk</aside></article>"
        "<footer>© 2020</footer></body></html>"
    )
    (art,) = list(read_file(f))
    assert art.title == "Real title" and art.date == "2020-05-06" and art.source == "Daily Bugle"
    assert art.text == "First para & more.\n\nSecond para."


def test_jsonl_fields_metadata_and_bad_lines(tmp_path):
    f = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a1", "title": "A", "date": "1987-02-26T15:01:01", "source": "Reuters",
                    "url": "http://r", "text": "Alpha text.", "topic": ["cocoa"]}),
        "{not json",
        json.dumps({"id": "a2", "title": "no text"}),
        json.dumps({"id": "bad id [x]", "text": "t"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "a1", "text": "duplicate"}),
        json.dumps({"id": "a3", "text": "Gamma."}),
        '{"id": "a4", "text": "half-writ',
    ]
    f.write_text("\n".join(lines))
    got = list(read_file(f))
    arts = [g for g in got if isinstance(g, Article)]
    skipped = {g.path.rsplit(":", 1)[1]: g.reason for g in got if isinstance(g, Skipped)}
    assert [a.id for a in arts] == ["a1", "a3"]
    assert arts[0].date == "1987-02-26" and arts[0].source == "Reuters"
    assert dict(arts[0].metadata) == {"topic": '["cocoa"]'}
    assert set(skipped) == {"2", "3", "4", "5", "6", "8"}
    assert "not JSON" in skipped["2"] and "text" in skipped["3"] and "duplicate" in skipped["6"]


def test_a_jsonl_file_is_read_a_line_at_a_time_whatever_its_size(tmp_path, monkeypatch):
    import qa.corpus as corpus

    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 100)  # documents: refused above this
    f = tmp_path / "big.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + b"\n".join([
        json.dumps({"id": f"r{i}", "text": f"Report number {i} of a long export."}).encode()
        for i in range(20)] + [b'{"id": "bad", "text": "caf\xe9"}', b'{"id": "r20", "text": "Last."}']))
    assert f.stat().st_size > 100
    got = list(read_file(f))
    assert [g.id for g in got if isinstance(g, Article)] == [f"r{i}" for i in range(21)]
    (skip,) = [g for g in got if isinstance(g, Skipped)]
    assert skip.path.endswith(":21") and "UTF-8" in skip.reason
    doc = tmp_path / "big.txt"
    doc.write_text("A document. " * 20)
    (refused,) = read_paths([doc])
    assert isinstance(refused, Skipped) and "too large" in refused.reason


def test_outlet_rules_are_one_table():
    from qa.corpus.outlets import DEBRIS, SOURCE_MARKS, detect_source, source_from_title

    assert {d.seen_in for d in DEBRIS} >= {"RT", "The Hill"}
    assert source_from_title("Taliban claim Panjshir — RT World News") == ("Taliban claim Panjshir", "RT")
    assert detect_source("MOSCOW, September 1. /TASS/. The Taliban ...") == "TASS"
    assert {m.outlet for m in SOURCE_MARKS} == {"RT", "TASS"}


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("bin.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("latin.txt", "caf\xe9 au lait".encode("latin-1"), "UTF-8"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n  ", "no text"),
        ("ads.txt", b"[ad_1]\n[ad_2]\nSource link\n", "no text"),
        ("bad name!.txt", b"text", "article ID"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A fine article.")
    got = list(read_paths([tmp_path]))
    assert [g.id for g in got if isinstance(g, Article)] == ["good"]
    (skip,) = [g for g in got if isinstance(g, Skipped)]
    assert reason in skip.reason and skip.path.endswith(name)


def test_hidden_and_unknown_files_are_ignored(tmp_path):
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "ok.md").write_text("# T\n\nBody.")
    assert [g.id for g in read_paths([tmp_path])] == ["ok"]


@pytest.mark.parametrize(
    "scraped, clean",
    [
        # The Hill's link cards: full name run into related headlines, then MORE.
        ("Fewer than 6,200 people attended President Trump Donald John TrumpLincoln Project "
         "launches new ad hitting Trump over rally turnout Bolton says he hopes history will "
         "remember Trump 'as a one-term president' MORE's campaign rally in Tulsa.",
         "Fewer than 6,200 people attended President Trump's campaign rally in Tulsa."),
        ("said Senate Majority Leader Mitch McConnell Addison (Mitch) Mitchell McConnellGOP "
         "senators balk at lengthy impeachment trial MORE (R-Ky.) on Monday.",
         "said Senate Majority Leader Mitch McConnell (R-Ky.) on Monday."),
        ("Justice Neil Gorsuch Neil GorsuchMcConnell protege emerges as Kentucky's next rising "
         "star MORE, a Trump appointee, wrote", "Justice Neil Gorsuch, a Trump appointee, wrote"),
        ("former Vice President Joe Biden Joe Biden Parnas: U.S. ambassador to Ukraine removed "
         "MORE, the front-runner", "former Vice President Joe Biden, the front-runner"),
        # Not cards: kept as written.
        ("We watched it on YouTube at McDonald's. LEARN MORE",
         "We watched it on YouTube at McDonald's. LEARN MORE"),
        ("MORE FROM John Nichols", "MORE FROM John Nichols"),
    ],
)
def test_inline_link_cards_are_removed(scraped, clean):
    assert remove_debris(scraped) == clean


def test_a_jsonl_record_loses_its_link_cards(tmp_path):
    rec = {"id": "hill-1", "title": "Rally", "text": "It was President Trump Donald John "
           "TrumpSessions says he still supports Trump MORE's effort to win."}
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps(rec) + "\n")
    (art,) = list(read_paths([f]))
    assert art.text == "It was President Trump's effort to win."
