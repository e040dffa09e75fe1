"""Who is speaking, from the dependency parse: the speaker's name, the affiliation an apposition,
possessive or prepositional phrase gives, and the side (organisation) that affiliation names,
with the article's acronyms, pronouns and surnames resolved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .names import (acronym, clean_name, group_tokens, name_of, phrase_text, possessor,
                    without_clauses)
from .nlp import BODY_NOUNS, GENERIC_GROUP, PRONOUNS, ROLES, WRITINGS

_SIDE_ENTS = ("ORG", "GPE", "NORP", "PERSON")
#: Entities that can be a side a spokesman speaks for: an organisation, a country or people,
#: and a building that stands for the body in it ("Buckingham Palace officials", "the Kremlin",
#: "White House aides", which spaCy often tags as a facility).
_BODY_ENTS = ("ORG", "GPE", "NORP", "FAC")
#: Nouns for people or bodies that make statements, besides roles and groups.
_PEOPLE = frozenset("""
people critic expert analyst lawmaker legislator senator congressman congresswoman aide resident
witness protester activist investigator prosecutor police authority strategist operative scientist
doctor researcher reporter journalist newspaper paper outlet network campaign resistance opposition
union party ministry department agency office court team family report survey study channel
television tv station broadcaster media website magazine woman women accuser victim survivor
plaintiff neighbor neighbour
""".split())
_SPOKESPEOPLE = frozenset("spokesman spokeswoman spokesperson lawyer attorney aide adviser advisor "
                          "deputy assistant".split())
_COMPANY = frozenset("company firm corporation business group".split())
_COMPANY_SUFFIXES = frozenset("corp corporation inc co company ltd llc plc group holdings".split())
_LEAD_VERBS = frozenset("lead head help represent run command chair found".split())
#: Nouns for where someone stands toward a person or body, not whom they speak for: "a
#: longtime Trump critic", "a Biden supporter", "Trump allies" speak for themselves.
_TOWARD = frozenset("critic supporter opponent detractor rival fan admirer ally foe skeptic "
                    "sceptic backer donor voter defender".split())


@dataclass
class Speaker:
    name: str  # as written: "Fahim Dashti", "a source close to the Panjshir resistance"
    side: str  # "National Resistance Front"
    affiliation: str | None = None  # the phrase that names the side: "the resistance movement"
    person: bool = False
    role: str | None = None  # "spokesman"
    det: bool = False  # the side reads with "the"


class ArticleContext:
    """What the rest of an article tells about a mention: acronyms, the organisations it names,
    the people it introduces with a role, and who spoke last (for pronouns)."""

    def __init__(self, docs):
        self.acronyms: dict[str, str] = {}
        self.orgs: Counter = Counter()
        self.the: Counter = Counter()  # org -> mentions preceded by "the"
        self.persons: dict[str, Speaker] = {}  # surname (lower) -> introduced speaker
        self.last: Speaker | None = None
        self.last_person: Speaker | None = None
        self.last_group: Speaker | None = None
        self.by_role: dict[str, Speaker] = {}  # "the spokesman" -> the last spokesman quoted
        for doc in docs:
            self._scan(doc)
        for doc in docs:  # people introduced with a role: "Fahim Dashti, spokesman for ..."
            for tok in doc:
                if tok.pos_ == "PROPN" and any(c.dep_ == "appos" and c.lemma_.lower() in ROLES
                                               for c in tok.children):
                    sp = speaker([tok], self)
                    if sp is not None and sp.person:
                        self.persons.setdefault(sp.name.split()[-1].lower(), sp)

    def _scan(self, doc) -> None:
        for ent in doc.ents:
            if ent.label_ not in ("ORG", "NORP", "GPE"):
                continue
            name = clean_name(ent.text)
            if not name:
                continue
            after = doc[ent.end: ent.end + 3]
            if len(after) == 3 and after[0].text == "(" and after[2].text == ")" \
                    and after[1].text.isupper() and len(after[1].text) >= 2:
                self.acronyms.setdefault(after[1].text, name)
            if ent.label_ == "ORG" and len(name.split()) > 1:
                words = name.split()
                for k in range(2, len(words) + 1):
                    if any("/" in w or (len(w) > 1 and w.isupper()) for w in words[:k]):
                        break  # "AP Photo/Rahmat Gul": a credit, and "AP" is no acronym of it
                    self.acronyms.setdefault(acronym(" ".join(words[:k])), name)
        for ent in doc.ents:
            if ent.label_ in ("ORG", "NORP", "GPE"):
                name = self.canonical(ent.text)
                if name:
                    self.orgs[name] += 1
                    if ent.start > 0 and doc[ent.start - 1].lower_ == "the" or ent[0].lower_ == "the":
                        self.the[name] += 1

    def canonical(self, text: str) -> str:
        """An organisation's name, with acronyms expanded."""
        name = clean_name(text)
        return self.acronyms.get(name, name)

    def uses_the(self, side: str) -> bool:
        return self.the[side] * 2 > self.orgs[side] if self.orgs[side] else False

    def mentioned(self, sp: Speaker) -> None:
        """``sp`` was the subject of a sentence that reports nothing: a later "he" is them."""
        self.last_person = sp
        surname = sp.name.split()[-1].lower()
        known = self.persons.get(surname)
        if known is None or (known.side == known.name and sp.side != sp.name):
            self.persons[surname] = sp

    def remember(self, sp: Speaker) -> None:
        self.last = sp
        if sp.role:
            self.by_role[sp.role] = sp
        if sp.person:
            self.last_person = sp
            surname = sp.name.split()[-1].lower()
            known = self.persons.get(surname)
            if known is None or (known.side == known.name and sp.side != sp.name):
                self.persons[surname] = sp
        elif sp.side != sp.name or sp.affiliation:
            self.last_group = sp
        if sp.person and sp.side != sp.name:
            self.last_group = sp


