"""Attributed claims: who said what, for which side, with which stance, from the parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.claims import ContestFinder, annotate, describe, unhedged

_FINDER = ContestFinder()
claims_of = _FINDER.claims
records_of = _FINDER.records
from qa.claims.extract import extract
from qa.claims.sides import same_side, unify
from qa.corpus import read_paths
from qa.domain import Article, Claim, Contest, ContestSide
from qa.domain import ArticleRecord

from .conftest import SEEDS

NRF = "National Resistance Front"


@pytest.fixture(scope="module")
def seed_articles() -> dict[str, Article]:
    return {a.id[:3]: a for a in read_paths([SEEDS])}


@pytest.fixture(scope="module")
def seed_claims(seed_articles, english) -> dict[str, list[Claim]]:
    """Claims as the store gives them back: annotated, JSON-encoded, decoded."""
    out = {}
    for key, art in seed_articles.items():
        rec = ArticleRecord(art, art.content_hash, 0, annotate(art, english))
        out[key] = claims_of(rec)
    return out


def _find(claims: list[Claim], content: str) -> Claim:
    hits = sorted((c for c in claims if content in c.content and c.attributed),
                  key=lambda c: not c.content.startswith(content))
    assert hits, f"no attributed claim with content {content!r}: " + "; ".join(
        f"{c.speaker}: {c.content[:60]}" for c in claims if c.attributed)
    return hits[0]


# (article, words of the reported content, speaker, side, stance, affiliation as written)
SEED_STATEMENTS = [
    ("000", "reports by the Taliban that they have taken control", "National resistance forces", NRF, "denies", None),
    ("000", "they have taken control of three Panjshir districts", "the Taliban", "Taliban", "asserts", None),
    ("000", "The Taliban are spreading disinformation", "a source close to the Panjshir resistance", NRF, "disputes", "the Panjshir resistance"),
    ("000", "Dozens of Taliban militants were killed", "a source close to the Panjshir resistance", NRF, "asserts", "the Panjshir resistance"),
    ("000", "they seized three important districts", "the Taliban", "Taliban", "asserts", None),
    ("000", "the resistance forces repelled a Taliban attack", "a source close to the Panjshir resistance", NRF, "asserts", "the Panjshir resistance"),
    ("000", "an agreement on a cessation of hostilities", "Fahim Dashti", NRF, "asserts", "the resistance movement"),
    ("000", "Panjshir disagrees with the idea", "Fahim Dashti", NRF, "asserts", "the resistance movement"),
    ("000", "he had stepped down to prevent any bloodshed", "Ashraf Ghani", "Afghanistan", "asserts", "Afghanistan’s"),
    ("001", "the reports about an agreement", "Resistance forces", "Resistance forces", "denies", None),
    ("001", "a non-aggression agreement had been achieved", "Geo TV channel", "Geo TV", "asserts", None),
    ("001", "About the ceasing attacks", "Fahim Dashti", "Resistance movement", "asserts", "the resistance movement"),
    ("001", "There are still principal differences", "Fahim Dashti", "Resistance movement", "asserts", "the resistance movement"),
    ("001", "We want to resolve the existing problems", "Fahim Dashti", "Resistance movement", "asserts", "the resistance movement"),
    ("002", "Mujahideen of the Islamic Emirate has an active presence", "Ahmadullah Wasiq", "Taliban", "asserts", "the Taliban’s cultural affairs commission"),
    ("002", "Only in the central bazaar of Panjshir", "Ahmadullah Wasiq", "Taliban", "asserts", "the Taliban’s cultural affairs commission"),
    ("002", "Several cannons were seized", "Sakhi Dad Mujmar", "Taliban", "asserts", "the Taliban commanders"),
    ("002", "the Taliban’s claim in a tweet", "the leader of the Resistance Front", "Resistance Front", "denies", "the Resistance Front"),
    ("002", "at least a thousand terrorists were trapped", "Fahim Dashti", "Resistance Front", "asserts", "the Resistance Front"),
    ("002", "he was ready for peace talks", "Ahmad Massoud", "National Resistance Front of Afghanistan", "asserts", "the National Resistance Front of Afghanistan"),
    ("003", "they had defeated the opposition", "the Taliban", "Taliban", "asserts", None),
    ("003", "Panjshir Province is completely in the hands", "Zabihullah Mujahid", "Taliban", "asserts", "the militant group"),
    ("003", "the Taliban’s claimed victory was wrong", "Ali Maisam Nazary", "National Resistance Front of Afghanistan", "disputes", "NRFA’s"),
    ("003", "NRF troops are present in all strategic locations", "Ali Maisam Nazary", "National Resistance Front of Afghanistan", "asserts", "NRFA’s"),
    ("004", "its fighters seized a key position", "the Taliban", "Taliban", "asserts", None),
    ("004", "the Taliban has made any advances", "the local resistance", NRF, "denies", None),
    ("004", "captured eleven “important” positions", "Zabihullah Mujahid", "Taliban", "asserts", "Taliban’s"),
    ("004", "the Taliban made any advances into the valley", "Representatives of the National Resistance Front (NRF)", NRF, "denies", "the National Resistance Front (NRF)"),
    ("004", "attempts to enter the area were thwarted", "the militia", NRF, "asserts", None),
    ("004", "They did not succeed in their offensive", "Fahim Dashti", NRF, "denies", "NRF"),
    ("004", "the fighting started after talks", "Mujahid", "Taliban", "asserts", "Taliban’s"),
    ("004", "at least eight Taliban fighters were killed", "Reuters", "Reuters", "asserts", None),
]


@pytest.mark.parametrize("art,content,speaker,side,stance,affiliation", SEED_STATEMENTS,
                         ids=[f"{r[0]}:{r[1][:30]}" for r in SEED_STATEMENTS])
def test_seed_statement_is_attributed(seed_claims, art, content, speaker, side, stance, affiliation):
    c = _find(seed_claims[art], content)
    assert (c.speaker, c.side, c.stance) == (speaker, side, stance)
    assert c.affiliation == affiliation
    assert c.attributed


def test_every_quote_is_the_article_text_at_its_offsets(seed_articles, seed_claims):
    for key, claims in seed_claims.items():
        art = seed_articles[key]
        assert claims, key
        for c in claims:
            assert art.text[c.start:c.end] == c.quote
            assert c.article_id == art.id and c.date == art.date


def test_outlet_statements_are_kept_unattributed(seed_claims):
    tass = [c for c in seed_claims["000"] if not c.attributed]
    assert any("only pocket of resistance" in c.quote for c in tass)
    assert {c.speaker for c in tass} == {"TASS"} and {c.stance for c in tass} == {"asserts"}
    unsourced = [c for c in seed_claims["003"] if not c.attributed]
    assert unsourced and {c.speaker for c in unsourced} == {"the article"}


def test_figures_and_dates_are_read_from_the_claims(seed_claims):
    assert _find(seed_claims["002"], "they killed over 1,000").numbers == ("over 1,000",)
    assert _find(seed_claims["004"], "at least eight Taliban").numbers == ("at least eight",)
    fled = [c for c in seed_claims["004"] if "fled the country on August 14" in c.quote]
    assert fled and fled[0].dates == ("August 14",) and not fled[0].attributed


def test_sides_are_one_name_across_articles(seed_articles, english):
    recs = unify([r for art in seed_articles.values() for r in extract(art, english)])
    by_speaker: dict[str, set[str]] = {}
    for r in recs:
        if r.claim.attributed:
            by_speaker.setdefault(r.claim.speaker, set()).add(r.claim.side)
    # "the Taliban", "Taliban's Mujahid", "Zabihullah Mujahid, a spokesperson for the militant group"
    assert by_speaker["the Taliban"] == by_speaker["Mujahid"] == by_speaker["Zabihullah Mujahid"] == {"Taliban"}
    # "resistance forces", "the Resistance Front", "NRFA", "the resistance movement"
    for who in ("Fahim Dashti", "resistance forces", "Resistance forces", "NRFA", "Ali Maisam Nazary",
                "the leader of the Resistance Front", "Ahmad Massoud"):
        assert by_speaker[who] == {NRF}, who


@pytest.mark.parametrize("a,b,same", [
    ("NRF", NRF, True), ("Resistance Front", NRF, True), ("Resistance movement", NRF, True),
    ("National Resistance Front of Afghanistan", NRF, True), ("Afghanistan", "National Resistance Front of Afghanistan", False),
    ("Islamic State", "State Department", False), ("Taliban", "Geo TV", False),
    ("Reporters", "R", False),  # a one-letter acronym (a party's "(R)") names no side
])
def test_side_names(a, b, same):
    assert same_side(a, b) is same


def test_only_pairs_that_cannot_match_are_skipped():
    from itertools import combinations

    from qa.claims.sides import candidate_pairs

    labels = [NRF, "NRF", "NRFA", "Resistance Front", "Resistance movement", "Afghanistan",
              "National Resistance Front of Afghanistan", "Islamic State", "State Department",
              "Taliban", "Geo TV", "Reporters", "R", "Iran", "Iranian", "Russia", "Russian",
              "US", "U.S.", "United States", "Trump", "Trump campaign", "Donald Trump",
              "White House", "House Democrats", "Democratic", "China", "Chinese", "TASS"]
    every = {(a, b) for a, b in combinations(labels, 2) if same_side(a, b)}
    tried = set(candidate_pairs(labels))
    assert every and every <= tried
    assert len(tried) < len(labels) * (len(labels) - 1) // 4


WRITTEN = """Acme Corp on Tuesday rejected claims by the Workers Union that the company had cut wages.

