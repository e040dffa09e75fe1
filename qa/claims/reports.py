"""Reported statements in one sentence, from its dependency parse: the reporting verb and its
subject (or the agent of a passive, "according to X", "reports by X that ..."), the reported
clause, the stance (denies, disputes, asserts) and the side a denial answers."""

from __future__ import annotations

from .nlp import (CLAIM_MAKING, CLAIM_NOUNS, DENY, DISPUTE, FALSITY, GENERIC_GROUP, LABEL_VERBS,
                  LEGAL_BODIES, PRONOUNS,
                  PROPOSITION_NOUNS, PROSECUTION, REPORTING, ROLES, STANCE_NOUNS, TRUTH_DENY,
                  WRITINGS)
from .names import possessor
from .record import ANY_REPORT
from .speakers import ArticleContext, Speaker, side_of, speaker



class Found:
    """A claim being built: ``root`` is the reported clause's head token (stance and target
    come from it), ``toks`` the tokens of the reported content."""

    def __init__(self, sp: Speaker, verb: str, stance: str, root, toks, target: str | None = None,
                 embedded: bool = False):
        self.sp, self.verb, self.stance, self.root = sp, verb, stance, root
        self.toks = sorted(toks, key=lambda t: t.i)
        self.target, self.embedded = target, embedded
        self.at: int | None = None  # where the reporting verb is, to tell a report inside a quote


def stance_of(root) -> str:
    """Stance of a reported clause by its own words: calling something false disputes it,
    negating the main verb denies."""
    for t in root.subtree:
        # "the claim was wrong", "are spreading disinformation", "a false narrative had been
        # created"; not "fake ticket reservations"
        if t.lemma_.lower() in FALSITY and (t.dep_ in ("acomp", "attr", "oprd") or (
                t.dep_ == "dobj" and t.head.lemma_ in ("spread", "call", "label", "peddle")) or (
                t.dep_ == "amod" and t.head.lemma_.lower() in CLAIM_NOUNS)):
            return "disputes"
    if _no_evidence(root):
        return "disputes"
    if any(c.dep_ == "neg" or c.lower_ == "never" for c in root.children):
        return "denies"
    for c in root.children:
        # "no casualties", "nobody briefed me", "neither the president nor ... was briefed"
        if c.dep_ in ("nsubj", "nsubjpass", "attr", "dobj") and _nobody(c):
            return "denies"
    return "asserts"


_NOBODY = frozenset("nobody nothing none no-one noone neither".split())


def _nobody(tok) -> bool:
    """A phrase that names no one and nothing: "nobody", "no casualties", "no Senate
    Republicans", "neither the president nor ...", "no one"."""
    return tok.lower_ in _NOBODY or any(
        (d.dep_ == "det" and d.lower_ in ("no", "neither")) or (d.dep_ == "preconj" and d.lower_ == "neither")
        or (tok.lower_ == "one" and d.lower_ == "no") for d in tok.children)
#: "had not provided evidence to back up ...", "there is no proof that ...": the speaker does
#: not merely negate a point but says the claim behind it is unsupported.
_EVIDENCE = frozenset("evidence proof basis".split())


def _no_evidence(root) -> bool:
    for c in root.children:
        if c.lemma_.lower() in _EVIDENCE and c.dep_ in ("dobj", "attr", "nsubj", "nsubjpass") and (
                any(d.dep_ == "det" and d.lower_ == "no" for d in c.children)
                or any(n.dep_ == "neg" for n in root.children)):
            return True
    return False


def content_text(tokens) -> str:
    """What a claim says: the article text the tokens cover, less an opening "that" and the
    quotation marks around it."""
    toks = sorted(tokens, key=lambda t: t.i)
    while toks and (toks[0].is_punct or toks[0].dep_ == "mark" or toks[0].lower_ in ("that", "“", '"')):
        toks = toks[1:]
    while toks and toks[-1].is_punct and toks[-1].text not in ")":
        toks = toks[:-1]
    if not toks:
        return ""
    doc = toks[0].doc
    return " ".join(doc.text[toks[0].idx: toks[-1].idx + len(toks[-1].text)].split()).strip("“”\"' ")


