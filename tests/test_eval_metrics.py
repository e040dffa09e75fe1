"""Each eval metric on hand-made answers (the /api/ask JSON of real ``Answer`` values over the
seed articles), including answers that must fail."""

from __future__ import annotations

import pytest

from eval import contests as ct
from eval import metrics as m
from eval.scoring import score
from eval.suite import Case, Side
from qa.corpus import read_paths
from qa.domain import Answer, Citation, Claim, Contest, ContestSide
from tests.conftest import SEEDS

A0, A1, A2, A3, A4 = ("000_e5d721c452f0de90", "001_1534f80bc8e5ddb2", "002_dc1ae020b261a8f8",
                      "003_b50cd088e71c6203", "004_ccca31a72ddb13aa")
TALKS = ("The first direct talks between delegations from the National Resistance Front (NRF) "
         "and the Taliban radical movement were held in the city of Charikar (the capital of "
         "Parwan Province - TASS) last week.")
MUJAHID = ("“Panjshir Province is completely in the hands of the Islamic Emirate of Afghanistan,” "
           "Zabihullah Mujahid, a spokesperson for the militant group, said in a tweet on Monday, "
           "adding that some enemy fighters were killed in the fighting and others had fled.")
NAZARY = ("Ali Maisam Nazary, NRFA’s head of external relations, said that the Taliban’s claimed "
          "victory was wrong and the opposition forces continued to fight.")
DASHTI_KILLED = "NRFA said on Sunday that its main spokesperson, Fahim Dashti, had been killed in the fighting."
MASSOUD = ("It is led by Ahmad Massoud, a son of Ahmad Shah Massoud (1953-2001), a once influential "
           "leader of Afghanistan’s Tajik community who fought against the Taliban back in the "
           "1990s.")

TAKEN = (Side("Taliban", (A3, A4), ("Taliban", "Zabihullah Mujahid")),
         Side("resistance", (A3, A4), ("NRF", "resistance", "Ali Maisam Nazary")))


@pytest.fixture(scope="module")
def corpus():
    return {a.id: a for a in read_paths([SEEDS])}


def cite(corpus, aid: str, quote: str) -> Citation:
    start = corpus[aid].text.index(quote)
    return Citation(aid, quote, start, start + len(quote))


def claim(corpus, aid, quote, speaker, side, stance="asserts") -> Claim:
    start = corpus[aid].text.index(quote)
    return Claim(speaker=speaker, side=side, stance=stance, quote=quote, article_id=aid,
                 start=start, end=start + len(quote))


def taken_contest(corpus, nazary_speaker="Ali Maisam Nazary") -> Contest:
    return Contest("control of Panjshir", (
        ContestSide("The Taliban say Panjshir is theirs",
                    (claim(corpus, A3, MUJAHID, "Zabihullah Mujahid", "Taliban"),)),
        ContestSide("The resistance denies it",
                    (claim(corpus, A3, NAZARY, nazary_speaker, "National Resistance Front",
                           "denies"),)),
    ))


# --- citation validity ----------------------------------------------------------------------
def test_verbatim_quotes_at_their_offsets_are_valid(corpus):
    ans = Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),)).to_json()
    checked, problems = m.validity(ans, corpus)
    assert checked == 2 and problems == []


def test_a_quote_at_the_wrong_offsets_is_invalid(corpus):
    c = cite(corpus, A0, TALKS)
    bad = Citation(A0, TALKS, c.start + 1, c.end + 1)
    _, problems = m.validity(Answer(f"x [{A0}]", (bad,)).to_json(), corpus)
    assert [(p.what, p.article_id) for p in problems] == [("citation", A0)]
    assert "not the article text" in problems[0].why


def test_a_paraphrased_quote_is_invalid(corpus):
    c = cite(corpus, A0, TALKS)
    bad = Citation(A0, TALKS.replace("Charikar", "Kabul"), c.start, c.end)
    _, problems = m.validity(Answer(f"x [{A0}]", (bad,)).to_json(), corpus)
    assert len(problems) == 1


def test_a_cited_id_outside_the_corpus_is_invalid(corpus):
    ans = Answer("Something [999_not_an_article].",
                 (Citation("999_not_an_article", "Something", 0, 9),)).to_json()
    _, problems = m.validity(ans, corpus)
    assert {p.what for p in problems} == {"citation", "marker"}
    assert all(p.article_id == "999_not_an_article" for p in problems)


def test_a_marker_without_a_quote_is_invalid(corpus):
    ans = Answer(f"{TALKS} [{A0}] and [{A3}]", (cite(corpus, A0, TALKS),)).to_json()
    _, problems = m.validity(ans, corpus)
    assert [(p.what, p.article_id) for p in problems] == [("marker", A3)]


