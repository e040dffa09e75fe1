"""Denial contests: one side asserts a point and another denies or disputes it.

A denial is linked to the assertions it answers: those of the side it names ("refuted reports by
the Taliban"), or, when it names none, those about the same thing ("reports about an
agreement"); then each side is filled in with its other claims on the point. A denial only by
negation ("they did not advance") starts a contest only against nearly the same proposition of
another side about the same thing; one that names what it denies by a pronoun ("it never
happened") answers the claim of another side its own article reports before it.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..domain import Contest, ContestSide
from .groups import Found, UnionFind, in_order
from .nlp import FRAME_VERBS
from .record import ANY_REPORT, Record, name_opening_pronoun
from .sides import same_side

#: Cosine similarity between a denial and an assertion of the side it names.
SIM_TARGETED = 0.5
#: ... when both are in one article, which tells one story.
SIM_SAME_ARTICLE = 0.45
#: ... when the denial names no side and the two share no subject or object.
SIM_OPEN = 0.7
#: ... when they share a subject or object noun ("agreement").
SIM_SHARED_KEY = 0.25
#: A denial that names neither a side nor a report also answers the claim about the denier
#: (its subject, object or agent names it) closest in meaning, when this close: a side denies
#: what is said of it ("Iran denied any involvement in the attacks" answers "Iran launched the
#: attack" or "the attacks were sponsored by Iran", whoever said it, in any article; not "any
#: attack on Iran will spark a war", which only mentions it). One claim, not all: a story says
#: many things of the side it is about. (A denial of "reports about an agreement" says what it
#: denies: ``SIM_SHARED_KEY``.)
SIM_ACCUSED = 0.5
#: Nouns too general to say two claims are about the same thing.
_VAGUE_KEYS = frozenset("country people one thing time year way part side government official "
                        "officials report reports world state issue".split())
#: A side's other claims in the same articles join it when this close to the other side's
#: claims and to the point as a whole (or when they share a sentence with a linked claim).
SIM_SUPPORT = 0.65
SIM_CENTRE = 0.6
#: ... or, from any article, when about what the denials are about ("agreement").
SIM_KEY_SUPPORT = 0.45
_CONFIRM = ("confirm", "admit", "acknowledg")



_DENY_VERBS = ("den", "refut", "reject", "dismiss", "rebut", "contradict", "disavow", "disput",
               "contest", "counter", "challeng", "question")


def _soft(d: Record) -> bool:
    """A denial only by negation ("they did not advance", "there were no casualties"): it
    names no claim it answers, so it may agree with one as easily; it joins a contest as a
    side's claim but never starts one."""
    return d.claim.stance == "denies" and not d.claim.verb.lower().startswith(_DENY_VERBS)


_BARE = re.compile(r"^(?:the |a |an )?(?:[\w.-]+(?:[’']s?)? ){0,3}(?:reported |alleged |latest |earlier )?"
                   r"(?:claims?|allegations?|reports?|statements?|assertions?|accusations?|"
                   r"charges?|accounts?|version|story|narrative|characterization|suggestion|"
                   r"rumou?rs?)\b(?!.*\bthat\b)", re.I)


#: A definite description with no verb ("the existence of the program", "those payments"):
#: it names something its article has told of already.
_DEFINITE = re.compile(r"^(?:the|this|that|these|those|such)\s+(?:\S+\s+){0,4}\S+$", re.I)


def _bare(d: Record) -> bool:
    """A denial of "the Taliban's claim" that does not say which claim, or of a thing by a
    definite description ("denied the existence of the program"): it answers one its own
    article has reported, never one in another article."""
    content = d.claim.content.strip()
    return bool(_BARE.match(content)) or (not d.pred and d.target in (None, ANY_REPORT)
                                          and bool(_DEFINITE.match(content)))


