"""Contested points, end to end: the seeds in a real Chroma store, retrieval for a question,
then the contests the claims of the retrieved articles make; real cross-outlet contests from
the AllSides corpus; and points that must not be reported as contested."""

from __future__ import annotations

import json

import pytest

from qa.claims import describe, unhedged, with_vectors
from qa.claims.contests import contests_among
from qa.claims.extract import extract
from qa.claims.sides import unify
from qa.corpus import _record
from qa.domain import Article, Contest

from .conftest import shared_corpus

S000, S001, S002, S003, S004 = ("000_e5d721c452f0de90", "001_1534f80bc8e5ddb2",
                                "002_dc1ae020b261a8f8", "003_b50cd088e71c6203",
                                "004_ccca31a72ddb13aa")
NRF = "National Resistance Front"


def contests_for(service, question: str) -> list[Contest]:
    """The contests the answer to ``question`` shows."""
    return list(service.ask(question).contested)


def found_for(service, question: str) -> list[Contest]:
    """Every contest found among the claims of the articles retrieved for ``question``, the
    one the contest stage scores most relevant first (whether it is shown is the fitted
    gate's decision, measured by the eval suites)."""
    from qa.domain import Filters

    prep = service.pipeline().prepare(question, [], Filters())
    return [c.contest for c in sorted(prep.contest_candidates, key=lambda c: -c.p)]

def asked(service, question: str) -> list[Contest]:
    """The contests the answer shows as what the question is about (not those shown because
    it quotes one of their claims)."""
    return [c for c in contests_for(service, question) if c.reason == "asked"]


def one(contests: list[Contest], kind: str) -> Contest:
    """The most relevant contest of ``kind`` (``contests`` come most relevant first)."""
    found = [c for c in contests if c.kind == kind]
    assert found, [(c.kind, c.topic) for c in contests]
    return found[0]


def articles_of(side) -> set[str]:
    return {c.article_id for c in side.claims}


def speakers_by_side(contest: Contest) -> list[tuple[str, list[str]]]:
    return [(s.position, [c.speaker for c in s.claims]) for s in contest.sides]


def assert_exact_and_ordered(service, contest: Contest) -> None:
    """Every quote is the article's text at its offsets; each side runs in date order."""
    for side in contest.sides:
        for c in side.claims:
            art = service.article(c.article_id).article
            assert art.text[c.start:c.end] == c.quote
            assert c.date == art.date
        dates = [c.date or "9999" for c in side.claims]
        assert dates == sorted(dates)


# --- the seeds ---------------------------------------------------------------------------------

def test_control_of_panjshir_is_claimed_by_the_taliban_and_denied_by_the_resistance(seed_service):
    contest = contests_for(seed_service, "Did the Taliban take control of Panjshir?")[0]
    assert contest.kind == "denial"
    claimed, denied = contest.sides
    assert claimed.position == "claimed by the Taliban"
    assert denied.position == f"denied by the {NRF}"
    assert {c.side for c in claimed.claims} == {"Taliban"}
    assert {c.side for c in denied.claims} == {NRF}
    # All four articles that report the fight carry both sides.
    assert articles_of(claimed) >= {S000, S002, S003, S004}
    assert {c.article_id for c in denied.claims if c.stance != "asserts"} == {S000, S002, S003, S004}
    speakers = {c.speaker for c in claimed.claims}
    assert {"the Taliban", "Zabihullah Mujahid"} <= speakers
    assert {"Ali Maisam Nazary", "the local resistance"} <= {c.speaker for c in denied.claims}
    assert_exact_and_ordered(seed_service, contest)
    text = describe(contest)
    assert text.startswith("The Taliban ")
    assert f"the {NRF} denied it [" in text
    for aid in (S000, S002, S003, S004):
        assert aid in text


def test_the_reported_ceasefire_agreement_and_its_denial(seed_service):
    contests = contests_for(seed_service,
                            "Did the Taliban and the resistance agree to stop the fighting?")
    contest = next(c for c in contests if "agreement" in c.topic)
    claimed, denied = contest.sides
    assert claimed.position == "claimed by Geo TV" and articles_of(claimed) == {S001}
    assert denied.position == f"denied by the {NRF}"
    assert articles_of(denied) == {S000, S001}
    assert any(c.stance == "denies" and c.verb == "refuted" for c in denied.claims)
    assert any("only being negotiated" in c.quote and c.speaker == "Fahim Dashti" for c in denied.claims)
    assert_exact_and_ordered(seed_service, contest)


def test_the_date_ghani_fled_differs(seed_service):
    contest = one(contests_for(seed_service, "When did Ashraf Ghani flee Afghanistan?"), "dates")
    assert contest.topic == "when Ashraf Ghani fled the country"
    by_day = {s.position: articles_of(s) for s in contest.sides}
    assert by_day == {"August 14": {S004}, "August 15": {S000, S001, S003}}
    assert all(not c.attributed for s in contest.sides for c in s.claims)  # the outlets' own voice
    assert "August 14" in contest.sides[0].claims[0].quote
    assert_exact_and_ordered(seed_service, contest)
    assert describe(contest) == (
        "The articles differ on when Ashraf Ghani fled the country: RT says August 14 "
        f"[{S004}]; TASS and one report said August 15 [{S001}, {S000}, {S003}].")


def test_casualty_figures_differ(seed_service):
    contest = one(contests_for(seed_service, "How many Taliban fighters were killed in Panjshir?"),
                  "numbers")
    by_figure = {s.position: articles_of(s) for s in contest.sides}
    assert by_figure["at least eight"] == {S004}
    assert by_figure["dozens"] == {S000}
    assert by_figure["at least a thousand"] == {S002}
    thousand = next(s for s in contest.sides if s.position == "at least a thousand")
    assert {c.numbers for c in thousand.claims} == {("at least a thousand",), ("over 1,000",)}
    assert [s.position for s in contest.sides] == ["at least eight", "dozens", "at least a thousand"]
    # Every figure counts fighters killed: the topic says so in the plainest words one uses.
    assert contest.topic == "how many Taliban fighters were killed"
    assert_exact_and_ordered(seed_service, contest)