_SUBORDINATORS = frozenset("after before when as since while if because until once though although".split())


def _outer_subject(verb, subjects: list):
    if len(subjects) != 1 or subjects[0].lower_ not in ("they", "it", "he", "she"):
        return None
    up = verb
    while up.dep_ in ("ccomp", "xcomp", "conj") and up.head.i != up.i:
        up = up.head
        if up.lemma_.lower() in REPORTING:
            named = [c for c in up.children if c.dep_ == "nsubj" and c.lower_ not in PRONOUNS
                     and c.pos_ != "PRON" and not (c.text.isupper() and c.i == c.sent.start)]
            if named:
                return named[0]
    return None


#: Relative pronouns that stand for the noun their clause describes.
_RELATIVE = frozenset("who that which".split())


def _subjects(verb):
    subs = [c for c in verb.children if c.dep_ == "nsubj"]
    if subs and verb.dep_ == "relcl" and all(c.lower_ in _RELATIVE for c in subs):
        # "forecasters who contradicted Trump's claim": who speaks is what "who" stands for
        return [verb.head]
    if subs:
        return subs
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head.i != verb.i and verb.head.pos_ == "VERB":
        return _subjects(verb.head)
    # "..., the lawsuit claims": the parser took the subject for a modifier of the verb
    misparsed = [c for c in verb.children if c.dep_ == "compound" and c.pos_ in ("NOUN", "PROPN")
                 and c.i < verb.i]
    if misparsed:
        return misparsed[:1]
    if verb.dep_ == "acl":  # a misparsed main verb: climb to the noun the clause hangs from
        up = verb.head
        while up.dep_ in ("pobj", "prep", "compound", "amod", "poss") and up.head.i != up.i:
            up = up.head
        if up.pos_ == "PROPN" or up.lemma_.lower() in GENERIC_GROUP | ROLES:
            return [up]
    return []


def _content(verb) -> tuple[object, list] | None:
    """(head, tokens) of what ``verb`` reports: its complement clause(s), what "quoted him as
    saying" introduces, or the object of a denial."""
    # A second complement that is itself a bare report tag ("..., TOLO News reported") is not
    # part of what was said.
    comps = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp")
             and not (c.lemma_.lower() in REPORTING and not any(x.dep_ in ("ccomp", "xcomp", "dobj")
                                                                  for x in c.children))]
    if not comps:  # "said earlier that ...": the clause hangs from the adverb
        comps = [x for a in verb.children if a.dep_ == "advmod" for x in a.children if x.dep_ == "ccomp"]
    if not comps and verb.lemma_ == "quote":
        comps = [x for p in verb.children if p.dep_ == "prep" and p.lower_ == "as"
                 for pc in p.children for x in pc.children if x.dep_ == "ccomp"]
    if not comps:
        comps = [c for c in verb.children if c.dep_ == "dobj"
                 and (verb.lemma_ in TRUTH_DENY or c.lemma_.lower() in CLAIM_NOUNS
                      or (verb.lemma_ in DENY | DISPUTE and (_names_a_claim(c) or c.pos_ == "PRON"))
                      or (verb.lemma_ in REVEAL and _made_known(verb, c)))]
    if not comps and verb.lemma_ == "accuse":
        # "accused Sondland of unwanted touching": what he is said to have done is the claim
        deeds = [g for o in verb.children if o.dep_ in ("dobj", "dative")
                 for p in [*verb.children, *o.children] if p.dep_ == "prep" and p.lower_ == "of"
                 for g in p.children if g.dep_ in ("pobj", "pcomp")]
        if deeds:
            return deeds[-1], list(deeds[-1].subtree)
    if not comps and verb.head.pos_ in ("VERB", "AUX") and (verb.dep_ == "parataxis" or (
            verb.dep_ == "ccomp" and verb.i < verb.head.i and _colon_between(verb, verb.head))):
        # '"So yeah," Graham said, "this is ..."': the tag hangs from what was said; so does
        # 'X tweeted in response: "Alabama will NOT see any impacts"' when the parser takes
        # the quotation for the main clause
        inner = {t.i for t in verb.subtree}
        return verb.head, [t for t in verb.head.subtree if t.i not in inner and not t.is_punct]
    if not comps:
        return None
    root = max(comps, key=lambda c: len(list(c.subtree)))
    toks = [t for c in comps for t in c.subtree]
    # Asides that are not part of what was said: "..., a claim that has been denied by X",
    # "according to a media report".
    cut = {t.i for t in toks if (t.dep_ in ("npadvmod", "appos") and t.lemma_.lower() in CLAIM_NOUNS)
           or t.lower_ == "according" or (t.dep_ == "advcl" and any(
               m.dep_ == "mark" and m.lower_ in ("though", "although", "whereas") for m in t.children))}
    cut = {x.i for t in toks if t.i in cut for x in t.subtree}
    return root, [t for t in toks if t.i not in cut]


