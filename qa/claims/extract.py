"""Attributed claims from one article: for each sentence that reports a statement, who said it
(subject of the reporting verb, agent of a passive, "according to", "reports by X that"), what
(the complement clause), with which stance; sentences inside a quotation take the speaker of the
attribution that closes it; the rest is the outlet's own voice."""

from __future__ import annotations

import re

from ..domain import Article, Claim
from ..text import dateline_end
from .facts import events, quantities
from .nlp import CLAIM_NOUNS, FALSITY, REPORTING, UNTRUE, EnglishModel
from .record import Record
from .reports import Found, keys_of, predicate_of, reported, content_text, stance_of, target_of
from .speakers import ArticleContext, Speaker

_QUOTES = re.compile(r"“[^”]*”|\"[^\"]*\"")
_DATELINE = re.compile(r"/[A-Z]{2,10}/|^[A-Z][A-Z .'-]{2,40}, [A-Z][a-z]+ \d{1,2}\.?$")
MAX_CLAIMS = 400
#: Paragraphs spaCy parses together.
PARSE_BATCH = 256
#: Named-entity labels kept for answering (what kind of thing a sentence names: a person, a
#: date, a figure ...); spaCy's other labels are ordinal numbers and the like.
ENTITY_LABELS = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE "
                          "DATE TIME PERCENT MONEY QUANTITY CARDINAL".split())


def extract(article: Article, model: EnglishModel) -> list[Record]:
    """Every attributed claim and outlet statement in ``article``, in text order."""
    return parse(article, model)[0]


def parse(article: Article, model: EnglishModel) -> tuple[list[Record], list[tuple[int, int, str]]]:
    """The claims of ``extract`` and, from the same parse, the article's named entities as
    ``(start, end, label)`` spans of its text."""
    return parse_many([article], model)[0]


def parse_many(articles: list[Article], model: EnglishModel
               ) -> list[tuple[list[Record], list[tuple[int, int, str]]]]:
    """``parse`` of each article, their paragraphs parsed in one stream (spaCy batches them
    across articles: ~15% less CPU than a stream per article)."""
    # A paragraph is parsed from after its dateline: "WASHINGTON (AP) — Hunter Biden, ...,
    # rejected ..." is Hunter Biden's, not Washington's.
    paras = [[(m.start() + (k := dateline_end(m.group())), m.group()[k:])
              for m in re.finditer(r"[^\n]+", a.text)] for a in articles]
    docs = iter(model.get().pipe((p for ps in paras for _, p in ps), batch_size=PARSE_BATCH))
    out = []
    for article, ps in zip(articles, paras):
        ds = [next(docs) for _ in ps]
        entities = [(off + e.start_char, off + e.end_char, e.label_)
                    for (off, _), doc in zip(ps, ds) for e in doc.ents if e.label_ in ENTITY_LABELS]
        out.append((_claims(article, ps, ds), entities))
    return out


def _claims(article: Article, paras, docs) -> list[Record]:
    ctx = ArticleContext(docs)
    outlet = article.source or "the article"
    out: list[Record] = []
    last_quote_speaker: Speaker | None = None
    for (off, ptxt), doc in zip(paras, docs):
        sents = list(doc.sents)
        found: list[list[Found]] = []
        quotes = [m.span() for m in _QUOTES.finditer(ptxt)]
        for sent in sents:
            # A reporting verb inside a quotation is the quoted speaker's word ("..., denies
            # being briefed," Pelosi said), not a report the outlet makes.
            f = [x for x in reported(sent, ctx)
                 if x.at is None or not any(qs < x.at < qe for qs, qe in quotes)]
            f += _judged(sent, f, outlet)
            for x in f:
                if not x.embedded:
                    ctx.remember(x.sp)
            if not f:
                _mention(sent, ctx)
            found.append(f)
        whole_quote = bool(quotes) and quotes[0][0] <= 1 and quotes[-1][1] >= len(ptxt.rstrip()) - 1
        prev_dates = None
        quoted_here: Speaker | None = None  # who a quotation of this paragraph was given to
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
                if sp is None and quoted_here is not None and any(
                        qs <= s0 < qe for qs, qe in quotes):
                    # '"In decades of my career ...," Sondland said. "These untrue claims are
                    # concocted ..."': a quotation that goes on after its attribution
                    sp = quoted_here
                if sp is not None:
                    st = stance_of(sent.root)
                    tg = target_of(sent.root, ctx) if st != "asserts" else None
                    recs.append(_record(article, off, s0, s1, Found(
                        sp, "said", st, sent.root, list(sent), tg if tg != sp.side else None), ctx))
                elif _statement(sent):
                    recs.append(_narrator(article, outlet, off, s0, s1, sent, ctx))
                spans += [{t.i for t in sent}] * len(recs)
            if found[si] and any(q[0] <= sent.start_char < q[1] or q[0] < sent.end_char <= q[1]
                                 for q in quotes):
                last_quote_speaker = quoted_here = found[si][0].sp
            recs = _attach_events(article, outlet, off, sents, si, s0, s1, recs, spans,
                                  prev_dates, ctx)
            prev_dates = _single_date(sent, article.date)
            out.extend(recs)
        if not quotes:
            last_quote_speaker = None
    return [_known_side(r, ctx) for r in out[:MAX_CLAIMS]]