@pytest.mark.parametrize("question", [
    "Who leads the resistance in Panjshir?",
    "When did Ahmad Shah Massoud live?",
    "Who is Amrullah Saleh?",
    "What is the weather in Paris?",
])
def test_uncontested_points_have_no_contest(seed_service, question):
    assert asked(seed_service, question) == []


def test_an_answer_stating_one_side_is_flagged(seed_service):
    contests = contests_for(seed_service, "Did the Taliban take control of Panjshir?")
    answer = (f"The Taliban have taken control of all districts in Panjshir province [{S002}]. "
              f"The Taliban said they have taken control of all districts in Panjshir [{S002}], "
              f"which the resistance denied [{S000}].")
    assert unhedged(answer, contests) == [
        f"The Taliban have taken control of all districts in Panjshir province [{S002}]."]


# --- points that are not contested ---------------------------------------------------------------

def _contests(embedder, english, *texts: tuple[str, str, str]) -> list[Contest]:
    recs = []
    for i, (source, date, text) in enumerate(texts):
        art = Article(id=f"t{i}", text=text, title=text[:40], date=date, source=source)
        recs += with_vectors(extract(art, english), embedder[0])
    return contests_among(unify(recs))


def test_two_articles_agreeing_in_different_words_are_no_contest(embedder, english):
    assert _contests(
        embedder, english,
        ("Wire A", "2021-09-06", "The Taliban said on Monday that they had captured Bazarak, the "
                                 "provincial capital of Panjshir. Fighting killed 40 people, "
                                 "officials said."),
        ("Wire B", "2021-09-06", "Taliban spokesman Zabihullah Mujahid said the group's fighters had "
                                 "taken control of Bazarak, the capital of Panjshir province. "
                                 "Forty people were killed in the fighting, according to officials."),
    ) == []


def test_a_claim_quoted_then_confirmed_is_no_contest(embedder, english):
    assert _contests(
        embedder, english,
        ("Wire A", "2021-09-06", "The Taliban claimed on Monday that they had seized the town of "
                                 "Rukha. Resistance commanders later confirmed that the Taliban "
                                 "had seized Rukha."),
        ("Wire B", "2021-09-07", "Police said 12 people were arrested. The mayor later confirmed "
                                 "that 12 people had been arrested."),
    ) == []


def test_counts_of_two_shootings_named_in_one_sentence_are_no_contest(embedder, english):
    """A sentence that mentions an earlier event's place ("after the shooting in Texas") gives
    its figure for the place nearest to it (Dayton): it does not contradict El Paso's count."""
    assert [k for k in _contests(
        embedder, english,
        ("Wire A", "2019-08-05", "Less than 24 hours after the shooting in Texas, a masked gunman "
                                 "began shooting in a nightlife district of Dayton, Ohio, killing "
                                 "nine people."),
        ("Wire B", "2019-08-05", "In El Paso, Texas, a gunman opened fire in a crowded store, "
                                 "killing 22 people, police said."),
    ) if k.kind == "numbers"] == []


def test_a_written_denial_and_differing_figures_are_contests(embedder, english):
    found = _contests(
        embedder, english,
        ("Union Press", "2024-03-05", "Maria Lopez, a spokeswoman for the Workers Union, said "
                                      "Acme Corp had cut wages by 10 percent. According to the "
                                      "union, 300 workers walked out on Monday."),
        ("Business Daily", "2024-03-05", "Acme Corp on Tuesday rejected claims by the Workers Union "
                                         "that the company had cut wages. The company said only "
                                         "120 workers walked out on Monday."),
    )
    denial = one(found, "denial")
    assert [s.position for s in denial.sides] == ["claimed by the Workers Union", "denied by Acme Corp"]
    numbers = one(found, "numbers")
    assert {s.position: articles_of(s) for s in numbers.sides} == {"only 120": {"t1"}, "300": {"t0"}}


def test_a_toll_reported_weeks_apart_is_an_update_not_a_contest(embedder, english):
    def figures(later: str) -> list[Contest]:
        return [k for k in _contests(
            embedder, english,
            ("Health Wire", "2019-09-09", "The health agency has said five people across the "
                                          "country have died of the lung illness."),
            ("Metro Daily", later, "The health agency said 34 people across the country have "
                                   "died of the lung illness."),
        ) if k.kind == "numbers"]

    assert figures("2019-10-23") == []  # six weeks later: the toll grew
    [k] = figures("2019-09-11")  # two days later: the counts disagree
    assert sorted(s.position for s in k.sides) == ["34", "five"]


def test_a_claim_and_its_rebuttal_in_one_sentence_are_a_contest(embedder, english):
    found = _contests(
        embedder, english,
        ("Daily Test", "2024-05-01", "Democratic council members said the city had not provided "
                                     "evidence to back up Mayor Dana Ortiz's assertion that the "
                                     "bridge was safe."),
        ("Daily Test", "2024-05-02", "Acme Corp said the strike had cost the company $2 million, "
                                     "though the Workers Union has rejected that claim."),
    )
    by_topic = {k.topic: [s.position for s in k.sides] for k in found if k.kind == "denial"}
    assert by_topic == {
        "the bridge was safe": ["claimed by Dana Ortiz", "denied by Democratic council members"],
        "the strike had cost the company $2 million": ["claimed by Acme Corp",
                                                       "denied by the Workers Union"],
    }
    bridge = next(k for k in found if k.topic == "the bridge was safe")
    # An adjective is no subject: the side is named by its speakers, and it disputed the claim.
    assert describe(bridge) == ("Dana Ortiz said the bridge was safe [t0]; Democratic council "
                                "members disputed it [t0].")


def test_a_negation_about_another_matter_is_no_denial(embedder, english):
    # One senator's "he does not have any involvement in my investment decisions" shares the
    # adviser and the stock with another's account of his own trades, and denies nothing of it.
    assert _contests(
        embedder, english,
        ("Capitol Daily", "2020-03-20",
         "The senator also said he asked his financial adviser in December 2018 to reverse a "
         "purchase of stock in Raytheon, a defense contractor. Inhofe added that he does not "
         "have any involvement in his investment decisions and instructed his financial adviser "
         "to sell his individual stocks."),
    ) == []


