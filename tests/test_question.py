"""Reading a question's form: the answer types it asks for and the noun a "which <noun>"
question asks about (features of the evidence stage, never gates)."""

from __future__ import annotations

import pytest

from qa.answer.question import DATE, NAME, NUMBER, PERSON, YESNO, answer_types, head_noun


@pytest.mark.parametrize("question, noun", [
    ("Which investor sued Burr over his sale of Wyndham shares?", "investor"),
    ("Which Homeland Security official presented the research?", "official"),
    ("Which unit of Russia's GRU do officials say ran the bounty operation?", "unit"),
    ("On which program did Biden first deny the allegation himself?", "program"),
    ("Which news agency did the resistance source speak to?", "agency"),
    ("Which justice wrote the majority opinion?", "justice"),
    ("What rating did the Post's fact check give McConnell?", "rating"),
    ("What is the population of Pilzno?", "population"),
    ("In what year was the cathedral founded?", "year"),
    ("What did Trump say about disinfectant?", ""),
    ("What does Iran say about the strike?", ""),
    ("Who leads the resistance?", ""),
])
def test_the_noun_a_which_question_asks_about(question, noun):
    assert head_noun(question) == noun


@pytest.mark.parametrize("question, wants", [
    ("When did Ghani leave Afghanistan?", {DATE}),
    ("How many Taliban fighters were killed?", {NUMBER}),
    ("Who speaks for the Taliban?", {PERSON}),
    ("Did the Taliban take Panjshir?", {YESNO}),
])
def test_answer_types_come_from_the_form(question, wants):
    assert answer_types(question) >= wants


def test_a_which_noun_question_wants_a_name(seed_service):
    from qa.domain import Filters

    prep = seed_service.pipeline().prepare("Which news agency did the resistance source speak to?",
                                           [], Filters())
    assert NAME in prep.question.wants and prep.question.noun == "agenc"
