"""Names and phrases from the parse: a proper name's tokens, a group noun's phrase, the
article text a set of tokens covers, and labels cleaned for comparing."""

from __future__ import annotations

import re

from .nlp import ROLES

_TITLES = frozenset("mr mr. ms ms. mrs mrs. dr dr. sen sen. rep rep. gov gov. gen gen. lt col "
                    "former vice prime acting interim deputy president minister secretary "
                    "general maulvi mullah sheikh".split())
_LINK_WORDS = frozenset("of the and for in on at to".split())


def possessor(tok) -> bool:
    """Whether ``tok`` owns its head: "the Taliban's claim", and "Roberts’ allegations", which
    spaCy reads as a noun modifier with a case mark when the apostrophe is curly."""
    return tok.dep_ == "poss" or (tok.dep_ == "nmod" and any(
        c.dep_ == "case" and c.text in ("’", "'", "’s", "'s") for c in tok.children))


def clean_name(text: str) -> str:
    """A side or speaker label: no leading article, no possessive, single spaces."""
    text = " ".join(text.replace("‘", "").replace("’s", "").replace("'s", "").split())
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
    text = text.strip(" ,;:\"“”'()")
    # "U.S." keeps the period of its last initial; "Reuters." does not.
    return text if re.search(r"(?:^|\W)(?:[A-Z]\.){2,}$", text) else text.strip(" .")


def acronym(name: str) -> str:
    """Initials of a name's capitalised words: National Resistance Front -> NRF."""
    return "".join(w[0] for w in name.split() if w[:1].isupper() and w.lower() not in _LINK_WORDS)


def name_of(tok) -> str:
    """A proper name ending at ``tok``: its run of proper-noun compounds, less titles."""
    toks = [tok]
    i = tok.i - 1
    while i >= tok.sent.start and tok.doc[i].pos_ == "PROPN" and tok.doc[i].dep_ in ("compound", "flat"):
        toks.insert(0, tok.doc[i])
        i -= 1
    while len(toks) > 1 and toks[0].lower_ in _TITLES | ROLES:
        toks.pop(0)
    return " ".join(t.text for t in toks)


def group_tokens(tok) -> list:
    """A group noun with its modifiers but not its locations: "National resistance forces" out of
    "National resistance forces in Afghanistan's northern province of Panjshir"."""
    out = [tok]
    for c in tok.children:
        if c.dep_ in ("det", "amod", "compound", "poss", "nmod") and c.i < tok.i:
            out += list(c.subtree)
        if c.dep_ == "prep" and c.lower_ in ("of", "for"):
            out += [t for g in c.children if g.dep_ == "pobj" for t in without_clauses(g)]
        if c.dep_ == "amod" and c.lower_ == "close" and c.i > tok.i:  # "a source close to X"
            out += list(c.subtree)
    return sorted(out, key=lambda t: t.i)


def without_clauses(tok) -> list:
    """``tok``'s subtree less its relative and participial clauses."""
    cut = {t.i for d in tok.subtree if d.i != tok.i and d.dep_ in ("relcl", "acl") for t in d.subtree}
    return [t for t in tok.subtree if t.i not in cut]


def phrase_text(toks) -> str:
    """The article text covering ``toks``, single-spaced, without a leading article."""
    toks = sorted([t for t in toks], key=lambda t: t.i)
    while toks and toks[-1].is_punct and toks[-1].text != ")":
        toks.pop()
    while toks and toks[0].is_punct:
        toks.pop(0)
    if not toks:
        return ""
    text = " ".join(toks[0].doc.text[toks[0].idx: toks[-1].idx + len(toks[-1].text)].split())
    if text.count("(") > text.count(")"):
        text = text[: text.rindex("(")].rstrip()
    return text[:1].lower() + text[1:] if toks[0].pos_ == "DET" else text
