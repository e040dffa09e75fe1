"""Sentence vectors made at ingest from the chunk embeddings' own forward pass, and what the
answer path does with sentences: the counter-claim of a quoted claim, and two tellings of one
sentence that give different values."""

from __future__ import annotations

import pytest

import numpy as np

from qa.domain import Article
from qa.index import sentences as table
from qa.text import differing_values, split_spans

from .conftest import SEED_IDS


def test_every_sentence_of_an_ingested_article_has_a_unit_vector(seed_service):
    for rec in seed_service.index.articles(SEED_IDS).values():
        assert rec.sentences is not None
        assert list(rec.sentences.spans) == split_spans(rec.article.text)
        norms = np.linalg.norm(rec.sentences.vectors, axis=1)
        assert np.allclose(norms, 1.0, atol=1e-2)


def test_a_pooled_sentence_vector_means_what_the_sentence_says(seed_service, embedder):
    rec = seed_service.index.article("003_b50cd088e71c6203")
    spans, vecs = rec.sentences.spans, rec.sentences.vectors
    alone = embedder[0].embed([rec.article.text[s:e] for s, e in spans])
    own = np.einsum("ij,ij->i", vecs, alone)
    # Each pooled vector is closer to its own sentence embedded alone than to most others.
    others = vecs @ alone.T
    better = [(own[i] >= np.sort(others[i])[-3]) for i in range(len(spans))]
    assert sum(better) / len(better) >= 0.8, own


def test_the_stored_form_round_trips_and_refuses_another_text(seed_service):
    rec = seed_service.index.article("000_e5d721c452f0de90")
    raw = table.encode(rec.sentences)
    back = table.decode(raw, len(rec.article.text))
    assert back.spans == rec.sentences.spans
    assert np.allclose(back.vectors, rec.sentences.vectors, atol=2e-2)
    assert table.decode(raw, 10) is None  # spans past the end: not this article's table
    assert table.decode("not json", 10) is None and table.decode(None, 10) is None


def test_a_quoted_claim_comes_with_its_denial_whatever_the_question(seed_service):
    # The question names no disagreement; Wasiq's claim of "an active presence in all
    # districts" is one that the resistance denies.
    ans = seed_service.ask("What did Ahmadullah Wasiq say?")
    assert not ans.abstained
    assert "Wasiq said" in ans.text
    quoted = [k for k in ans.contested if k.reason == "quoted"]
    assert quoted, ans.text
    k = quoted[0]
    stances = {c.stance for side in k.sides for c in side.claims}
    assert "asserts" in stances and stances & {"denies", "disputes"}
    assert any("National Resistance Front" in c.side for side in k.sides for c in side.claims)
    assert "denied" in ans.text or "disputed" in ans.text


def test_two_tellings_with_different_figures_are_a_contest_not_one_citation(make_service):
    svc = make_service()
    base = ("The regional health office said the flood in the Marrow valley had killed {n} people "
            "by Friday evening, and that rescue teams were still searching the river banks.")
    svc.ingest_items([
        Article(id="wire-a", title="Marrow valley flood", text=base.format(n="14") + " Roads were closed.",
                date="2023-05-05", source="Valley Post"),
        Article(id="wire-b", title="Flood toll rises", text=base.format(n="23") + " Schools shut.",
                date="2023-05-06", source="River Times"),
    ])
    ans = svc.ask("How many people did the Marrow valley flood kill?")
    assert not ans.abstained, ans.text
    # One contest (the claims module's figures and the answer's own two tellings are one
    # disagreement), each figure with its article and with who gives it.
    figures = [k for k in ans.contested if k.kind in ("values", "numbers")]
    assert len(figures) == 1, [k.topic for k in ans.contested]
    by_side = {s.position.split()[-1]: {c.article_id for c in s.claims} for s in figures[0].sides}
    assert by_side == {"14": {"wire-a"}, "23": {"wire-b"}}
    assert all("health office" in c.speaker for s in figures[0].sides for c in s.claims)
    assert ans.text.count("said 14 [wire-a]") == 1 and ans.text.count("said 23 [wire-b]") == 1
    # The two tellings are never cited as one statement.
    assert "[wire-a, wire-b]" not in ans.text and "[wire-b, wire-a]" not in ans.text


