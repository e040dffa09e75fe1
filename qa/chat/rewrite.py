"""Follow-up rewriting: a chat question made standalone from the questions before it, no LLM.

The rule, in order (``rewrite(question, history)``):

1. The *context* is the previous user question, itself made standalone by this same rule
   (earlier turns are rewritten in order, so a chain of follow-ups keeps its topic).
2. A question is **standalone**, and returned unchanged, when it names an entity of its own, has
   no pronoun that points outside itself, does not open with a connective ("and", "but",
   "what about"...) and does not end on a bare reporting verb ("... say?"). With no history
   every question is standalone.
3. Entities are capitalised word runs ("Fahim Dashti", "the National Resistance Front",
   "Panjshir") and a few lower-case actor nouns ("the resistance", "the government"). A run of
   two or more capitalised words without "the" or an organisation word is a *person*.
4. **Ellipsis** ("what about the resistance?", "and Andarab?"): the context is repeated with
   the new entity in place of the context entity of its kind (a person replaces the last
   person, a "the ..." group the first group, a bare name the last bare name), else in place
   of the context's subject (its first non-person entity).
5. **Events** ("when did that happen?", "why did it start?"): the pronoun stands for the
   context's *topic* (the context without its question word and auxiliary, or what was said
   "about" in it): "When did the Taliban take control of Panjshir?".
6. **Pronouns**: he/him/his/she/her -> the latest person named in earlier questions;
   they/them/their -> the context's subject; there -> "in" + the context's last non-person
   entity; a closing "it"/"that"/"this" -> "that" + topic. Possessives get "'s".
7. If nothing above tied the question to the context, or it ends on a bare reporting verb, the
   topic is carried over: "What did the resistance say?" -> "What did the resistance say about
   <topic>?".

Bounded by construction: a pronoun or an ellipsis is only ever replaced by an entity written in
one of the questions as asked (a run of names that substitution made, such as "Ahmad Massoud
Ahmad Massoud's" from "they ... their", is no entity of any question and stands for nothing),
earlier turns longer than ``limit`` are not questions anyone could have asked and give no
context, and a rewrite longer than ``limit`` gives way to the question as asked. So a standalone
question is never longer than the question-length limit, however many follow-ups came before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

WH = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which"}
AUX = {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "will", "would",
       "can", "could", "should", "may", "might"}
QUANT = {"many", "much", "long", "often", "far", "old", "big", "large"}
LEADERS = ("and", "but", "so", "also", "then", "ok", "okay", "well", "now")
FUNCTION = WH | AUX | set(LEADERS) | {"i", "is", "in", "on", "at", "the", "a", "an", "if"}
#: Capitalised at the start of a question these are still pronouns, never names.
PRONOUNS = {"he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs", "there",
            "it", "its", "this", "that", "these", "those", "we", "you"}
ORG_WORDS = {"front", "movement", "province", "valley", "emirate", "army", "ministry", "news",
             "council", "party", "forces", "force", "government", "republic", "union", "nations",
             "states", "district", "city", "agency", "tv", "times", "post", "press", "committee",
             "commission", "bazaar", "pass", "state", "court", "police", "world"}
ACTOR_NOUNS = ("resistance", "government", "militants", "fighters", "army", "opposition",
               "rebels", "police", "military", "spokesman", "spokesperson", "leader",
               "movement", "group", "insurgents", "troops")
REPORTING = ("say", "said", "claim", "claimed", "deny", "denied", "respond", "responded",
             "react", "reacted", "think", "report", "reported", "announce", "announced", "add")
EVENT_VERBS = ("happen", "happened", "occur", "occurred", "take place", "took place", "start",
               "started", "begin", "began", "end", "ended", "stop", "stopped")

_CAP = r"[A-Z][\w’'.-]*"
_ENTITY = re.compile(
    rf"(?:\b[Tt]he\s+)?{_CAP}(?:\s+(?:of\s+(?:the\s+)?|al-|bin\s+)?{_CAP})*"
    rf"|\b[Tt]he\s+(?:{'|'.join(ACTOR_NOUNS)})\b"
)
_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers|they|them|their|theirs|there)\b", re.I)
_EVENT = re.compile(
    rf"^(?P<wh>when|where|why|how)\s+(?P<aux>did|does|do|was|is|will|would|could)\s+"
    rf"(?:that|it|this)\s+(?:{'|'.join(EVENT_VERBS)})\b\s*\??$", re.I,
)
_ELLIPSIS = re.compile(r"^(?:what|how)\s+about\s+(?P<x>.+?)\s*\??$|^what\s+of\s+(?P<y>.+?)\s*\??$",
                       re.I)
_ABOUT = re.compile(rf"\b(?:{'|'.join(REPORTING)})\s+(?:about|on|regarding|of)\s+(?P<t>.+)$", re.I)
_VAGUE_END = re.compile(r"\b(?:it|that|this)\s*\??$", re.I)
_POSSESSIVE_NEXT = re.compile(r"^\s+(?!(?:about|on|in|at|to|for|from|with|by|of|and|or|say|said)\b)[a-z]")


@dataclass(frozen=True)
class Entity:
    text: str
    start: int
    person: bool


def entities(question: str) -> list[Entity]:
    """Named things in ``question``, in order (see rule 3)."""
    # A capitalised question word or connective at the start is not a name.
    q = re.sub(r"^\s*(\w+)", lambda m: m.group(1).lower() if m.group(1).lower() in FUNCTION
               else m.group(1), question)
    out = []
    for m in _ENTITY.finditer(q):
        text = m.group(0)
        words = text.split()
        if len(words) == 1 and (words[0] in {"I", "The"}
                                or words[0].lower().strip(".’'") in PRONOUNS):
            continue
        has_the = words[0].lower() == "the"
        names = words[1:] if has_the else words
        person = (not has_the and len(names) >= 2 and names[0][0].isupper()
                  and not any(w.lower().strip(".’'") in ORG_WORDS for w in names))
        out.append(Entity(text, m.start(), person))
    return out


def _strip(question: str) -> tuple[str, bool]:
    """The question without its leading connectives, and whether it had any."""
    q, led = question.strip(), False
    while True:
        m = re.match(rf"^(?:{'|'.join(LEADERS)})\b[\s,]*", q, re.I)
        if not m or m.end() == len(q):
            return q, led
        q, led = q[m.end():], True


def topic(context: str) -> str:
    """What ``context`` is about: what was said "about" in it, else its clause without the
    question word and auxiliary (``Did the Taliban take X?`` -> ``the Taliban take X``)."""
    s = context.strip().rstrip("?.! ")
    m = _ABOUT.search(s)
    if m:
        return m.group("t")
    words = s.split()
    i = 0
    if words and words[0].lower() in WH:
        i = 1
        # "How many fighters did ...": the clause starts after the auxiliary.
        aux = next((j for j in range(1, min(len(words), 5)) if words[j].lower() in AUX), None)
        if aux is not None and (aux == 1 or words[1].lower() in QUANT | {"which", "whose"}
                                or words[0].lower() in ("which", "whose")):
            i = aux
    if i < len(words) and words[i].lower() in AUX:
        i += 1
    rest = " ".join(words[i:])
    return rest if rest else s


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _question(text: str) -> str:
    return _cap(text.strip().rstrip("?.! ").strip()) + "?"


def _replace(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), lambda _: new, text, count=1, flags=re.I)


def _people(questions: Sequence[str], named: frozenset[str]) -> list[str]:
    """Persons named in ``questions``, latest question first, last mention first."""
    return [e.text for q in reversed(questions) for e in reversed(_named(q, named)) if e.person]


def _named(text: str, named: frozenset[str]) -> list[Entity]:
    """The entities of ``text`` that some question as asked names (see "Bounded")."""
    return [e for e in entities(text) if e.text.lower() in named]


def rewrite(question: str, history: Sequence[dict], limit: int = 2000) -> str:
    """``question`` made standalone using the earlier user turns in ``history`` (see the
    module docstring for the rule), at most ``limit`` characters (the question-length limit;
    ``question`` itself must be within it). Standalone questions come back unchanged."""
    asked = [t["content"] for t in history
             if isinstance(t, dict) and t.get("role") == "user" and isinstance(t.get("content"), str)
             and t["content"].strip() and len(t["content"]) <= limit]
    named = frozenset(e.text.lower() for q in (*asked, question) for e in entities(q))
    earlier: list[_Standalone] = []
    for q in asked:  # earlier follow-ups first become standalone themselves
        earlier.append(_rewrite_within(q, earlier, named, limit))
    return _rewrite_within(question, earlier, named, limit).text


@dataclass(frozen=True)
class _Standalone:
    """An earlier question made standalone, and what it is about. A follow-up that took its
    context's topic ("when did that happen?", "... say?") is about that same topic, so topics
    are carried, never nested one inside the next."""

    text: str
    topic: str


def _rewrite_within(question: str, earlier: list[_Standalone], named: frozenset[str],
                    limit: int) -> _Standalone:
    text, about = _rewrite_one(question, earlier, named)
    if len(text) > limit:
        text, about = question, None
    return _Standalone(text, about if about is not None else topic(text))


def _rewrite_one(question: str, earlier: list[_Standalone],
                 named: frozenset[str]) -> tuple[str, str | None]:
    """The standalone question, and its topic when it took its context's (else None)."""
    if not earlier:
        return question, None
    context = earlier[-1].text
    texts = [e.text for e in earlier]
    body, led = _strip(question)
    own = entities(body)
    pronouns = [m for m in _PRONOUN.finditer(body)
                if not any(e.start < m.start() for e in own)]  # "X said they..." points inward
    dangling = re.search(rf"\b(?:{'|'.join(REPORTING)})\s*\??$", body, re.I)
    vague = _EVENT.match(body) or _VAGUE_END.search(body)
    if own and not led and not pronouns and not dangling and not vague \
            and not _ELLIPSIS.match(body):
        return question, None
    ctx_entities = _named(context, named)
    subject = next((e for e in ctx_entities if not e.person), ctx_entities[0] if ctx_entities else None)
    about = earlier[-1].topic

    # Rule 4: ellipsis.
    m = _ELLIPSIS.match(body)
    x = (m.group("x") or m.group("y")) if m else None
    if x is None and led and not re.match(rf"^(?:{'|'.join(WH | AUX)})\b", body, re.I) \
            and len(body.split()) <= 5:
        x = body.rstrip("?.! ")
    if x is not None:
        resolved_x = _resolve_pronouns(x, texts, subject, ctx_entities, named)
        if resolved_x is None and _PRONOUN.fullmatch(x.strip()):
            return question, None  # "what about him?" with nobody to be him: leave it as asked
        x = resolved_x or x
        target = _same_kind(x.strip(), ctx_entities) or subject
        if target is None:
            return _question(f"what about {x}, regarding {about}"), about
        return _question(_replace(context, target.text, x.strip())), None

    # Rule 5: events.
    m = _EVENT.match(body)
    if m:
        return _question(f"{m.group('wh')} {m.group('aux')} {about}"), about

    # Rule 6: pronouns.
    resolved = _resolve_pronouns(body, texts, subject, ctx_entities, named)
    if resolved is not None:
        body = resolved
    if _VAGUE_END.search(body) and not own:
        return _question(_VAGUE_END.sub("", body).rstrip() + f" that {about}"), about
    if resolved is not None and not dangling:
        return _question(body), None

    # Rule 7: carry the topic over.
    if about.lower() in body.lower():
        return _question(body), about
    return _question(f"{body.rstrip('?.! ')} about {about}"), about