Maria Lopez, a spokeswoman for the Workers Union, said the company had cut wages by 10 percent in March.

"The figures are false," the company's chief executive, Tom Reed, told reporters. "Nobody lost a cent."

According to the union, 300 workers walked out on Monday.

Reed said only 120 workers had walked out.

The strike began after talks between the two sides failed."""


@pytest.fixture(scope="module")
def written_claims(english) -> list[Claim]:
    art = Article(id="w1", text=WRITTEN, title="Strike", date="2024-03-05", source="Daily Test")
    return claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))


WRITTEN_STATEMENTS = [
    ("claims by the Workers Union that the company had cut wages", "Acme Corp", "Acme Corp", "denies", None),
    ("the company had cut wages", "the Workers Union", "Workers Union", "asserts", None),
    ("the company had cut wages by 10 percent", "Maria Lopez", "Workers Union", "asserts", "the Workers Union"),
    ("The figures are false", "Tom Reed", "Acme Corp", "disputes", "the company's"),
    ("Nobody lost a cent", "Tom Reed", "Acme Corp", "denies", "the company's"),
    ("300 workers walked out", "the union", "Workers Union", "asserts", None),
    ("only 120 workers had walked out", "Tom Reed", "Acme Corp", "asserts", "the company's"),
]


@pytest.mark.parametrize("content,speaker,side,stance,affiliation", WRITTEN_STATEMENTS,
                         ids=[r[0][:30] for r in WRITTEN_STATEMENTS])
def test_written_statement_is_attributed(written_claims, content, speaker, side, stance, affiliation):
    c = _find(written_claims, content)
    assert (c.speaker, c.side, c.stance, c.affiliation) == (speaker, side, stance, affiliation)


WRITTEN_2 = """House Republican leader Kevin McCarthy said the inquiry was unfair.