#: "It never happened", "This is not true", "None of it is accurate": a denial by negation of
#: something already said, which it names only by a pronoun.
_ANAPHORIC = re.compile(r"^(?:it|this|that|none of (?:it|this|that)|any of (?:it|this|that))\b"
                        r".{0,40}\b(?:happen(?:ed)?|occur(?:red)?|true|accurate|correct|so|"
                        r"the case)\b", re.I)
#: A denial by negation with no pronoun for what it denies answers a claim of another side only
#: when the two are close to the same proposition (one negated): the same verb ("didn't leave
#: any plan" / "left them a playbook"), and this similar.
SIM_SOFT = 0.5
#: An anaphoric denial ("denied those allegations") answers the closest claim of another side
#: its own article reports before it, when this close (at 0.25 it answered whatever else the
#: article said about the affair: "Biden faced 142 questions across 19 interviews").
SIM_ANAPHORIC = 0.45
#: ... but the claim told just before the denial (this many characters before it: about two
#: sentences) is what the pronoun stands for, when related at all (``SIM_SHARED_KEY``).
NEAR_CHARS = 300


def anaphoric(d: Record) -> bool:
    """Whether ``d`` denies something already said that it names only by a pronoun ("it never
    happened") or by a bare claim noun of the side it answers ("disputed the president's
    account")."""
    if d.claim.stance == "denies" and _ANAPHORIC.match(d.claim.content.strip()):
        return True
    return d.claim.stance != "asserts" and _bare(d)


def _links(d: Record, a: Record, sim: float, soft: bool, bare: bool) -> str | None:
    """How denial ``d`` answers assertion ``a`` (a path of ``PATHS``), or None when it does
    not. ``soft`` and ``bare``: ``_soft(d)`` and
    ``_bare(d)``, read once per denial. (Anaphoric denials are linked apart: to the claim of
    another side they answer in their own article, ``_anaphoric_links``; and a denial that
    names no claim, to the one said of the denier, ``SIM_ACCUSED``.)"""
    if a.claim.side == d.claim.side:
        return None
    path = _path(d, a, sim, soft, bare)
    if path is None or _own(d, a):
        return None
    if _negated(a) and (soft or _NEGATED.search(d.claim.content)):
        # A negated assertion is no opposite of a negated denial: "you don't want to do
        # something precipitously" and "you want to make sure you don't do something
        # precipitously" agree, and so do "investigators found 'no persuasive evidence'" told
        # twice (in a hand-read sample of the AllSides corpus, 2 answers among 30 such links:
        # 1 of 22 for a denial by negation alone, 1 of 8 for the others).
        return None
    return path


def _path(d: Record, a: Record, sim: float, soft: bool, bare: bool) -> str | None:
    """The path by which ``d`` would answer ``a`` before the checks that rule a pair out
    whatever its path (one speaker; negated on both sides), which ``_links`` makes after it:
    the path is the cheaper test, and most pairs have none."""
    if soft:
        # Only the same proposition negated: the same main verb. Sharing a subject or object
        # noun is not enough ("he does not have any involvement in my investment decisions" is
        # no answer to "he asked his financial adviser to reverse a purchase"): on the
        # AllSides dev events that path made about half the contests found, nearly all false.
        if d.pred.isalpha() and d.pred not in FRAME_VERBS and d.pred == a.pred and sim >= SIM_SOFT:
            # (Not a verb of thinking or wanting: "I don't think Biden getting into this helps"
            # answers no one's "I think Biden could follow the briefings"; 1 answer among 16
            # such links in the hand-read sample.)
            return "negated verb"
        # ... or the thing it says there was none of: "no quid pro quo ever occurred" answers
        # "there was a quid pro quo" (a noun both name, that the denial negates with "no"), as
        # close as the same verb negated (``SIM_SOFT``; at ``SIM_SHARED_KEY`` "he expresses no
        # leadership", "no police officer would want to hurt" answered whatever named the noun).
        names = {w.lower() for w in (a.claim.side + " " + d.claim.side).split()}
        return "none of" if sim >= SIM_SOFT and _none_of(d) & set(a.keys) - names else None
    if bare and a.claim.article_id != d.claim.article_id:
        return None
    if d.target and d.target != ANY_REPORT:
        if a.claim.side != d.target:
            return None
        same_article = a.claim.article_id == d.claim.article_id
        return "named side" if sim >= (SIM_SAME_ARTICLE if same_article else SIM_TARGETED) else None
    names = {w.lower() for w in (a.claim.side + " " + d.claim.side).split()}
    if d.target == ANY_REPORT and (set(d.keys) & set(a.keys)) - _VAGUE_KEYS - names:
        return "named report" if sim >= SIM_SHARED_KEY else None
    return "close" if sim >= SIM_OPEN else None