def _colon_between(a, b) -> bool:
    """Whether a colon stands between tokens ``a`` and ``b`` (``a`` first)."""
    return any(t.text == ":" for t in a.doc[a.i + 1:b.i])


#: Verbs whose object is what they make known: "The Times first reported the existence of the
#: program" claims the program exists (and "Russia denied the existence of the program"
#: answers it); "officials confirmed the deaths of 12 soldiers".
REVEAL = frozenset("report reveal disclose confirm acknowledge admit".split())


def _made_known(verb, obj) -> bool:
    """``verb`` (of ``REVEAL``) states that ``obj`` is so: a named body or person made it known
    ("New York reported 330 new deaths", "the Times reported the existence of the program"),
    not a pronoun whose antecedent may be wrong, nor a negated or modal verb ("did not reveal
    any", "must disclose its donors"), nor what someone has ("reported his concerns",
    "revealed his contempt")."""
    if obj.pos_ != "NOUN" or any(c.dep_ == "poss" and c.pos_ == "PRON" for c in obj.children):
        return False  # nor a name: "..., reported TOLO News" is a report tag the parser inverted
    if any(c.dep_ == "neg" or c.lower_ == "never" or (c.dep_ == "aux" and (c.tag_ == "MD" or c.lower_ == "to"))
           for c in verb.children):  # nor an infinitive ("calling on the CDC to report racial data")
        return False
    subs = [c for c in verb.children if c.dep_ == "nsubj"]  # its own, not one it inherits
    return bool(subs) and all(t.pos_ != "PRON" for t in subs)


def _names_a_claim(tok) -> bool:
    """``tok`` (an object) names something said or found: "the allegations", "the figures"."""
    return tok.lemma_.lower() in CLAIM_NOUNS or tok.lemma_.lower() in PROPOSITION_NOUNS


def _opposes_a_thing(verb) -> bool:
    """An opposing verb whose object is a thing or an act, not a claim: "rejected the deal",
    "trying to counter the influence of Chinese companies"; or a court's act on a prosecution
    ("a court also dismissed charges against the former deputy intelligence chief"): a ruling,
    not a denial of what was charged."""
    lemma = verb.lemma_.lower()
    if lemma not in (DENY | DISPUTE) - TRUTH_DENY:
        return False
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    # What a court acts on is the first noun after its verb, whatever the parse made of it
    # ("the court dismissed charges against three of the 11 people tried": "charges" parsed as
    # the subject of "tried").
    acted_on = next((t for t in verb.subtree if t.i > verb.i and t.pos_ in ("NOUN", "PROPN")), None)
    if acted_on is not None and acted_on.lemma_.lower() in PROSECUTION and any(
            s.lemma_.lower() in LEGAL_BODIES for s in _subjects(verb)):
        return True
    return any(c.pos_ != "PRON" and not _names_a_claim(c) for c in objects)