Another Republican, Sen. Lindsey Graham, defended the president's word choice as "accurate." He told reporters that the investigation is a sham.

"So yeah," Graham said, "this is a lynching in every sense."

White House spokesman Hogan Gidley denied that the president compared himself to lynching victims."""


@pytest.mark.parametrize("content,speaker,side,stance,affiliation", [
    # "He" is the person the sentence before was about, not the last one quoted (McCarthy).
    ("the investigation is a sham", "Lindsey Graham", "Lindsey Graham", "asserts", None),
    # A tag between two quotations ('"...," Graham said, "..."') names who speaks.
    ("So yeah", "Lindsey Graham", "Lindsey Graham", "asserts", None),
    # The whole compound names the side: "White House", not "House".
    ("the president compared himself", "Hogan Gidley", "White House", "denies", "White House"),
], ids=["pronoun after a non-report", "tag between quotes", "compound affiliation"])
def test_written_statement_2_is_attributed(content, speaker, side, stance, affiliation, english):
    art = Article(id="w2", text=WRITTEN_2, title="Word", date="2019-10-22", source="Daily Test")
    c = _find(claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english))), content)
    assert (c.speaker, c.side, c.stance, c.affiliation) == (speaker, side, stance, affiliation)


WRITTEN_3 = """Democratic council members said the city had not provided evidence to back up Mayor Dana Ortiz's assertion that the bridge was safe.

Acme Corp said the strike had cost the company $2 million, though the Workers Union has rejected that claim."""


@pytest.mark.parametrize("content,speaker,side,stance,target", [
    # "X's assertion that ..." is X's claim, wherever the sentence puts it.
    ("the bridge was safe", "Dana Ortiz", "Dana Ortiz", "asserts", None),
    # Saying a claim lacks evidence disputes it (not a bare negation), and answers its owner.
    ("the city had not provided evidence", "Democratic council members", "Democratic", "disputes",
     "Dana Ortiz"),
    # "..., though Y has rejected that claim": Y denies the claim the sentence has just reported.
    ("the strike had cost the company $2 million", "the Workers Union", "Workers Union", "denies",
     "Acme Corp"),
], ids=["possessive claim noun", "no evidence disputes", "that claim points back"])
def test_written_statement_3_is_attributed(content, speaker, side, stance, target, english):
    art = Article(id="w3", text=WRITTEN_3, title="Bridge", date="2024-05-01", source="Daily Test")
    recs = records_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    r = next(r for r in recs if r.claim.content.startswith(content) and r.claim.speaker == speaker)
    assert (r.claim.side, r.claim.stance, r.target) == (side, stance, target)


@pytest.mark.parametrize("text,content,speaker,side,target", [
    # spaCy reads a curly possessive after an -s as a modifier with a case mark: still an owner.
    ("Virginia Roberts alleged that she was flown to London. Prince Andrew has denied Roberts’ allegations.",
     "Roberts’ allegations", "Prince Andrew", "Prince Andrew", "Roberts"),
    # A building speaks for the body in it (spaCy tags it a facility).
    ("Buckingham Palace officials previously denied that Andrew had met her.",
     "Andrew had met her", "Buckingham Palace officials", "Buckingham Palace", "Andrew"),
], ids=["curly possessive", "facility"])
def test_written_denial_names_its_target(text, content, speaker, side, target, english):
    art = Article(id="w4", text=text, title="Palace", date="2019-11-05", source="Daily Test")
    r = next(r for r in extract(art, english) if r.claim.content == content)
    assert (r.claim.speaker, r.claim.side, r.claim.stance, r.target) == (speaker, side, "denies", target)


@pytest.mark.parametrize("text,content,speaker,stance,target,other", [
    ("Lena Hart spoke on tape. She also said she believed Ortiz was murdered in prison, despite "
     "medical examiner Ruth Kemp's official ruling that Ortiz died by suicide.",
     "Ortiz was murdered in prison", "Lena Hart", "disputes", "Ruth Kemp",
     "Ortiz died by suicide"),
    ("Russia says it did not hit civilians, despite claims by Ukrainian officials that 20 people died.",
     "it did not hit civilians", "Russia", "denies", "Ukrainian", "20 people died"),
    ("Contrary to the White House's assertion that the plan was discarded, Obama's former aides "
     "said they left a 69-page playbook.",
     "they left a 69-page playbook", "Obama's former aides", "disputes", "White House",
     "the plan was discarded"),
    ("Police said the man was armed, in spite of the family's insistence that he carried only a phone.",
     "the man was armed", "Police", "disputes", "Family", "he carried only a phone"),
], ids=["despite a ruling", "despite claims by", "contrary to", "in spite of"])
def test_a_claim_said_against_another_in_its_sentence_disputes_it(text, content, speaker, stance,
                                                                 target, other, english):
    """"X said P despite Y's ruling that Q": both claims are read, each with its owner, and X's
    answers Y's; the phrase that carries Q is not part of P."""
    art = Article(id="w6", text=text, title="Against", date="2020-05-01", source="Daily Test")
    recs = extract(art, english)
    r = next(r for r in recs if r.claim.content == content)
    assert (r.claim.speaker, r.claim.stance, r.target) == (speaker, stance, target)
    assert any(x.claim.content == other and x.claim.side == target for x in recs), \
        [(x.claim.content, x.claim.side) for x in recs]