def test_offsets_outside_the_article_are_invalid(corpus):
    n = len(corpus[A1].text)
    ans = Answer(f"x [{A1}]", (Citation(A1, "x", n, n + 1),)).to_json()
    _, problems = m.validity(ans, corpus)
    assert "outside the article" in problems[0].why


def test_contest_claims_are_checked_too(corpus):
    good = taken_contest(corpus)
    side = good.sides[0]
    c = side.claims[0]
    shifted = Claim(c.speaker, c.side, c.stance, c.quote, c.article_id, c.start - 2, c.end - 2)
    bad = Contest(good.topic, (ContestSide(side.position, (shifted,)), good.sides[1]))
    _, problems = m.validity(Answer("x", contested=(bad,)).to_json(), corpus)
    assert [(p.what, p.article_id) for p in problems] == [("contest claim", A3)]


# --- citation recall and precision (ALCE) ------------------------------------------------------
def test_each_sentence_supported_by_its_own_citation(corpus):
    ans = Answer(f"{TALKS} [{A0}] {DASHTI_KILLED} [{A3}]",
                 (cite(corpus, A0, TALKS), cite(corpus, A3, DASHTI_KILLED))).to_json()
    s = m.alce(ans, corpus)
    assert [x.supported for x in s] == [True, True] and sum(x.precise for x in s) == 2


def test_a_sentence_citing_the_wrong_article_is_unsupported_and_imprecise(corpus):
    ans = Answer(f"Fahim Dashti was killed in the fighting. [{A0}]",
                 (cite(corpus, A0, TALKS),)).to_json()
    [s] = m.alce(ans, corpus)
    assert not s.supported and s.precise == 0 and s.cited == (A0,)


def test_an_uncited_sentence_at_the_end_is_unsupported(corpus):
    ans = Answer(f"{TALKS} [{A0}] Fahim Dashti was killed.", (cite(corpus, A0, TALKS),)).to_json()
    s = m.alce(ans, corpus)
    assert [x.supported for x in s] == [True, False]


def test_an_unneeded_extra_citation_costs_precision_not_recall(corpus):
    text = f"NRFA said its main spokesperson, Fahim Dashti, had been killed in the fighting. [{A3}, {A0}]"
    ans = Answer(text, (cite(corpus, A3, DASHTI_KILLED), cite(corpus, A0, TALKS))).to_json()
    [s] = m.alce(ans, corpus)
    assert s.supported and s.precise == 1 and len(s.cited) == 2


def test_two_citations_that_are_needed_together_are_both_precise(corpus):
    text = (f"Ahmad Massoud, a son of Ahmad Shah Massoud who fought the Taliban in the 1990s, "
            f"leads it, and its main spokesperson, Fahim Dashti, had been killed. [{A0}, {A3}]")
    ans = Answer(text, (cite(corpus, A0, MASSOUD), cite(corpus, A3, DASHTI_KILLED))).to_json()
    [s] = m.alce(ans, corpus)
    assert s.supported and s.precise == 2
    alone = Answer(text.replace(f"[{A0}, {A3}]", f"[{A3}]"),
                   (cite(corpus, A3, DASHTI_KILLED),)).to_json()
    assert not m.alce(alone, corpus)[0].supported


def test_a_context_sentence_takes_the_marker_that_closes_its_quote(corpus):
    quote = "The northern province of Panjshir is the only pocket of resistance to the Taliban. " + MASSOUD
    ans = Answer(f"{quote} [{A0}]", (cite(corpus, A0, quote),)).to_json()
    s = m.alce(ans, corpus)
    assert [(x.supported, x.inherited) for x in s] == [(True, True), (True, False)]


# --- contests -----------------------------------------------------------------------------------
def test_a_contest_with_both_sides_cited_is_found(corpus):
    ans = Answer(f"Mujahid said Panjshir is theirs; Nazary said this was wrong [{A3}].",
                 (cite(corpus, A3, MUJAHID),), contested=(taken_contest(corpus),)).to_json()
    match = ct.contest_match(TAKEN, ans)
    assert match.found and match.topic == "control of Panjshir"


def test_a_contest_missing_a_side_is_not_found(corpus):
    one_sided = Contest("control", (taken_contest(corpus).sides[0],
                                    ContestSide("other", (claim(corpus, A3, DASHTI_KILLED, "NRFA",
                                                                "Taliban"),))))
    ans = Answer(f"x [{A3}]", (cite(corpus, A3, MUJAHID),), contested=(one_sided,)).to_json()
    match = ct.contest_match(TAKEN, ans)
    assert not match.found and match.missing_sides == ("resistance",)