def target_of(root, ctx: ArticleContext) -> str | None:
    """The side whose claim a denial answers: "the Taliban's claim", "reports by the Taliban",
    "denied the Taliban made any advances", "the Taliban are spreading disinformation"."""
    cands = []
    if root.lemma_.lower() in CLAIM_NOUNS:
        cands += [c for c in root.children if possessor(c) or (
            c.dep_ == "compound" and c.ent_type_ in ("ORG", "GPE", "PERSON"))]
        cands += [g for c in root.children if c.dep_ in ("prep", "agent") and c.lower_ == "by"
                  for g in c.children if g.dep_ == "pobj"]
    for t in root.subtree:
        # The subject of a denied active clause is the claimant ("denied the Taliban made any
        # advances"); of a passive one, only what the claim is about ("that Trump was briefed").
        if (t.lemma_.lower() in FALSITY and t.dep_ in ("acomp", "attr", "oprd", "dobj")) or (
                t.dep_ == "nsubj" and t.head == root):
            subj = t if t.dep_.startswith("nsubj") else next(
                (c for c in t.head.children if c.dep_.startswith("nsubj")), None)
            if subj is not None:
                cands += [c for c in subj.children if possessor(c)] + [subj]
    for c in cands:
        if c.lower_ in ("his", "her") and possessor(c) and root.lemma_.lower() in CLAIM_NOUNS \
                and ctx.last_person is not None:
            return ctx.last_person.side  # "disagrees with his allegations": the last one quoted
        if c.lower_ in PRONOUNS:
            continue
        if c.ent_type_ in ("ORG", "GPE", "NORP", "PERSON") or c.pos_ == "PROPN":
            s = side_of([c], ctx)
            if s:
                return s[0]
    return None


def _according(tok, sent, ctx: ArticleContext) -> Found | None:
    """"According to X, ..." / "..., according to X": X's claim is the rest of the sentence."""
    to = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "to"), None)
    obj = next((g for g in to.children if g.dep_ == "pobj"), None) if to is not None else None
    if obj is None or obj.lemma_.lower() in CLAIM_NOUNS | {"media", "source"}:
        return None
    sp = speaker([obj], ctx)
    if sp is None:
        return None
    phrase_end = max([obj.i] + [t.i for c in obj.children if c.dep_ == "relcl" for t in c.subtree])
    if tok.i - sent.start <= 1:
        rest = [t for t in sent if t.i > phrase_end]
        while rest and rest[0].is_punct:
            rest = rest[1:]
    else:
        rest = [t for t in sent if t.i < tok.i]
    if len(rest) < 3:
        return None
    root = next((t for t in rest if t.head.i not in {x.i for x in rest} or t.head.i == t.i), rest[0])
    return Found(sp, "according to", stance_of(root), root, rest)