def test_a_denial_by_pronoun_answers_a_claim_told_before_it(embedder, english):
    found = _contests(
        embedder, english,
        ("Metro Wire", "2024-06-02",
         "Officials at the port said the cargo had been seized by customs agents on Sunday. "
         "The shipping company denied those reports. Analysts noted that trade volumes had "
         "fallen by a third since the spring."),
    )
    denial = one(found, "denial")
    claimed = next(s for s in denial.sides if s.position.startswith("claimed"))
    assert all("cargo" in c.quote for c in claimed.claims)  # not the analysts' later figure


def test_a_report_called_nonsense_is_denied_by_whoever_called_it(embedder, english):
    """"Russia called the report nonsense" answers the report its article told just before."""
    k = one(_contests(
        embedder, english,
        ("Wire", "2020-06-28", "The New York Times reported that a Russian military intelligence "
                               "unit offered bounties to Taliban militants for killing American "
                               "soldiers. Russia called the report \u201cnonsense.\u201d"),
    ), "denial")
    assert speakers_by_side(k) == [
        ("claimed by the New York Times", ["the New York Times"]), ("denied by Russia", ["Russia"])]


def test_a_denial_of_what_a_report_made_known_answers_it(embedder, english):
    """"The Times reported the existence of the program" claims it exists; "Russia denied the
    existence of the program" answers it: the definite description names what the article
    told before it. "The company reported record sales" and a denial of "the report about the
    merger" in another article are no contest."""
    k = one(_contests(
        embedder, english,
        ("Wire", "2020-06-29", "The New York Times first reported the existence of the bounty "
                               "program on Friday evening. Russia has denied the existence of "
                               "the program."),
    ), "denial")
    assert speakers_by_side(k) == [
        ("claimed by the New York Times", ["the New York Times"]), ("denied by Russia", ["Russia"])]
    assert not _contests(
        embedder, english,
        ("Wire", "2020-06-29", "Acme Corp reported record sales of its new phone in June."),
        ("Post", "2020-06-30", "Globex denied the existence of the merger talks."),
    )


def test_a_count_added_to_another_is_no_differing_figure(embedder, english):
    """"Two officers and one sergeant entered" adds up to three who entered: no figure contest
    with "three officers entered" (the Courier-Journal's lawsuit account and its own)."""
    found = _contests(
        embedder, english,
        ("Courier", "2020-05-12", "Two officers and one sergeant entered the home without knocking, "
                                  "the lawsuit claims, according to the family's attorney."),
        ("Metro", "2020-05-13", "Three officers entered the home after midnight, police said."),
    )
    assert not [k for k in found if k.kind in ("numbers", "values")], [k.topic for k in found]


def test_disagreeing_with_his_allegations_disputes_them(embedder, english):
    """"HHS says it strongly disagrees with his allegations" answers the claim of the person
    just quoted; disagreeing with a decision disputes no claim."""
    k = one(_contests(
        embedder, english,
        ("Wire", "2020-05-05", "Rick Bright said he was removed from his post for resisting the "
                               "push for the drug. HHS says it strongly disagrees with his "
                               "allegations."),
    ), "denial")
    assert speakers_by_side(k) == [
        ("claimed by Rick Bright", ["Rick Bright"]), ("denied by HHS", ["HHS"])]
    assert not _contests(
        embedder, english,
        ("Wire", "2020-05-05", "The mayor said the curfew would start at 8 p.m. Several council "
                               "members said they disagreed with the decision."),
    )


def test_there_was_none_of_it_answers_there_was_one(embedder, english):
    """"There was no quid pro quo" answers "there was a quid pro quo" (the noun it says
    there was none of); "no member of the Taliban should set foot there" says nothing against
    what the Taliban said (the noun after "no" is "member", and the Taliban are a side)."""
    k = one(_contests(
        embedder, english,
        ("Hill", "2019-11-20", "Gordon Sondland testified Wednesday that there was a quid pro quo "
                               "between Ukraine opening investigations and a White House meeting."),
        ("Wire", "2019-11-20", "President Donald Trump said there was no quid pro quo in his "
                               "dealings with Ukraine."),
    ), "denial")
    assert speakers_by_side(k) == [("claimed by Gordon Sondland", ["Gordon Sondland"]),
                                   ("denied by Donald Trump", ["Donald Trump"])]
    assert not _contests(
        embedder, english,
        ("Guardian", "2019-09-09", "The Taliban would continue their jihad against foreign "
                                   "occupation, the statement said."),
        ("USA Today", "2019-09-09", "\u201cNo member of the Taliban should set foot there,\u201d "
                                    "Liz Cheney said."),
    )


def test_an_accusation_and_its_denial_are_a_contest(embedder, english):
    """"Three women accused Sondland of unwanted touching" is the women's claim; "Sondland
    denies the allegations" answers it."""
    k = one(_contests(
        embedder, english,
        ("ProPublica", "2019-11-27", "Three women accused Gordon Sondland of unwanted touching and "
                                     "kissing. Sondland denies the allegations."),
    ), "denial")
    assert k.topic == "unwanted touching and kissing"
    assert speakers_by_side(k) == [("claimed by women", ["women"]), ("denied by Sondland", ["Sondland"])]


def test_a_side_denies_what_another_article_says_of_it(embedder, english):
    """A denial that names no claim ("denied any involvement") answers an assertion of
    another side that names the denier, from any article; not one that does not name it, however
    alike the two read."""
    denial = "Iran's President Hassan Rouhani denied any involvement in the strikes on the Saudi oil facilities."
    found = _contests(
        embedder, english,
        ("Gulf Wire", "2019-09-16", "U.S. Secretary of State Mike Pompeo said Iran had launched the "
                                    "drone attack on the Saudi oil plants."),
        ("Tehran Times", "2019-09-16", denial),
    )
    k = one(found, "denial")
    assert [(s.position, articles_of(s)) for s in k.sides] == [
        ("claimed by Mike Pompeo", {"t0"}), ("denied by Hassan Rouhani", {"t1"})]
    assert _contests(
        embedder, english,
        ("Gulf Wire", "2019-09-16", "U.S. Secretary of State Mike Pompeo said the drone attack on "
                                    "the Saudi oil plants had cut output by half."),
        ("Tehran Times", "2019-09-16", denial),
    ) == []