def test_both_expected_sides_in_one_contest_side_is_not_a_contest(corpus):
    # The service never makes a one-sided contest (the contract wants two sides or more); the
    # scorer must not count one either.
    k = Answer("", contested=(taken_contest(corpus),)).to_json()["contested"][0]
    merged = {**k, "sides": [{"position": "all",
                              "claims": k["sides"][0]["claims"] + k["sides"][1]["claims"]}]}
    ans = {**Answer(f"x [{A3}]", (cite(corpus, A3, MUJAHID),)).to_json(), "contested": [merged]}
    assert not ct.contest_match(TAKEN, ans).found


def test_a_contest_whose_sides_are_not_cited_is_not_found(corpus):
    ans = Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),),
                 contested=(taken_contest(corpus),)).to_json()
    match = ct.contest_match(TAKEN, ans)
    assert not match.found and set(match.uncited_sides) == {"Taliban", "resistance"}


def test_speakers_match_by_name_side_or_affiliation():
    c = {"speaker": "Zabihullah Mujahid", "side": "Taliban", "affiliation": None}
    assert ct.matches_speaker("Mujahid", c) and ct.matches_speaker("the Taliban", c)
    assert not ct.matches_speaker("Fahim Dashti", c)


def test_attribution_needs_a_speaker_other_than_the_outlet(corpus):
    assert ct.attributed({"speaker": "Zabihullah Mujahid", "article_id": A4}, corpus)
    assert not ct.attributed({"speaker": "RT", "article_id": A4}, corpus)
    assert not ct.attributed({"speaker": "", "article_id": A3}, corpus)


def test_a_contested_claim_in_the_narrators_voice_is_unhedged(corpus):
    contest = (taken_contest(corpus),)
    loud = Answer(f"Panjshir Province is completely in the hands of the Islamic Emirate of "
                  f"Afghanistan. [{A3}]", (cite(corpus, A3, MUJAHID),), contested=contest).to_json()
    quiet = Answer(f"Zabihullah Mujahid said Panjshir Province is completely in the hands of the "
                   f"Islamic Emirate of Afghanistan. [{A3}]", (cite(corpus, A3, MUJAHID),),
                   contested=contest).to_json()
    assert len(ct.unhedged(loud)) == 1
    assert ct.unhedged(quiet) == []


# --- cases ----------------------------------------------------------------------------------
TALKS_CASE = Case("talks", "fact", "Where were the first direct talks held?", answers=("Charikar",),
                  must_cite=(A0,))


def test_a_right_cited_fact_answer_passes(corpus):
    r = score(TALKS_CASE, Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),)).to_json(), corpus)
    assert r.passed and r.counts["correct"] == 1 and r.counts["cited_expected"] == 1


def test_a_wrong_fact_answer_fails(corpus):
    r = score(TALKS_CASE, Answer(f"{DASHTI_KILLED} [{A3}]",
                                 (cite(corpus, A3, DASHTI_KILLED),)).to_json(), corpus)
    assert not r.passed and r.counts["correct"] == 0
    assert "none of 'Charikar'" in r.why() and "cites none of" in r.why()


def test_a_right_answer_citing_the_wrong_article_fails(corpus):
    ans = Answer(f"The talks were held in Charikar. [{A3}]", (cite(corpus, A3, NAZARY),)).to_json()
    r = score(TALKS_CASE, ans, corpus)
    assert r.counts["correct"] == 1 and not r.passed and "cites expected article" in r.why()


def test_abstaining_on_an_answerable_case_fails(corpus):
    r = score(TALKS_CASE, Answer("The articles don't say.", abstained=True).to_json(), corpus)
    assert not r.passed and r.counts["abstained"] == 1 and r.counts["correct"] == 0


def test_an_abstain_case_passes_only_when_the_service_abstains(corpus):
    case = Case("pop", "abstain", "What is the population of Kabul?")
    assert score(case, Answer("The articles don't say.", abstained=True).to_json(), corpus).passed
    answered = score(case, Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),)).to_json(), corpus)
    assert not answered.passed and "do not answer" in answered.why()


def test_a_contested_case_passes_with_the_contest_and_hedged_text(corpus):
    case = Case("taken", "contested", "Did the Taliban take Panjshir?", sides=TAKEN)
    ans = Answer(f"Zabihullah Mujahid said Panjshir Province is completely in the hands of the "
                 f"Islamic Emirate of Afghanistan, but Nazary said the claimed victory was "
                 f"wrong. [{A3}]", (cite(corpus, A3, MUJAHID), cite(corpus, A3, NAZARY)),
                 contested=(taken_contest(corpus),)).to_json()
    r = score(case, ans, corpus)
    assert r.passed, r.why()
    assert r.counts["contest_found"] == 1 and r.counts["attributed_claims"] == 2