#: A negation among a claim's words.
_NEGATED = re.compile(r"\b(?:not|no|never|nothing|none|nobody|neither|nor)\b|n[’']t\b", re.I)
#: Verbs that negate what they govern: "sought to avoid escalation" says no escalation was sought.
_NEGATING = re.compile(r"\b(?:avoid|prevent|refrain|refus|fail|stop|halt|block|deter|averted?)\w*", re.I)


def _negated(a: Record) -> bool:
    """Whether assertion ``a`` is negative: a negation word, or a verb that negates what it
    governs other than its own predicate ("sought to avoid U.S. casualties", which "we do not
    seek escalation" agrees with; not "he refused to testify", which "he did not refuse"
    answers)."""
    content = _before_contrast(a)
    if _NEGATED.search(content):
        return True
    return any(not (a.pred and m.group(0).lower().startswith(a.pred[:4].lower()))
               for m in _NEGATING.finditer(content))


#: A negation that sets a phrase against what was just said, with no clause of its own: "...,
#: but not about the alleged assault", "though never in writing". (A clause of its own, "but
#: you're not allowed to ...", asserts something negative, which a denial may answer.)
_CONTRAST = re.compile(r",?\s+(?:but|although|though|whereas|except)\s+(?:not|never|no)\b", re.I)


def _before_contrast(a: Record) -> str:
    """The part of an assertion's content before a negated contrast that follows its predicate:
    that negation scopes over the phrase it sets against the claim, not over what the claim
    asserts ("she complained to multiple colleagues ..., but not about the alleged assault"
    asserts that she complained)."""
    content = a.claim.content
    stem = a.pred[:4].lower() if a.pred else ""
    at = next((m.start() for m in re.finditer(r"[\w’'-]+", content)
               if stem and m.group(0).lower().startswith(stem)), None)
    if at is None:
        return content
    cut = _CONTRAST.search(content, at)
    return content[:cut.start()] if cut else content


def _own(d: Record, a: Record) -> bool:
    """Whether denial ``d`` and assertion ``a`` have one speaker: what the sides did not unify
    ("Boris Johnson" on one, "U.K. Prime Minister Boris Johnson" on the other) is still one
    person, who does not dispute what they say ("I don't want an election, but ..." is no
    answer to "he wants to get on with an election")."""
    return same_side(d.claim.speaker, a.claim.speaker)


def _none_of(d: Record) -> set[str]:
    """The subject or object nouns of a denial that it says there was none of ("no quid pro quo
    ever occurred", "there were no casualties"), less the vague ones."""
    content = d.claim.content
    return {k for k in d.keys if k not in _VAGUE_KEYS and re.search(
        rf"\b(?:no|zero)\s+(?:(?!(?:of|for|in|on|to|from|with|by|at)\b)[\w’'-]+\s+){{0,3}}{re.escape(k)}\b",
        content, re.I)}


#: No link is made below this similarity, whatever the path (``_links``).
_SIM_LEAST = min(SIM_SOFT, SIM_SAME_ARTICLE, SIM_TARGETED, SIM_SHARED_KEY, SIM_OPEN, SIM_ACCUSED)


#: The claim nouns a denial names a claim by, and the verbs that make such a claim.
_TOLD_AS = {"allegation": ("alleg", "accus"), "accusation": ("accus", "alleg"), "claim": ("claim",),
            "testimony": ("testif",), "charge": ("charg", "accus")}