def _mention(sent, ctx: ArticleContext) -> None:
    """A person who is the subject of a sentence that reports nothing ("Sen. Lindsey Graham
    defended the president's word choice") is who a following "he told reporters" means."""
    from .speakers import speaker

    subj = next((c for c in sent.root.children if c.dep_ == "nsubj"), None)
    if subj is not None and subj.ent_type_ != "PERSON":  # "Another Republican, Sen. X, ..."
        subj = next((c for c in subj.children if c.dep_ == "appos" and c.ent_type_ == "PERSON"), subj)
    if subj is not None and subj.pos_ == "PROPN" and subj.ent_type_ == "PERSON":
        sp = speaker([subj], ctx)
        if sp is not None and sp.person:
            ctx.mentioned(sp)


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


def _record(article: Article, off: int, s0: int, s1: int, f: Found, ctx) -> Record:
    content = content_text(f.toks) if f.toks else ""
    qs = quantities(f.toks, ctx, article.date) if f.toks else []
    claim = Claim(
        speaker=f.sp.name, side=f.sp.side, stance=f.stance, quote=article.text[off + s0: off + s1],
        article_id=article.id, start=off + s0, end=off + s1, verb=f.verb, content=content,
        affiliation=f.sp.affiliation, date=article.date, numbers=tuple(q.text for q in qs),
    )
    return Record(claim, f.target, f.sp.det or ctx.uses_the(f.sp.side), tuple(qs),
                  keys=keys_of(f.root) if f.toks else (), pred=predicate_of(f.root) if f.toks else "")


def _narrator(article: Article, outlet: str, off: int, s0: int, s1: int, sent, ctx) -> Record:
    qs = quantities(list(sent), ctx, article.date)
    claim = Claim(
        speaker=outlet, side=outlet, stance="asserts", quote=article.text[off + s0: off + s1],
        article_id=article.id, start=off + s0, end=off + s1, verb="", content=content_text(list(sent)),
        date=article.date, numbers=tuple(q.text for q in qs), attributed=False,
    )
    return Record(claim, None, False, tuple(qs))


def _judged(sent, found: list[Found], outlet: str) -> list[Found]:
    """The outlet's own verdict on a claim it reports, "X falsely claimed that P" or "X claimed,
    without evidence (without offering any proof), that P": a dispute of P by the outlet (a
    claim against a fact-check, told in one sentence), beside X's claim."""
    out = []
    for x in found:
        if x.stance != "asserts":
            continue
        if x.embedded:
            judged = _untrue_claim(x.root.head)
        else:
            verb = next((t for t in sent if t.idx == x.at), None) if x.at is not None else None
            if verb is None:
                continue
            advs = [c for c in verb.children if c.dep_ == "advmod"]
            # ("repeatedly and falsely")
            advs += [g for a in advs for g in a.children if g.dep_ == "conj"]
            judged = next((a for a in advs if a.lower_ in UNTRUE), None) or next(
                (c for c in verb.children if c.dep_ == "prep" and c.lower_ == "without"
                 and any(g.lemma_.lower() in ("evidence", "proof") for g in c.subtree)), None)
        if judged is not None and (_reported_by_another(judged.head) or _SELF.search(sent.text)):
            continue  # (nor is a correction of the article itself a dispute between sources)
        if judged is not None:
            # (Beside the claim, not over it: the outlet is no speaker a later pronoun or
            # quotation goes back to.)
            out.append(Found(Speaker(outlet, outlet), judged.text, "disputes", x.root, x.toks,
                             target=x.sp.side, embedded=True))
    return out


#: A sentence in which the outlet corrects its own story: "CORRECTION: An earlier version of
#: this article incorrectly stated that ...".
_SELF = re.compile(r"\b(?:earlier|previous|original) version\b|\bthis (?:article|story|report) "
                   r"(?:originally|incorrectly|erroneously|mistakenly)|^\W*correction\b", re.I)


def _reported_by_another(tok) -> bool:
    """Whether ``tok`` stands in what someone else reports: "The Taliban's claim ... was false,
    the resistance said", "Biden said Trump falsely claimed ..." (the verdict is theirs, not
    the outlet's); a conjunct stands where its first does ("Flynn believed ..., and claimed
    incorrectly that ..." is the outlet's verdict)."""
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    # ("When she was young, she said, a news outlet falsely reported ...": an inserted report)
    return any(a.lemma_.lower() in REPORTING for a in tok.ancestors) or any(
        c.dep_ == "parataxis" and c.lemma_.lower() in REPORTING for c in tok.children)


def _untrue_claim(noun):
    """The word by which the outlet calls a claim noun untrue: "the false claim that ...",
    "Trump's claim that ... is baseless"; None when it does not."""
    if noun.lemma_.lower() not in CLAIM_NOUNS:
        return None
    said = [c for c in noun.children if c.dep_ == "amod"]
    if noun.dep_ == "nsubj":
        said += [c for c in noun.head.children if c.dep_ in ("acomp", "attr")]
    return next((c for c in said if c.lemma_.lower() in FALSITY), None)


def _quote_speaker(sent, sents, found, quotes) -> Speaker | None:
    """The speaker of the quotation ``sent`` sits inside: whoever the sentence that closes (or
    opens) the quotation attributes it to."""
    for qs, qe in quotes:
        if not (qs <= sent.start_char + 1 and sent.end_char - 1 <= qe + 1):
            continue
        for i, other in enumerate(sents):
            # (Not a report in a relative clause: "Biden said about Warren, who suggested ...:
            # 'It's not about her'" is Biden's.)
            own = [f for f in found[i] if not f.embedded]
            if other.start == sent.start or not own:
                continue
            if other.start_char <= qe <= other.end_char or other.start_char <= qs <= other.end_char:
                return own[0].sp
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
