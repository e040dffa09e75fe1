"""Frozen domain types shared by every layer. No behaviour beyond small derived values."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

#: Article IDs appear in answer text as ``[id]``; they must not contain brackets or spaces.
ARTICLE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")
#: A citation marker in answer text: ``[003_b50cd088e71c6203]`` (several IDs may share brackets,
#: separated by commas or semicolons).
CITATION_RE = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}(?:\s*[,;]\s*[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127})*)\]")

Stance = Literal["asserts", "denies", "disputes"]


def date_int(value: str | None) -> int:
    """YYYY-MM-DD as YYYYMMDD (0 for no date), how the store filters and ranks by date."""
    return int(value.replace("-", "")) if value else 0


@dataclass(frozen=True)
class Article:
    """One cleaned article. ``text`` is what chunks, offsets and quotes refer to."""

    id: str
    text: str
    title: str = ""
    date: str | None = None  # ISO date, YYYY-MM-DD
    source: str | None = None
    url: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()  # extra fields, JSON-encoded values

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a reader or an index sees changes."""
        payload = json.dumps(
            [self.id, self.title, self.date, self.source, self.url, self.text, list(self.metadata)],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    @property
    def date_int(self) -> int:
        """The date as YYYYMMDD (0 when unknown), for range filters in the store."""
        return date_int(self.date)


@dataclass(frozen=True)
class Sentences:
    """An article's sentences: ``[start, end)`` spans into its text, and one unit vector each
    (row ``i`` of ``vectors`` is sentence ``i``), made at ingest."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True)
class ArticleRecord:
    """An article as the store holds it: its text, version, chunk count, the attributed claims
    found at ingest (``claims``: ``qa.claims``' stored form; None when ingest ran without
    claims) and its sentence vectors (None for articles stored before they were kept)."""

    article: Article
    content_hash: str
    n_chunks: int
    claims: str | None = None
    sentences: Sentences | None = None


@dataclass(frozen=True)
class Chunk:
    """A span ``[start, end)`` of an article's text."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    index: int
    title: str = ""
    date: str | None = None
    source: str | None = None
    content_hash: str = ""


@dataclass(frozen=True)
class Evidence:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    dense_similarity: float | None = None


@dataclass(frozen=True)
class Citation:
    """Where an answer's statement comes from: an exact ``quote == article.text[start:end]``."""

    article_id: str
    quote: str
    start: int
    end: int
    title: str = ""
    date: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Claim:
    """An attributed statement: who said what, with which stance, where and when."""

    speaker: str  # as written: "Fahim Dashti", or the outlet for unattributed statements
    side: str  # normalised group: "Taliban", "National Resistance Front", ...
    stance: Stance
    quote: str  # exact article text of the sentence
    article_id: str
    start: int
    end: int
    verb: str = ""
    content: str = ""  # the reported content, when it can be separated from the frame
    affiliation: str | None = None
    date: str | None = None  # the article's date
    numbers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    attributed: bool = True  # False when the outlet states it in its own voice


@dataclass(frozen=True)
class ContestSide:
    position: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Contest:
    """A point on which the articles disagree, and the sides that disagree on it."""

    topic: str
    sides: tuple[ContestSide, ...]
    kind: Literal["denial", "numbers", "dates", "values"] = "denial"
    #: Why an answer shows it: "asked" (the question is about it) or "quoted" (the answer
    #: quotes one of its claims, and a cited claim never goes without its counter-claim).
    reason: Literal["asked", "quoted", ""] = ""


@dataclass(frozen=True)
class Answer:
    """What every edge shows. An abstention is an Answer with ``abstained=True``."""

    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    engine: Literal["extractive", "llm"] = "extractive"
    contested: tuple[Contest, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "LLM timed out; extractive answer shown"
    removed_citations: int = 0  # markers dropped because their ID was not in the evidence
    unsupported_sentences: int = 0  # LLM sentences left without a valid citation
    question: str = ""  # the standalone question actually answered (after chat rewriting)
    timings_ms: dict = field(default_factory=dict, compare=False, hash=False)
    trace: object | None = field(default=None, compare=False, hash=False, repr=False)

    def to_json(self) -> dict:
        """The JSON contract of ``POST /api/ask`` (``qa.contract.AnswerOut``)."""
        from .contract import AnswerOut

        return AnswerOut.of(self).model_dump(mode="json")


def contest_json(k: Contest) -> dict:
    """A contest as the API gives it (``qa.contract.ContestOut``)."""
    from .contract import ContestOut

    return ContestOut.of(k).model_dump(mode="json")


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; the same meaning in every retriever."""

    after: str | None = None  # inclusive ISO date
    before: str | None = None  # inclusive ISO date
    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.after or self.before or self.sources or self.article_ids)

    def admits(self, article: "Article") -> bool:
        """Whether ``article`` lies within these restrictions (as the retrievers read them: a
        date bound leaves out undated articles)."""
        day = article.date_int
        return ((not self.after or day >= date_int(self.after))
                and (not self.before or 0 < day <= date_int(self.before))
                and (not self.sources or article.source in self.sources)
                and (not self.article_ids or article.id in self.article_ids))


@dataclass(frozen=True)
class Skipped:
    """An input that was not ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: tuple[Skipped, ...] = ()
    chunks: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, skipped {len(self.skipped)}, chunks {self.chunks}, "
            f"{self.seconds:.1f}s"
        )

    def as_dict(self) -> dict:
        d = asdict(self)
        d["skipped"] = [asdict(s) for s in self.skipped]
        return d