def side_of(toks, ctx: ArticleContext) -> tuple[str, bool] | None:
    """The organisation a phrase names or describes, and whether it reads with "the"."""
    toks = [t for t in toks if not t.is_punct]
    if not toks:
        return None
    doc = toks[0].doc
    ids = {t.i for t in toks}
    head = next((t for t in toks if t.head.i not in ids or t.head.i == t.i), toks[-1])
    ents = [e for e in doc.ents if e.label_ in _BODY_ENTS and e.start in ids]
    if len(toks) >= 2 and toks[-1].pos_ == "NOUN" and toks[-1].lemma_.lower() in _BODIES:
        # "Trump campaign", "Taliban government": the body the name is attached to
        ent = next((e for e in ents if e.start == toks[0].i and e.end == toks[-1].i), None)
        if ent is not None:
            return f"{ctx.canonical(ent.text)} {toks[-1].lower_}", True
    for ent in ents:
        if ent.start <= head.i < ent.end:
            name = ctx.canonical(ent.text)
            return name, ctx.uses_the(name) or ent[0].lower_ == "the"
    for t in toks:  # acronyms and names the NER missed ("NRFA")
        if t.pos_ == "PROPN" and t.i == head.i and (t.text in ctx.acronyms or ctx.orgs.get(t.text)):
            name = ctx.canonical(t.text)
            return name, ctx.uses_the(name)
    words = [t for t in toks if t.pos_ in ("NOUN", "PROPN", "ADJ") and t.lower_ not in ROLES]
    distinct = {t.lemma_.lower() for t in words} - GENERIC_GROUP
    distinct -= {t.lemma_.lower() for t in words if t.ent_type_ in ("GPE", "LOC")}
    if distinct:
        # A body noun alone does not say which body: "a weather office" is not "the Oval
        # Office", though "the department" may be the article's Justice Department.
        common = {t.lemma_.lower() for t in words if t.pos_ == "NOUN" and t.lemma_.lower() in BODY_NOUNS}
        telling = distinct - common or distinct
        best = []
        for org, n in ctx.orgs.items():
            ow = {w.lower() for w in org.split()}
            hit = telling & ow
            if hit:
                best.append((head.lemma_.lower() in ow, len(hit), n, org))
        if best:
            org = max(best)[3]
            return org, ctx.uses_the(org)
    for ent in ents:
        name = ctx.canonical(ent.text)
        if name:
            return name, ctx.uses_the(name) or ent[0].lower_ == "the"
    if distinct:
        label = " ".join(t.text for t in words if t.ent_type_ not in ("GPE", "LOC")) or head.text
        return clean_name(label[:1].upper() + label[1:]), True
    hinted = [org for org, _ in ctx.orgs.most_common() if head.lemma_.lower() in _COMPANY
              and org.split()[-1].rstrip(".").lower() in _COMPANY_SUFFIXES]
    if hinted:  # "the company" in an article about "Acme Corp"
        return hinted[0], ctx.uses_the(hinted[0])
    if words and ctx.last_group is not None:  # "the militant group", "the militia"
        return ctx.last_group.side, ctx.last_group.det
    if words and ctx.orgs:
        org = ctx.orgs.most_common(1)[0][0]
        return org, ctx.uses_the(org)
    return None


#: Words that put a role in the past. A former official no longer speaks for the body named
#: beside the role: "New York City's former chief medical examiner" and "former Trump adviser
#: Roger Stone" speak for themselves, not for New York City or Trump.
_PAST = frozenset("former onetime one-time erstwhile ex retired".split())