def reported(sent, ctx: ArticleContext) -> list[Found]:
    out: list[Found] = []
    for tok in sent:
        if tok.pos_ == "VERB" and tok.lemma_.lower() in LABEL_VERBS | {"disagree"}:
            f = _labelled_false(tok, ctx) if tok.lemma_.lower() != "disagree" else _disagreed(tok, ctx)
            if f is not None:
                out.append(f)
            continue
        if tok.pos_ != "VERB" or tok.lemma_.lower() not in REPORTING or tok.dep_ == "amod":
            continue
        if not _is_report(tok):
            continue
        lemma = tok.lemma_.lower()
        if lemma in DENY | DISPUTE and (_withheld(tok) or _opposes_a_thing(tok)):
            continue
        found = _content(tok)
        if found is None and lemma not in DENY | DISPUTE:
            continue
        root, toks = found if found is not None else (tok, [])
        if found is not None and root.pos_ == "VERB" and root.lemma_.lower() in REPORTING \
                and _is_report(root) and _subjects(root) and _content(root) is not None:
            # "X reported that Y said ...": Y's claim is the one that matters (not "the
            # lawsuit claims that officers never announced themselves": that reports nothing)
            continue
        if found is not None and root.lemma_.lower() == "disagree" and _disagreed(root, ctx) is not None:
            continue  # "Steyer said he disagreed with the assertion that ...": the dispute is his
        quoted_by = next((c for c in tok.children if c.dep_ == "dobj"), None) if lemma == "quote" else None
        subs = [quoted_by] if quoted_by is not None else _subjects(tok)
        if any(_nobody(s) for s in subs):
            continue  # "no Senate Republicans have said they would convict": nobody's claim
        sp = _earlier_in_sentence(subs, out, ctx)
        outer = _outer_subject(tok, subs) if sp is None else None
        if outer is not None:
            sp = speaker(_authors([outer]) or [outer], ctx)
        sp = sp or (speaker(_authors(subs) or subs, ctx) if outer is None else None)
        if sp is None:
            continue
        stance = "denies" if lemma in DENY else "disputes" if lemma in DISPUTE else stance_of(root)
        target = target_of(root, ctx) if stance != "asserts" and found is not None else None
        if target is None and stance != "asserts" and root.lemma_.lower() in CLAIM_NOUNS:
            target = ANY_REPORT  # "refuted the reports about an agreement"
        verb = "said" if quoted_by is not None else tok.text
        # A report in a relative clause ("Warren, who suggested ...") is said on the side of
        # the sentence's own report: it neither takes over the quotations that follow nor is
        # the antecedent of a later pronoun.
        f = Found(sp, verb, stance, root, toks, target if target != sp.side else None,
                  embedded=tok.dep_ == "relcl")
        f.at = tok.idx
        out.append(f)
    for tok in sent:
        if tok.lower_ == "according" and not any(tok in f.toks for f in out):
            f = _according(tok, sent, ctx)
            if f is not None and not any(g.root.i in {t.i for t in f.toks} for g in out):
                out.append(f)
        if tok.lemma_.lower() in CLAIM_NOUNS | STANCE_NOUNS and tok.pos_ == "NOUN":
            by = [g for c in tok.children
                  if c.dep_ == "prep" and c.lower_ in ("by", "from", "among")
                  for g in c.children if g.dep_ == "pobj"]
            # ("accusations among Republicans that ...": theirs too)
            # "Trump's assertion that ...", "a medical examiner's ruling that ...": the owner
            # made the claim (not "its claim", which names nobody that can be told apart)
            by = by or [c for c in tok.children if possessor(c) and c.pos_ in ("PROPN", "NOUN")]
            # "Smollett is facing charges stemming from his claim that ...": the person the
            # sentence is about (its subject, named), not whoever the article quoted last
            by = by or [t for c in tok.children if c.dep_ == "poss" and c.lower_ in ("his", "her")
                        for t in [_named_subject(tok)] if t is not None]
            # "Trump repeated the false claim that ...": who makes, repeats or spreads it
            by = by or ([c for c in tok.head.children
                         if c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN")]
                        if tok.dep_ == "dobj" and tok.head.lemma_.lower() in CLAIM_MAKING else [])
            # A content clause: "that" marks it (spaCy sometimes makes it the object of an
            # intransitive verb in an "acl": "ruling that Ortiz died by suicide").
            clause = next((c for c in tok.children if c.dep_ in ("acl", "relcl", "ccomp")
                           and (any(m.dep_ == "mark" for m in c.children)
                                or (c.dep_ != "relcl" and c.left_edge.lower_ == "that"))), None)
            verb = tok.head.head if tok.dep_ == "pobj" else tok.head
            if clause is None and tok.dep_ in ("dobj", "pobj") and verb.pos_ == "VERB" \
                    and (tok.dep_ == "dobj" or verb.lemma_.lower() not in REPORTING):
                # "denied claims by one accuser, Virginia Giuffre (née Roberts), that he ...",
                # "stemming from his claim last year that he was ...": past a phrase spaCy hangs
                # the "that" clause on the verb, which has its object already (or takes none);
                # the clause is what the claims say.
                clause = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > tok.i
                               and c.left_edge.lower_ == "that"), None)
            if by and clause is not None:
                sp = speaker(by, ctx)
                if sp is not None:
                    out.append(Found(sp, tok.text, "asserts", clause, list(clause.subtree),
                                      embedded=True))
    _set_against(out)
    # A denial that names neither what nor whom ("a claim that has been denied by resistance
    # forces") answers the other claim in its sentence.
    for f in out:
        if f.stance != "asserts" and f.target == ANY_REPORT and _anaphoric(f.root):
            f.target = None  # "..., though reporters refuted that claim"
        if f.stance != "asserts" and f.target is None:
            other = next((g for g in out if g is not f and g.stance == "asserts"
                          and g.sp.side != f.sp.side), None)
            if other is not None:
                f.target = other.sp.side
                if len(f.toks) < 4:
                    f.toks = other.toks
    return out


