"""One typed, bounded settings tree, read from ``QA_*`` environment variables.

Settings are built once at the edge (``Settings()``, or with overrides from CLI flags) and then
passed down explicitly; no module reads the environment or imports a global settings object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


#: The weights and thresholds ``python -m eval calibrate --save`` fitted on the dev suites
#: (with how, when, and what the held-back half scored); they are the defaults below.
FITTED_FILE = Path(__file__).with_name("fitted.json")
_FITTED: dict = json.loads(FITTED_FILE.read_text(encoding="utf-8")) if FITTED_FILE.exists() else {}


def _fitted(section: str, name: str, fallback: float) -> float:
    return float(_FITTED.get("settings", {}).get(section, {}).get(name, fallback))


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", frozen=True)


class ChunkSettings(BaseSettings):
    """How articles are split into chunks (both numbers count tiktoken cl100k tokens)."""

    model_config = _section("QA_CHUNK_")

    size: int = Field(
        180,
        ge=32,
        le=240,
        description="Tokens per chunk; kept below the embedder's 256-token window (MiniLM's "
        "word pieces run a little longer than cl100k tokens).",
    )
    overlap: int = Field(30, ge=0, le=120, description="Tokens shared by neighbouring chunks.")

    @field_validator("overlap")
    @classmethod
    def _overlap_below_size(cls, v: int, info) -> int:
        size = info.data.get("size", 180)
        if v >= size:
            raise ValueError("overlap must be smaller than size")
        return v


class EmbeddingSettings(BaseSettings):
    """Which embedder turns chunks into vectors."""

    model_config = _section("QA_EMBED_")

    provider: str = Field(
        "minilm",
        description="'minilm' (the packaged int8 ONNX all-MiniLM-L6-v2) or 'module:Class' naming "
        "any llama-index BaseEmbedding class constructible without arguments.",
    )
    batch_size: int = Field(8, ge=1, le=512, description="Texts per ONNX forward pass (small "
                            "batches of similar length kept the CPU's caches warm: bench/README.md).")
    threads: int = Field(0, ge=0, le=64, description="Batches embedded in parallel, one ONNX thread "
                         "each; 0 means one per core.")
    cache_dir: Path | None = Field(
        None, description="Where the embedder keeps a copy of the model with onnxruntime's "
        "portable graph optimisations applied (~86 MB, made once): the question session loads "
        "it and holds ~115 MB less than one that optimises the model itself. Default: "
        "$XDG_CACHE_HOME/newsqa, else ~/.cache/newsqa; when it cannot be written, no copy is "
        "kept.")


class StoreSettings(BaseSettings):
    """Where vectors, the article manifest and the BM25 index live."""

    model_config = _section("QA_")

    data_dir: Path = Field(Path("./var"), description="Embedded Chroma store and BM25 cache.")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (e.g. http://127.0.0.1:8001) used instead of "
        "the embedded store."
    )
    chroma_timeout_s: float = Field(
        5.0, gt=0, le=600,
        description="Longest wait for one request to a Chroma server (QA_CHROMA_URL); past it "
        "the request fails with 503 store_unavailable instead of holding a worker thread. "
        "Raise it for ingest runs with large write batches on a slow server.",
    )
    collection_prefix: str = Field(
        "news", min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
        description="Prefix of collection names; the rest is derived from embedder and chunking.",
    )
    write_batch: int = Field(
        64, ge=1, le=1000, description="Articles embedded and committed per batch during ingest."
    )
    bm25_child_above: int = Field(
        20_000, ge=0, description="Stores of more chunks build their BM25 index in a child "
        "process, so that a server worker keeps none of the build's peak memory (a worker over "
        "a Chroma server at 83,000 chunks: 1,014 MB after building it in-process)."
    )


class RetrievalSettings(BaseSettings):
    """Hybrid retrieval: dense (Chroma) and BM25, fused by reciprocal rank."""

    model_config = _section("QA_RETRIEVAL_")

    top_k: int = Field(8, ge=1, le=100, description="Chunks handed to the answer engine.")
    dense_k: int = Field(40, ge=1, le=500, description="Candidates from the vector store.")
    sparse_k: int = Field(40, ge=1, le=500, description="Candidates from BM25.")
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal rank fusion constant.")
    per_article: int = Field(3, ge=1, le=50, description="Most chunks from one article.")


def _weight(section: str, name: str, what: str):
    return Field(_fitted(section, name, 0.0), ge=-50.0, le=50.0,
                 description=f"Weight of {what} (fitted).")


def _fitted_field(section: str, name: str, fallback: float, description: str, lo: float = 0.0,
                  hi: float = 1.0):
    return Field(_fitted(section, name, fallback), ge=lo, le=hi,
                 description=description + " (fitted)")


_S, _A, _C = "QA_SENTENCE_", "QA_ABSTAIN_", "QA_CONTEST_"


class SentenceModelSettings(BaseSettings):
    """The evidence stage's logistic model: the probability that a sentence answers the
    question, from the features in ``qa/answer/evidence.py``. Fitted by
    ``python -m eval calibrate --save`` on the fit half of the dev suites (``qa/fitted.json``
    holds the values, when and how they were fitted, and what the held-back half scored)."""

    model_config = _section(_S)

    bias: float = _fitted_field(_S, "bias", 0.0, "Intercept of the model.", -50.0, 50.0)
    w_sem: float = _weight(_S, "w_sem", "the cosine similarity of the sentence's vector to the "
                           "question's")
    w_sem_prev: float = _weight(_S, "w_sem_prev", "the similarity of the sentence before it "
                                "(same paragraph)")
    w_sem_gap: float = _weight(_S, "w_sem_gap", "its similarity less the best candidate's (0 "
                               "for the best)")
    w_sem_rank: float = _weight(_S, "w_sem_rank", "1 / (1 + its rank by that similarity among "
                                "the candidates)")
    w_lex: float = _weight(_S, "w_lex", "the share of the question's content words it holds, "
                           "each weighted by its rarity among the candidates")
    w_lex_ctx: float = _weight(_S, "w_lex_ctx", "the same share over the sentence, the one "
                               "before it and the headline")
    w_lex_rank: float = _weight(_S, "w_lex_rank", "1 / (1 + its rank by that share among the "
                                "candidates)")
    w_focus: float = _weight(_S, "w_focus", "the same share counting only the question's words "
                             "that are not names (what it asks about the things it names)")
    w_focus_ctx: float = _weight(_S, "w_focus_ctx", "that share over the sentence, the one "
                                 "before it and the headline")
    w_names_missing: float = _weight(_S, "w_names_missing", "the share of the question's names "
                                     "absent from the sentence, the one before it and the "
                                     "headline")
    w_chunk_sim: float = _weight(_S, "w_chunk_sim", "its chunk's dense similarity to the "
                                 "question")
    w_chunk_rank: float = _weight(_S, "w_chunk_rank", "1 / (1 + its chunk's fused retrieval "
                                  "rank)")
    w_type_hit: float = _weight(_S, "w_type_hit", "it holding the answer type the question asks "
                                "for (date, number, person, place)")
    w_type_miss: float = _weight(_S, "w_type_miss", "a question asking for an answer type it "
                                 "does not hold")
    w_attributed: float = _weight(_S, "w_attributed", "it carrying a reporting verb (who said "
                                  "it)")
    w_fragment: float = _weight(_S, "w_fragment", "it reading as a fragment (lower-case start, "
                                "or a pronoun with no sentence before it)")
    w_length: float = _weight(_S, "w_length", "its length (words / 60, at most 1)")
    w_ent_hit: float = _weight(_S, "w_ent_hit", "it naming a thing of the answer type asked for "
                               "(its named entities, stored at ingest) that the question does "
                               "not name")
    w_ent_new: float = _weight(_S, "w_ent_new", "it naming a person, place, organisation or "
                               "other named thing the question does not name")
    w_noun_ent: float = _weight(_S, "w_noun_ent", "the noun a 'which <noun>' question asks about "
                                "standing next to such a name in it")
    keep_ratio: float = _fitted_field(_S, "keep_ratio", 0.7, "Other sentences are kept when "
                                      "their probability reaches this share of the best one's")
    keep_at_least: float = _fitted_field(_S, "keep_at_least", 0.5, "... and at least this "
                                         "probability")
    per_article: int = Field(int(_fitted(_S, "per_article", 4)), ge=1, le=20,
                             description="Sentences of one article an answer quotes at most "
                                         "(so that the other articles that answer are heard; "
                                         "fitted)")


class AbstentionSettings(BaseSettings):
    """Whether anything answers: a logistic model over the question's candidate sentences as a
    whole (``qa/answer/evidence.py``, ``ANSWERABLE_FEATURES``); below ``answer_at`` the answer
    is that the articles don't say. Fitted by ``python -m eval calibrate --save``."""

    model_config = _section(_A)

    bias: float = _fitted_field(_A, "bias", 0.0, "Intercept of the model.", -50.0, 50.0)
    w_best: float = _weight(_A, "w_best", "the log-odds of the best sentence answering")
    w_sem: float = _weight(_A, "w_sem", "the best sentence's similarity to the question")
    w_max_sem: float = _weight(_A, "w_max_sem", "the highest similarity of any candidate to the "
                               "question")
    w_focus: float = _weight(_A, "w_focus", "the best sentence's share of what the question "
                             "asks about (its non-name words), with its context")
    w_type_miss: float = _weight(_A, "w_type_miss", "the best sentence lacking the answer type "
                                 "asked for")
    w_names_missing: float = _weight(_A, "w_names_missing", "the share of the question's names "
                                     "the best sentence (with its context) lacks")
    w_names_unseen: float = _weight(_A, "w_names_unseen", "the share of the question's names no "
                                    "candidate sentence (with its context) holds")
    w_ent_hit: float = _weight(_A, "w_ent_hit", "the best sentence naming a thing of the answer "
                               "type asked for")
    w_noun_ent: float = _weight(_A, "w_noun_ent", "any candidate naming a thing next to the noun "
                                "a 'which <noun>' question asks about")
    answer_at: float = _fitted_field(_A, "answer_at", 0.5, "Probability of an answer from which "
                                     "the question is answered")


