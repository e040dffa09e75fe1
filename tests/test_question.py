"""Reading a question's form: the answer types it asks for and the noun a "which <noun>"
question asks about (features of the evidence stage, never gates)."""

from __future__ import annotations

import pytest

from qa.domain import Article

from qa.answer.question import (AMOUNT, DATE, DAY, NAME, NUMBER, PERSON, YESNO, answer_types,
                                head_noun, without_request)


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
    ("How much bail was set for the suspect?", {NUMBER, AMOUNT}),
    ("What day was the jogger killed?", {DATE, DAY}),
    ("On which date did the talks end?", {DATE, DAY}),
])
def test_answer_types_come_from_the_form(question, wants):
    assert answer_types(question) >= wants
    assert AMOUNT not in answer_types("How many Taliban fighters were killed?")
    assert AMOUNT in answer_types("How long did the jury deliberate?")
    # "how far did they get" asks how far they advanced, not for a distance
    assert AMOUNT not in answer_types("How far did the Taliban get in their offensive?")


def test_how_much_wants_an_amount_not_a_count(make_service):
    """"How much bail" is not answered by a sentence that counts deputies: a question that asks
    for an amount is refused when no sentence gives one, and answered when one does."""
    svc = make_service()
    arrest = ("Harlan Voss and his son were arrested on Thursday and charged with murder in the "
              "death of Omar Reyes, two deputies said. Voss appeared in court in Glynn County on "
              "Friday, where a judge heard the charges against him.")
    svc.ingest_items([Article(id="bail-a", title="Voss arrested", date="2020-05-08",
                              source="Daily Ledger", text=arrest)])
    refused = svc.ask("How much bail was set for Harlan Voss?")
    assert refused.abstained, refused.text
    svc.ingest_items([Article(id="bail-b", title="Voss bail", date="2020-05-09",
                              source="Metro Wire",
                              text="A judge set bail for Harlan Voss at $250,000 on Saturday.")])
    answered = svc.ask("How much bail was set for Harlan Voss?")
    assert not answered.abstained and "$250,000" in answered.text, answered.text
    assert {c.article_id for c in answered.citations} >= {"bail-b"}


def test_a_which_noun_question_wants_a_name(seed_service):
    from qa.domain import Filters

    prep = seed_service.pipeline().prepare("Which news agency did the resistance source speak to?",
                                           [], Filters())
    assert NAME in prep.question.wants and prep.question.noun == "agenc"


@pytest.mark.parametrize("question, core", [
    ("Could you tell me who is leading the resistance?", "who is leading the resistance?"),
    ("I'd like to know when Massoud died.", "when Massoud died."),
    ("Do you know which community Massoud led?", "which community Massoud led?"),
    ("Give me an idea of how many people were displaced.", "how many people were displaced."),
    ("Please describe the fighting in Panjshir", "the fighting in Panjshir"),
    # Not a request: a yes/no question, a question whose first words say what it asks about.
    ("Do the Taliban control Panjshir?", "Do the Taliban control Panjshir?"),
    ("Did the Taliban say what happened?", "Did the Taliban say what happened?"),
    ("The Taliban said what about Rukha?", "The Taliban said what about Rukha?"),
])
def test_a_request_framed_around_a_question_is_not_what_it_asks(question, core):
    assert without_request(question) == core


def test_a_framed_question_wants_what_its_question_wants(seed_service):
    """"Do you know which ..." asks for a name, not yes or no; and its request words are not
    what the answer must hold (they made "Please describe what ..." go unanswered)."""
    from qa.domain import Filters

    q = seed_service.pipeline().prepare("Could you tell me who is leading the resistance in Panjshir?",
                                        [], Filters()).question
    assert PERSON in q.wants and YESNO not in q.wants
    ans = seed_service.ask("Please describe what the Panjshir valley is still littered with.")
    assert "tank" in ans.text and any(c.article_id == "003_b50cd088e71c6203" for c in ans.citations)


def test_what_day_wants_a_day_not_a_month(make_service):
    """"What day" is answered by the sentence that names the day ("on Feb. 23"), not by one that
    names the month ("in February"), though both name the killing."""
    svc = make_service()
    svc.ingest_items([
        Article(id="day-a", title="Jogger's death", date="2020-05-06", source="Daily Ledger",
                text="Omar Reyes, 25, was killed in February in a neighborhood outside Brunswick, "
                     "Georgia, while out jogging, his family said."),
        Article(id="day-b", title="Video of the shooting", date="2020-05-07", source="Metro Wire",
                text="A video released this week shows the moments before Reyes was shot. Reyes "
                     "was killed on Feb. 23 after two men chased him in a pickup truck."),
    ])
    ans = svc.ask("What day was Omar Reyes killed?")
    assert not ans.abstained, ans.text
    assert "Feb. 23" in ans.text.split("[")[0], ans.text  # the first sentence names the day