def _labelled_false(verb, ctx: ArticleContext) -> Found | None:
    """"Russia called the report nonsense", "the Taliban called the allegations baseless",
    "described the claims as absurd": a name of falsity given to a report disputes it (the
    report is what is disputed; the verb's subject disputes it)."""
    if any(c.dep_ in ("prt", "agent") or (c.dep_ == "prep" and c.lower_ in ("for", "on", "upon", "off"))
           for c in verb.children):
        return None  # "called for a report", "called on the claims", "called off"
    subs = _subjects(verb)
    # The object and the name given to it, wherever the parse hangs them ("the report fake
    # news" as one object, "the claims as absurd", "the story a smear").
    named = [c for c in verb.children if c.dep_ in ("dobj", "oprd", "xcomp", "ccomp", "npadvmod", "attr",
                                                    "acomp", "dative")
             or (c.dep_ == "prep" and c.lower_ == "as")]
    rest = [t for c in named for t in c.subtree
            if not any(a.dep_ in ("advcl", "relcl", "acl") for a in _path(t, c))]
    claim = next((t for t in rest if t.lemma_.lower() in CLAIM_NOUNS and t.pos_ == "NOUN"), None)
    false = next((t for t in rest if t.lemma_.lower() in FALSITY and t is not claim), None)
    if claim is None or false is None or (false.head is claim and false.dep_ == "amod"):
        return None  # "called the false report a mistake" calls no report false
    sp = speaker(_authors(subs) or subs, ctx) if subs else None
    # What is disputed is the report, less the name given to it ("the claims as absurd").
    cut = {t.i for c in claim.children if false.i in {x.i for x in c.subtree} for t in c.subtree}
    return _dispute(verb, sp, claim, claim, [t for t in claim.subtree if t.i not in cut], ctx, ANY_REPORT)


def _disagreed(verb, ctx: ArticleContext) -> Found | None:
    """"HHS strongly disagrees with his allegations", "disagreed with the assertion of Hillary
    Clinton that nobody liked Sanders": a dispute of the claim "with" names (not "disagreed
    with him", "with the decision", "with the violence": a person, an act or a thing)."""
    if any(c.dep_ == "neg" for c in verb.children):
        return None
    claim = next((g for c in verb.children if c.dep_ == "prep" and c.lower_ == "with"
                  for g in c.children if g.dep_ == "pobj"), None)
    if claim is None or claim.pos_ != "NOUN":
        return None
    clause = next((c for c in claim.children if c.dep_ in ("acl", "ccomp", "relcl")
                   and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)), None)
    if clause is None and claim.lemma_.lower() not in CLAIM_NOUNS | STANCE_NOUNS:
        return None  # "disagrees with the idea of introducing ...": a proposal, not a claim
    subs = _subjects(verb)
    if subs and subs[0].pos_ == "PRON" and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in REPORTING:
        subs = _subjects(verb.head)  # "HHS says it disagrees": HHS
    sp = (_earlier_in_sentence(subs, [], ctx) or speaker(_authors(subs) or subs, ctx)) if subs else None
    root = clause if clause is not None else claim
    return _dispute(verb, sp, claim, root, list(root.subtree), ctx, ANY_REPORT if clause is None else None)


