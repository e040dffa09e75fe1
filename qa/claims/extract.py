"""Attributed claims from one article: for each sentence that reports a statement, who said it
(subject of the reporting verb, agent of a passive, "according to", "reports by X that"), what
(the complement clause), with which stance; sentences inside a quotation take the speaker of the
attribution that closes it; the rest is the outlet's own voice."""

from __future__ import annotations

import re

from ..domain import Article, Claim
from .facts import events, quantities
from .nlp import CLAIM_NOUNS, DENY, DISPUTE, FALSITY, GENERIC_GROUP, PRONOUNS, REPORTING, ROLES, nlp
from .record import Record
from .speakers import ArticleContext, Speaker, side_of, speaker

_QUOTES = re.compile(r"“[^”]*”|\"[^\"]*\"")
_DATELINE = re.compile(r"/[A-Z]{2,10}/|^[A-Z][A-Z .'-]{2,40}, [A-Z][a-z]+ \d{1,2}\.?$")
MAX_CLAIMS = 400
#: The target of a denial of unattributed reports: it answers whoever asserted the point.
ANY_REPORT = "*"


class _Found:
    """A claim being built: ``root`` is the reported clause's head token (stance and target
    come from it), ``toks`` the tokens of the reported content."""

    def __init__(self, sp: Speaker, verb: str, stance: str, root, toks, target: str | None = None,
                 embedded: bool = False):
        self.sp, self.verb, self.stance, self.root = sp, verb, stance, root
        self.toks = sorted(toks, key=lambda t: t.i)
        self.target, self.embedded = target, embedded
        self.at: int | None = None  # where the reporting verb is, to tell a report inside a quote


def extract(article: Article) -> list[Record]:
    """Every attributed claim and outlet statement in ``article``, in text order."""
    text = article.text
    paras = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    docs = list(nlp().pipe([p for _, p in paras], batch_size=64))
    ctx = ArticleContext(docs)
    outlet = article.source or "the article"
    out: list[Record] = []
    last_quote_speaker: Speaker | None = None
    for (off, ptxt), doc in zip(paras, docs):
        sents = list(doc.sents)
        found: list[list[_Found]] = []
        quotes = [m.span() for m in _QUOTES.finditer(ptxt)]
        for sent in sents:
            # A reporting verb inside a quotation is the quoted speaker's word ("..., denies
            # being briefed," Pelosi said), not a report the outlet makes.
            f = [x for x in _reported(sent, ctx)
                 if x.at is None or not any(qs < x.at < qe for qs, qe in quotes)]
            for x in f:
                if not x.embedded:
                    ctx.remember(x.sp)
            found.append(f)
        whole_quote = bool(quotes) and quotes[0][0] <= 1 and quotes[-1][1] >= len(ptxt.rstrip()) - 1
        prev_dates = None
        for si, sent in enumerate(sents):
            s0, s1 = _trim(ptxt, sent.start_char, sent.end_char)
            if s1 - s0 < 2:
                continue
            recs: list[Record] = []
            spans: list[set[int]] = []
            for x in found[si]:
                recs.append(_record(article, off, s0, s1, x, ctx))
                spans.append({t.i for t in x.toks})
            if not recs:
                sp = _quote_speaker(sent, sents, found, quotes)
                if sp is None and whole_quote and last_quote_speaker is not None:
                    sp = last_quote_speaker
                if sp is not None:
                    st = _stance_of(sent.root)
                    tg = _target(sent.root, ctx) if st != "asserts" else None
                    recs.append(_record(article, off, s0, s1, _Found(
                        sp, "said", st, sent.root, list(sent), tg if tg != sp.side else None), ctx))
                elif _statement(sent):
                    recs.append(_narrator(article, outlet, off, s0, s1, sent, ctx))
                spans += [{t.i for t in sent}] * len(recs)
            if found[si] and any(q[0] <= sent.start_char < q[1] or q[0] < sent.end_char <= q[1]
                                 for q in quotes):
                last_quote_speaker = found[si][0].sp
            recs = _attach_events(article, outlet, off, sents, si, s0, s1, recs, spans,
                                  prev_dates, ctx)
            prev_dates = _single_date(sent, article.date)
            out.extend(recs)
        if not quotes:
            last_quote_speaker = None
    return [_known_side(r, ctx) for r in out[:MAX_CLAIMS]]


def _known_side(r: Record, ctx: ArticleContext) -> Record:
    """A person first quoted without affiliation ("according to spokesman Zabihullah Mujahid")
    takes the side the article gives them elsewhere ("Taliban's Mujahid")."""
    from dataclasses import replace

    c = r.claim
    if not c.attributed or c.side != c.speaker:
        return r
    known = ctx.persons.get(c.speaker.split()[-1].lower())
    if known is None or known.side == known.name:
        return r
    return replace(r, side_det=known.det, claim=replace(c, side=known.side, affiliation=known.affiliation))