_TOLD_NOUN = re.compile(r"\b(" + "|".join(_TOLD_AS) + r")s?\b", re.I)


def told_as(content: str) -> tuple[str, ...]:
    """The verb stems of the claim a bare denial names ("denied Reade's allegation": alleged,
    accused), or () when it names none of ``_TOLD_AS``."""
    m = _TOLD_NOUN.search(content)
    return _TOLD_AS[m.group(1).lower()] if m else ()


def _names_of(c) -> set[str]:
    """The proper names a claim's sentence holds, less its speaker's side ("Kate Bedingfield,
    Biden's deputy campaign manager, denied Reade's allegation": Biden, Reade)."""
    own = {w.lower() for w in c.side.split()}
    return {w.lower() for w in re.findall(r"(?<![.!?] )(?<!^)\b[A-Z][a-z]{2,}", c.quote)} - own


def _anaphoric_links(recs: list[Record], deny: list[int], asserts: list[int], sims) -> list:
    """An anaphoric denial ("it never happened", "denied those reports") answers a claim of
    another side that its own article reports before it: the one just before it (within
    ``NEAR_CHARS``) when related at all or of the side the denial names ("disagrees with his
    allegations"), else the one closest in meaning."""
    out = []
    for d in deny:
        if not anaphoric(recs[d]):
            continue
        # The pronoun or bare noun refers back: to a claim told before the denial.
        dc = recs[d].claim
        same = [a for a in asserts if recs[a].claim.article_id == dc.article_id
                and recs[a].claim.side != dc.side and recs[a].claim.start < dc.start
                and recs[d].target in (None, ANY_REPORT, recs[a].claim.side)
                and not _own(recs[d], recs[a])]
        if not same:
            continue
        # "Denied Reade's allegation": the claim she made by alleging against the denier, not
        # whatever she said last ("I miss her voice").
        told = told_as(dc.content)
        if told and (as_told := [a for a in same if recs[a].claim.verb.lower().startswith(told)
                                 and _names_of(dc) & _names_of(recs[a].claim)]):
            out.append((d, max(as_told, key=lambda a: recs[a].claim.start)))
            continue
        last = max(same, key=lambda a: recs[a].claim.start)
        named = recs[d].target not in (None, ANY_REPORT)  # "his allegations": whose it names
        if dc.start - recs[last].claim.end <= NEAR_CHARS and (named or float(sims[d, last]) >= SIM_SHARED_KEY):
            out.append((d, last))
            continue
        best = max(same, key=lambda a: float(sims[d, a]))
        if float(sims[d, best]) >= SIM_ANAPHORIC:
            out.append((d, best))
    return out


def _side_name(r: Record) -> str:
    return r.claim.side


#: How a denial is tied to an assertion it answers (``links``): the same verb negated ("he was
#: not briefed" / "he briefed Trump"); a thing there was none of ("no quid pro quo"); a claim of
#: the side it names ("denied the Taliban's claim"); a report it names, by a noun both share
#: ("denied reports about an agreement"); nearly the same words; what is said of the denier
#: ("Iran denied any involvement" / "the U.S. alleges Iran carried it out"); or an earlier
#: claim of its article it names by a pronoun or a bare noun ("denied the allegations").
PATHS = ("negated verb", "none of", "named side", "named report", "close", "said of", "back-reference")


