"""The evidence stage: which sentences of the retrieved chunks answer the question, and whether
any does.

Every sentence of every retrieved chunk is a candidate. Each gets a row of features: first its
meaning (cosine similarity of its sentence vector, made at ingest, to the question's), then
the words it shares with the question (weighted by how rare they are among the candidates),
and among them the words for what the question asks about the things it names ("population"
in "the population of Kabul"), the question's names it carries, the answer type the question asks for (a date, a number, a
person, a place) and the chunk's retrieval rank and similarity. A logistic model turns the row
into the probability that the sentence answers; its weights, and the thresholds below, are
settings fitted on the dev suites by ``python -m eval calibrate`` (``SentenceModelSettings``).

Whether the question is answered at all is a second fitted model over the candidates as a
whole (how likely the best sentence is to answer, how close anything comes to the question in
meaning, whether the best sentence holds what the question asks about and the answer type it
wants, whether the names the question gives appear in it, or anywhere): below ``answer_at`` the answer is "the articles don't say",
whatever words the question shares with them. Sentences close to the best one
(``keep_ratio``, ``keep_at_least``) are kept, near-duplicates from other articles cited
together.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from ..claims.facts import parse_date
from ..claims.names import acronym
from ..config import AbstentionSettings, SentenceModelSettings
from ..domain import ArticleRecord, Evidence, Sentences
from ..text import REPORTING, WORD, Lexicon
from .question import AMOUNT, DATE, DAY, NAME, NUMBER, PERSON, PLACE, Question

#: Named-entity labels (spaCy's, stored at ingest) that supply each answer type.
ENTITY_TYPES = {
    PERSON: frozenset({"PERSON"}),
    DATE: frozenset({"DATE", "TIME"}),
    NUMBER: frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"}),
    AMOUNT: frozenset({"MONEY", "QUANTITY", "PERCENT"}),
    PLACE: frozenset({"GPE", "LOC", "FAC"}),
    NAME: frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT",
                     "WORK_OF_ART", "LAW", "LANGUAGE"}),
}
#: An entity this close (characters) to the noun a "which <noun>" question asks about is what
#: the noun names ("investor Alan Jacobson", "Gorsuch, the justice who ...").
NOUN_REACH = 40

#: The features of a candidate sentence, in the order of the model's weights.
FEATURES = ("sem", "sem_prev", "sem_gap", "sem_rank", "lex", "lex_ctx", "lex_rank", "focus",
            "focus_ctx", "names_missing", "chunk_sim", "chunk_rank", "type_hit", "type_miss",
            "attributed", "fragment", "length", "ent_hit", "ent_new", "noun_ent")

#: The features of the candidates as a whole, for the abstention model.
ANSWERABLE_FEATURES = ("best", "sem", "max_sem", "focus", "type_miss", "names_missing",
                       "names_unseen", "ent_hit", "noun_ent")

_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_HAS = {
    DATE: re.compile(rf"\b(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                     r"yesterday|today|tonight|(?:1[6-9]|20)\d\d|last (?:week|month|year)|"
                     r"\d+ (?:days?|weeks?|months?|years?) (?:ago|earlier|later))\b"),
}
#: A count or amount (a year or the day of a date is not one; see ``_has_number``).
_NUMBER = re.compile(r"\$?\b(?:\d[\d,.]*(?:\s+(?:hundred|thousand|million|billion)\b)?|"
                     r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                     r"(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|"
                     r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|"
                     r"thousand|million|billion|dozens?|hundreds|thousands|millions|several|half|percent)\b", re.I)
_WEEKDAY = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|"
                      r"today|tonight)\b")
#: An amount: money, or a figure with a unit of measure or a share.
_AMOUNT = re.compile(
    r"[$£€¥]\s?\d|\b\d[\d,.]*\s*%|"
    r"\b(?:\d[\d,.]*|a|one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|"
    r"hundreds|thousands|millions|billions|several|few)[\s-]*(?:(?:hundred|thousand|million|billion|"
    r"trillion)\s+)?(?:dollars?|cents?|euros?|pounds?|yuan|rubles?|roubles?|yen|rupees?|pesos?|"
    r"francs?|percent|per\s+cent|percentage\s+points?|barrels?|tons?|tonnes?|gallons?|liters?|"
    r"litres?|acres?|hectares?|(?:square\s+)?(?:miles?|kilometers?|kilometres?|km|feet|foot|meters?|"
    r"metres?)|inches?|kilograms?|kg|grams?|ounces?|hours?|days?|weeks?|months?|years?|"
    r"minutes?|seconds?)\b", re.I)
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")
_MONTH_BEFORE = re.compile(rf"(?:{_MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s+$")
_NAME_RUN = re.compile(r"\b[A-Z][a-z’'.-]+(?:\s+(?:[A-Z][a-z’'.-]+|al-|bin|van|de|von|[A-Z]\.))+")
_PLACE_CUE = re.compile(r"\b(?:in|at|near|from|into|outside|inside|across)\s+(?:the\s+)?([A-Z][\w’'-]+)")
_PRONOUN_START = re.compile(r"^(?:He|She|They|It|This|That|These|Those|His|Her|Their|Its)\b")


@dataclass
class Candidate:
    """A sentence of a retrieved chunk, its features and its probability of answering."""

    article_id: str
    start: int
    end: int
    text: str
    vector: np.ndarray = field(repr=False)
    chunk_rank: int = 0
    prev: tuple[int, int] | None = None  # the sentence before, same paragraph
    prev_vector: np.ndarray | None = field(default=None, repr=False)
    features: np.ndarray | None = field(default=None, repr=False)
    p: float = 0.0
    #: Named entities in the sentence, (start, end, label) relative to it; None when the store
    #: holds none for the article (annotated without entities, or without claims).
    entities: tuple[tuple[int, int, str], ...] | None = None
    also: list["Candidate"] = field(default_factory=list)  # near-duplicates in other articles


@dataclass(frozen=True)
class Selection:
    """What the evidence stage decided: every scored candidate (best first), the chosen ones,
    and whether the question is answered at all."""

    candidates: tuple[Candidate, ...]
    chosen: tuple[Candidate, ...]
    answerable: bool
    p_answer: float = 0.0  # the abstention model's probability that something answers
    answer_features: tuple[float, ...] = ()

    @property
    def best(self) -> float:
        return self.candidates[0].p if self.candidates else 0.0


SentencesOf = Callable[[ArticleRecord], Sentences]
EntitiesOf = Callable[[ArticleRecord], "tuple[tuple[int, int, str], ...] | None"]


def candidates(evidence: list[Evidence], records: dict[str, ArticleRecord],
               sentences_of: SentencesOf, entities_of: EntitiesOf | None = None) -> list[Candidate]:
    """Every sentence that a retrieved chunk overlaps, once, with its stored vector and the
    named entities stored for it."""
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for rank, ev in enumerate(evidence):
        rec = records.get(ev.chunk.article_id)
        if rec is None:
            continue
        table = sentences_of(rec)
        ents = entities_of(rec) if entities_of is not None else None
        starts = [a for a, _, _ in ents] if ents is not None else []  # stored in text order
        text = rec.article.text
        for i, (s, e) in enumerate(table.spans):
            if e <= ev.chunk.start or s >= ev.chunk.end or (rec.article.id, s) in seen:
                continue
            seen.add((rec.article.id, s))
            sent = text[s:e]
            if len(sent.split()) < 3 or _mostly_link(sent) or _CAPTION.search(sent) or _asks(sent):
                continue
            c = Candidate(rec.article.id, s, e, sent, table.vectors[i], chunk_rank=rank,
                          entities=None if ents is None else tuple(
                              (a - s, b - s, label)
                              for a, b, label in ents[bisect_left(starts, s):bisect_left(starts, e)]
                              if b <= e))
            if i > 0 and "\n" not in text[table.spans[i - 1][1]:s]:
                c.prev, c.prev_vector = table.spans[i - 1], table.vectors[i - 1]
            out.append(c)
    return out


_URL = re.compile(r"https?://\S+|www\.\S+")


#: A photo or video caption, or its credit: "FILE - In this Nov. 30, 2017 file photo, ...",
#: "Breonna Taylor (Photo: Christopher 2X)", "... | Pavel Golovkin/AP Photo", "AFP/Getty Images A
#: picture taken on ...", USA Today's "CLOSE Bianca Austin makes remarks ..." (the video
#: player's button), and a link to another story ("READ MORE: ..."): page furniture beside
#: the story, not something the article says.
_CAPTION = re.compile(r"^\s*FILE\s*[-–—]|^\s*CLOSE\s+[A-Z]|\((?:Photo|Image|Video)s?:|"
                      r"\b(?:Getty Images|AP Photo|AP Images|Reuters/|/Reuters\b|/AFP\b|/EPA\b)|"
                      r"\bIn this (?:\w+ ){0,6}(?:file )?photo\b|"
                      # a link to another story: "READ MORE: ...", "... adviser Read more."
                      r"^\s*(?:READ MORE|Read more|RELATED)\s*:|\bRead [Mm]ore\W*$")


def _asks(sentence: str) -> bool:
    """A question the article asks ("Who was Breonna Taylor?", a heading; "Is it legal?") states
    nothing, so it answers nothing."""
    return sentence.rstrip().rstrip("\"”’'").endswith("?")


def _mostly_link(sentence: str) -> bool:
    """A line that is mostly a web address ("Read or Share this story: https://...") is page
    furniture, not something an article says."""
    links = sum(len(m.group()) for m in _URL.finditer(sentence))
    return links > 0.4 * len(sentence.strip())


def featurize(q: Question, cands: list[Candidate], evidence: list[Evidence],
              records: dict[str, ArticleRecord], lexicon: Lexicon) -> None:
    """Fills in each candidate's feature row (``FEATURES``)."""
    if not cands:
        return
    sims = np.array([float(q.vector @ c.vector) for c in cands])
    best = float(sims.max())
    sem_rank = _reciprocal_ranks(sims)
    terms = [lexicon.terms(c.text) for c in cands]
    n = len(cands)
    qterms = q.terms
    idf = {t: math.log(1 + n / (1 + sum(t in x for x in terms))) for t in qterms}
    total = sum(idf.values()) or 1.0
    ranks = {}
    for r, ev in enumerate(evidence):
        ranks.setdefault(ev.chunk.article_id, []).append(ev)
    typed = q.wants & {DATE, NUMBER, PERSON, PLACE}
    wanted = q.wants & set(ENTITY_TYPES)
    if AMOUNT in q.wants:  # an amount, not any number: "$500,000", "12 percent", "4 tons"
        typed, wanted = (typed - {NUMBER}) | {AMOUNT}, wanted - {NUMBER}
    if DAY in q.wants:  # a day, not any date: "on Feb. 23", "on Sunday"
        typed = (typed - {DATE}) | {DAY}
    q_names = as_written(q.name_terms, cands, records, lexicon)
    # What the question asks about the things it names ("population", "old", "spokesman").
    focus = {t: w for t, w in idf.items() if t not in q_names} or idf
    focus_total = sum(focus.values()) or 1.0
    lexes = np.array([sum(w for t, w in idf.items() if t in own) / total for own in terms])
    lex_rank = _reciprocal_ranks(lexes)
    for c, sim, own, sr, lr in zip(cands, sims, terms, sem_rank, lex_rank):
        rec = records[c.article_id]
        ctx = set(own) | lexicon.terms(rec.article.title)
        if c.prev is not None:
            ctx |= lexicon.terms(rec.article.text[c.prev[0]:c.prev[1]])
        lex = sum(w for t, w in idf.items() if t in own) / total
        lex_ctx = sum(w for t, w in idf.items() if t in ctx) / total
        foc = sum(w for t, w in focus.items() if t in own) / focus_total
        foc_ctx = sum(w for t, w in focus.items() if t in ctx) / focus_total
        names_missing = (len(q_names - ctx) / len(q_names)) if q_names else 0.0
        ev = evidence[c.chunk_rank]
        # What the sentence can supply matters only for a question that asks for a type.
        has = _answer_types(c.text, q_names, lexicon) if typed else set()
        hit = float(bool(typed & has))
        miss = float(bool(typed) and not typed & has)
        fragment = float(c.text[:1].islower() or (bool(_PRONOUN_START.match(c.text)) and c.prev is None))
        named = _named(c, q_names, lexicon)
        ent_hit = hit if c.entities is None else float(bool(wanted) and any(
            label in ENTITY_TYPES[t] for _, _, label in named for t in wanted))
        ent_new = float(any(label in ENTITY_TYPES[NAME] for _, _, label in named))
        noun_ent = _noun_entity(c.text, q.noun, named, lexicon) if q.noun else 0.0
        c.features = np.array([
            sim,
            float(q.vector @ c.prev_vector) if c.prev_vector is not None else 0.0,
            sim - best,
            sr,
            lex,
            lex_ctx,
            lr,
            foc,
            foc_ctx,
            names_missing,
            ev.dense_similarity or 0.0,
            1.0 / (1 + c.chunk_rank),
            hit,
            miss,
            float(bool(REPORTING.search(c.text))),
            fragment,
            min(len(c.text.split()), 60) / 60,
            ent_hit,
            ent_new,
            noun_ent,
        ], dtype=np.float32)


