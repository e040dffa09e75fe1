"""The first stage: what the question is. Made standalone from the chat history, embedded once
(every later stage compares meaning against this one vector), and read for the kind of answer
its form asks for (a date, a number, a person, a place, yes or no).

The answer types come from the question's grammatical form (its wh-word and the noun after
"which"/"what"), the same in any wording of the question; they are features the sentence
scorer weighs, never a gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..embedding import Embedder
from ..text import Lexicon

#: Answer types a question's form can ask for.
DATE, NUMBER, PERSON, PLACE, YESNO = "date", "number", "person", "place", "yesno"

_DATE_NOUN = r"(?:date|day|month|year|time|week|hour)"
_PLACE_NOUN = (r"(?:city|town|village|country|countries|state|province|region|place|base|"
               r"airport|capital|district|area|location|site|venue|nation|county|street)")
_PERSON_NOUN = (r"(?:person|man|woman|people|official|officials|leader|spokesman|spokeswoman|"
                r"spokesperson|politician|senator|minister|president|candidate|commander|member|"
                r"general|player|artist|author|lawmaker|judge|reporter|journalist|director|"
                r"founder|ceo|chief|head|actor|singer|writer|coach)")
_FORMS: tuple[tuple[str, re.Pattern], ...] = (
    (DATE, re.compile(rf"^\s*(?:since\s+)?when\b|\b(?:what|which)\s+(?:\w+\s+)?{_DATE_NOUN}\b|"
                      rf"\bon what\b|\bhow long ago\b|\bwhat year\b", re.I)),
    (NUMBER, re.compile(r"\bhow (?:many|much|big|large|small|high|low|long|far|old|often)\b|"
                        r"\b(?:number|amount|count|total|share|percentage|size|figure)s? of\b|"
                        r"\b(?:toll|tally|turnout|population|attendance|casualties)\b|"
                        r"\bwhat (?:percentage|share|proportion)\b", re.I)),
    (PERSON, re.compile(rf"^\s*(?:\w+\s+){{0,3}}?(?:who|whom|whose)\b|\bwhich\s+(?:\w+\s+)?{_PERSON_NOUN}\b|"
                        rf"\bname (?:of )?the\b", re.I)),
    (PLACE, re.compile(rf"^\s*(?:\w+\s+){{0,3}}?where\b|\b(?:which|what)\s+(?:\w+\s+)?{_PLACE_NOUN}\b|"
                       rf"\bin what (?:\w+\s+)?{_PLACE_NOUN}\b", re.I)),
    (YESNO, re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|"
                       r"should)\b|^\s*(?:is it|was it)\s+true\b|\bis it true\b|\bor not\b",
                       re.I)),
)
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|al-|bin|van|de|of))*")
_OPENERS = frozenset("what who whom whose when where why how which is are was were did does do "
                     "has have had can could will would should tell according in on at the a "
                     "an and but so please give show list name".split())


@dataclass(frozen=True)
class Question:
    """The question every later stage works on."""

    asked: str  # as the user typed it (whitespace normalised)
    text: str  # standalone: follow-ups rewritten against the chat history
    vector: np.ndarray  # unit vector of ``text``
    terms: frozenset[str]  # content terms of ``text``
    name_terms: frozenset[str]  # terms of the proper names it mentions
    wants: frozenset[str]  # answer types its form asks for


def answer_types(text: str) -> frozenset[str]:
    """The answer types a question's form asks for (see ``_FORMS``)."""
    return frozenset(kind for kind, rx in _FORMS if rx.search(text))


def names(text: str) -> list[str]:
    """Capitalised word runs of a question, less the capitalised word that opens it."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        while words and words[0].lower() in _OPENERS:
            words = words[1:]
        if words:
            out.append(" ".join(words))
    return out


def understand(asked: str, history: list, embedder: Embedder, lexicon: Lexicon,
               max_chars: int) -> Question:
    """The ``Question`` for ``asked`` in the light of ``history`` (chat turns)."""
    text = asked
    if history:
        from ..chat import rewrite

        # Never longer than the question-length limit, however long the history.
        text = rewrite(asked, history, limit=max_chars)
    vector = np.asarray(embedder.embed([text])[0], dtype=np.float32)
    name_terms = frozenset(t for n in names(text) for t in lexicon.terms(n))
    return Question(asked=asked, text=text, vector=vector, terms=lexicon.terms(text),
                    name_terms=name_terms, wants=answer_types(text))