def test_two_tellings_weeks_apart_give_the_count_at_two_times(make_service):
    # The same toll in two articles six weeks apart: it grew, nobody disputes it.
    svc = make_service()
    base = ("The regional health office said the fever outbreak in the Marrow valley had killed "
            "{n} people, and that doctors were still treating patients in the river towns.")
    svc.ingest_items([
        Article(id="toll-a", title="Marrow valley fever", text=base.format(n="14"),
                date="2023-05-05", source="Valley Post"),
        Article(id="toll-b", title="Marrow valley fever toll", text=base.format(n="23"),
                date="2023-06-20", source="River Times"),
    ])
    ans = svc.ask("How many people has the Marrow valley fever outbreak killed?")
    assert not ans.abstained, ans.text
    assert {"toll-a", "toll-b"} & {c.article_id for c in ans.citations}, ans.text
    assert not [k for k in ans.contested if k.kind in ("values", "numbers")], ans.text


def test_a_line_that_is_mostly_a_link_is_never_quoted(make_service):
    # USA Today's "Read or Share this story: https://www.usatoday.com/story/.../fox-news-
    # apologizes-greta-thunberg-.../" was quoted as the answer's third sentence: page furniture.
    from .test_contests import _allsides

    svc = make_service()
    svc.ingest_items(_allsides(["abp-ap1fTl2gvuyHyDgp"]))
    ans = svc.ask("Did Fox News apologize to Greta Thunberg?")
    assert "apolog" in ans.text and "https://" not in ans.text, ans.text


def test_a_photo_caption_is_never_quoted(make_service):
    # The Courier-Journal's page carries "CLOSE Bianca Austin makes remarks during a vigil ..."
    # (the video player) and "Breonna Taylor (Photo: Christopher 2X)": both were quoted for
    # "What job did Breonna Taylor have?", which the article answers ("ER technician", "a
    # certified EMT"), as was its heading "Who was Breonna Taylor?".
    from .test_contests import _allsides

    svc = make_service()
    svc.ingest_items(_allsides(["abp-G2egibrPKVahffyh"]))
    ans = svc.ask("What job did Breonna Taylor have?")
    assert "(Photo:" not in ans.text and "CLOSE" not in ans.text, ans.text
    assert "EMT" in ans.text or "technician" in ans.text, ans.text
    assert "Who was Breonna Taylor?" not in ans.text, ans.text  # a heading answers nothing


def test_a_link_to_another_story_is_never_quoted(make_service):
    # The Guardian's page carries the headline of a related story ending in its link's label:
    # "Trump commutes sentence of Roger Stone, longtime friend and adviser Read more", quoted
    # as the third sentence of "Why was Roger Stone's sentence commuted?".
    from .test_contests import _allsides

    svc = make_service()
    svc.ingest_items(_allsides(["abp-GQtJGa6Jt9WQbd2h"]))
    ans = svc.ask("Why was Roger Stone's sentence commuted?")
    assert not ans.abstained and "Stone" in ans.text, ans.text
    assert "Read more" not in ans.text, ans.text


def test_a_limit_is_not_a_figure_that_differs_from_a_count_within_it(make_service):
    # "faces a maximum of 50 years" and "urged seven to nine years" answer one question in
    # two ways that agree: a limit holds every figure below it. A count outside it still differs.
    svc = make_service()
    svc.ingest_items([
        Article(id="cap-a", title="Harlan Voss verdict", date="2024-03-02", source="Daily Ledger",
                text="Harlan Voss was convicted of seven counts of fraud. In his case, Voss faces a "
                     "maximum of 50 years in a federal prison, the judge said."),
        Article(id="cap-b", title="Prosecutors ask for prison term for Voss", date="2024-03-09",
                source="Metro Wire",
                text="Prosecutors urged that Voss be sentenced to between seven and nine years in "
                     "prison for the fraud, according to the filing."),
    ])
    for question in ("How many years in prison does Harlan Voss face?",
                     "How long could Voss be in prison?"):
        ans = svc.ask(question)
        assert not ans.abstained, ans.text
        assert {"cap-a", "cap-b"} & {c.article_id for c in ans.citations}, ans.text
        assert not [k for k in ans.contested if k.kind == "values"], (question, ans.text)