#: A question's name that no candidate holds is read as the candidates' spelling of it when
#: this alike (``difflib`` ratio; same first letter, 5 letters or more): "Masood" for
#: "Massoud", "Panjsher" for "Panjshir", "Charikr" for "Charikar".
SPELLING_RATIO = 0.75
_CAP_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:(?:of|the|for|and)\s+)?[A-Z][\w’'-]*)*")


def as_written(name_terms: frozenset[str], cands: list[Candidate],
               records: dict[str, ArticleRecord], lexicon: Lexicon) -> set[str]:
    """The question's name terms, each that no candidate (nor its article's title) holds
    replaced by the one the candidates write it with: another spelling of the name, or the
    name an acronym stands for ("NRF": "National Resistance Front"; its last word stands for
    it). Users misspell names and shorten them; that is not a sign nothing answers."""
    out = set(name_terms)
    if not out:
        return out
    texts = [c.text for c in cands] + [records[a].article.title for a in {c.article_id for c in cands}]
    held = [lexicon.terms(t) for t in texts]  # cached: featurize reads the same texts
    missing = {t for t in name_terms if not any(t in h for h in held)}
    if not missing:
        return out
    vocab = set().union(*held)
    for t in missing:
        sub = _acronym_of(t, texts, lexicon) if t.isalpha() and 2 <= len(t) <= 5 else ""
        if not sub and len(t) >= 5:
            alike = [(SequenceMatcher(None, t, v).ratio(), v) for v in vocab
                     if v[:1] == t[:1] and abs(len(v) - len(t)) <= 3]
            best = max(alike, default=(0.0, ""))
            sub = best[1] if best[0] >= SPELLING_RATIO else ""
        if sub:
            out.discard(t)
            out.add(sub)
    return out


def _acronym_of(t: str, texts: list[str], lexicon: Lexicon) -> str:
    """The term of the last word of a capitalised run in ``texts`` whose initials begin with
    acronym ``t`` ("National Resistance Front of Afghanistan" for "nrf"), or ""."""
    for text in texts:
        for m in _CAP_RUN.finditer(text):
            if acronym(m.group(0)).lower().startswith(t):
                words = [w for w in m.group(0).split() if acronym(w)]
                return lexicon.term(words[len(t) - 1])
    return ""


def _named(c: Candidate, q_names: set[str], lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """The sentence's named things the question does not already name: its stored entities,
    or, without them, its capitalised name runs (as PERSON) and numbers (as CARDINAL)."""
    if c.entities is not None:
        found = list(c.entities)
    else:
        found = [(m.start(), m.end(), "PERSON") for m in _NAME_RUN.finditer(c.text)]
        found += [(m.start(), m.end(), "CARDINAL") for m in _NUMBER.finditer(c.text)
                  if m.group(0) in numbers_in(c.text)]
    out = []
    for s, e, label in found:
        terms = lexicon.terms(c.text[s:e])
        if terms and not terms <= q_names:
            out.append((s, e, label))
    return out


def _noun_entity(text: str, noun: str, named: list[tuple[int, int, str]], lexicon: Lexicon) -> float:
    """Whether the noun a "which <noun>" question asks about stands next to a named thing the
    question does not name ("... investor Alan D. Jacobson ...")."""
    spots = [m.start() for m in WORD.finditer(text) if lexicon.term(m.group(0)) == noun]
    return float(any(abs(s - p) <= NOUN_REACH or abs(e - p) <= NOUN_REACH
                     for p in spots for s, e, label in named if label in ENTITY_TYPES[NAME]))


def _reciprocal_ranks(values: np.ndarray) -> np.ndarray:
    """1 / (1 + rank) of each value among all, best first (ties share the better rank)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return 1.0 / (1.0 + ranks)


def numbers_in(text: str) -> list[str]:
    """The counts and amounts a sentence gives, as written (not years, not days of dates)."""
    return [m.group(0) for m in _NUMBER.finditer(text)
            if not (_YEAR.fullmatch(m.group(0))
                    or _MONTH_BEFORE.search(text[max(0, m.start() - 12):m.start()]))]


def _has_number(text: str) -> bool:
    return bool(numbers_in(text))


def _answer_types(text: str, q_names: set[str], lexicon: Lexicon) -> set[str]:
    """The answer types a sentence can supply: a date, a number, a person (a name the question
    does not already give), a place (a capitalised word after "in", "at", "from" ...)."""
    out = {kind for kind, rx in _HAS.items() if rx.search(text)}
    if _WEEKDAY.search(text) or parse_date(text, None):  # "on Sunday", "on Feb. 23"
        out |= {DATE, DAY}
    if _has_number(text):
        out.add(NUMBER)
        if _AMOUNT.search(text):
            out.add(AMOUNT)
    if any(not (lexicon.terms(m) <= q_names) for m in _NAME_RUN.findall(text)):
        out.add(PERSON)
    if any(lexicon.term(m) not in q_names for m in _PLACE_CUE.findall(text)):
        out.add(PLACE)
    return out


class SentenceModel:
    """The fitted logistic model over ``FEATURES`` (weights from settings)."""

    def __init__(self, cfg: SentenceModelSettings):
        self.cfg = cfg
        self.weights = np.array([getattr(cfg, f"w_{f}") for f in FEATURES], dtype=np.float32)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return np.clip(rows @ self.weights + self.cfg.bias, -30, 30)


class AbstentionModel:
    """The fitted logistic model over ``ANSWERABLE_FEATURES`` (weights from settings)."""

    def __init__(self, cfg: AbstentionSettings):
        self.cfg = cfg
        self.weights = np.array([getattr(cfg, f"w_{f}") for f in ANSWERABLE_FEATURES])

    def probability(self, row: np.ndarray) -> float:
        z = float(row @ self.weights) + self.cfg.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def answerable_row(logits: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``ANSWERABLE_FEATURES`` of a question's candidates (their logits and feature rows)."""
    order = np.argsort(-logits)
    best = order[0]
    col = {f: i for i, f in enumerate(FEATURES)}
    return np.array([
        logits[best],
        rows[best, col["sem"]],
        rows[:, col["sem"]].max(),
        rows[best, col["focus_ctx"]],
        rows[best, col["type_miss"]],
        rows[best, col["names_missing"]],
        rows[:, col["names_missing"]].min(),
        rows[best, col["ent_hit"]],
        rows[:, col["noun_ent"]].max(),
    ])


def select(cands: list[Candidate], model: SentenceModel, abstention: AbstentionModel,
           max_sentences: int, lexicon: Lexicon) -> Selection:
    """Scores the candidates and keeps the sentences that answer (see the module docstring)."""
    if not cands:
        return Selection((), (), False)
    rows = np.stack([c.features for c in cands])
    logits = model.logits(rows)
    for c, z in zip(cands, logits):
        c.p = float(1.0 / (1.0 + math.exp(-z)))
    ranked = sorted(cands, key=lambda c: -c.p)
    arow = answerable_row(logits, rows)
    p_answer = abstention.probability(arow)
    feats = tuple(round(float(x), 4) for x in arow)
    if p_answer < abstention.cfg.answer_at:
        return Selection(tuple(ranked), (), False, p_answer, feats)
    cfg = model.cfg
    floor = min(ranked[0].p, max(cfg.keep_at_least, ranked[0].p * cfg.keep_ratio))
    chosen: list[Candidate] = []
    per_article: dict[str, int] = {}
    for c in ranked:
        if c.p < floor:
            break
        twin = next((k for k in chosen if _near_duplicate(k, c, lexicon)), None)
        if twin is not None:
            if c.article_id != twin.article_id and all(a.article_id != c.article_id for a in twin.also):
                twin.also.append(c)
            continue
        if len(chosen) < max_sentences and per_article.get(c.article_id, 0) < cfg.per_article:
            chosen.append(c)
            per_article[c.article_id] = per_article.get(c.article_id, 0) + 1
    return Selection(tuple(ranked), tuple(chosen), True, p_answer, feats)


def _near_duplicate(a: Candidate, b: Candidate, lexicon: Lexicon) -> bool:
    """Two sentences that say the same (cited together as one); not two tellings that give
    different values (``discrepancies``)."""
    from .discrepancies import twins_differ

    ta, tb = lexicon.terms(a.text), lexicon.terms(b.text)
    if not ta or not tb:
        return False
    same = len(ta & tb) / len(ta | tb) >= 0.6 or float(a.vector @ b.vector) >= 0.95
    return same and not twins_differ(a, b)