def _past(tok) -> bool:
    """``tok`` (a role or a name) is modified by a word that puts its role in the past."""
    return tok is not None and any(c.dep_ in ("amod", "advmod", "compound", "nmod")
                                   and c.lower_ in _PAST for c in tok.children)


def _own_side(phrase: str, affiliation: str | None) -> Speaker:
    """A speaker who speaks for nobody but themselves: "the city's former medical examiner"."""
    return Speaker(phrase, phrase, affiliation, False, None, False)


#: Nouns that make a name an organisation when they follow it ("Trump campaign").
_BODIES = frozenset("campaign administration government team party ministry department office "
                    "military army committee council agency".split())


def _affiliation(tok) -> list:
    """Tokens of the phrase that says whom ``tok`` (a person or role) speaks for."""
    for c in tok.children:
        # "Taliban's Mujahid", "NRFA's head"; but a person's possessive names a side only for
        # someone who speaks for them ("McConnell's spokesman", not "McConnell's fellow senator")
        if possessor(c) and (c.ent_type_ != "PERSON" or tok.lemma_.lower() in _SPOKESPEOPLE):
            return list(c.subtree)
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("for", "of", "from", "at", "with", "to"):
            objs = [g for g in c.children if g.dep_ == "pobj"]
            body = _body_phrase(objs[0]) if objs else []
            if body:
                return body
        if c.dep_ == "amod" and c.lower_ == "close":
            for p in c.children:
                if p.dep_ == "prep":
                    return [t for g in p.children if g.dep_ == "pobj" for t in g.subtree]
    for c in tok.children:
        if c.dep_ == "compound" and c.pos_ == "PROPN" and (c.ent_type_ in _BODY_ENTS or (
                c.text.isupper() and c.ent_type_ != "PERSON")):  # not the "J." of "John J. Rhodes"
            # "White House spokesman": "White House", not "House"; "a Trump campaign official":
            # "Trump campaign", not "Trump"
            out = list(c.subtree)
            for d in tok.children:
                if d.i == out[-1].i + 1 and d.dep_ == "compound" and d.lemma_.lower() in _BODIES:
                    out.append(d)
            return out
        if c.dep_ == "amod" and c.ent_type_ in ("NORP", "GPE"):
            return [c]
    for c in tok.children:
        if c.dep_ == "relcl":
            for v in [c, *[x for x in c.children if x.dep_ == "xcomp"]]:
                if v.lemma_ in _LEAD_VERBS:
                    objs = [g for g in v.children if g.dep_ == "dobj"]
                    if objs:
                        return list(objs[0].subtree)
                    for x in v.children:
                        if x.dep_ == "xcomp":
                            objs = [g for g in x.children if g.dep_ == "dobj"]
                            if objs:
                                return list(objs[0].subtree)
    return []


def _body_phrase(obj) -> list:
    """The phrase ``obj`` heads, when it names a body (an entity, a proper name or a noun of
    ``BODY_NOUNS``), else the first body a place of work nested in it names ("of wealth
    management at UBS": "UBS"; "of communications for the campaign"); [] when none ("of
    epidemiology", "at the time", "with knowledge of Bolton's briefing for Trump")."""
    nested = [g for p in obj.children if p.dep_ == "prep" and p.lower_ in ("at", "for")
              for g in p.children if g.dep_ == "pobj"]
    cut = {t.i for c in obj.children if c.dep_ in ("prep", "conj", "cc") for t in c.subtree}
    own = [t for t in without_clauses(obj) if t.i not in cut]
    if any(t.ent_type_ in _SIDE_ENTS + ("FAC",) or t.pos_ == "PROPN"
           or t.lemma_.lower() in BODY_NOUNS | GENERIC_GROUP for t in own):
        return without_clauses(obj)
    for g in nested + [c for c in obj.children if c.dep_ == "conj"]:  # "of law and fellow at X"
        body = _body_phrase(g)
        if body:
            return body
    return []


