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

#: Answer types a question's form can ask for; NAME: "which/what <noun>" asks for a named
#: thing of the noun's kind (an investor, a hospital, a program), whatever the noun.
DATE, NUMBER, PERSON, PLACE, YESNO, NAME = "date", "number", "person", "place", "yesno", "name"
#: "how much" and "how long" ask for an amount (money, a measure, a share, a duration), not a
#: count of things: "How much bail was set" is not answered by "two deputies". ("How far" is
#: not one: "how far did the Taliban get" asks how far they advanced, not a distance.)
AMOUNT = "amount"
#: "what day", "on what date" ask for a day, not a month or a year: "killed in February" does
#: not say which day.
DAY = "day"

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
    (AMOUNT, re.compile(r"\bhow (?:much|long)\b(?!\s+ago\b)", re.I)),
    (DAY, re.compile(r"\b(?:what|which)\s+(?:exact\s+)?(?:date|day)\b", re.I)),
    (YESNO, re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|"
                       r"should)\b|^\s*(?:is it|was it)\s+true\b|\bis it true\b|\bor not\b",
                       re.I)),
)
#: "which <noun>", "what <noun>", "what is the <noun> of": the noun the question asks about.
_WH = re.compile(r"\b(?i:which|what)\s+(?:(?i:is|was|are|were)\s+(?:the|a|an)\s+)?"
                 r"((?:[\w’'.&-]+\s+){0,4}?)([a-z][a-z-]+)\b")
_ENDS_NOUN = frozenset("of in on at for to from by with about into after before during than "
                       "that who whom which whose".split())
_AUX = frozenset("did does do is was were are has have had will would can could should may "
                 "might must".split())
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|al-|bin|van|de|of))*")
_OPENERS = frozenset("what who whom whose when where why how which is are was were did does do "
                     "has have had can could will would should tell according in on at the a "
                     "an and but so please give show list name".split())


#: Words that only frame a request around a question ("Could you tell me ...", "I'd like to
#: know ...", "Please explain ...", "Give me an idea of ..."), not what it asks about.
_FRAMING = frozenset("""
can could would will you please kindly tell me us let know i i'd i'm id im like want need wish to
understand learn find out curious wondering wonder was am do happen explain describe give show
an a the idea of summary about say quick brief overview some details detail more on
""".split())
_WH_WORDS = frozenset("what who whom whose when where which why how whether if".split())
#: An imperative request verb opening a question that has no wh-word ("Please describe the
#: fighting in Panjshir", "Tell me about Dashti"): it frames the noun phrase after it.
_REQUEST_VERB = re.compile(r"^\s*(?:please\s+)?(?:describe|explain|summari[sz]e|(?:tell|show|give)\s+"
                           r"(?:me|us)(?:\s+(?:about|more\s+about))?)\s+", re.I)


def without_request(text: str) -> str:
    """``text`` less the request framed around it: the words before its first wh-word when all
    of them only frame a request ("Do you know which community ..." -> "which community ..."),
    or an opening imperative request verb ("Please describe the fighting" -> "the fighting").
    Unchanged when nothing frames it."""
    words = [w.lower().strip(",:;?!.").replace("’", "'") for w in text.split()]
    wh = next((i for i, w in enumerate(words) if w in _WH_WORDS), None)
    if wh is None:
        return _REQUEST_VERB.sub("", text, count=1)
    if wh and all(w in _FRAMING for w in words[:wh]):
        return " ".join(text.split()[wh:])
    return text


@dataclass(frozen=True)
class Question:
    """The question every later stage works on."""

    asked: str  # as the user typed it (whitespace normalised)
    text: str  # standalone: follow-ups rewritten against the chat history
    vector: np.ndarray  # unit vector of ``text``
    terms: frozenset[str]  # content terms of ``text``
    name_terms: frozenset[str]  # terms of the proper names it mentions
    wants: frozenset[str]  # answer types its form asks for
    noun: str = ""  # the term of the noun a "which/what <noun>" question asks about


def answer_types(text: str) -> frozenset[str]:
    """The answer types a question's form asks for (see ``_FORMS``)."""
    return frozenset(kind for kind, rx in _FORMS if rx.search(text))


def head_noun(text: str) -> str:
    """The noun a "which/what <noun>" question asks about, as written ("investor" in "Which
    investor sued ...", "official" in "Which Homeland Security official ..."); "" when the
    wh-word is followed by a verb ("What did ...") or there is none. Capitalised words and
    possessives before it are its modifiers ("Russia's GRU unit")."""
    for m in _WH.finditer(text):
        mods = m.group(1).split()
        if any(w.lower() in _AUX for w in mods):
            continue
        if not all(w[:1].isupper() or w.endswith(("'s", "’s")) or not w[:1].isalpha() for w in mods):
            continue
        # A compound ends at its head: "news agency did", "investor sued", "unit of".
        words = [m.group(2)] + text[m.end():].split()[:2]
        noun = ""
        for w in words:
            w = w.strip("?,.;:!").lower()
            if not w.isalpha() or w in _AUX or w in _OPENERS or w in _ENDS_NOUN or _verb_like(w):
                break
            noun = w
        return noun
    return ""


def _verb_like(word: str) -> bool:
    """A past tense ("sued", "wrote"): the verb after a "which <noun>" subject."""
    from ..text import IRREGULAR

    return word.endswith("ed") or (word in IRREGULAR and IRREGULAR[word] != word)


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
    # What is asked, less a request framed around it: its words, names and form.
    core = without_request(text)
    name_terms = frozenset(t for n in names(core) for t in lexicon.terms(n))
    wants = answer_types(core)
    noun = head_noun(core)
    if noun and not wants & {DATE, NUMBER}:
        wants |= {NAME}
    return Question(asked=asked, text=text, vector=vector, terms=lexicon.terms(core),
                    name_terms=name_terms, wants=wants, noun=lexicon.term(noun) if noun else "")