def test_a_figure_is_read_with_the_limit_or_bound_written_before_it():
    from qa.claims.facts import value_range

    assert value_range("a maximum of 50") == (0.0, 50.0)
    assert value_range("no more than 12") == (0.0, 12.0)
    assert value_range("at most twenty") == (0.0, 20.0)
    assert value_range("at least 8") == (8.0, 16.0)
    assert value_range("50") == (50.0, 50.0)


def test_differing_values_reads_one_changed_value_only():
    def diff(a, b):
        d = differing_values(a, b)
        return d and (a[d[0][0]:d[0][1]], b[d[1][0]:d[1][1]])

    assert diff("The stadium was the home of Ankara's Gencler. It opened in 1930.",
                "The stadium was the home of Bursaspor. It opened in 1930.") == ("Ankara's Gencler", "Bursaspor")
    assert diff("Lafontaine (November 25, 1865 - July 25, 1920) was a farmer",
                "Lafontaine (March 15, 1870 - July 25, 1920) was a farmer") == (
        "November 25, 1865", "March 15, 1870")
    assert diff("The cat sat on the mat", "The dog sat on the mat") is None  # no value
    assert diff("Police said on Monday that 12 died", "Police said on Tuesday that 12 died") is None
    assert diff("President Joe Biden signed the bill", "Biden signed the bill") is None
    # One word in two typographies ("ABC's" / "ABC’s") is no other value.
    assert diff("to meet ABC's editorial standards, Robach said.",
                "to meet ABC’s editorial standards, Robach said.") is None
    assert diff("Trump said it was fine", "Biden said it was fine") is None  # who said it
    assert diff("A short line", "Another sentence about something else entirely here") is None
    # A copy that also fixes a typo further on still gives another value: the value is found.
    assert diff("The parish was founded in 1856, the present chuch building was completed in 1951.",
                "The parish was founded in 1900, the present church building was completed in 1951."
                ) == ("1856", "1900")


def test_two_years_in_sentences_about_different_things_are_no_contest(make_service):
    """"Founded in 1856" and "opened its doors in 1900" are two facts, not two outlets'
    answers to one question: the answer quotes both, each with its article, and claims no
    disagreement (on the dev suites every contest made between any two dates of the chosen
    sentences was false: the day Sanders lost primaries against the day he quit)."""
    svc = make_service()
    svc.ingest_items([
        Article(id="hist-a", title="Old mill", source="County Herald", date="2023-01-02",
                text="The Harwick paper mill was founded in 1856 by a family of printers. "
                     "It closed a century later."),
        Article(id="hist-b", title="Mill museum opens", source="City Times", date="2023-02-03",
                text="A museum now fills the Harwick paper mill, which opened its doors in 1900 "
                     "on the river bank. Visitors can see the old presses."),
    ])
    ans = svc.ask("When was the Harwick paper mill founded?")
    assert not ans.abstained, ans.text
    assert "founded in 1856 by a family of printers. [hist-a]" in ans.text
    assert not ans.contested, [k.topic for k in ans.contested]


