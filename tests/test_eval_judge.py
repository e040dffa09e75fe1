"""The citation support judge and the text rules the eval metrics share."""

from __future__ import annotations

import pytest

from eval.judge import (
    cited_ids, contains_answer, hedged, judge, normalise, sentences, stated_as_fact, stem,
    supports,
)

# From 000_e5d721c452f0de90 and 002_dc1ae020b261a8f8 (the seed articles).
TALKS = ("The first direct talks between delegations from the National Resistance Front (NRF) "
         "and the Taliban radical movement were held in the city of Charikar (the capital of "
         "Parwan Province - TASS) last week.")
THOUSAND = ("Fahim Dashti, spokesperson for the Resistance Front said that at least a thousand "
            "terrorists were trapped due to the blockade of the exit route, all the attackers were "
            "killed, surrendered or captured by the resistance fighters with the help of the "
            "locals during the retreat.")
REFUTED = ("National resistance forces in Afghanistan’s northern province of Panjshir, which "
           "refuses to recognize the Taliban (outlawed in Russia) authority, have refuted reports "
           "by the Taliban that they have taken control of three Panjshir districts.")


def test_a_verbatim_sentence_is_supported_by_its_quote():
    assert supports(TALKS + " [000_e5d721c452f0de90]", TALKS)


def test_a_faithful_paraphrase_is_supported():
    v = judge("The first direct talks between the NRF and the Taliban were held in Charikar.",
              TALKS)
    assert v.supported and v.coverage >= 0.9


def test_a_different_number_is_not_supported():
    v = judge("Dashti said at least eight terrorists were trapped.", THOUSAND)
    assert not v.supported and v.missing_numbers == ("8",)


def test_number_words_and_digits_are_the_same_number():
    assert supports("Dashti said at least 1,000 terrorists were trapped by the blockade.",
                    THOUSAND)


def test_the_wrong_place_is_not_supported_even_when_most_words_match():
    v = judge("The first direct talks were held in Kabul.", TALKS)
    assert not v.supported and "kabul" in v.reason


def test_a_negated_sentence_needs_a_negated_passage():
    v = judge("The talks were not held in Charikar.", TALKS)
    assert not v.supported and "negated" in v.reason


def test_a_denial_is_supported_by_a_refutation_passage():
    assert supports("The resistance denied that the Taliban had taken three Panjshir districts.",
                    REFUTED)


def test_a_sentence_about_something_else_is_not_supported():
    v = judge("Amrullah Saleh appealed for humanitarian aid for displaced people.", TALKS)
    assert not v.supported and v.coverage < 0.6


def test_an_empty_passage_supports_nothing():
    assert not supports("The talks were held in Charikar.", "")


def test_reporting_verbs_do_not_count_as_content():
    # The answer may frame a quote differently ("claimed" for "said") without losing support.
    assert supports("The Taliban claimed they seized three important districts in Panjshir.",
                    "The Taliban said earlier that they seized three important districts and "
                    "passes in Panjshir and will soon announce their complete victory.")


def test_sentences_keep_trailing_markers_and_abbreviations():
    text = ("Kabul fell on August 15 [a]. Ghani fled. [b] Then the U.S. left. "
            "Mr. Smith said \"no.\" Done. [c][d]\n- A bullet [e]")
    assert sentences(text) == ["Kabul fell on August 15 [a].", "Ghani fled. [b]",
                               "Then the U.S. left.", 'Mr. Smith said "no."', "Done. [c][d]",
                               "A bullet [e]"]


def test_cited_ids_reads_grouped_markers_in_order():
    assert cited_ids("x [a, b] y [c;a] z") == ["a", "b", "c"]


def test_stemming_matches_inflections():
    assert stem("districts") == stem("district")
    assert stem("captured") == stem("capture")
    assert stem("Taliban's") == stem("Taliban")


@pytest.mark.parametrize("answer,expected,found", [
    ("It is led by Ahmed Masood [003_b50cd088e71c6203].", "ahmed masood", True),
    ("On August 15, Taliban fighters swept into Kabul.", "August 15", True),
    ("On August 15, Taliban fighters swept into Kabul.", "August 1", False),
    ("They killed over 1,000 fighters.", "1000", True),
    ("They killed over a thousand fighters.", "1,000", True),
    ("Mujahideen of the Islamic Emirate", "Mujahid", False),
])
def test_contains_answer_matches_normalised_whole_words(answer, expected, found):
    assert contains_answer(answer, expected) is found


def test_normalise_drops_markers_accents_articles_and_punctuation():
    assert normalise("The Café’s [a1] answer: 1,200!") == "cafe s answer 1200"


def test_hedged_tells_attribution_from_the_narrators_voice():
    assert hedged("The Taliban said Panjshir is in their hands.")
    assert hedged("According to Mujahid, Panjshir is in their hands.")
    assert hedged("The resistance denied it.")
    assert not hedged("Panjshir is completely in the hands of the Taliban.")


def test_stated_as_fact_ignores_attributed_mentions():
    text = ("One report claims the bridge opened in 1971 [x]. The bridge opened in 1964 [y].")
    assert not stated_as_fact(text, "1971")
    assert stated_as_fact(text, "1964")


def test_a_supported_clause_does_not_carry_an_unsupported_one():
    massoud = ("It is led by Ahmad Massoud, a son of Ahmad Shah Massoud (1953-2001), a once "
               "influential leader of Afghanistan’s Tajik community.")
    assert supports("Ahmad Massoud, son of Ahmad Shah Massoud and leader of the Tajik community, "
                    "leads it.", massoud)
    v = judge("Ahmad Massoud, son of Ahmad Shah Massoud and leader of the Tajik community, leads "
              "it; Fahim Dashti had been killed.", massoud)
    assert not v.supported and "Fahim Dashti" in v.reason