def _dispute(verb, sp: Speaker | None, claim, root, toks, ctx: ArticleContext,
             fallback: str | None) -> Found | None:
    """``sp``'s dispute, by ``verb``, of what ``root``/``toks`` say: of the side ``claim`` names
    ("the Taliban's claims", "his allegations"), else of ``fallback``."""
    if sp is None:
        return None
    target = target_of(claim, ctx) or fallback
    f = Found(sp, verb.text, "disputes", root, toks, target if target != sp.side else None)
    f.at = verb.idx
    return f


def _path(tok, top) -> list:
    """The tokens from ``tok`` up to (not including) ``top``."""
    out = []
    while tok.i != top.i and tok.head.i != tok.i:
        out.append(tok)
        tok = tok.head
    return out


def _earlier_in_sentence(subjects: list, out: list[Found], ctx: ArticleContext) -> Speaker | None:
    """A pronoun that reports again what a speaker of its own sentence said before it: "Beijing
    denies meddling ..., yet it warned ...", "Trump said ..., and he added ..."; the speaker of
    the article's last sentence is the antecedent only when its own sentence has none."""
    if len(subjects) != 1 or subjects[0].lower_ not in ("it", "they", "he", "she"):
        return None
    pron = subjects[0]
    person = pron.lower_ in ("he", "she")
    hit = next((f.sp for f in reversed(out) if not f.embedded and f.sp.person == person), None)
    if hit is None and person:
        # "Reade says she never told anyone ..., though she says ...": the subject of an
        # earlier reporting verb of the sentence, a person the article has named.
        for t in reversed(pron.doc[pron.sent.start:pron.i]):
            if t.dep_ == "nsubj" and t.head.lemma_.lower() in REPORTING and t.lower_ not in PRONOUNS:
                hit = ctx.persons.get(t.lower_)
                if hit is not None:
                    break
    return hit


def _authors(subjects: list) -> list:
    """Who a writing that speaks stands for: "a statement from Buckingham Palace", "a letter
    signed by 1,100 former prosecutors", "the family's statement" say what their authors say.
    Empty when the subject is no writing or names no author."""
    out = []
    for s in subjects:
        if s.lemma_.lower() not in WRITINGS:
            continue
        out += [g for c in s.children if c.dep_ == "prep" and c.lower_ in ("by", "from")
                for g in c.children if g.dep_ == "pobj"]
        out += [c for c in s.children if possessor(c) and c.pos_ in ("PROPN", "NOUN")]
        out += [g for v in s.children if v.dep_ == "acl" and v.tag_ == "VBN"
                for a in v.children if a.dep_ == "agent" for g in a.children if g.dep_ == "pobj"]
    return out


def _set_against(out: list[Found]) -> None:
    """"X said P despite Y's ruling that Q", "..., contrary to claims by Y that Q": X's claim
    is said against Y's, which the sentence states with it; X disputes it (a stance of its
    own, a denial or a dispute, stays). The phrase that carries Y's claim is not part of X's."""
    for e in out:
        if not e.embedded:
            continue
        noun = e.root.head
        prep = _contrast_prep(noun)
        if prep is None:
            continue
        for f in out:
            if f is e or f.embedded or f.sp.side == e.sp.side:
                continue
            # The phrase hangs from X's clause or from the verb that reports it ("Contrary to
            # ..., aides said"; "said she believed P, despite ...").
            phrase = prep.head if prep.head.lower_ == "contrary" else prep
            if not (phrase in f.toks or phrase.head in f.toks or phrase.head == f.root.head):
                continue
            cut = {t.i for t in phrase.subtree}
            f.toks = [t for t in f.toks if t.i not in cut]
            if f.stance == "asserts":
                f.stance = "disputes"
            if f.target is None:
                f.target = e.sp.side