def links(recs: list[Record]) -> list[tuple[int, int, str]]:
    """Every (denial, assertion, path) among ``recs`` (indices into it; path: ``PATHS``): the
    pairs a denial contest is built from."""
    att = [i for i, r in enumerate(recs) if r.claim.attributed]
    deny = [i for i in att if recs[i].claim.stance != "asserts"]
    asserts = [i for i in att if recs[i].claim.stance == "asserts"]
    if not deny or not asserts:
        return []
    vecs = np.stack([r.vec for r in recs])
    sims = Sims(vecs, rows=deny)
    out: list[tuple[int, int, str]] = []
    assert_at = np.array(asserts)
    claimants = {recs[i].claim.side for i in asserts}
    for d in deny:
        rd = recs[d]
        if anaphoric(rd):
            continue  # linked apart, below
        # What the denial is, read once; the pairs too far apart in meaning to link, skipped.
        soft, bare = _soft(rd), _bare(rd)
        about = [rd.claim.side]
        if rd.target not in (None, ANY_REPORT) and rd.target not in claimants:
            # The side a denial names asserted nothing here: it is whom the denied claim is
            # about ("denied that Andrew had any involvement"), not who made it.
            about.append(rd.target)
            rd = replace(rd, target=None)
        row = sims[d, assert_at]
        near = [(a, sim) for a, sim in zip(assert_at[row >= _SIM_LEAST].tolist(),
                                           row[row >= _SIM_LEAST].tolist())]
        answered = [(a, path) for a, sim in near if (path := _links(rd, recs[a], sim, soft, bare))]
        if not soft and rd.target is None:
            # A denial that names no claim answers the one said of the denier that is closest
            # in meaning (not every claim a story makes about it).
            said_of = [(sim, a) for a, sim in near if sim >= SIM_ACCUSED and recs[a].claim.side
                       != rd.claim.side and not _own(rd, recs[a])
                       and any(same_side(who, k) for who in about for k in recs[a].keys)]
            answered += [(max(said_of)[1], "said of")] if said_of else []
        out += [(d, a, path) for a, path in answered]
    return out + [(d, a, "back-reference") for d, a in _anaphoric_links(recs, deny, asserts, sims)]


class Sims:
    """Cosine similarities of claim vectors (unit rows of ``vecs``), indexed ``[i, j]`` by
    record as a full matrix would be, but computed only for the ``rows`` or ``cols`` a caller
    reads: a neighbourhood of articles holds thousands of claims and a few dozen denials."""

    def __init__(self, vecs: np.ndarray, rows: list[int] | None = None, cols: list[int] | None = None):
        self._rows = None if rows is None else {r: k for k, r in enumerate(rows)}
        self._cols = None if cols is None else {c: k for k, c in enumerate(cols)}
        left = vecs if rows is None else vecs[rows]
        right = vecs if cols is None else vecs[cols]
        self.m = left @ right.T

    def __getitem__(self, key):
        i, j = key
        if self._rows is not None:
            i = self._rows[i]
        if self._cols is not None:
            j = self._cols[j] if isinstance(j, (int, np.integer)) else [self._cols[int(x)] for x in j]
        return self.m[i, j]