@pytest.mark.parametrize("text,speaker,side,stance", [
    ("A statement from Buckingham Palace said the claims were false.",
     "Buckingham Palace", "Buckingham Palace", "disputes"),
    ("A statement released by Lee Merritt, an attorney for the family, said a false narrative "
     "had been created.", "Lee Merritt", "Family", "disputes"),
    ("The family's statement said he was unarmed.", "the family", "Family", "asserts"),
    ("A letter signed by 1,100 former prosecutors said Barr had interfered.",
     "former prosecutors", "former prosecutors", "asserts"),
], ids=["from", "released by", "possessive", "signed by"])
def test_a_writing_says_what_its_author_says(text, speaker, side, stance, english):
    art = Article(id="w8", text=text, title="Writings", date="2020-05-01", source="Daily Test")
    [r] = extract(art, english)
    assert (r.claim.speaker, r.claim.side, r.claim.stance, r.claim.attributed) == (
        speaker, side, stance, True)


def test_who_a_pronoun_or_the_group_stands_for(english):
    """A pronoun that reports again takes a speaker of its own sentence before one of the
    article's last ("it would act" is the ministry's, not the group's); a condition ("if she
    believed ...") reports nothing."""
    text = ("Mayor Ana Ruiz spoke on Monday.\n\n"
            "The Civic Rights Front wrote on its Facebook page that Ruiz had made an error if she "
            "believed the crisis was over.\n\n"
            "The group said her decision came too late.\n\n"
            "The ministry denies meddling in the city's affairs, yet it warned on Tuesday that it "
            "would act.")
    art = Article(id="w9", text=text, title="Pronouns", date="2020-05-01", source="Daily Test")
    got = {(r.claim.content, r.claim.speaker, r.claim.side) for r in extract(art, english)
           if r.claim.attributed}
    assert got == {
        ("Ruiz had made an error if she believed the crisis was over", "the Civic Rights Front",
         "Civic Rights Front"),
        ("her decision came too late", "the group", "Civic Rights Front"),
        ("meddling in the city's affairs", "the ministry", "Ministry"),
        ("it would act", "the ministry", "Ministry"),
    }, got


def test_despite_a_thing_or_an_unowned_claim_is_no_dispute(english):
    text = ("Trump said he would attend the rally despite the rain. The company said profits rose "
            "despite reports that sales had slowed.")
    art = Article(id="w7", text=text, title="Despite", date="2020-05-01", source="Daily Test")
    assert {(r.claim.speaker, r.claim.stance) for r in extract(art, english)
            if r.claim.attributed} == {("Trump", "asserts"), ("the company", "asserts")}


def test_written_outlet_voice(written_claims):
    c = [c for c in written_claims if "talks between the two sides failed" in c.quote][0]
    assert (c.speaker, c.attributed) == ("Daily Test", False)


def test_annotation_survives_a_missing_or_foreign_format(seed_articles):
    art = seed_articles["000"]
    assert claims_of(ArticleRecord(art, "x1", 0, None)) == []
    assert claims_of(ArticleRecord(art, "x2", 0, '{"format": 99, "claims": []}')) == []
    assert claims_of(ArticleRecord(art, "x3", 0, "not json")) == []