def _trim(ptxt: str, s: int, e: int) -> tuple[int, int]:
    while s < e and ptxt[s].isspace():
        s += 1
    while e > s and ptxt[e - 1].isspace():
        e -= 1
    return s, e


def _statement(sent) -> bool:
    """A sentence the outlet states as fact (not a dateline, caption scrap or fragment)."""
    words = [t for t in sent if not t.is_punct]
    if len(words) < 5 or _DATELINE.search(sent.text.strip()):
        return False
    return any(t.pos_ in ("VERB", "AUX") for t in sent)


def _stance_of(root) -> str:
    """Stance of a reported clause by its own words: calling something false disputes it,
    negating the main verb denies."""
    for t in root.subtree:
        # "the claim was wrong", "are spreading disinformation"; not "fake ticket reservations"
        if t.lemma_.lower() in FALSITY and (t.dep_ in ("acomp", "attr", "oprd") or (
                t.dep_ == "dobj" and t.head.lemma_ in ("spread", "call", "label", "peddle"))):
            return "disputes"
    if any(c.dep_ == "neg" for c in root.children):
        return "denies"
    for c in root.children:
        if c.dep_ in ("nsubj", "nsubjpass", "attr", "dobj") and \
                any(d.dep_ == "det" and d.lower_ == "no" for d in c.children):
            return "denies"
    return "asserts"


def _span_text(tokens) -> str:
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


def _subjects(verb):
    subs = [c for c in verb.children if c.dep_ == "nsubj"]
    if subs:
        return subs
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head.i != verb.i and verb.head.pos_ == "VERB":
        return _subjects(verb.head)
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
                 and (verb.lemma_ in DENY | DISPUTE or c.lemma_.lower() in CLAIM_NOUNS)]
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