def test_a_denial_about_someone_answers_what_is_alleged_of_them(embedder, english):
    """"Palace officials denied that Prince Andrew had ever met her": Andrew made no claim, so
    the denial is about him, and answers the allegation that names him in another article."""
    found = _contests(
        embedder, english,
        ("Daily Wire", "2019-11-05", "Carla Mendes alleged that Prince Andrew had met her in London "
                                     "when she was seventeen."),
        ("Evening Post", "2019-11-06", "Buckingham Palace officials denied that Prince Andrew had "
                                       "ever met Mendes."),
    )
    k = one(found, "denial")
    assert [(s.position, articles_of(s)) for s in k.sides] == [
        ("claimed by Carla Mendes", {"t0"}), ("denied by Buckingham Palace", {"t1"})]


# --- real cross-outlet contests (AllSides, 2019-2020) --------------------------------------------

def _allsides(ids: list[str]) -> list[Article]:
    wanted, out = set(ids), {}
    with shared_corpus("allsides-baly2020").open(encoding="utf-8") as f:
        for line in f:
            if any(i in line[:60] for i in wanted):
                rec = json.loads(line)
                if rec["id"] in wanted:
                    out[rec["id"]] = _record(rec, set())
    assert set(out) == wanted
    return [out[i] for i in ids]


TULSA = ["abp-3JVWxj2byhpVg1uM", "abp-egyQ7UPYlvuNRhLw", "abp-cKtRbSesHPBaEPSe"]


def test_tulsa_rally_attendance_differs_across_outlets(make_service):
    svc = make_service()
    assert svc.ingest_items(_allsides(TULSA)).added == 3
    contest = one(contests_for(svc, "How many people attended Trump's rally in Tulsa?"), "numbers")
    assert contest.topic == "how many people attended"
    by_figure = {s.position: articles_of(s) for s in contest.sides}
    # The Hill and Yahoo (the Tulsa fire department's count) against the campaign's count, given
    # by The Epoch Times as "some 12,000 attended" and by The Hill as a campaign official's
    # "12,000 people went through metal detectors" (the same figure in other words).
    assert by_figure == {"fewer than 6,200": {TULSA[0], TULSA[2]},
                         "some 12,000": {TULSA[0], TULSA[1]}}
    assert "the Tulsa Fire Department" in {c.speaker for c in contest.sides[0].claims}
    assert {c.speaker for c in contest.sides[1].claims} == {"a Trump campaign official",
                                                          "The Epoch Times"}
    # Said by whom it was said: the campaign's official, not "Trump".
    assert "a Trump campaign official and The Epoch Times said some 12,000" in describe(contest)
    assert_exact_and_ordered(svc, contest)


PLANE = ["abp-5mBezNnq3KHi89pu", "abp-FwF2c1Ql7OIi7Rnu", "abp-M4oedI6uXS0zB9dG"]


def test_downing_of_the_ukrainian_airliner_claimed_by_us_officials_denied_by_iran(make_service):
    svc = make_service()
    assert svc.ingest_items(_allsides(PLANE)).added == 3
    contest = one(found_for(svc, "Did an Iranian missile shoot down the Ukrainian plane?"), "denial")
    claimed, denied = contest.sides
    # Business Insider and AP report US officials; AP reports Iran's denial. (The Guardian's
    # "no parts of a missile were found", a denial by negation, joined Iran's side before the
    # contest grew by anaphoric denials; it no longer does.)
    assert claimed.position == "claimed by the US" and articles_of(claimed) == {PLANE[0], PLANE[1]}
    assert denied.position == "denied by Iran" and PLANE[1] in articles_of(denied)
    assert any(c.verb == "denied" and "Western allegations" in c.quote for c in denied.claims)
    assert "missile" in contest.topic
    assert_exact_and_ordered(svc, contest)
    text = describe(contest)
    assert text.startswith("The US said ") and "shot down" in text and "; Iran denied it [" in text


BOUNTY = ["abp-LV5Or2FHAFRoCVju", "abp-pNz5soGw8V1UKvYf", "abp-SjlA8JS216xvGbyY"]


def test_trump_denies_the_briefing_the_times_reported(make_service):
    svc = make_service()
    assert svc.ingest_items(_allsides(BOUNTY)).added == 3
    contest = one(contests_for(svc, "Was Trump briefed on the Russian bounties?"), "denial")
    claimed = {s.position: articles_of(s) for s in contest.sides if s.position.startswith("claimed")}
    denied = {s.position: articles_of(s) for s in contest.sides if s.position.startswith("denied")}
    # The New York Times reports the written briefing; Newsmax reports Trump's denial.
    assert claimed["claimed by the Times"] == {BOUNTY[0]}
    assert denied == {"denied by Trump": {BOUNTY[1]}}
    trump = next(s for s in contest.sides if s.position == "denied by Trump").claims
    assert [(c.speaker, c.stance, c.verb) for c in trump] == [("Donald Trump", "denies", "denied")]
    assert_exact_and_ordered(svc, contest)


SOLEIMANI = ["abp-ONs61Y8znqRh8cQs", "abp-G6S4Ec8CLba5NBSw"]


def test_lawmakers_dispute_the_imminent_threat_trump_asserted(make_service):
    svc = make_service()
    assert svc.ingest_items(_allsides(SOLEIMANI)).added == 2
    contest = one(contests_for(svc, "Did Soleimani pose an imminent threat to Americans?"), "denial")
    claimed = [s for s in contest.sides if s.position.startswith("claimed")]
    denied = [s for s in contest.sides if s.position.startswith("denied")]
    # Reuters: Democratic lawmakers (and some Republicans) said no evidence was shown to back up
    # Trump's assertion that Soleimani posed an "imminent" threat.
    assert "imminent" in contest.topic and "Soleimani" in contest.topic
    assert any(c.speaker.endswith("Donald Trump") and c.verb == "assertion"
               for s in claimed for c in s.claims)
    assert [[(c.speaker, c.stance) for c in s.claims] for s in denied] == [
        [("U.S. Democratic lawmakers", "disputes")]]
    assert articles_of(denied[0]) == {SOLEIMANI[0]}
    text = describe(contest)
    assert "U.S. Democratic lawmakers disputed it [abp-ONs61Y8znqRh8cQs]" in text
    assert text.startswith("The U.S. said Soleimani had posed")
    assert_exact_and_ordered(svc, contest)


