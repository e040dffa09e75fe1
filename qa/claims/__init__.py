"""Attributed claims and contested points.

- At ingest, ``Annotator`` (``annotate(article, model)``) finds who claims what in each article (spaCy's parser and
  NER; ``extract.py``), with the figures and dated events each claim states, and stores them
  in the article manifest with a sentence vector each.
- At answer time, ``find_contests`` groups the claims of the evidence articles that are about
  the same point and reports where sides disagree: one asserts and another denies, or their
  figures or dates differ (``contests.py``).
- ``describe`` writes a contest as attributed prose; ``unhedged`` finds answer sentences that
  state a contested point in the narrator's voice (``prose.py``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..domain import Article, ArticleRecord, Claim
from ..embedding import Embedder
from ..lru import Recent
from .contests import build
from .extract import parse_many
from .nlp import EnglishModel
from .groups import Found, unit
from .links import VALUE_LABELS, ClaimFacts, LinkRule
from .prose import describe, unhedged
from .record import Record, decode, decode_entities, encode
from .sides import unify

__all__ = ["annotate", "Annotator", "ContestFinder", "EnglishModel", "Found", "LinkRule", "describe",
           "unhedged", "with_vectors"]

#: What an annotation holds, by version: 1 claims; 2 claims and named entities; 3 no denial
#: from a withheld denial ("did not dispute", "neither confirmed nor denied"); 4 a former
#: official speaks for themselves, not for the body beside their old role ("Biden's former
#: staffer Tara Reade" is not Biden's side); 5 a figure is about the places nearest to it in
#: its sentence, not every place the sentence names; 6 "rejected the deal", "countered the
#: influence" oppose a thing, not a claim: no denial; 7 "thirty-one" is 31 (it was read as
#: 30); 8 a figure is what happened to it only ("killed 16 and wounded 100": 16 were not
#: wounded), on the day a weekday said of it names ("an attack on Monday killed 16"); 9 a
#: curly possessive names its owner ("denied Roberts’ allegations" answers Roberts), and a
#: building speaks for the body in it ("Buckingham Palace officials denied"); 10 a claim
#: said against another that the sentence states with it disputes it ("said she believed he
#: was murdered, despite a medical examiner's ruling that he died by suicide"); 11 a court
#: that dismisses charges rules on a prosecution, it denies nothing; 12 a pronoun that
#: reports again takes a speaker of its own sentence first ("Beijing denies ..., yet it
#: warned"; "Reade says ..., though she says ..."), and a condition ("if she believed")
#: reports nothing; 13 a phrase after a role names the person's side only when it names a
#: body ("a professor of epidemiology at Johns Hopkins" speaks for Johns Hopkins, not for
#: "Epidemiology"; "officials with knowledge of the matter" are the outlet's unnamed
#: sources, like "officials familiar with the matter"); 14 a report given a name of falsity
#: is disputed ("Russia called the report nonsense", "branded the story a smear"); 15 what a
#: report, reveal or confirm verb makes known is a claim ("The Times first reported the
#: existence of the program"), and a denial of a definite description ("denied the existence
#: of the program") answers what its article told before it; 16 a writing with no author
#: named speaks as itself ("the lawsuit claims", "the complaint alleges"), a report of a
#: verb that reports nothing ("claims that officers never announced themselves") is the
#: report's, and a group the sentence describes speaks as one side ("the officers who raided
#: the apartment say"); 17 a count added to another in its phrase ("two officers and one
#: sergeant entered") is a part, read as "at least", not a figure that differs from "three
#: officers"; 18 disagreeing with a claim disputes it ("HHS says it strongly disagrees with his
#: allegations", "disagreed with the notion that ..."; not "disagreed with the decision"), and
#: "his allegations" are the last person's; 19 an accusation is its accuser's claim ("three
#: women accused Sondland of unwanted touching": "unwanted touching"), and women, accusers,
#: victims, plaintiffs and neighbours are people who speak; 20 a quotation that goes on after
#: its attribution in the same paragraph ('"...," Sondland said. "These untrue claims are
#: concocted ..."') is the same speaker's; 21 what a court acts on is the first noun after its
#: verb, however parsed ("the court dismissed charges against three of the 11 people tried"
#: rules on a prosecution, it denies nothing); 22 a report introduced by a colon that the
#: parser took for the main clause ('the weather service tweeted in response: "Alabama will
#: NOT see any impacts"') is the speaker's, not the outlet's; 23 a relative clause's
#: reporting verb speaks for the noun it describes ("a weather office that contradicted
#: Trump's claim", "the senator, who said ..."); 24 a common body noun alone does not pick the
#: article's organisation ("a weather office" is not "the Oval Office", "Pelosi's office" is
#: Pelosi's, not the Office of Management and Budget); 25 a subject that names no one ("no
#: Senate Republicans have said they would vote to convict") makes no claim; 26 a critic, a
#: supporter, an ally of someone ("Jane Doe, a longtime Trump critic"; "Trump critics") speaks
#: for themselves, not for whom they stand toward; 27 a pronoun that reports inside another
#: report is that report's subject ("government sources said they believed ...": the sources,
#: not whoever the article quoted last; "Trump said he believed ...": Trump); 28 a paragraph
#: is parsed from after its dateline ("WASHINGTON (AP) — Hunter Biden, ..., rejected ..." is
#: Hunter Biden's, not Washington's); 29 "denied claims by one accuser, Virginia Giuffre (née
#: Roberts), that he ..." holds her claim too, when spaCy hangs the "that" clause on the verb;
#: 30 a caption's "FILE -" is no dateline (28 had taken it for one); 31 the outlet's own verdict
#: on a claim it reports ("Trump falsely claimed that ...", "argues, without evidence, that
#: ...") disputes it (``extract._judged``); 32 so does "the false claim that ...", "X's claim that
#: ... is baseless", and who repeats, makes or spreads a claim made it ("Trump repeated the
#: claim that ..."), unless the verdict is someone else's report ("..., the resistance said");
#: 33 the same under a verb that takes no "that" clause ("stemming from his claim last year
#: that he was the victim"), and "his claim" is the claim of the named person the sentence is
#: about; 34 "accusations among Republicans that ..." are theirs; 35 no outlet verdict from a
#: report inserted in the sentence ("she said, a news outlet falsely reported ...") nor from
#: the outlet correcting its own story ("CORRECTION: An earlier version of this article
#: incorrectly stated ..."). A store whose articles were annotated by an older version annotates them again (without
#: re-embedding).
ANNOTATION_VERSION = 35


def annotate(article: Article, model: EnglishModel, embedder: Embedder | None = None) -> str:
    """The claims stored with ``article`` at ingest, and its named entities; with an embedder,
    each contestable claim carries its sentence vector so that answering never embeds claims."""
    return annotate_many([article], model, embedder)[0]


def annotate_many(articles: list[Article], model: EnglishModel,
                  embedder: Embedder | None = None) -> list[str]:
    """``annotate`` of each article: one parse stream and one embedding call for all of them."""
    parsed = parse_many(articles, model)
    if embedder is not None:
        flat = with_vectors([r for records, _ in parsed for r in records], embedder)
        at = 0
        for n, (records, entities) in enumerate(parsed):
            parsed[n] = flat[at : at + len(records)], entities
            at += len(records)
    return [encode(records, entities) for records, entities in parsed]


class Annotator:
    """``annotate`` bound to an embedder, with the version of what it writes (the store
    re-annotates articles written by an older version)."""

    version = ANNOTATION_VERSION

    def __init__(self, embedder: Embedder | None = None, model: EnglishModel | None = None):
        self.embedder = embedder
        self.model = model or EnglishModel()

    def __call__(self, article: Article) -> str:
        return self.many([article])[0]

    def many(self, articles: list[Article]) -> list[str]:
        """The annotations of ``articles``, made together (what ingest calls per write batch)."""
        return annotate_many(articles, self.model, embedder=self.embedder)


def _contestable(r: Record) -> bool:
    return r.claim.attributed or bool(r.quantities) or bool(r.events)


def with_vectors(records: list[Record], embedder: Embedder) -> list[Record]:
    """Records with sentence vectors (and figure-phrase vectors) filled in, in one batch."""
    need = [i for i, r in enumerate(records) if r.vec is None and _contestable(r)]
    qneed = [(i, j) for i, r in enumerate(records) for j, q in enumerate(r.quantities) if q.vec is None]
    eneed = [(i, j) for i, r in enumerate(records) for j, e in enumerate(r.events) if e.vec is None]
    if not need and not qneed and not eneed:
        return records
    texts = ([records[i].embed_text() for i in need]
             + [records[i].quantities[j].counted or records[i].quantities[j].phrase for i, j in qneed]
             + [records[i].events[j].label for i, j in eneed])
    vecs = iter(np.asarray(embedder.embed(texts), dtype=np.float32))
    out = list(records)
    for i in need:
        out[i] = replace(out[i], vec=next(vecs))
    for i, j in qneed:
        qs = list(out[i].quantities)
        qs[j] = replace(qs[j], vec=next(vecs))
        out[i] = replace(out[i], quantities=tuple(qs))
    for i, j in eneed:
        es = list(out[i].events)
        es[j] = replace(es[j], vec=next(vecs))
        out[i] = replace(out[i], events=tuple(es))
    return out


class ContestFinder:
    """The claims stored with articles, decoded once per article version, and the contests
    among a set of articles, built once per set of versions. One per pipeline: it owns both
    caches."""

    def __init__(self, embedder: Embedder | None = None):
        self.embedder = embedder
        self._records = Recent(512)  # (id, hash, claims hash, contestable) -> (records, complete)
        self._built = Recent(256)  # article versions -> contests among them

    def records(self, record: ArticleRecord, contestable: bool = False) -> list[Record]:
        """The decoded claims of ``record``; missing vectors are computed. ``contestable``:
        only the claims a contest can use (attributed, or stating a figure or a date; about a
        third of them, decoded in a third of the time). Missing vectors are computed when the
        finder has an embedder."""
        raw = record.claims or ""
        key = (record.article.id, record.content_hash, hash(raw), contestable)
        hit = self._records.get(key)
        if hit is None:
            recs = decode(raw, record.article, contestable)
            if self.embedder is not None and not all(r.vec is not None for r in recs
                                                     if _contestable(r)):
                recs = with_vectors(recs, self.embedder)
            hit = recs
            self._records.put(key, hit)
        return hit

    def entities(self, record: ArticleRecord) -> tuple[tuple[int, int, str], ...] | None:
        """The named entities stored with ``record`` (None when its annotation has none)."""
        key = ("ents", record.article.id, record.content_hash, hash(record.claims or ""))
        hit = self._records.get(key)
        if hit is None:
            hit = decode_entities(record.claims, len(record.article.text)) or ()
            self._records.put(key, hit)
        return hit or None

    def claims(self, record: ArticleRecord) -> list[Claim]:
        """The attributed claims (and outlet statements) stored with ``record``."""
        return [r.claim for r in self.records(record)]

    def facts(self, records: dict[str, ArticleRecord]) -> ClaimFacts:
        """A look-up of what ``LinkRule`` reads of a claim of ``records``: the entities named in
        its sentence (not values: ``VALUE_LABELS``) and its sentence vector. Each claim is read
        once (a contest's pairs ask about the same claims again and again)."""
        vectors: dict[str, dict[tuple[int, int], np.ndarray | None]] = {}
        seen: dict[tuple[str, int, int], tuple[frozenset[str], np.ndarray | None]] = {}

        def look(claim: Claim) -> tuple[frozenset[str], np.ndarray | None]:
            key = (claim.article_id, claim.start, claim.end)
            if key in seen:
                return seen[key]
            rec = records.get(claim.article_id)
            if rec is None:
                return frozenset(), None
            text = rec.article.text
            names = frozenset(" ".join(text[s:e].lower().split()).removeprefix("the ")
                              for s, e, label in self.entities(rec) or ()
                              if label not in VALUE_LABELS and claim.start <= s and e <= claim.end)
            if claim.article_id not in vectors:
                vectors[claim.article_id] = {(r.claim.start, r.claim.end): r.vec
                                             for r in reversed(self.records(rec, contestable=True))}
            vec = vectors[claim.article_id].get((claim.start, claim.end))
            seen[key] = names, None if vec is None else unit(np.asarray(vec, dtype=np.float32))
            return seen[key]

        return look

    def claim_at(self, records: dict[str, ArticleRecord]):
        """A look-up of the attributed claim that overlaps an article's sentence the most
        (``(article ID, start, end) -> Claim | None``), over ``records``."""
        def look(article_id: str, start: int, end: int) -> Claim | None:
            rec = records.get(article_id)
            if rec is None:
                return None
            best, overlap = None, 0
            for r in self.records(rec, contestable=True):
                c = r.claim
                o = min(end, c.end) - max(start, c.start)
                if c.attributed and o > overlap:
                    best, overlap = c, o
            return best

        return look

    def among(self, records: dict[str, ArticleRecord]) -> list[Found]:
        """Every contest among the claims of ``records`` (sides unified across them)."""
        key = tuple(sorted((aid, r.content_hash, hash(r.claims)) for aid, r in records.items()))
        hit = self._built.get(key)
        if hit is None:
            recs: list[Record] = []
            for aid, *_ in key:
                recs += self.records(records[aid], contestable=True)
            hit = build(unify(recs))
            self._built.put(key, hit)
        return hit