class ContestModelSettings(BaseSettings):
    """When a contest found among the evidence articles' claims goes into the answer.

    A contest whose claim the answer quotes always does (no cited claim without its
    counter-claim). Any other contest goes in when the logistic model over its features
    (``qa/answer/contests.py``) gives at least ``attach_at``. Fitted by
    ``python -m eval calibrate --save``."""

    model_config = _section(_C)

    bias: float = _fitted_field(_C, "bias", 0.0, "Intercept of the model.", -50.0, 50.0)
    w_topic: float = _weight(_C, "w_topic", "the question's similarity to the contested point")
    w_core: float = _weight(_C, "w_core", "the question's similarity to the claims that make "
                            "the contest")
    w_best_claim: float = _weight(_C, "w_best_claim", "the question's similarity to the closest "
                                  "of those claims")
    w_gap: float = _weight(_C, "w_gap", "the highest of those similarities less the best "
                           "contest's (0 for the best)")
    w_lex: float = _weight(_C, "w_lex", "the share of the question's content words (weighted by "
                           "rarity in the evidence) that the point and its claims hold")
    w_kind: float = _weight(_C, "w_kind", "a figure or date contest answering a 'how many' or "
                            "'when' question")
    w_evidence: float = _weight(_C, "w_evidence", "the share of its claims that lie in retrieved "
                                "chunks")
    w_answer_sim: float = _weight(_C, "w_answer_sim", "the highest similarity of its claims to "
                                  "the sentences the answer quotes")
    attach_at: float = _fitted_field(_C, "attach_at", 0.5, "Probability from which a contest "
                                     "goes into the answer")