def speaker(subjects: list, ctx: ArticleContext) -> Speaker | None:
    """The speaker named by a reporting verb's subject token(s), or None when it names nobody
    that can be told apart ("both sides", an unresolved pronoun)."""
    if not subjects:
        return None
    named = [t for t in subjects if t.pos_ == "PROPN"] or subjects
    tok = named[0]
    others = [t for t in subjects if t is not tok]
    if tok.lower_ in PRONOUNS or tok.pos_ == "PRON":
        if tok.lower_ in ("he", "she", "him", "her"):
            return ctx.last_person
        if tok.lower_ in ("they", "them", "it"):
            return ctx.last_group or ctx.last
        return None
    if any(c.dep_ in ("det", "predet") and c.lower_ in ("both", "each", "either") for c in tok.children):
        return None
    if tok.pos_ == "PROPN":  # a surname the article introduced earlier: "Reed said"
        known = ctx.persons.get(tok.lower_)
        if known is not None and known.name.endswith(name_of(tok)) and not _affiliation(tok):
            return known
    name_tok, role_tok = None, None
    if tok.pos_ == "PROPN" and not (tok.ent_type_ in ("ORG", "GPE", "NORP") and not _personish(tok)):
        name_tok = tok
        role_tok = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "NOUN"), None)
        role_tok = role_tok or next((c for c in tok.children if c.dep_ == "compound"
                                     and c.lower_ in ROLES), None)
        role_tok = role_tok or next(iter(others), None)
    elif tok.pos_ == "NOUN":
        name_tok = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
        role_tok = tok if tok.lemma_.lower() in ROLES or name_tok is not None else None
    if name_tok is not None and (name_tok.ent_type_ == "PERSON" or role_tok is not None
                                 or _personish(name_tok)):
        name = name_of(name_tok)
        toward = role_tok is not None and role_tok.lemma_.lower() in _TOWARD
        aff = (_affiliation(role_tok) if role_tok is not None and not toward else []) or _affiliation(name_tok)
        known = ctx.persons.get(name.split()[-1].lower())
        if aff and (_past(role_tok) or _past(name_tok)):
            side = None  # "former Trump adviser Roger Stone": his own side
        elif aff:
            side = side_of(aff, ctx)
        elif known is not None and (known.name.endswith(name) or name.endswith(known.name)):
            return Speaker(known.name, known.side, known.affiliation, True, known.role, known.det)
        else:
            side = None
        role = role_tok.lemma_.lower() if role_tok is not None else None
        aff_text = phrase_text(aff) if aff else None
        return Speaker(name, side[0] if side else name, aff_text, True, role, bool(side and side[1]))
    if tok.lemma_.lower() in ROLES:
        aff = _affiliation(tok)
        if not aff and any(c.lower_ == "the" for c in tok.children):
            if any(c.dep_ in ("amod", "compound") for c in tok.children):
                return None  # "the former vice president" is not the last president quoted
            # "the spokesman explained", "the source told": the last one quoted in that role;
            # "the officials said" is never the last person quoted
            known = ctx.by_role.get(tok.lemma_.lower()) or (
                ctx.last_person if tok.lemma_.lower() != "source" and tok.tag_ != "NNS" else None)
            if known is None and tok.tag_ == "NNS" and any(c.dep_ in ("relcl", "acl") for c in tok.children):
                # "the officers who raided Taylor's apartment say ...": a group the sentence
                # describes speaks as one side, named by its role
                return Speaker(phrase_text(group_tokens(tok)), tok.lower_, None, False,
                               tok.lemma_.lower(), True)
            return known
        if aff and _past(tok):  # "the city's former medical examiner": a side of their own
            return replace(_own_side(phrase_text(group_tokens(tok)), phrase_text(aff)),
                           role=tok.lemma_.lower())
        side = side_of(aff, ctx) if aff else None
        if side is None:
            return None
        return Speaker(phrase_text(group_tokens(tok)), side[0], phrase_text(aff), False,
                       tok.lemma_.lower(), side[1])
    toks = group_tokens(tok)
    if not (tok.pos_ == "PROPN" or tok.lemma_.lower() in GENERIC_GROUP | _PEOPLE | WRITINGS
            or any(t.ent_type_ in ("ORG", "GPE", "NORP", "PERSON") for t in toks)):
        return None  # "such a war would contradict ...": not someone who speaks
    if _past(tok) or (tok.lemma_.lower() in _TOWARD and any(
            t.pos_ == "PROPN" or t.ent_type_ in _SIDE_ENTS for t in toks if t is not tok)):
        # "New York City's former chief medical examiner": not New York City; "Trump critics":
        # not Trump
        return _own_side(phrase_text(toks), None)
    side = side_of(toks, ctx)
    if side is None:
        return None
    return Speaker(phrase_text(toks), side[0], None, False, None, side[1])


def _personish(tok) -> bool:
    """A two-word proper name the NER called an organisation ("Fahim Dashti") reads as a person
    when it has a role beside it or was introduced as one."""
    if tok.ent_type_ == "PERSON":
        return True
    has_role = any((c.dep_ == "appos" and c.lemma_.lower() in ROLES) or
                   (c.dep_ == "compound" and c.lower_ in ROLES) for c in tok.children)
    return has_role