BAGHDADI = ["abp-eKaHLsRcFxOplogq", "abp-JbW9TxwpjP38Qdgo", "abp-pTgQjpamyuG6XxVE"]


def test_trump_says_three_children_died_with_baghdadi_mckenzie_says_two(make_service):
    svc = make_service()
    assert svc.ingest_items(_allsides(BAGHDADI)).added == 3
    contest = one(contests_for(svc, "How many children died with Baghdadi when he detonated his vest?"),
                  "numbers")
    by_figure = {s.position: s for s in contest.sides}
    assert set(by_figure) == {"two", "three"}
    # USA TODAY quotes the general; CNN reports Trump (its scraped text broke that sentence in
    # two paragraphs, which the reader joins), National Review states it in its own voice.
    assert {(c.speaker, c.article_id) for c in by_figure["two"].claims} == {
        ("Marine Gen. Kenneth McKenzie", BAGHDADI[1])}
    assert ("Trump", BAGHDADI[0]) in {(c.speaker, c.article_id) for c in by_figure["three"].claims}
    assert articles_of(by_figure["three"]) == {BAGHDADI[0], BAGHDADI[2]}
    # Each article names the event differently (dragged, crawled, bringing): the topic is the
    # count itself, not one article's verbs.
    assert contest.topic == "the number of children"
    assert describe(contest).startswith("The articles differ on the number of children: ")
    assert_exact_and_ordered(svc, contest)


def test_a_count_of_the_killed_is_not_a_count_of_the_wounded(embedder, english):
    """"Killed at least 16 people and wounded more than 100": 16 were killed, not wounded, so
    another outlet's "42 people were wounded" is no other count of them."""
    assert [k for k in _contests(
        embedder, english,
        ("Wire A", "2019-09-05", "The attack on the compound killed at least 16 people and "
                                 "wounded more than 100, officials said."),
        ("Wire B", "2019-09-05", "Another 42 people were wounded in the attack on the compound, "
                                 "a ministry spokesman said."),
    ) if k.kind == "numbers" and any("16" in s.position for s in k.sides)] == []


def test_figures_joined_only_through_a_third_are_two_events(embedder, english):
    """One report gives two death tolls (two attacks); a second outlet's toll pairs with each.
    Figures one speaker gives in one article for different things are not one count told two
    ways, so the three are no contest; the second outlet against one of them alone is."""
    three = _contests(
        embedder, english,
        ("Daily Wire", "2019-09-05", "A car bombing outside a military base killed four civilians "
                                     "on Thursday. Earlier, a Taliban attack on a foreign compound "
                                     "killed at least 16 civilians."),
        ("Other Wire", "2019-09-06", "The Taliban said the bombing killed twelve civilians."),
    )
    assert [k for k in three if k.kind == "numbers" and len(k.sides) > 2] == []
    two = _contests(
        embedder, english,
        ("Daily Wire", "2019-09-05", "A car bombing outside a military base killed four civilians "
                                     "on Thursday."),
        ("Other Wire", "2019-09-06", "The Taliban said the bombing killed twelve civilians."),
    )
    assert len([k for k in two if k.kind == "numbers"]) == 1


def test_a_weekday_dates_what_was_counted_not_the_report():
    """"Killed 16 on Monday" in an article of Thursday 5 September 2019 is 2 September; "Trump
    said Sunday that three died" dates the saying, not the deaths."""
    from qa.claims.facts import quantities
    from qa.claims.nlp import _load
    from qa.claims.speakers import ArticleContext

    nlp = _load()

    def dated(text):
        doc = nlp(text)
        return [(q.text, q.date) for q in quantities(list(doc), ArticleContext([doc]), "2019-09-05")]

    assert dated("The attack on Monday killed 16 people.") == [("16", "2019-09-02")]
    assert dated("Trump said Sunday that three children died.") == [("three", "")]
    assert dated("The vote next Monday will seat 12 judges.") in ([], [("12", "")])



BOLTON = ["abp-3pJ1oj3qTYu8GusK", "abp-JG3k2Bk0Ec1B9Sji", "abp-jdGFFO0dNLUCxb3Y", "abp-kd4nNEBD7O90ZFK7",
          "abp-aM33QCpdG0aDN52v", "abp-Tf8o89OwthVZO7C9"]


def test_an_answer_restating_a_contested_claim_shows_its_contest(make_service):
    """The answer quotes Trump's side on Bolton's exit from other articles; the contest (Trump's
    account vs Bolton's) is built from the Daily Beast's. Restating a contested claim brings its
    counter-claim, as quoting it does."""
    svc = make_service()
    assert svc.ingest_items(_allsides(BOLTON)).added == 6
    question = "What reason did Trump give for pushing out John Bolton?"
    from qa.domain import Filters

    prep = svc.pipeline().prepare(question, [], Filters())
    cand = next(c for c in prep.contest_candidates if c.contest.kind == "denial"
                and {s.position for s in c.contest.sides} == {"claimed by Trump", "denied by Bolton"})
    # The answer's own sentences are none of the contest's claims: it restates them.
    members = [c for s in cand.contest.sides for c in s.claims]
    chosen = [k for c in prep.selection.chosen for k in [c, *c.also]]
    assert not any(k.article_id == m.article_id and k.start < m.end and m.start < k.end
                   for k in chosen for m in members)
    assert cand.cited
    contest = one(list(svc.ask(question).contested), "denial")
    assert contest.reason == "quoted" and articles_of(contest.sides[0]) == {BOLTON[0]}