class DisagreementSettings(BaseSettings):
    """The contests across the whole corpus (``GET /api/contests``), found at ingest.

    An article's contests are looked for among the articles nearest to it (the cosine of their
    mean chunk vectors) and dated near it, with the same builders an answer uses."""

    model_config = _section("QA_DISAGREEMENTS_")

    neighbours: int = Field(8, ge=1, le=50, description="Articles an article's contests are "
                            "looked for among.")
    min_similarity: float = Field(0.5, ge=0.0, le=1.0, description="Least cosine between two "
                                  "articles' mean chunk vectors for them to be compared.")
    window_days: int = Field(14, ge=0, le=3650, description="Days apart two dated articles may "
                             "be and still be compared.")
    perspective_field: str = Field("bias", min_length=1, max_length=64, description="The article "
                                   "metadata field that classes an outlet (AllSides: left, "
                                   "center, right); each side counts the classes that carried it.")
    link_days: int = Field(3, ge=0, le=3650, description="Days apart two articles' figures or "
                           "dates may be and still be one contest (qa/claims/links.py).")
    link_similarity: float = Field(0.5, ge=-1.0, le=1.0, description="Least cosine between two "
                                   "articles' sentences for their figures or dates to be one "
                                   "contest (they must also name a common entity).")
    search_min_similarity: float = Field(0.3, ge=-1.0, le=1.0, description="Least cosine between "
                                         "a search ('q') and a contest's topic for it to be listed.")