def _contrast_prep(noun):
    """The preposition that sets a claim noun against the claim around it: "despite",
    "notwithstanding", "contrary to", "in spite of"; None otherwise."""
    if noun.dep_ != "pobj":
        return None
    prep = noun.head
    if prep.lower_ in ("despite", "notwithstanding"):
        return prep
    if prep.lower_ == "to" and prep.head.lower_ == "contrary":
        return prep
    if prep.lower_ == "of" and prep.head.lower_ == "spite" and prep.head.head.lower_ == "in":
        return prep.head.head
    return None


def _anaphoric(root) -> bool:
    """"that claim", "those reports": a claim noun that points back and says nothing more."""
    return root.lemma_.lower() in CLAIM_NOUNS and any(
        c.dep_ == "det" and c.lower_ in ("that", "this", "those", "these", "such") for c in root.children
    ) and not any(c.dep_ in ("prep", "acl", "relcl", "ccomp", "poss", "compound") for c in root.children)


def _withheld(verb) -> bool:
    """A denial the speaker withholds states no position: "did not dispute", "never denied",
    "neither confirmed nor denied", "declined to deny"."""
    if any(c.dep_ == "neg" or c.lower_ == "never" for c in verb.children):
        return True
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in ("decline", "refuse"):
        return True
    coordinated = (verb, verb.head) if verb.dep_ == "conj" else (verb,)
    return any(c.dep_ == "preconj" and c.lower_ == "neither" for v in coordinated for c in v.children)


def _is_report(verb) -> bool:
    """A reporting verb used as one: not "the Taliban's claimed victory", not a subordinate
    clause the parser took for the main verb ("After X announced ..., Y embarked ..."), not a
    condition ("if she believed ...")."""
    if any(c.dep_ == "case" for s in _subjects(verb) for c in s.children):
        return False
    if verb.dep_ == "ROOT" and any(c.dep_ == "mark" and c.lower_ in _SUBORDINATORS for c in verb.children):
        return False
    # A condition is no report: "... a major political error if she believed the crisis could
    # be resolved", "unless they say otherwise".
    if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in verb.children):
        return False
    return True


def predicate_of(root) -> str:
    """The lemma of what a claim says happened or is so ("left" -> "leave"); "" for a light
    verb ("be", "have") or a clause without a verb."""
    from .nlp import LIGHT_VERBS

    if root.pos_ != "VERB":
        return ""
    lemma = root.lemma_.lower()
    return "" if lemma in LIGHT_VERBS else lemma


def _named_subject(tok):
    """The named person its sentence's main clause is about, when it names one ("Jussie
    Smollett is facing charges ..."), else None."""
    root = tok.sent.root
    subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None or subj.pos_ != "PROPN" or subj.ent_type_ != "PERSON" or subj.i > tok.i:
        return None
    return subj


def keys_of(root) -> tuple[str, ...]:
    """What a claim is about: lemmas of its clause's subject and object nouns, or of what a
    report is about ("reports about an agreement" -> agreement)."""
    out: list[str] = []
    heads = [root] + [c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
    if root.lemma_.lower() in CLAIM_NOUNS:
        heads = [g for c in root.children if c.dep_ == "prep" and c.lower_ in ("about", "of", "on", "that")
                 for g in c.children if g.dep_ == "pobj"]
        out += [h.lemma_.lower() for h in heads]
        heads += [c for c in root.children if c.dep_ in ("acl", "relcl", "ccomp")]
    for h in heads:
        args = [c for c in h.children if c.dep_ in ("nsubj", "nsubjpass", "dobj", "attr")]
        args += [g for c in h.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        # "one of its own missiles" is about missiles
        args += [g for a in list(args) for c in a.children if c.dep_ == "prep" and c.lower_ == "of"
                 for g in c.children if g.dep_ == "pobj"]
        out += [a.lemma_.lower() for a in args if a.pos_ in ("NOUN", "PROPN")]
    return tuple(dict.fromkeys(k for k in out if k not in CLAIM_NOUNS))
