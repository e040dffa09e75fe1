"""The citation check on generated text: pure functions, no model needed."""

from __future__ import annotations

from qa.answer.citations import (
    UNSUPPORTED_MARK,
    MarkerFilter,
    Sentence,
    best_span,
    check,
    citations_for,
    drop_unknown_ids,
    sentence_spans,
)
from qa.domain import CITATION_RE, Article

A, B = "003_b50cd088e71c6203", "001_1534f80bc8e5ddb2"
VALID = {A, B}


def test_unknown_ids_are_removed_and_counted_and_known_ones_kept():
    text = f"The Taliban claimed victory [{A}]. The resistance denied it [made-up-7]."
    cleaned, removed = drop_unknown_ids(text, VALID)
    assert cleaned == f"The Taliban claimed victory [{A}]. The resistance denied it."
    assert removed == 1


def test_one_bracket_with_several_ids_keeps_only_the_valid_ones():
    cleaned, removed = drop_unknown_ids(f"They fought [{A}, bogus_1; {B}, {A}].", VALID)
    assert cleaned == f"They fought [{A}, {B}]."
    assert removed == 1


def test_the_unsupported_mark_is_never_mistaken_for_a_citation():
    assert CITATION_RE.search(UNSUPPORTED_MARK) is None


def test_sentences_left_without_a_valid_citation_are_counted_and_marked():
    checked = check(f"Massoud leads the resistance [{A}]. He is ten feet tall [fake_id]. "
                    "Panjshir is a valley.", VALID)
    assert checked.removed == 1
    assert checked.unsupported == 2
    assert checked.text == (f"Massoud leads the resistance [{A}]. He is ten feet tall. "
                            f"{UNSUPPORTED_MARK} Panjshir is a valley. {UNSUPPORTED_MARK}")
    assert [s.ids for s in checked.sentences] == [(A,), (), ()]
    assert checked.cited_ids == (A,)


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before_it():
    text = f"The Taliban said they won. [{A}] The NRF denied it. [{B}]"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        f"The Taliban said they won. [{A}]", f"The NRF denied it. [{B}]"]
    checked = check(text, VALID)
    assert checked.unsupported == 0 and checked.text == text


def test_abbreviations_and_list_numbers_do_not_split_sentences():
    text = f"1. U.S. forces left on Aug. 30 [{A}].\n2. Mr. Dashti spoke [{B}]."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        f"U.S. forces left on Aug. 30 [{A}].", f"Mr. Dashti spoke [{B}]."]
    assert check(text, VALID).unsupported == 0


def test_a_reply_with_no_valid_citation_cites_nothing():
    checked = check("Banana. [article-id]", VALID)
    assert checked.cited_ids == () and checked.removed == 1 and checked.unsupported == 1


def test_quote_is_the_article_sentence_sharing_most_words_with_the_answer_sentence():
    art = Article(id=A, title="T", date="2021-09-06", source="AP", text=(
        "Fighting continued on Sunday. Fahim Dashti, the resistance spokesman, was killed. "
        "The Taliban claimed victory in Panjshir."))
    sents = ["Fighting continued on Sunday.", "Fahim Dashti, the resistance spokesman, was killed.",
             "The Taliban claimed victory in Panjshir."]
    spans = [(art.text.index(x), art.text.index(x) + len(x)) for x in sents]
    s, e = best_span(f"The resistance spokesman Fahim Dashti died [{A}].", spans, art.text)
    assert art.text[s:e] == "Fahim Dashti, the resistance spokesman, was killed."
    cites = citations_for([Sentence(f"Taliban claimed Panjshir [{A}].", (A,))], {A: spans}, {A: art})
    assert len(cites) == 1
    c = cites[0]
    assert (c.article_id, c.quote, c.date, c.source) == (
        A, "The Taliban claimed victory in Panjshir.", "2021-09-06", "AP")
    assert art.text[c.start:c.end] == c.quote


def test_streaming_filter_drops_unknown_markers_split_across_deltas():
    gate = MarkerFilter(VALID)
    deltas = ["The Taliban [", A[:5], A[5:] + "] won", ". Denied [fa", "ke-1]. A [b", "ad lis",
              "t] stays"]
    shown = "".join(gate.feed(d) for d in deltas) + gate.flush()
    assert shown == f"The Taliban [{A}] won. Denied . A [bad list] stays"


def test_streaming_filter_releases_an_unclosed_bracket_at_the_end():
    gate = MarkerFilter(VALID)
    assert gate.feed("see [note") == "see "
    assert gate.flush() == "[note"
