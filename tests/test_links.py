"""Which contests the list over the whole corpus marks linked and puts first
(``qa/claims/links.py``): sides tied to one point by the evidence (a claim and its denial in one
article; two speakers' figures about one event)."""

from __future__ import annotations

import numpy as np

from qa.claims import LinkRule
from qa.domain import Claim, Contest, ContestSide

RULE = LinkRule(days=3, similarity=0.6)
NEAR = np.array([1.0, 0.0]), np.array([0.8, 0.6])  # cosine 0.8
FAR = np.array([1.0, 0.0]), np.array([0.0, 1.0])  # cosine 0


def claim(article: str, start: int, speaker: str, stance: str = "asserts", date: str = "2020-01-08",
          quote: str = "", attributed: bool = True) -> Claim:
    return Claim(speaker=speaker, side=speaker, stance=stance, quote=quote or f"{speaker} said so.",
                 article_id=article, start=start, end=start + 40, date=date, attributed=attributed)


def facts_of(table: dict):
    """What the rule reads of each claim: (entities, sentence vector), keyed by (article, start)."""
    return lambda c: table.get((c.article_id, c.start), (frozenset(), None))


def denial(*claims_by_side) -> Contest:
    return Contest(topic="t", kind="denial",
                   sides=tuple(ContestSide(f"side {i}", tuple(cs)) for i, cs in enumerate(claims_by_side)))


def test_a_claim_and_its_denial_in_one_article_are_linked():
    said, denied = claim("a1", 0, "Pompeo"), claim("a1", 100, "Kelly", "denies")
    assert RULE.linked(denial([said], [denied]), facts_of({}))


def test_a_denial_in_another_article_alone_is_not_enough():
    said, denied = claim("a1", 0, "Pompeo"), claim("a2", 0, "Kelly", "denies")
    assert not RULE.linked(denial([said], [denied]), facts_of({}))


def test_one_sentence_split_into_two_sides_links_nothing():
    said, denied = claim("a1", 0, "Democrats"), claim("a1", 10, "Republicans", "denies")
    assert not RULE.linked(denial([said], [denied]), facts_of({}))


def test_one_linked_pair_is_enough_among_claims_that_are_not():
    said, denied = claim("a1", 0, "Pompeo"), claim("a1", 100, "Kelly", "denies")
    stray, far_side = claim("a3", 0, "Trump"), claim("a4", 0, "Navarro", "denies")
    assert not RULE.linked(denial([stray], [far_side]), facts_of({}))
    assert RULE.linked(denial([stray, said], [far_side], [denied]), facts_of({}))


def figures(a: Claim, b: Claim) -> Contest:
    return Contest(topic="how many troops were injured", kind="numbers",
                   sides=(ContestSide("11", (a,)), ContestSide("34", (b,))))


def test_figures_from_two_articles_need_a_common_entity_close_dates_and_close_meaning():
    a, b = claim("a1", 0, "Pentagon"), claim("a2", 0, "Reuters", date="2020-01-10")
    shared = frozenset({"al asad"})
    linked = {("a1", 0): (shared, NEAR[0]), ("a2", 0): (shared | {"iraq"}, NEAR[1])}
    assert RULE.linked(figures(a, b), facts_of(linked))
    other_place = {("a1", 0): (shared, NEAR[0]), ("a2", 0): (frozenset({"el paso"}), NEAR[1])}
    assert not RULE.linked(figures(a, b), facts_of(other_place))
    other_thing = {("a1", 0): (shared, FAR[0]), ("a2", 0): (shared, FAR[1])}
    assert not RULE.linked(figures(a, b), facts_of(other_thing))
    weeks_later = claim("a2", 0, "Reuters", date="2020-01-20")
    assert not RULE.linked(figures(a, weeks_later), facts_of(linked))
    undated = claim("a2", 0, "Reuters", date=None)  # the entity and the meaning decide
    assert RULE.linked(figures(a, undated), facts_of(linked))


def test_two_figures_an_outlet_gives_itself_are_not_a_contest():
    a, b = claim("a1", 0, "USA TODAY"), claim("a1", 100, "USA TODAY")
    both = {("a1", 0): (frozenset(), NEAR[0]), ("a1", 100): (frozenset(), NEAR[1])}
    assert not RULE.linked(figures(a, b), facts_of(both))
    c = claim("a1", 100, "the WHO")
    assert RULE.linked(figures(a, c), facts_of(both))


def test_figures_an_outlet_states_in_its_own_voice_are_not_linked():
    """"Three other officers ... have not been charged" (USA TODAY, in its own voice) against
    "four Minneapolis officers are now charged" (CNN, own voice): two counts of a changing
    story, not a disagreement; with a source quoted on each side they are."""
    shared = frozenset({"minneapolis"})
    table = {("a1", 0): (shared, NEAR[0]), ("a2", 0): (shared, NEAR[1])}
    own = claim("a1", 0, "USA TODAY", attributed=False), claim("a2", 0, "CNN", attributed=False)
    assert not RULE.linked(figures(*own), facts_of(table))
    one_quoted = claim("a1", 0, "USA TODAY", attributed=False), claim("a2", 0, "the police")
    assert not RULE.linked(figures(*one_quoted), facts_of(table))
    quoted = claim("a1", 0, "the prosecutors"), claim("a2", 0, "the police")
    assert RULE.linked(figures(*quoted), facts_of(table))
