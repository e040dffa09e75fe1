"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank, capped per
article, filtered the same way in both retrievers, with a relevance floor."""

from __future__ import annotations

import re
from functools import lru_cache

from .config import RetrievalSettings
from .domain import Evidence, Filters
from .index import NewsIndex

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from into about over after before
    between during without within under against among is are was were be been being am do does
    did done have has had having will would shall should can could may might must what which who
    whom whose when where why how that this these those it its it's they them their there here
    he him his she her we us our you your i me my not no nor so than too very just also any all
    each some such only own same other more most say said says tell told according did does
    many much one ones whether as s t""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer ships with llama-index's BM25 retriever

    return Stemmer.Stemmer("english")


# Irregular and derived forms that a stemmer leaves apart but a reader treats as one word.
LEMMAS = {
    "led": "lead", "leader": "lead", "leaders": "lead", "leadership": "lead", "leading": "lead",
    "fled": "flee", "fleeing": "flee", "took": "take", "taken": "take", "taking": "take",
    "won": "win", "winner": "win", "spoke": "speak", "spoken": "speak", "spokesman": "speak",
    "spokesperson": "speak", "spokeswoman": "speak", "spokesmen": "speak", "speaks": "speak",
    "killed": "kill", "dead": "kill", "died": "kill", "death": "kill", "deaths": "kill",
    "held": "hold", "holding": "hold", "seized": "seize", "captured": "seize", "capture": "seize",
    "captures": "seize", "began": "begin", "begun": "begin", "started": "begin", "start": "begin",
    "met": "meet", "meeting": "meet",
    "negotiations": "talk", "negotiation": "talk", "negotiated": "talk", "negotiating": "talk",
    "negotiate": "talk", "negotiators": "talk", "negotiator": "talk",
    "fighters": "fighter", "militants": "fighter", "militant": "fighter",
    "agreed": "agreement", "agree": "agreement", "ceasefire": "ceasefire",
    "truce": "ceasefire", "casualties": "kill",
}


#: How articles name a role a question asks about with a verb ("who speaks for the Taliban" is
#: answered by "Taliban spokesman Zabihullah Mujahid"): added to the BM25 query only.
_ROLE_WORDS = {
    "speak": "spokesman spokeswoman spokesperson", "speaks": "spokesman spokeswoman spokesperson",
    "lead": "leader", "leads": "leader",
}


def expanded(question: str) -> str:
    """The question with the nouns articles use for the roles its verbs ask about."""
    extra = [_ROLE_WORDS[w.lower()] for w in _WORD.findall(question) if w.lower() in _ROLE_WORDS]
    return " ".join([question, *dict.fromkeys(extra)])


@lru_cache(maxsize=16384)
def content_terms(text: str) -> frozenset[str]:
    """Stemmed, lower-cased content words (stop words dropped, common irregular forms merged).

    Cached per text, and each word's term is kept (a vocabulary is finite): the floor stems the
    ~40 candidates of every search, which cost ~3.5 ms of a question (bench/query.py)."""
    terms = _TERMS
    out = set()
    for word in _WORD.findall(text):
        term = terms.get(word)
        if term is None:
            term = _term(word)
            if len(terms) > 200_000:
                terms.clear()
            terms[word] = term
        if term:
            out.add(term)
    return frozenset(out)


_TERMS: dict[str, str] = {}  # word as written -> its term ("" for a stop word)


def _term(word: str) -> str:
    w = word.lower().strip("'’-").removesuffix("'s").removesuffix("’s")
    if not w or w in STOPWORDS:
        return ""
    return _stemmer().stemWord(LEMMAS.get(w, w))


def overlap(question_terms: frozenset[str], text: str) -> float:
    """Share of the question's content terms that ``text`` contains."""
    if not question_terms:
        return 0.0
    return len(question_terms & content_terms(text)) / len(question_terms)


def retrieve(question: str, index: NewsIndex, cfg: RetrievalSettings,
             filters: Filters | None = None) -> list[Evidence]:
    """Up to ``cfg.top_k`` evidence chunks, best first; empty when nothing is relevant enough."""
    dense, sparse = index.candidates(question, cfg.dense_k, cfg.sparse_k, filters,
                                     sparse_query=expanded(question))
    fused: dict[str, dict] = {}
    for rank, (chunk, sim) in enumerate(dense, 1):
        e = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
        e["score"] += 1.0 / (cfg.rrf_k + rank)
        e["dense_rank"], e["dense_similarity"] = rank, sim
    for rank, (chunk, _score) in enumerate(sparse, 1):
        e = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
        e["score"] += 1.0 / (cfg.rrf_k + rank)
        e["sparse_rank"] = rank
    terms = content_terms(question)
    ranked = sorted(fused.values(), key=lambda e: -e["score"])
    out: list[Evidence] = []
    per_article: dict[str, int] = {}
    for e in ranked:
        chunk = e["chunk"]
        if not relevant(e, terms, cfg):
            continue
        if per_article.get(chunk.article_id, 0) >= cfg.per_article:
            continue
        per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
        out.append(Evidence(chunk=chunk, score=e["score"], dense_rank=e.get("dense_rank"),
                            sparse_rank=e.get("sparse_rank"),
                            dense_similarity=e.get("dense_similarity")))
        if len(out) >= cfg.top_k:
            break
    return out


def relevant(hit: dict, terms: frozenset[str], cfg: RetrievalSettings) -> bool:
    """The relevance floor: a strong dense match, or a fair one that shares enough words."""
    sim = hit.get("dense_similarity")
    if sim is not None and sim >= cfg.strong_dense:
        return True
    share = overlap(terms, hit["chunk"].title + " " + hit["chunk"].text)
    if share >= cfg.lexical_only and len(terms) >= 2:
        return True
    return sim is not None and sim >= cfg.min_dense and share >= cfg.min_overlap
