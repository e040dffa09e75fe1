"""Contests as prose, and the check that an answer never states a contested point in its own
voice.

Both run on every answer that shows a contest, so they read words (``qa.text.Lexicon``'s
stemmed content terms), not a parse: answering never loads spaCy (a server that did held
~50-140 MB more for it; issue 13).
"""

from __future__ import annotations

import re

from ..domain import CITATION_RE, Claim, Contest
from ..text import Lexicon
from .nlp import REPORTING

_CLAIM_VERBS = ("claim", "announc", "insist")
_HEDGES = frozenset("reportedly allegedly purportedly apparently claim claims claimed denial denied "
                    "disputed according".split())
#: Reporting verbs as written (said, says, told ...): a sentence holding one says who holds what
#: it states.
_IRREGULAR_REPORTS = {"say": ("said",), "tell": ("told",), "write": ("wrote", "written"),
                      "deny": ("denied", "denies"), "testify": ("testified", "testifies")}


def _forms(lemma: str) -> set[str]:
    past = lemma + ("d" if lemma.endswith("e") else "ed")
    return {lemma, lemma + "s", past, *_IRREGULAR_REPORTS.get(lemma, ())}


_REPORTED = re.compile(r"\b(?:" + "|".join(sorted(
    {f for lemma in REPORTING for f in _forms(lemma)} | {"according"},
    key=len, reverse=True)) + r")\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])(?:\s*\[[^\]]*\])*\s+(?=[A-Z“\"(])")


def _ids(claims) -> str:
    return "[" + ", ".join(dict.fromkeys(c.article_id for c in claims)) + "]"


def _who(c: Claim) -> str:
    """Who a claim is attributed to, as prose."""
    if not c.attributed:
        return c.speaker if c.speaker != "the article" else "one report"
    if c.speaker[:1].isupper() and c.speaker != c.side and len(c.speaker.split()) <= 4:
        return c.speaker
    if len(c.speaker.split()) <= 5 and c.side.split()[0] in c.speaker.split():
        return c.speaker  # "a Trump campaign official" says more than "Trump"
    return _side_text(c)


def _side_text(c: Claim) -> str:
    """A side as prose: organisations of several words take "the" ("the National Resistance
    Front"); one-word names and people do not ("Reuters")."""
    side = c.side
    if c.speaker == side or " " not in side or side.lower().startswith("the "):
        return side
    return f"the {side}"


def _position_side(position: str) -> str:
    return re.sub(r"^(claimed|denied) by\s+", "", position)


def _verb(c: Claim) -> str:
    v = c.verb.lower()
    if not c.attributed:
        return "reported"
    if v.startswith("report"):
        return "reported"
    if v.startswith(_CLAIM_VERBS):
        return "claimed"
    return "said"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _join(parts: list[str]) -> str:
    parts = list(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(contest: Contest, lexicon: Lexicon | None = None) -> str:
    """One or two sentences that attribute every side of ``contest`` and cite its articles:
    "The Taliban said they had taken ... [002_...]; the National Resistance Front denied it
    [000_...]." Nothing is stated in the narrator's voice."""
    if not contest.sides:
        return ""
    lexicon = lexicon or Lexicon()
    if contest.kind == "denial":
        parts = []
        for side in contest.sides:
            claims = list(side.claims)
            who = _position_side(side.position)
            if side.position.startswith("claimed"):
                rep = _representative(claims, contest.topic)
                # The articles that say what the sentence says, not every article of the side.
                backing = [c for c in claims if _states_point(c, rep, lexicon)] or [rep]
                parts.append(f"{who} {_verb(rep)} {rep.content.rstrip('.')} {_ids(backing)}")
            else:
                denials = [c for c in claims if c.stance != "asserts"] or claims
                disputes = all(c.stance == "disputes" for c in denials)
                parts.append(f"{who} {'disputed' if disputes else 'denied'} it {_ids(denials)}")
        return _cap("; ".join(parts)) + "."
    lead = f"The articles differ on {contest.topic}"
    parts = []
    for side in contest.sides:
        groups: dict[str, list[Claim]] = {}
        for c in side.claims:
            groups.setdefault(f"{_who(c)}|{_verb(c)}", []).append(c)
        speakers = _join([k.split("|")[0] for k in groups])
        verbs = {k.split("|")[1] for k in groups}
        verb = "reported" if verbs == {"reported"} else "said" if len(groups) > 1 else next(iter(verbs))
        if contest.kind == "dates":
            # A reporting verb, so that the sentence reads (and checks) as attributed.
            verb = "said" if len(groups) > 1 else "says"
        parts.append(f"{speakers} {verb} {side.position} {_ids(side.claims)}")
    return f"{lead}: " + "; ".join(parts) + "."


def _states_point(c: Claim, rep: Claim, lexicon: Lexicon) -> bool:
    """Whether claim ``c`` says what the representative claim says: it holds most of its
    content words."""
    if c is rep:
        return True
    want = lexicon.terms(rep.content)
    return bool(want) and len(want & lexicon.terms(c.quote)) >= 0.6 * len(want)


def _representative(claims: list[Claim], topic: str) -> Claim:
    """The asserting claim whose words the topic is."""
    asserting = [c for c in claims if c.stance == "asserts" and c.content] or claims
    for c in asserting:
        rest = c.content.split(" ", 1)[-1].rstrip(".")
        if topic.endswith(rest) or topic == c.content.rstrip("."):
            return c
    return asserting[0]


def _attributed(sentence: str) -> bool:
    """The sentence says who holds what it states (a reporting verb, "according to",
    "reportedly", "a claim ...")."""
    low = sentence.lower()
    return bool(_REPORTED.search(sentence)) or any(
        w in _HEDGES for w in re.findall(r"[a-z]+", low))


def unhedged(text: str, contests: list[Contest], lexicon: Lexicon | None = None) -> list[str]:
    """Sentences of ``text`` that state a contested claim's content (or one side's figure or
    date) without saying who claims it."""
    if not contests or not text.strip():
        return []
    lexicon = lexicon or Lexicon()
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    out = []
    for s in sentences:
        bare = " ".join(CITATION_RE.sub("", s).split())
        if not bare or _attributed(bare):
            continue
        words = lexicon.terms(bare)
        if any(_states(contest, bare, words, lexicon) for contest in contests):
            out.append(s)
    return out


def _states(contest: Contest, bare: str, words: frozenset[str], lexicon: Lexicon) -> bool:
    low = bare.lower()
    if contest.kind == "values":
        # One telling of a sentence that others tell with another value.
        return any(side.position.lower() in low for side in contest.sides)
    if contest.kind in ("numbers", "dates"):
        topic = lexicon.terms(contest.topic) - {"number"}  # "the number of children"
        shared = len(topic & words)
        return shared >= min(2, len(topic)) and any(
            side.position.lower() in low for side in contest.sides)
    for side in contest.sides:
        for c in side.claims:
            if c.stance != "asserts" or not c.content:
                continue
            want = lexicon.terms(c.content)
            if len(want) >= 3 and len(want & words) >= max(3, 0.6 * len(want)):
                return True
    return False