def denials(recs: list[Record]) -> list[Found]:
    pairs = links(recs)
    if not pairs:
        return []
    att = [i for i, r in enumerate(recs) if r.claim.attributed]
    vecs = np.stack([r.vec for r in recs])
    u = UnionFind(len(recs))
    linked: set[int] = set()
    for d, a, _ in pairs:
        u.join(d, a)
        linked |= {d, a}
    sims = Sims(vecs, cols=sorted(linked))  # every similarity read below is to a linked claim
    out = []
    used: set[int] = set()
    for group in sorted(u.groups(linked), key=lambda g: min(g)):
        ds = [i for i in group if recs[i].claim.stance != "asserts"]
        as_ = [i for i in group if recs[i].claim.stance == "asserts"]
        asserting = {_side_name(recs[i]) for i in as_}
        denying = {_side_name(recs[i]) for i in ds} - asserting
        if not asserting or not denying:
            continue
        centre = vecs[group].mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        members = set(group)
        spans = {(recs[i].claim.article_id, recs[i].claim.start) for i in group}
        articles = {recs[i].claim.article_id for i in group}
        # What the denials are about ("agreement"), less the parties' own names.
        names = {w.lower() for side in asserting | denying for w in side.split()}
        keys = {k for i in ds for k in recs[i].keys} - names
        for i in att:  # each side's other claims on the point
            r = recs[i]
            if i in members or i in used or _side_name(r) not in asserting | denying:
                continue
            opposed = max(float(sims[i, j]) for j in group if _side_name(recs[j]) != _side_name(r))
            central = float(vecs[i] @ centre)
            if (r.claim.article_id, r.claim.start) in spans or (
                    r.claim.article_id in articles and opposed >= SIM_SUPPORT and central >= SIM_CENTRE) or (
                    set(r.keys) & keys and opposed >= SIM_KEY_SUPPORT and central >= SIM_KEY_SUPPORT):
                members.add(i)
        if _resolved(recs, members, denying, vecs, as_):
            continue
        used |= members
        # The assertion closest to the denials states the point best.
        rep = max(as_, key=lambda i: float(sims[i, ds].max() + sims[i, ds].mean()))
        sides = []
        for name in sorted(asserting, key=lambda s: (-sum(_side_name(recs[i]) == s for i in as_), s)):
            claims = [recs[i].claim for i in members if _side_name(recs[i]) == name]
            sides.append(ContestSide(f"claimed by {_display(recs, name, claims)}", in_order(claims)))
        for name in sorted(denying, key=lambda s: (-sum(_side_name(recs[i]) == s for i in ds), s)):
            claims = [recs[i].claim for i in members if _side_name(recs[i]) == name]
            sides.append(ContestSide(f"denied by {_display(recs, name, claims)}", in_order(claims)))
        contest = Contest(topic=_topic(recs[rep], recs), sides=tuple(sides), kind="denial")
        out.append(Found(contest, vecs[rep], vecs[group], tuple(recs[i].claim for i in group)))
    return out


def _resolved(recs, members, denying, vecs, as_) -> bool:
    """A denying side that later confirms the point has settled it: no contest."""
    for i, r in enumerate(recs):
        if r.claim.side in denying and r.claim.verb.lower().startswith(_CONFIRM) \
                and r.claim.stance == "asserts" and any(float(vecs[i] @ vecs[a]) >= SIM_SUPPORT for a in as_):
            return True
    return False


#: Endings of a one-word side label that is an adjective ("Democratic", "Republican", "Iranian").
_ADJECTIVE = re.compile(r"(?:ic|ian|ish|ese|can)$")


def _display(recs: list[Record], side: str, claims=()) -> str:
    """A side as prose: "the Taliban", "Reuters"; with the side's claims in a contest, the one
    speaker who made them when the side's name would misname them ("the president's campaign",
    not "Trump") or says less ("reporters", not "the Reporters")."""
    speakers = list(dict.fromkeys(c.speaker for c in claims if c.attributed))
    if len(speakers) == 1:
        said = speakers[0]
        words = {re.sub(r"(?:’s|'s)$", "", w.lower()).strip(".,") for w in said.split()}
        if not words & {w.lower() for w in side.split()} or re.sub(r"^the ", "", said.lower()) == side.lower():
            return said
    if _ADJECTIVE.search(side) and " " not in side and 0 < len(speakers) <= 2:
        # "Democratic" (from "U.S. Democratic lawmakers") names a side but reads as no subject.
        return " and ".join(speakers)
    own = [r for r in recs if r.claim.side == side and r.claim.attributed]
    dets = [r.side_det for r in own]
    person = any(r.claim.speaker == side for r in recs)
    the = f"the {side}".lower()
    # Mostly written with "the", or written so in full in one of its own claims
    # ("Representatives of the National Resistance Front"), or initials ("the U.S.").
    if not person and (dets and sum(dets) * 2 >= len(dets) or any(the in r.claim.quote.lower() for r in own)
                       or re.fullmatch(r"(?:[A-Z]\.){2,}", side)):
        return f"the {side}"
    return side


def _topic(rep: Record, recs: list[Record]) -> str:
    """The point in dispute, in the asserting side's words, its opening pronoun named."""
    return name_opening_pronoun(rep.claim.content, _display(recs, rep.claim.side))