def test_vectors_are_stored_at_ingest_when_an_embedder_is_given(seed_articles, embedder, english):
    art = seed_articles["004"]
    rec = ArticleRecord(art, "with-vectors", 0, annotate(art, english, embedder=embedder[0]))
    recs = records_of(rec)
    assert all(r.vec is not None for r in recs if r.claim.attributed)
    assert all(q.vec is not None for r in recs for q in r.quantities)


def test_answering_decodes_only_the_claims_a_contest_can_use(seed_articles, embedder, english):
    art = seed_articles["000"]
    rec = ArticleRecord(art, "contestable", 0, annotate(art, english, embedder=embedder[0]))
    everything = records_of(rec)
    usable = records_of(rec, contestable=True)
    # The outlet's plain statements (no figure, no date) are skipped; every other record is the
    # same, in the same order.
    assert len(usable) < len(everything)
    assert [r.claim for r in usable] == [r.claim for r in everything
                                         if r.claim.attributed or r.quantities or r.events]
    assert all(r.vec is not None for r in usable)


# --- prose -------------------------------------------------------------------------------------

def _claim(aid, speaker, side, stance, content, verb="said", attributed=True):
    return Claim(speaker=speaker, side=side, stance=stance, quote=content, article_id=aid,
                 start=0, end=len(content), verb=verb, content=content, attributed=attributed)


CONTROL = Contest(
    topic="the Taliban have taken control of all districts in Panjshir province",
    sides=(
        ContestSide("claimed by the Taliban", (
            _claim("002_x", "the Taliban", "Taliban", "asserts",
                   "they have taken control of all districts in Panjshir province"),)),
        ContestSide("denied by the National Resistance Front", (
            _claim("000_y", "National resistance forces", NRF, "denies", "reports by the Taliban",
                   verb="refuted"),)),
    ),
    kind="denial",
)
DATES = Contest(
    topic="when Ashraf Ghani fled the country",
    sides=(ContestSide("August 14", (_claim("004_z", "RT", "RT", "asserts", "Ghani fled on August 14",
                                            attributed=False),)),
           ContestSide("August 15", (_claim("001_w", "TASS", "TASS", "asserts", "Ghani fled on August 15",
                                            attributed=False),))),
    kind="dates",
)


def test_describe_attributes_and_cites_every_side():
    text = describe(CONTROL)
    assert text == ("The Taliban said they have taken control of all districts in Panjshir province "
                    "[002_x]; the National Resistance Front denied it [000_y].")
    dates = describe(DATES)
    assert "RT says August 14 [004_z]" in dates and "TASS says August 15 [001_w]" in dates


def test_unhedged_flags_a_contested_claim_in_the_narrators_voice():
    text = ("The Taliban have taken control of all districts in Panjshir province [002_x]. "
            "The Taliban said they have taken control of all districts in Panjshir province [002_x]. "
            "Ashraf Ghani fled the country on August 15 [001_w]. "
            "According to TASS, Ghani fled the country on August 15 [001_w]. "
            "Panjshir is a valley north of Kabul.")
    assert unhedged(text, [CONTROL, DATES]) == [
        "The Taliban have taken control of all districts in Panjshir province [002_x].",
        "Ashraf Ghani fled the country on August 15 [001_w].",
    ]
    assert unhedged(text, []) == []


def test_unhedged_flags_one_sides_figure_when_the_topic_is_the_count():
    children = Contest(topic="the number of children", kind="numbers", sides=(
        ContestSide("two", (_claim("q_1", "Kenneth McKenzie", "Kenneth McKenzie", "asserts",
                                   "two young children"),)),
        ContestSide("three", (_claim("q_2", "Trump", "Trump", "asserts", "three children"),))))
    text = ("Baghdadi died with three children [q_2]. McKenzie said two children died [q_1]. "
            "The raid took two hours [q_1].")
    assert unhedged(text, [children]) == ["Baghdadi died with three children [q_2]."]


WITHHELD = """Gordon Sondland did not dispute the testimony of David Holmes, who said he overheard a call between Sondland and Trump.

A spokesman for the campaign neither confirmed nor denied that Bloomberg was considering Hillary Clinton as a running mate.

The Pentagon denied that the base had been evacuated."""