def _kind(e: Entity) -> str:
    return "person" if e.person else "group" if e.text.lower().startswith("the ") else "name"


def _same_kind(x: str, ctx_entities: list[Entity]) -> Entity | None:
    """The context entity that ``x`` stands in for: a person replaces the last person, a
    "the ..." group the first group, a bare name the last bare name."""
    x_ents = entities(x)
    if not x_ents or x_ents[0].text.lower() != x.lower():
        return None
    kind = _kind(x_ents[0])
    same = [e for e in ctx_entities if _kind(e) == kind]
    if not same:
        return None
    return same[0] if kind == "group" else same[-1]


def _resolve_pronouns(text: str, earlier: list[str], subject: Entity | None,
                      ctx_entities: list[Entity], named: frozenset[str]) -> str | None:
    """``text`` with outward-pointing pronouns replaced, or None when none could be."""
    people = _people(earlier, named)
    places = [e for e in reversed(ctx_entities) if not e.person]
    changed = False
    own = entities(text)

    def swap(m: re.Match) -> str:
        nonlocal changed
        word = m.group(0)
        w = word.lower()
        if any(e.start < m.start() for e in own):
            return word
        if w in ("he", "him", "his", "she", "her", "hers"):
            if not people:
                return word
            name = people[0]
            possessive = w in ("his", "hers") or (w == "her" and _POSSESSIVE_NEXT.match(
                text[m.end():]) is not None)
        elif w in ("they", "them", "their", "theirs"):
            if subject is None:
                return word
            name, possessive = subject.text, w in ("their", "theirs")
        else:  # there
            if not places:
                return word
            name, possessive = "in " + places[0].text, False
        changed = True
        return name + ("'s" if possessive else "")

    out = _PRONOUN.sub(swap, text)
    return out if changed else None