def test_a_contested_case_fails_without_a_contest_or_when_one_side_is_stated_as_fact(corpus):
    case = Case("taken", "contested", "Did the Taliban take Panjshir?", sides=TAKEN)
    flat = Answer(f"Panjshir Province is completely in the hands of the Islamic Emirate of "
                  f"Afghanistan. [{A3}]", (cite(corpus, A3, MUJAHID),))
    r = score(case, flat.to_json(), corpus)
    assert not r.passed and "reports no contest" in r.why()
    loud = Answer(flat.text, flat.citations, contested=(taken_contest(corpus),)).to_json()
    r = score(case, loud, corpus)
    assert not r.passed and "stated as fact" in r.why() and r.counts["unhedged"] == 1


def test_a_contest_on_a_fact_case_warns_and_counts_as_false(corpus):
    ans = Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),),
                 contested=(taken_contest(corpus),)).to_json()
    r = score(TALKS_CASE, ans, corpus)
    assert r.passed  # the answer is right; the contest is reported, not failed
    warn = [c for c in r.checks if c.name == "no false contest"][0]
    assert not warn.ok and not warn.required
    assert m.aggregate([r])["false_contest_rate"].value == 1.0


def test_all_answers_and_wrong_answers_follow_the_ramdocs_rule(corpus):
    case = Case("r", "fact", "Where is Harlow Ridge College?", all_answers=("Mendota", "Dunmore"),
                wrong_answers=("Castleton",))
    both = Answer("There are two: one in Mendota, one in Dunmore. One document claims it is in "
                  "Castleton.").to_json()
    assert score(case, both, corpus).counts["correct"] == 1
    one = Answer("It is in Mendota.").to_json()
    assert "missing 'Dunmore'" in score(case, one, corpus).why()
    wrong = Answer("It is in Mendota and Dunmore. It is in Castleton.").to_json()
    assert "states as fact 'Castleton'" in score(case, wrong, corpus).why()


def test_a_service_error_fails_the_case_and_counts(corpus):
    r = score(TALKS_CASE, None, corpus, error="HTTP 500 internal")
    assert not r.passed and r.why() == "error: HTTP 500 internal"
    assert m.aggregate([r])["errors"].value == 1


# --- a run --------------------------------------------------------------------------------------
def test_aggregate_adds_up_cases_by_kind(corpus):
    good = score(TALKS_CASE, Answer(f"{TALKS} [{A0}]", (cite(corpus, A0, TALKS),)).to_json(), corpus)
    bad = score(TALKS_CASE, Answer("The articles don't say.", abstained=True).to_json(), corpus)
    pop = score(Case("pop", "abstain", "Population of Kabul?"),
                Answer("The articles don't say.", abstained=True).to_json(), corpus)
    v = m.aggregate([good, bad, pop])
    assert v["answer_accuracy"].value == 0.5
    assert v["abstention_accuracy"].value == 1.0
    assert v["false_abstention_rate"].value == 0.5
    assert v["citation_validity"].value == 1.0
    assert v["contest_recall"].value is None  # no contested cases
    assert v["pass_rate"].numerator == 2


def test_thresholds_bound_each_metric_in_its_direction():
    vals = {"answer_accuracy": m.Value("answer_accuracy", 0.8, 8, 10),
            "false_contest_rate": m.Value("false_contest_rate", 0.3, 3, 10),
            "contest_recall": m.Value("contest_recall", None)}
    res = {t.metric: t.passed for t in m.check_thresholds(
        vals, {"answer_accuracy": 0.8, "false_contest_rate": 0.2, "contest_recall": 0.5})}
    assert res == {"answer_accuracy": True, "false_contest_rate": False, "contest_recall": False}


def test_claims_with_their_content_are_judged_by_the_claims_module(corpus):
    pytest.importorskip("qa.claims")
    contest = (taken_contest(corpus),)

    def with_content(ans: Answer) -> dict:
        j = ans.to_json()
        for side in j["contested"][0]["sides"]:
            for c in side["claims"]:
                c["content"] = ("Panjshir Province is completely in the hands of the Islamic "
                                "Emirate of Afghanistan" if c["speaker"] == "Zabihullah Mujahid"
                                else "the Taliban's claimed victory was wrong")
        return j

    loud = with_content(Answer(f"Panjshir Province is completely in the hands of the Islamic "
                               f"Emirate of Afghanistan. [{A3}]", contested=contest))
    quiet = with_content(Answer(f"Zabihullah Mujahid said Panjshir Province is completely in the "
                                f"hands of the Islamic Emirate of Afghanistan. [{A3}]",
                                contested=contest))
    assert len(ct.unhedged(loud)) == 1 and ct.unhedged(quiet) == []