class AnswerSettings(BaseSettings):
    """How answers are composed."""

    model_config = _section("QA_ANSWER_")

    max_sentences: int = Field(4, ge=1, le=20, description="Sentences in an extractive answer.")
    max_contests: int = Field(3, ge=0, le=20, description="Contests shown with one answer.")
    listed_partners: int = Field(
        6, ge=0, le=50,
        description="Articles brought in from the corpus-wide contest list when a sentence the "
        "answer quotes is a listed contest's claim, so that its counter-claim is shown even when "
        "retrieval missed the article that makes it; 0 = only contests among the retrieved articles.",
    )
    max_question_chars: int = Field(
        2000, ge=10, le=20000, description="Longer questions are refused with 400."
    )
    history_turns: int = Field(6, ge=0, le=50, description="Earlier turns used by chat.")


class LLMSettings(BaseSettings):
    """An OpenAI-compatible endpoint or Ollama, used when ``QA_ENGINE=llm``."""

    model_config = _section("QA_LLM_")

    provider: Literal["openai", "ollama"] = Field(
        "openai", description="'openai' for any OpenAI-compatible server, or 'ollama'."
    )
    base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Endpoint, e.g. http://127.0.0.1:8080/v1."
    )
    model: str = Field("local", min_length=1, description="Model name the endpoint expects.")
    api_key: str = Field("not-needed", description="Bearer key, if the endpoint wants one.")
    timeout_s: float = Field(60.0, gt=0, le=600, description="Per-request timeout.")
    max_tokens: int = Field(400, ge=16, le=8192, description="Most tokens generated.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    context_window: int = Field(
        8192, ge=512, le=1_000_000, description="Model context; evidence is cut to fit."
    )


class WebSettings(BaseSettings):
    """The HTTP service."""

    model_config = _section("QA_")

    api_token: str | None = Field(None, description="Bearer token required on /api/* if set.")
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of the chat page, used in Slack links."
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, le=100_000,
        description="Requests per client address per minute on /api/* (those with a wrong token "
        "too), shared by the workers of a host; 0 = off.",
    )
    slack_rate_limit_per_minute: int = Field(
        600, ge=0, le=100_000,
        description="Requests per client address per minute on /slack/*; higher than the API's, "
        "since all of a workspace's events come from a few Slack addresses; 0 = off.",
    )
    max_body_bytes: int = Field(
        64_000, ge=1_000, le=10_000_000, description="Largest request body accepted."
    )
    body_timeout_s: float = Field(
        10.0, gt=0, le=600,
        description="Longest time a client may take to send a request body; past it the "
        "request is answered 408 and its worker thread is free (slow clients cannot hold all "
        "of a worker's QA_THREADS).",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty means CORS is off."
    )
    session_ttl_s: int = Field(3600, ge=60, le=7 * 86400, description="Chat session lifetime.")


class SlackSettings(BaseSettings):
    """Slack's own variable names, so a standard Slack app set-up works unchanged."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    signing_secret: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "signing_secret"),
        description="Verifies that requests come from Slack.",
    )
    bot_token: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "bot_token"),
        description="xoxb- token the bot posts with.",
    )
    api_url: str = Field(
        "https://slack.com/api/",
        validation_alias=AliasChoices("QA_SLACK_API_URL", "api_url"),
        description="Slack Web API base URL (tests point it at a local server).",
    )


class Settings(BaseSettings):
    """The whole tree. Sections read their own ``QA_<SECTION>_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore", frozen=True)

    engine: Literal["extractive", "llm"] = Field(
        "extractive", description="Answer engine: 'extractive' (no LLM) or 'llm'."
    )
    claims: bool = Field(
        True,
        description="Find attributed claims at ingest (a spaCy parse and claim vectors, about as "
        "much CPU as embedding the article's chunks). Off for a fast bulk import: those articles "
        "show no contests until an ingest with claims on adds them, without re-embedding.",
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    sentences: SentenceModelSettings = Field(default_factory=SentenceModelSettings)
    abstention: AbstentionSettings = Field(default_factory=AbstentionSettings)
    contests: ContestModelSettings = Field(default_factory=ContestModelSettings)
    disagreements: DisagreementSettings = Field(default_factory=DisagreementSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)

    def with_claims(self, on: bool) -> "Settings":
        """A copy with claims annotation at ingest on or off (``ingest.py --no-claims``)."""
        return self.model_copy(update={"claims": on})

    def with_store(self, data_dir: Path | None = None, chroma_url: str | None = None) -> "Settings":
        """A copy with the store moved (used by ``--data-dir`` flags at the edges)."""
        store = self.store.model_copy(
            update={k: v for k, v in {"data_dir": data_dir, "chroma_url": chroma_url}.items() if v}
        )
        return self.model_copy(update={"store": store})