OTHER_FIGURES = [
    # "19 points of impact" is no count of drones
    ([("raid-a", "Drone attack on refinery", "Gulf Daily", "2019-09-15",
       "Ten armed drones struck the Harlow refinery before dawn on Saturday, the company said."),
      ("raid-b", "Officials map the refinery attack", "Capital Post", "2019-09-16",
       "Officials said there were 19 points of impact at the Harlow refinery after the drones "
       "struck on Saturday.")],
     "How many drones struck the Harlow refinery?"),
    # both count people, but only one says what the question asks of them (attended)
    ([("rally-a", "Rally crowd smaller than expected", "Plains Post", "2020-06-21",
       "Fewer than 6,200 people attended the rally at the Harlow arena on Saturday, the fire "
       "department said."),
      ("rally-b", "Campaign touts online audience", "Capital Wire", "2020-06-22",
       "About 10.1 million people watched the Harlow arena rally online, the campaign said on "
       "Monday.")],
     "How many people attended the rally at the Harlow arena?"),
    # the figure nearest the noun counts it: "one man killed 22 people" counts 22, as the
    # other article does
    ([("shot-a", "Gunman kills 22 at Harlow store", "Plains Post", "2019-08-04",
       "A gunman killed 22 people at a Walmart store in Harlow on Saturday, police said."),
      ("shot-b", "Harlow store shooting suspect charged", "Capital Wire", "2019-08-05",
       "Police said one man killed 22 people at the Walmart store in Harlow on Saturday.")],
     "How many people were killed at the Walmart store in Harlow?"),
    # a count of another shooting, in an article whose title names the question's town
    ([("shot-c", "Gunman kills 22 at Harlow store", "Plains Post", "2019-08-04",
       "A gunman killed 22 people at a Walmart store in Harlow on Saturday, police said."),
      ("shot-d", "Harlow store shooting suspect indicted", "Capital Wire", "2019-08-06",
       "Weeks later, another gunman killed seven people in Midland and Odessa, Texas, police "
       "said.")],
     "How many people were killed in the Harlow shooting?"),
]


@pytest.mark.parametrize("articles,question", OTHER_FIGURES)
def test_figures_of_something_else_are_no_contest(make_service, articles, question):
    """For "how many X ...", figures are set against each other only when each counts X and
    says of it what the question does."""
    svc = make_service()
    svc.ingest_items([Article(id=i, title=t, source=src, date=d, text=text)
                      for i, t, src, d, text in articles])
    ans = svc.ask(question)
    assert not ans.abstained, ans.text
    assert not [k for k in ans.contested if k.kind == "values"], [k.topic for k in ans.contested]


def test_the_side_of_a_figure_contest_is_the_figure_that_counts_what_was_asked(make_service):
    """Each article's side is its figure for what the question counts ("31 states"), not the
    first of its figures as text ("4" of "4 million workers"), and "thirty-one" is 31."""
    svc = make_service()
    svc.ingest_items([
        Article(id="law-a", title="Ruling on workplace bias", source="County Herald",
                date="2020-06-16",
                text="About 4 million workers were affected, and in thirty-one states no state "
                     "law protected gay workers from being fired."),
        Article(id="law-b", title="What the ruling changes", source="City Times",
                date="2020-06-16",
                text="Before the ruling, 27 states had no state law protecting gay workers from "
                     "being fired, out of 50 states."),
    ])
    ans = svc.ask("In how many states did no state law protect gay workers from being fired?")
    assert not ans.abstained, ans.text
    values = [k for k in ans.contested if k.kind in ("values", "numbers")]
    assert values, ans.text
    assert {s.position.lower() for s in values[0].sides} == {"thirty-one", "27"}


def test_a_misspelt_or_shortened_name_is_read_as_the_articles_write_it():
    """A question's name that no candidate holds is matched to the candidates' own spelling,
    or to the name its acronym stands for; one that matches nothing stays missing."""
    from qa.answer.evidence import Candidate, as_written
    from qa.domain import ArticleRecord
    from qa.text import Lexicon

    lex = Lexicon()
    art = Article(id="a", text="x", title="Fighting in the Panjshir valley", date=None, source="s")
    recs = {"a": ArticleRecord(art, art.content_hash, 0, None)}
    cand = Candidate("a", 0, 60, "Ahmad Massoud leads the National Resistance Front of "
                     "Afghanistan near Charikar.", np.zeros(3, dtype=np.float32))
    got = as_written(lex.terms("Masood NRF Panjsher Charikr Kandahar"), [cand], recs, lex)
    assert got == {"massoud", "front", "panjshir", "charikar", lex.term("Kandahar")}


def test_a_misspelt_place_still_gets_its_answer(seed_service):
    ans = seed_service.ask("Tell me which province Charikr is the main city of.")
    assert "Parwan" in ans.text
    assert {c.article_id for c in ans.citations} & {"000_e5d721c452f0de90", "004_ccca31a72ddb13aa"}