def test_a_withheld_denial_is_no_denial(english):
    """"did not dispute", "neither confirmed nor denied": the speaker takes no position, so
    nothing of theirs can start or join a contest; a plain denial still is one."""
    art = Article(id="w5", text=WITHHELD, title="Withheld", date="2019-11-21", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    opposed = {(c.speaker, c.stance) for c in claims if c.stance != "asserts"}
    assert opposed == {("the Pentagon", "denies")}, opposed


FORMER = """Biden's former staffer Tara Reade said he assaulted her in 1993.

Biden's spokeswoman Kate Bedingfield said the claim was untrue.

New York City's former chief medical examiner insisted Wednesday that the death was a homicide.

The New York City medical examiner said in August that an autopsy showed a suicide.

Afghanistan's former vice president Amrullah Saleh said the resistance still held the valley."""


def test_a_former_official_speaks_for_themselves(english):
    """A role put in the past ("former", "onetime", "retired") no longer ties its holder to the
    body beside it: Reade is not on Biden's side, the city's former examiner is not the city's
    examiner (whose finding he disputes), Saleh is not Afghanistan; current roles still are."""
    art = Article(id="w6", text=FORMER, title="Former", date="2020-05-01", source="Daily Test")
    sides = {c.speaker: c.side for c in claims_of(ArticleRecord(art, art.content_hash, 0,
                                                                   annotate(art, english)))
             if c.attributed}
    assert sides["Tara Reade"] == "Tara Reade"
    assert sides["Kate Bedingfield"] == "Biden"
    assert sides["New York City's former chief medical examiner"] != "New York City"
    assert sides["the New York City medical examiner"] == "New York City"
    assert sides["Amrullah Saleh"] == "Amrullah Saleh"


AFFILIATED = """Edward Maguire, a professor of criminology at Arizona State University, said the protests were spreading.

Kathy Entwistle, senior vice president of wealth management at UBS, said people were scared.

Justin Lessler, an associate professor of epidemiology, said the risk was low.

Rep. John J. Rhodes, the leader at the time, said he trusted the committee.

Zabihullah Mujahid, a spokesman for the Taliban, said the fighters advanced.

Rep. Adam B. Schiff said the vote was a mockery.

The officials who spoke to reporters said the border was closed.

Two officials with knowledge of the matter said the talks had stalled."""


def test_a_role_speaks_for_the_body_its_phrase_names(english):
    """A phrase after a role gives the person's side only when it names a body: a field ("of
    epidemiology"), a line of work or a time is nobody's side; a body nested further on
    ("... of wealth management at UBS") is; unnamed officials "with knowledge of the matter"
    are the outlet's sources, as "officials familiar with the matter" are. A middle initial
    names no body, and "the officials" are never the last person quoted."""
    art = Article(id="w8", text=AFFILIATED, title="Roles", date="2020-06-01", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    sides = {c.speaker: c.side for c in claims if c.attributed}
    assert sides["Edward Maguire"] == "Arizona State University"
    assert sides["Kathy Entwistle"] == "UBS"
    assert sides["Justin Lessler"] == "Justin Lessler"
    assert sides["John J. Rhodes"] == "John J. Rhodes"
    assert sides["Zabihullah Mujahid"] == "Taliban"
    assert sides["Adam B. Schiff"] == "Adam B. Schiff"  # not "B", his middle initial
    border = next(c for c in claims if "border" in c.quote)  # officials are not the last person
    assert border.side not in ("Adam B. Schiff", "Taliban"), border
    stalled = next(c for c in claims if "stalled" in c.quote)
    assert not stalled.attributed and stalled.speaker == "Daily Test"


LABELLED = """The New York Times reported that Russian agents offered bounties to Taliban militants. Russia called the report “nonsense.”

The Taliban called the allegations baseless.

The campaign branded the story a smear.

The senator called for a report on fake news.

The governor called the false report a mistake."""


def test_a_report_called_false_is_disputed(english):
    """Calling a report a name of falsity ("nonsense", "baseless", "a smear") disputes it, as
    "denied the report" does; calling for a report, or calling a false report a mistake,
    disputes nothing."""
    art = Article(id="w9", text=LABELLED, title="Labelled", date="2020-06-28", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    opposed = {(c.speaker, c.stance, c.content) for c in claims if c.stance != "asserts"}
    assert opposed == {("Russia", "disputes", "the report"),
                       ("the Taliban", "disputes", "the allegations"),
                       ("the campaign", "disputes", "the story")}, opposed


MADE_KNOWN = """New York reported 330 new deaths on Sunday.

The Congressional Black Caucus is calling on the CDC to report racial data.

Vindman said he reported his concerns through official channels.

The final report did not reveal any wrongdoing."""


def test_what_a_named_body_reports_is_its_claim(english):
    """"New York reported 330 new deaths" is New York's figure, not the outlet's; a request to
    report, what someone reports of their own ("his concerns") and a negated reveal are not
    claims of what they name."""
    art = Article(id="w10", text=MADE_KNOWN, title="Known", date="2020-05-10", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    by = {c.quote.split()[-1]: (c.speaker, c.content) for c in claims}
    assert by["Sunday."] == ("New York", "330 new deaths on Sunday")
    assert by["data."][0] == "Daily Test"
    assert not any(c.content.startswith("his concerns") for c in claims)
    assert by["wrongdoing."][0] == "Daily Test"


WRITTEN_ALONE = """Two officers entered the home without knocking, the lawsuit claims.

A lawsuit filed by the family claims that officers never announced themselves.

Despite the warrant, the officers who raided the apartment say they did announce themselves, a claim that Kenneth Walker disputed."""


def test_a_writing_and_a_described_group_speak(english):
    """A writing with no author named speaks as itself ("the lawsuit claims", even where the
    parser takes "lawsuit" for a modifier of "claims"); "claims that officers never announced
    themselves" is the lawsuit's claim, not a report by the officers; "the officers who raided
    the apartment" are a side of their own, which Walker disputes."""
    art = Article(id="w11", text=WRITTEN_ALONE, title="Writs", date="2020-06-01", source="Daily Test")
    claims = [c for c in claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
              if c.attributed]
    said = {(c.speaker, c.stance) for c in claims}
    assert ("lawsuit", "asserts") in said or ("the lawsuit", "asserts") in said, said
    assert ("the family", "denies") in said, said
    assert ("the officers", "asserts") in said and ("Kenneth Walker", "disputes") in said, said


GOES_ON = """“In decades of my career, my conduct can be affirmed by hundreds of employees,” Sondland said in a statement. “These untrue claims of unwanted touching are concocted for political purposes. They have no basis in fact.” (Read his statement.)

The hearing ended at noon. “Nobody expected it,” one aide said."""


def test_a_quotation_that_goes_on_keeps_its_speaker(english):
    """A quotation after an attributed one in the same paragraph is the same speaker's (and
    calling claims untrue disputes them); a quotation in the next paragraph is not."""
    art = Article(id="w12", text=GOES_ON, title="Goes on", date="2019-11-27", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    by = {c.quote[:12]: (c.speaker, c.stance) for c in claims}
    assert by["“These untru"] == ("Sondland", "disputes"), by
    assert by["They have no"][0] == "Sondland", by
    assert by["The hearing "][0] == "Daily Test", by


OPPOSED = """The deal comes as the administration is trying to counter the influence of the Chinese firm.

The senators rejected the deal on Tuesday.

The Pentagon disputed the figures, saying only 11 troops were hurt.

Iran rejected the allegations as baseless.

A court also dismissed charges against Ahmed Nouri, a former deputy intelligence chief.

Saudi Deputy Public Prosecutor and spokesman Shalaan al-Shalaan said the court dismissed charges against three of the 11 people tried, finding them not guilty.

The court rejected the governor's claims of fraud."""


def test_opposing_a_thing_is_no_denial(english):
    """"reject", "dispute", "counter" take a claim only when their object names one: rejecting
    a deal or countering an influence opposes an act, and starts no contest; a court that
    dismisses charges rules on a prosecution (also where the parser makes "charges" the
    subject of "tried"), and one that rejects claims opposes them."""
    art = Article(id="w7", text=OPPOSED, title="Opposed", date="2020-01-10", source="Daily Test")
    opposing = [c for c in claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
                if c.stance != "asserts"]
    opposed = sorted((c.speaker, c.stance, c.quote[:12]) for c in opposing)
    assert opposed == [("Iran", "denies", "Iran rejecte"), ("the Pentagon", "disputes", "The Pentagon"),
                       ("the court", "denies", "The court re")], opposed


COLON = """The National Weather Service in Birmingham, Alabama, tweeted in response: “Alabama will NOT see any impacts from #Dorian.”

Bolton also tweeted to a Washington Post reporter: “Let’s be clear, I resigned.”"""


def test_a_quotation_after_a_colon_is_its_speakers(english):
    """'X tweeted in response: "..."' is X's claim (a denial, here) even when the parser takes
    the quotation for the main clause, and not the outlet's own statement nor the reporter's
    it was tweeted to."""
    art = Article(id="w13", text=COLON, title="Colon", date="2019-09-04", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    by = {c.content[:20]: (c.speaker, c.side, c.stance) for c in claims}
    assert by["Alabama will NOT see"] == ("the National Weather Service", "National Weather Service",
                                          "denies"), by
    assert by["Let’s be clear"][:2] == ("Bolton", "Bolton"), by


RELATIVE = """Trump displayed an altered map in the Oval Office.

The agency chastised a weather office that contradicted Trump's claim that Dorian threatened Alabama.

The justices heard an appeal filed by Gerald Lynn Bostock, who claims he lost his job because he is gay."""


def test_a_report_in_a_relative_clause_speaks_for_the_noun_it_describes(english):
    """'a weather office that contradicted Trump's claim that P' is the office's denial of P
    (beside Trump's claim); 'Bostock, who claims he lost his job' is Bostock's claim, not the
    outlet's."""
    art = Article(id="w14", text=RELATIVE, title="Relative", date="2019-09-10", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    by = {(c.speaker, c.stance): c.content for c in claims}
    assert by.get(("a weather office", "denies"), "").startswith("Trump's claim that Dorian"), by
    # ... and the office is no organisation the article names by the same common noun
    assert {c.side for c in claims if c.speaker == "a weather office"} == {"Weather office"}
    assert by.get(("Trump", "asserts")) == "Dorian threatened Alabama", by
    assert by.get(("Gerald Lynn Bostock", "asserts"), "").startswith("he lost his job"), by
    outlet = [c.content for c in claims if c.speaker == "Daily Test"]
    assert not [t for t in outlet if t.startswith(("The agency", "The justices"))], outlet


NOBODY = """Collins had been considered a possible swing vote on the verdict. But no House Republicans voted to impeach Trump on Dec. 18. and no Senate Republicans have yet said they would vote to convict him.

Senator Lisa Murkowski said she would vote to acquit him."""


def test_a_subject_that_names_no_one_makes_no_claim(english):
    """"No Senate Republicans have said ..." reports that nobody said it: it is the outlet's
    statement, not a claim of a side "no Senate Republicans" that another can deny."""
    art = Article(id="w15", text=NOBODY, title="Nobody", date="2020-01-31", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    speakers = {c.speaker for c in claims}
    assert not [s for s in speakers if s.lower().startswith("no ")], speakers
    assert "Senator Lisa Murkowski" in speakers or "Lisa Murkowski" in speakers, speakers


TOWARD = """Now Reade's former neighbor Lynda LaCasse, a Biden supporter, tells Insider that Reade told her about the alleged assault in the mid-1990s.

Jane Doe, a longtime Trump critic, said the plan would fail.

Trump critics said the plan would fail."""


def test_a_critic_or_supporter_speaks_for_themselves(english):
    """"a Biden supporter" and "a longtime Trump critic" say where someone stands, not whom they
    speak for: neither is on Biden's or Trump's side."""
    art = Article(id="w16", text=TOWARD, title="Toward", date="2020-05-01", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    sides = {c.speaker: c.side for c in claims if c.attributed}
    assert sides.get("Lynda LaCasse") == "Lynda LaCasse", sides
    assert sides.get("Jane Doe") == "Jane Doe", sides
    assert sides.get("Trump critics") == "Trump critics", sides


OUTER = """Graham praised the talks. Treasury Secretary Steven Mnuchin said the deal was close.

Senator Lindsey Graham said he believes there should be an investigation into Biden.

U.S. and European government sources said they believed Iran had deliberately sought to avoid U.S. military casualties."""


def test_a_pronoun_reporting_inside_a_report_is_that_reports_subject(english):
    """"Graham said he believes ..." is Graham's, not that of whoever the article quoted last
    (Mnuchin); "government sources said they believed ..." is nobody else's either."""
    art = Article(id="w17", text=OUTER, title="Outer", date="2019-10-01", source="Daily Test")
    claims = claims_of(ArticleRecord(art, art.content_hash, 0, annotate(art, english)))
    speakers = {c.speaker for c in claims if "investigation into Biden" in c.content}
    assert speakers and all(s.endswith("Graham") for s in speakers), speakers
    iran = [c for c in claims if "deliberately sought to avoid" in c.quote]
    assert iran and not [c for c in iran if "Mnuchin" in c.speaker or c.side == "Treasury"], \
        [(c.speaker, c.side) for c in iran]


@pytest.mark.parametrize("dateline", ["WASHINGTON (AP) — ", "KABUL, Afghanistan (Reuters) - ",
                                      "NEW YORK — ", ""])
def test_a_dateline_is_nobody_and_no_part_of_the_first_sentence(english, dateline):
    """"WASHINGTON (AP) — Hunter Biden, ..., rejected assertions by President Donald Trump that
    ..." is Hunter Biden's denial, not Washington's; the sentence, and the outlet's statement
    after it, start after the dateline; a paragraph that opens with an acronym and a dash is
    no dateline, nor is a caption's "FILE -"."""
    from qa.text import split_spans

    text = (dateline + "Hunter Biden, acknowledging that his family name created business "
            "opportunities, rejected assertions by President Donald Trump that he did anything "
            "wrong by engaging in foreign work in Ukraine and China.\n"
            + dateline + "The hearing resumed on Monday with two more witnesses for the panel.\n"
            "NATO - the alliance said - will stay.\n"
            "FILE - In this Nov. 20, 2019 file photo, a candidate speaks in Atlanta.")
    art = Article(id="d", title="t", date="2019-10-15", source="Wire", text=text)
    recs = extract(art, english)
    denial = [r.claim for r in recs if r.claim.stance != "asserts"]
    assert [(c.speaker, c.side) for c in denial] == [("Hunter Biden", "Hunter Biden")]
    assert not any(dateline and r.claim.speaker in dateline for r in recs)
    spans = split_spans(text)
    assert [text[s:s + 12] for s, _ in spans[:2]] == ["Hunter Biden", "The hearing "]
    assert text[spans[-2][0]:].startswith("NATO")
    assert text[spans[-1][0]:].startswith("FILE - ")  # a caption's mark stays: never quoted
    outlet = [r.claim for r in recs if not r.claim.attributed and "hearing" in r.claim.quote]
    assert outlet and outlet[0].quote.startswith("The hearing")