def test_a_restated_claim_is_matched_only_when_each_claim_has_its_vector():
    """A date contest keeps a vector per event label that has one: when some have none, its
    vectors are not one per claim, and are not set against the answer's sentences (they were
    read by position, past the end); with one per claim, a close sentence of the same side
    restates its claim, a far one does not."""
    import numpy as np

    from qa.answer.contests import _restated
    from qa.claims import Found
    from qa.domain import Claim, ContestSide

    def claim(side: str, start: int) -> Claim:
        return Claim(speaker=side, side=side, stance="asserts", quote="q", article_id="a",
                     start=start, end=start + 1)

    v = np.array([1.0, 0.0], dtype=np.float32)
    said = [claim("RT", 0), claim("TASS", 5)]
    contest = Contest(topic="when it fell", sides=(ContestSide("August 14", (said[0],)),
                                                   ContestSide("August 15", (said[1],))), kind="dates")
    quoting = [(v, claim("TASS", 9))]
    assert _restated(Found(contest, v, np.stack([v]), tuple(said)), quoting) is False
    assert _restated(Found(contest, v, np.stack([v, v]), tuple(said)), quoting) is True
    assert _restated(Found(contest, v, np.stack([v, v]), tuple(said)), [(-v, claim("TASS", 9))]) is False


def test_a_negation_does_not_answer_a_negated_assertion(embedder, english):
    """A denial by negation answers the same proposition stated without one ("Trump should not
    be impeached" / "the president must be impeached"), not a claim that negates too: "you
    want to make sure you don't do something ... precipitously" agrees with "you don't want to
    do something precipitously"."""
    assert not _contests(
        embedder, english,
        ("Politico", "2020-04-10", "\u201cYou don't want to do something precipitously,\u201d Fauci said."),
        ("CNN", "2020-04-10", "\u201cYou want to make sure you don't do something prematurely and "
                              "precipitously,\u201d Hahn told Tapper."),
    )
    k = one(_contests(
        embedder, english,
        ("Hill", "2019-12-04", "Law professor Jonathan Turley argues that Donald Trump should not "
                               "be impeached for using the courts."),
        ("Wire", "2019-12-04", "\u201cThe president must be impeached to safeguard our elections,\u201d "
                               "Nadler said."),
    ), "denial")
    assert speakers_by_side(k) == [("claimed by Nadler", ["Nadler"]),
                                   ("denied by Jonathan Turley", ["Jonathan Turley"])]


def test_a_speaker_does_not_answer_their_own_claim(embedder, english):
    """Two labels the sides keep apart ("U.K. Prime Minister Boris Johnson", "Boris Johnson")
    are still one person: no contest between what he says in two articles."""
    assert not _contests(
        embedder, english,
        ("Bloomberg", "2019-09-03", "U.K. Prime Minister Boris Johnson told lawmakers that he wants "
                                    "to get on with an election."),
        ("Reuters", "2019-09-04", "\u201cI don't want an election,\u201d Boris Johnson said after the vote."),
    )


def test_a_denied_allegation_is_the_claim_made_by_alleging(embedder, english):
    """"Denied Reade's allegation" answers what she alleged against Biden, not the last thing
    she said before it ("I miss her voice")."""
    k = one(_contests(
        embedder, english,
        ("CNN", "2020-05-01", "Tara Reade has accused Joe Biden of sexually assaulting her in a "
                              "Senate hallway in 1993. Reade said she told her mother about it at "
                              "the time. \u201cI miss her voice,\u201d Reade said of her mother, who "
                              "died in 2016. Kate Bedingfield, Biden's deputy campaign manager, "
                              "denied Reade's allegation, calling it untrue."),
    ), "denial")
    [claimed] = [s for s in k.sides if s.position.startswith("claimed")]
    assert [c.quote[:27] for c in claimed.claims] == ["Tara Reade has accused Joe "]


def test_a_quoted_claim_brings_its_counter_claim_from_an_article_not_retrieved(make_settings,
                                                                               make_service):
    """The answer quotes the AP's account of the briefing; Trump's denial stands in Newsmax's
    article, which retrieval (two chunks) does not reach. The corpus-wide contest list holds the
    two together, so the answer shows the denial beside the claim it quotes; without the list
    (``listed_partners=0``) it shows no disagreement."""
    from qa.config import AnswerSettings, RetrievalSettings
    from qa.domain import Filters

    question = "Was Trump briefed on the Russian bounties?"
    narrow = RetrievalSettings(top_k=2)
    svc = make_service(make_settings(retrieval=narrow))
    assert svc.ingest_items(_allsides(BOUNTY)).added == 3
    prep = svc.pipeline().prepare(question, [], Filters())
    assert BOUNTY[1] not in {e.chunk.article_id for e in prep.evidence}
    answer = svc.ask(question)
    contest = one(list(answer.contested), "denial")
    assert contest.reason == "quoted"
    denied = [s for s in contest.sides if s.position == "denied by Trump"]
    assert [articles_of(s) for s in denied] == [{BOUNTY[1]}]
    claimed = {a for s in contest.sides if s.position.startswith("claimed") for a in articles_of(s)}
    assert claimed and BOUNTY[1] not in claimed
    # The quoted sentence is one of the contest's claims, and the denial is cited.
    quoted = {(c.article_id, c.start) for c in answer.citations}
    assert any((c.article_id, c.start) in quoted for s in contest.sides
               if s.position.startswith("claimed") for c in s.claims)
    assert BOUNTY[1] in {c.article_id for c in answer.citations}
    assert_exact_and_ordered(svc, contest)
    # The list brings in only articles the question's filters admit.
    outlet = svc.article(BOUNTY[2]).article.source
    assert outlet != svc.article(BOUNTY[1]).article.source
    kept = svc.ask(question, filters=Filters(sources=(outlet,)))
    assert BOUNTY[1] not in {c.article_id for k in kept.contested for s in k.sides for c in s.claims}

    alone = make_service(make_settings(data_dir=svc.settings.store.data_dir, retrieval=narrow,
                                       answer=AnswerSettings(listed_partners=0)))
    assert not alone.ask(question).contested