def _target(root, ctx: ArticleContext) -> str | None:
    """The side whose claim a denial answers: "the Taliban's claim", "reports by the Taliban",
    "denied the Taliban made any advances", "the Taliban are spreading disinformation"."""
    cands = []
    if root.lemma_.lower() in CLAIM_NOUNS:
        cands += [c for c in root.children if c.dep_ == "poss" or (
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
                cands += [c for c in subj.children if c.dep_ == "poss"] + [subj]
    for c in cands:
        if c.lower_ in PRONOUNS:
            continue
        if c.ent_type_ in ("ORG", "GPE", "NORP", "PERSON") or c.pos_ == "PROPN":
            s = side_of([c], ctx)
            if s:
                return s[0]
    return None


def _according(tok, sent, ctx: ArticleContext) -> _Found | None:
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
    return _Found(sp, "according to", _stance_of(root), root, rest)


def _reported(sent, ctx: ArticleContext) -> list[_Found]:
    out: list[_Found] = []
    for tok in sent:
        if tok.pos_ != "VERB" or tok.lemma_.lower() not in REPORTING or tok.dep_ == "amod":
            continue
        if not _is_report(tok):
            continue
        lemma = tok.lemma_.lower()
        found = _content(tok)
        if found is None and lemma not in DENY | DISPUTE:
            continue
        root, toks = found if found is not None else (tok, [])
        if found is not None and root.pos_ == "VERB" and root.lemma_.lower() in REPORTING \
                and _is_report(root) and _subjects(root):
            continue  # "X reported that Y said ...": Y's claim is the one that matters
        quoted_by = next((c for c in tok.children if c.dep_ == "dobj"), None) if lemma == "quote" else None
        sp = speaker([quoted_by] if quoted_by is not None else _subjects(tok), ctx)
        if sp is None:
            continue
        stance = "denies" if lemma in DENY else "disputes" if lemma in DISPUTE else _stance_of(root)
        target = _target(root, ctx) if stance != "asserts" and found is not None else None
        if target is None and stance != "asserts" and root.lemma_.lower() in CLAIM_NOUNS:
            target = ANY_REPORT  # "refuted the reports about an agreement"
        verb = "said" if quoted_by is not None else tok.text
        f = _Found(sp, verb, stance, root, toks, target if target != sp.side else None)
        f.at = tok.idx
        out.append(f)
    for tok in sent:
        if tok.lower_ == "according" and not any(tok in f.toks for f in out):
            f = _according(tok, sent, ctx)
            if f is not None and not any(g.root.i in {t.i for t in f.toks} for g in out):
                out.append(f)
        if tok.lemma_.lower() in CLAIM_NOUNS and tok.pos_ == "NOUN":
            by = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "by"
                  for g in c.children if g.dep_ == "pobj"]
            clause = next((c for c in tok.children if c.dep_ in ("acl", "relcl", "ccomp")
                           and any(m.dep_ == "mark" for m in c.children)), None)
            if by and clause is not None:
                sp = speaker(by, ctx)
                if sp is not None:
                    out.append(_Found(sp, tok.text, "asserts", clause, list(clause.subtree),
                                      embedded=True))
    # A denial that names neither what nor whom ("a claim that has been denied by resistance
    # forces") answers the other claim in its sentence.
    for f in out:
        if f.stance != "asserts" and f.target is None:
            other = next((g for g in out if g is not f and g.stance == "asserts"
                          and g.sp.side != f.sp.side), None)
            if other is not None:
                f.target = other.sp.side
                if len(f.toks) < 4:
                    f.toks = other.toks
    return out


def _is_report(verb) -> bool:
    """A reporting verb used as one: not "the Taliban's claimed victory", not a subordinate
    clause the parser took for the main verb ("After X announced ..., Y embarked ...")."""
    if any(c.dep_ == "case" for s in _subjects(verb) for c in s.children):
        return False
    if verb.dep_ == "ROOT" and any(c.dep_ == "mark" and c.lower_ in _SUBORDINATORS for c in verb.children):
        return False
    return True


def _record(article: Article, off: int, s0: int, s1: int, f: _Found, ctx) -> Record:
    content = _span_text(f.toks) if f.toks else ""
    qs = quantities(f.toks, ctx, article.date) if f.toks else []
    claim = Claim(
        speaker=f.sp.name, side=f.sp.side, stance=f.stance, quote=article.text[off + s0: off + s1],
        article_id=article.id, start=off + s0, end=off + s1, verb=f.verb, content=content,
        affiliation=f.sp.affiliation, date=article.date, numbers=tuple(q.text for q in qs),
    )
    return Record(claim, f.target, f.sp.det or ctx.uses_the(f.sp.side), tuple(qs),
                  keys=_keys(f.root) if f.toks else ())


def _keys(root) -> tuple[str, ...]:
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


def _narrator(article: Article, outlet: str, off: int, s0: int, s1: int, sent, ctx) -> Record:
    qs = quantities(list(sent), ctx, article.date)
    claim = Claim(
        speaker=outlet, side=outlet, stance="asserts", quote=article.text[off + s0: off + s1],
        article_id=article.id, start=off + s0, end=off + s1, verb="", content=_span_text(list(sent)),
        date=article.date, numbers=tuple(q.text for q in qs), attributed=False,
    )
    return Record(claim, None, False, tuple(qs))


def _quote_speaker(sent, sents, found, quotes) -> Speaker | None:
    """The speaker of the quotation ``sent`` sits inside: whoever the sentence that closes (or
    opens) the quotation attributes it to."""
    for qs, qe in quotes:
        if not (qs <= sent.start_char + 1 and sent.end_char - 1 <= qe + 1):
            continue
        for i, other in enumerate(sents):
            if other.start == sent.start or not found[i]:
                continue
            if other.start_char <= qe <= other.end_char or other.start_char <= qs <= other.end_char:
                return found[i][0].sp
    return None


def _single_date(sent, year_hint):
    from .facts import dates_in

    d = dates_in(sent, year_hint)
    return d[0][1:] if len(d) == 1 else None


def _attach_events(article, outlet, off, sents, si, s0, s1, recs, spans, prev_dates, ctx):
    """Dated events go on the claim whose content holds their verb (else on an outlet
    statement for the sentence); an event dated by the sentence before goes on an outlet
    statement that spans both sentences, so that its quote shows the date."""
    from dataclasses import replace

    evs = events(sents[si], ctx, article.date, prev_dates)
    if not evs:
        return recs
    recs, spans = list(recs), list(spans)
    inherited = []
    for ev, verb, was_inherited in evs:
        if was_inherited:
            inherited.append(ev)
            continue
        host = next((i for i, toks in enumerate(spans) if verb.i in toks), None)
        if host is None:
            recs.append(_narrator(article, outlet, off, s0, s1, sents[si], ctx))
            spans.append({t.i for t in sents[si]})
            host = len(recs) - 1
        r = recs[host]
        recs[host] = replace(r, events=r.events + (ev,), claim=replace(
            r.claim, dates=tuple(dict.fromkeys(r.claim.dates + (ev.date_text,)))))
    if inherited:
        p0, _ = _trim(sents[si].doc.text, sents[si - 1].start_char, s1)
        base = _narrator(article, outlet, off, p0, s1, sents[si], ctx)
        recs.append(replace(base, events=tuple(inherited), quantities=(), claim=replace(
            base.claim, numbers=(), content=" ".join(article.text[off + p0: off + s1].split()),
            dates=tuple(dict.fromkeys(e.date_text for e in inherited)))))
    return recs