def test_a_negation_does_not_answer_a_claim_of_avoiding_the_same(embedder, english, make_service):
    """"We do not seek escalation" (Zarif) agrees with "Iran had deliberately sought to avoid U.S.
    military casualties ... to prevent an escalation" (Reuters' sources): a verb that negates
    what it governs ("avoid") makes the claim a negative one, which a denial by negation does
    not answer; a claim whose own verb is the negating one ("refused") still is answered ("did
    not refuse")."""
    svc = make_service()
    ids = ["abp-ONs61Y8znqRh8cQs", "abp-53Fq9slvyVXxLUoC"]
    assert svc.ingest_items(_allsides(ids)).added == 2
    found = svc.pipeline().finder.among(svc.index.articles(ids))
    for f in found:
        quotes = [c.quote for s in f.contest.sides for c in s.claims]
        assert not (any("sought to avoid" in q for q in quotes)
                    and any("We do not seek escalation" in q for q in quotes)), quotes
    k = one(_contests(
        embedder, english,
        ("Post", "2019-11-12", "Representative Adam Schiff said the ambassador refused to testify "
                               "before the panel last week."),
        ("Wire", "2019-11-12", "\u201cThe ambassador did not refuse to testify before the panel,\u201d "
                               "his lawyer Robert Luskin said."),
    ), "denial")
    assert {s.position.split()[0] for s in k.sides} == {"claimed", "denied"}


READE = ["abp-L5xpaUExugm7J87g", "abp-1onOq6jKz1LGEY2H", "abp-tfwxl4xgVbic17wY",
         "abp-DBvekOgWpFItsorv", "abp-ncBE2TS5a1pqGPYf", "abp-wzYhj24VaSbhhr8T"]


def test_an_accusation_the_answer_quotes_brings_the_denial_of_her_allegations(make_service):
    """"Did Joe Biden sexually assault Tara Reade?": the answer quotes Reade's accusation as the
    outlets tell it ("has accused the Democratic presidential nominee of sexually assaulting
    her"), in other words than the contest's claims of hers; Biden's camp "denied Reade's
    allegations", and an allegation of hers against him is what that denial answers, so the
    contest counts as quoted and the answer shows the denial beside it."""
    from qa.domain import Filters

    svc = make_service()
    assert svc.ingest_items(_allsides(READE)).added == 6
    question = "Did Joe Biden sexually assault Tara Reade?"
    prep = svc.pipeline().prepare(question, [], Filters())
    chosen = [k for c in prep.selection.chosen for k in [c, *c.also]]
    assert any("has accused the Democratic presidential nominee" in k.text for k in chosen)

    def quotes_a_member(cand) -> bool:
        return any(k.article_id == m.article_id and k.start < m.end and m.start < k.end
                   for k in chosen for s in cand.contest.sides for m in s.claims)

    restated = [c for c in prep.contest_candidates if c.contest.kind == "denial"
                and "denied by Joe Biden" in {s.position for s in c.contest.sides}
                and any(s.position.startswith("claimed by Tara Reade") for s in c.contest.sides)
                and not quotes_a_member(c)]
    assert restated and all(c.cited for c in restated)
    answer = svc.ask(question)
    k = one(list(answer.contested), "denial")
    assert k.reason == "quoted"
    sides = {s.position for s in k.sides}
    assert "denied by Joe Biden" in sides and any(p.startswith("claimed by Tara Reade") for p in sides)
    assert_exact_and_ordered(svc, k)


def test_a_denial_names_an_accusation_by_its_noun_only_against_the_denier():
    """``_denied_as_told``: "denied Reade's allegations" answers a quoted "Reade accused Biden
    of ..." (her side, a verb of alleging, the denier named), not her claim made by another verb,
    nor an accusation against someone else, nor one when the contest holds no claim of hers."""
    from qa.answer.contests import _denied_as_told
    from qa.domain import Claim, ContestSide

    def claim(side, stance, quote, verb="said", content=""):
        return Claim(speaker=side, side=side, stance=stance, quote=quote, article_id="a",
                     start=0, end=len(quote), verb=verb, content=content)

    hers = claim("Tara Reade", "asserts", "Reade said she filed a complaint.")
    denial = claim("Joe Biden", "denies", "The Biden camp has denied Reade's allegations.",
                   verb="denied", content="Reade's allegations")
    contest = Contest(topic="t", sides=(ContestSide("claimed by Tara Reade", (hers,)),
                                        ContestSide("denied by Joe Biden", (denial,))), kind="denial")
    accused = claim("Tara Reade", "asserts", "Tara Reade has accused Joe Biden of assaulting her.",
                    verb="accused")
    assert _denied_as_told(contest, accused) is True
    assert _denied_as_told(contest, claim("Tara Reade", "asserts", "Reade told Biden she left.",
                                          verb="told")) is False
    assert _denied_as_told(contest, claim("Tara Reade", "asserts",
                                          "Reade accused the media of ignoring her.",
                                          verb="accused")) is False
    assert _denied_as_told(contest, claim("Lynda LaCasse", "asserts",
                                          "LaCasse accused Biden of lying.", verb="accused")) is False
    alone = Contest(topic="t", sides=(ContestSide("denied by Joe Biden", (denial,)),), kind="denial")
    assert _denied_as_told(alone, accused) is False


def test_a_quoted_denial_of_her_accusations_restates_the_contests_denial():
    """``_denies_told``, the other way round: a quoted "Biden and his campaign have adamantly
    denied Reade's accusations" restates the denial of a contest whose claim of hers is an
    accusation by its verb; not of one whose claim of hers is something else she said, nor
    when the denial names someone else's accusations."""
    from qa.answer.contests import _denies_told
    from qa.domain import Claim, ContestSide

    def claim(side, stance, quote, verb="said", content=""):
        return Claim(speaker=side, side=side, stance=stance, quote=quote, article_id="a",
                     start=0, end=len(quote), verb=verb, content=content)

    def contest(hers):
        biden = claim("Joe Biden", "denies", "Biden denied it.", verb="denied")
        return Contest(topic="t", sides=(ContestSide("claimed by Tara Reade", (hers,)),
                                         ContestSide("denied by Joe Biden", (biden,))), kind="denial")

    quoted = claim("Joe Biden", "denies", "Biden and his campaign have adamantly denied Reade's "
                   "accusations.", verb="denied", content="Reade's accusations")
    accused = claim("Tara Reade", "asserts", "Reade accused Biden of assaulting her.", verb="accused")
    said = claim("Tara Reade", "asserts", "Reade said she filed a complaint.")
    assert _denies_told(contest(accused), quoted) is True
    assert _denies_told(contest(said), quoted) is False
    other = claim("Joe Biden", "denies", "Biden denied Trump's accusations.", verb="denied",
                  content="Trump's accusations")
    assert _denies_told(contest(accused), other) is False


def test_a_negated_contrast_does_not_make_an_assertion_negative(embedder, english):
    """"She complained to colleagues ..., but not about the alleged assault" asserts that she
    complained: the negation only sets a phrase against it, so a denial by negation ("had not
    complained") answers it. A negation with a clause of its own ("but you're not allowed to
    ...") still makes the assertion a negative one, which a negated denial does not answer."""
    k = one(_contests(
        embedder, english,
        ("Wire", "2020-05-01", "Jane Roe has said that she complained to multiple colleagues in "
                               "the office about interactions with John Smith that made her "
                               "uncomfortable, but not about the alleged assault."),
        ("Post", "2020-05-01", "Former Smith staffers also said Roe had not complained about John "
                               "Smith at the time."),
    ), "denial")
    assert {s.position.split()[0] for s in k.sides} == {"claimed", "denied"}
    from qa.claims.denials import _negated

    art = Article(id="u", title="Goya", date="2020-07-15", source="Wire",
                  text="Robert Unanue said: \u201cYou\u2019re allowed to talk good or praise one "
                       "president, but you\u2019re not allowed to aid in economic and educational "
                       "prosperity?\u201d")
    [rec] = [r for r in extract(art, english) if r.claim.side == "Robert Unanue"]
    assert _negated(rec)


def test_claims_told_past_a_long_phrase_are_still_the_claimants(embedder, english):
    """"Andrew has also categorically denied claims by one accuser, Virginia Giuffre (née
    Roberts), that he had sex with her": past the appositive spaCy hangs the "that" clause on
    "denied"; it is still what her claims say, so the sentence holds both sides."""
    k = one(_contests(
        embedder, english,
        ("Wire", "2019-11-17", "Andrew has also categorically denied claims by one accuser, "
                               "Virginia Giuffre (née Roberts), that he had sex with her after "
                               "she was trafficked by Epstein."),
    ), "denial")
    assert speakers_by_side(k) == [("claimed by Virginia Giuffre", ["Virginia Giuffre"]),
                                   ("denied by Andrew", ["Andrew"])]
    # ... and under a verb that takes no "that" clause, a claim that "his" names: the person
    # the sentence is about; not when its subject is no named person.
    art = Article(id="s", title="t", date="2020-02-11", source="Wire",
                  text="Jussie Smollett is facing charges again in Chicago stemming from his "
                       "claim last year that he was the victim of a racist and homophobic attack.")
    assert [(r.claim.speaker, r.claim.content) for r in extract(art, english)] == [
        ("Jussie Smollett", "he was the victim of a racist and homophobic attack")]
    art = Article(id="w", title="t", date="2020-02-11", source="Wire",
                  text="The White House rejected her claim that she was fired from the job.")
    assert [r.claim.stance for r in extract(art, english)] == ["denies"]
    # "accusations among Republicans that ..." are theirs
    art = Article(id="a", title="t", date="2020-05-07", source="Wire",
                  text="The DOJ later released documents, prompting accusations among "
                       "Republicans that FBI officials tried to entrap Flynn.")
    assert [(r.claim.speaker, r.claim.content) for r in extract(art, english)] == [
        ("Republicans", "FBI officials tried to entrap Flynn")]


def test_the_outlets_own_verdict_on_a_claim_disputes_it(embedder, english):
    """"President Donald Trump incorrectly stated ... that the health insurance industry has
    agreed to waive patient co-payments" (AP): the outlet reports the claim and calls it untrue
    in one sentence, a claim against a fact-check; so does "argues, without evidence, that". A
    claim the outlet only reports, or calls nothing, is no contest."""
    for said in ("President Donald Trump incorrectly stated in his address that the insurance "
                 "industry had agreed to waive co-payments for treatment.",
                 "Trump argues, without evidence, that his tax cut is trickling down to workers.",
                 "Trump has repeatedly and falsely claimed that his tax cut pays for itself.",
                 "Trump repeated the false claim that millions of people voted illegally.",
                 "Trump's claim that the election was rigged is baseless.",
                 "Flynn believed Iran was involved, and claimed incorrectly that Iran was "
                 "responsible for more American deaths than al-Qaeda."):
        k = one(_contests(embedder, english, ("Wire", "2020-03-12", said)), "denial")
        assert speakers_by_side(k)[1] == ("denied by Wire", ["Wire"]), speakers_by_side(k)
        assert speakers_by_side(k)[0][0].startswith("claimed by")
    assert not _contests(embedder, english, (
        "Wire", "2020-03-12", "Trump stated in his address that the insurance industry had "
                              "agreed to waive co-payments for treatment."))
    # A verdict inside someone else's report is theirs: the outlet disputes nothing.
    for said in ("Biden said Trump falsely claimed that the virus would disappear by April.",
                 "The Taliban's claim that they captured the valley was false, the resistance "
                 "said.",
                 "When she was young, she said, a news outlet falsely reported that a family "
                 "member shot at some nearby campers.",
                 # nor is a correction of the article itself a dispute between sources
                 "CORRECTION (June 5, 2020): An earlier version of this article incorrectly "
                 "stated that Jack Welch was the former CEO of General Motors."):
        art = Article(id="v", title="t", date="2020-03-12", source="Wire", text=said)
        assert not [r for r in extract(art, english) if r.claim.speaker == "Wire"], said
    # Who repeats a claim made it.
    art = Article(id="r", title="t", date="2020-03-12", source="Wire",
                  text="Giuliani repeated the claim that the voting machines were rigged.")
    assert [(r.claim.speaker, r.claim.content) for r in extract(art, english)
            if r.claim.attributed] == [("Giuliani", "the voting machines were rigged")]
