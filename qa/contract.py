"""The JSON API's contract as pydantic models: the one source of what requests may hold, what
responses hold, and the ``/openapi.json`` that describes both (``qa/web/openapi.py`` takes its
component schemas from here).

Responses are built from domain values (``AnswerOut.of(answer)``) and serialised by the model;
``Answer.to_json`` is that. Requests are checked by models made for the settings in force
(``RequestModels``: the question length is a setting), after ``qa/web/inputs.py`` has parsed
the body as JSON; a validation error becomes a 400 ``bad_request`` naming the field.
"""


import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      field_validator)

from .domain import Answer, Citation, Claim, Contest, Filters

#: Lists in requests (outlets, article IDs) hold at most this many items.
MAX_LIST = 200
#: Client-kept chat history holds at most this many turns.
MAX_HISTORY = 50
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- responses -------------------------------------------------------------------------------
class CitationOut(BaseModel):
    """A cited span: ``quote`` is exactly the article's text at ``[start, end)``."""

    article_id: str
    title: str
    date: str | None
    source: str | None
    quote: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @classmethod
    def of(cls, c: Citation) -> "CitationOut":
        return cls(article_id=c.article_id, title=c.title, date=c.date, source=c.source,
                   quote=c.quote, start=c.start, end=c.end)


class ClaimOut(BaseModel):
    """Who claims what, where: ``quote`` is the article's sentence at ``[start, end)``."""

    speaker: str
    side: str | None = None
    affiliation: str | None = None
    stance: Literal["asserts", "denies", "disputes"]
    quote: str
    content: str = ""
    start: int = Field(0, ge=0)
    end: int = Field(0, ge=0)
    article_id: str
    date: str | None

    @classmethod
    def of(cls, c: Claim) -> "ClaimOut":
        return cls(speaker=c.speaker, side=c.side, affiliation=c.affiliation, stance=c.stance,
                   quote=c.quote, content=c.content, start=c.start, end=c.end,
                   article_id=c.article_id, date=c.date)


class SideOut(BaseModel):
    """One position in a disagreement and the claims that hold it."""

    position: str
    claims: list[ClaimOut]


class ContestOut(BaseModel):
    """A point the articles disagree on. ``reason``: ``asked`` when the question is about it,
    ``quoted`` when the answer quotes one of its claims."""

    topic: str
    kind: Literal["denial", "numbers", "dates", "values"] = "denial"
    reason: Literal["asked", "quoted", ""] = ""
    sides: list[SideOut] = Field(min_length=2)

    @classmethod
    def of(cls, k: Contest) -> "ContestOut":
        return cls(topic=k.topic, kind=k.kind, reason=k.reason,
                   sides=[SideOut(position=s.position, claims=[ClaimOut.of(c) for c in s.claims])
                          for s in k.sides])


class ListedSideOut(SideOut):
    """A side of a contest across the corpus and how widely it was carried: its articles,
    outlets, and the outlets' classes (``QA_DISAGREEMENTS_PERSPECTIVE_FIELD``: 'left': 2)."""

    articles: list[str]
    outlets: list[str]
    classes: dict[str, int] = {}
    first_date: str | None = None
    last_date: str | None = None


class ListedContestOut(BaseModel):
    """A contested point across the corpus (``GET /api/contests``)."""

    id: str
    topic: str
    kind: Literal["denial", "numbers", "dates", "values"] = "denial"
    sides: list[ListedSideOut] = Field(min_length=2)
    articles: int = Field(ge=1)
    outlets: int = Field(ge=0)
    first_date: str | None = None
    last_date: str | None = None
    similarity: float | None = None  # to the search 'q', when one was given
    linked: bool = Field(False, description=(
        "The evidence ties its sides to one point (qa/claims/links.py): a claim and its denial "
        "reported in one article, or two speakers' figures or dates for one event. Linked "
        "contests are listed first; the others are candidates to check."))


class ContestPageOut(BaseModel):
    """A page of contests: by how widely the weaker side was carried, then latest first; with
    ``q``, nearest in meaning first."""

    total: int = Field(ge=0)
    limit: int
    offset: int
    contests: list[ListedContestOut]


class AnswerOut(BaseModel):
    """The answer to a question (``POST /api/ask``)."""

    answer: str
    abstained: bool
    engine: Literal["extractive", "llm"]
    question: str = ""
    citations: list[CitationOut]
    contested: list[ContestOut]
    notes: list[str] = []
    removed_citations: int = Field(0, ge=0)
    unsupported_sentences: int = Field(0, ge=0)
    timings_ms: dict[str, float]

    @classmethod
    def of(cls, a: Answer) -> "AnswerOut":
        return cls(answer=a.text, abstained=a.abstained, engine=a.engine, question=a.question,
                   citations=[CitationOut.of(c) for c in a.citations],
                   contested=[ContestOut.of(k) for k in a.contested], notes=list(a.notes),
                   removed_citations=a.removed_citations,
                   unsupported_sentences=a.unsupported_sentences,
                   timings_ms={k: round(v, 1) for k, v in a.timings_ms.items()})


class ChatAnswerOut(AnswerOut):
    """One turn of a server-side conversation (``POST /api/chat``)."""

    session_id: Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)]


class ArticleOut(BaseModel):
    """One article with its text (``GET /api/articles/<id>``)."""

    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    text: str
    metadata: dict
    n_chunks: int = Field(ge=0)


class ArticleBriefOut(BaseModel):
    """An article in a list: no text, a snippet."""

    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None = None
    snippet: str


class ArticlePageOut(BaseModel):
    """A page of the article list, newest first."""

    total: int = Field(ge=0)
    limit: int
    offset: int
    articles: list[ArticleBriefOut]


class SourcesOut(BaseModel):
    """The outlets in the store."""

    sources: list[str]


class HealthOut(BaseModel):
    """The process is up."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """The store answers."""

    status: Literal["ready"]
    articles: int = Field(ge=0)
    chunks: int = Field(ge=0)
    collection: str | None = None


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error, everywhere: ``{"error": {"code", "message"}}``."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


RESPONSES: tuple[type[BaseModel], ...] = (
    AnswerOut, ChatAnswerOut, ArticleOut, ArticlePageOut, SourcesOut, HealthOut, ReadyOut,
    ErrorOut, ContestPageOut, ListedContestOut)
#: A contest's ID (``GET /api/contests/<id>``).
CONTEST_ID_PATTERN = r"^[0-9a-f]{16}$"


# --- requests --------------------------------------------------------------------------------
#: "Holds a visible character", alike in Python (``str.split``, which the service trims with),
#: pydantic's Rust regex and ECMAScript (what clients of /openapi.json check with): their ``\s``
#: differ on U+001C-U+001F, U+0085 and U+FEFF, so those are named.
VISIBLE = r"[^\s\u001c-\u001f\u0085\ufeff]"
ListItem = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=VISIBLE)]
#: A calendar date written YYYY-MM-DD (checked by ``FiltersIn``, so the message is one).
Date = Annotated[str, Field(json_schema_extra={"pattern": _DATE.pattern, "format": "date"})]


class FiltersIn(BaseModel):
    """What retrieval may return: a date range (inclusive), outlets, article IDs."""

    model_config = ConfigDict(extra="forbid", strict=True)

    after: Date | None = None
    before: Date | None = None
    sources: list[ListItem] | None = Field(None, max_length=MAX_LIST)
    article_ids: list[ListItem] | None = Field(None, max_length=MAX_LIST)

    @field_validator("after", "before")
    @classmethod
    def _real_date(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ok = bool(_DATE.match(v)) and date.fromisoformat(v).isoformat() == v
            except ValueError:
                ok = False
            if not ok:
                raise ValueError("must be a date YYYY-MM-DD")
        return v

    def to_filters(self) -> Filters:
        return Filters(after=self.after, before=self.before, sources=tuple(self.sources or ()),
                       article_ids=tuple(self.article_ids or ()))


class RequestModels:
    """The request models for one question-length limit (``QA_ANSWER_MAX_QUESTION_CHARS``):
    a user turn of the history is a question as asked, held to it; an assistant turn may be
    four times as long."""

    def __init__(self, max_question_chars: int):
        question_text = Annotated[str, StringConstraints(
            min_length=1, max_length=max_question_chars, pattern=VISIBLE)]

        class UserTurn(BaseModel):
            model_config = ConfigDict(extra="forbid", strict=True)
            role: Literal["user"]
            content: Annotated[str, StringConstraints(max_length=max_question_chars)]

        class AssistantTurn(BaseModel):
            model_config = ConfigDict(extra="forbid", strict=True)
            role: Literal["assistant"]
            content: Annotated[str, StringConstraints(max_length=max_question_chars * 4)]

        turn_type = Annotated[UserTurn | AssistantTurn, Field(discriminator="role")]

        class AskRequest(BaseModel):
            """A question, with the chat history a client keeps, and filters."""

            model_config = ConfigDict(extra="forbid", strict=True)
            question: question_text
            history: list[turn_type] | None = Field(None, max_length=MAX_HISTORY)
            filters: FiltersIn | None = None

        class ChatRequest(BaseModel):
            """One turn of a conversation kept on the server; no ``session_id`` starts one."""

            model_config = ConfigDict(extra="forbid", strict=True)
            session_id: Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)] | None = None
            question: question_text
            filters: FiltersIn | None = None

        self.ask, self.chat = AskRequest, ChatRequest

    def parse(self, model: type[BaseModel], body: dict) -> BaseModel:
        """``body`` checked against ``model``; a mistake is a ``BadRequest`` naming the field."""
        from .errors import BadRequest

        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise BadRequest(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """A validation error as one line: where, and what is wrong (every mistake, up to five)."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"] if not str(p).endswith("Turn")) or "body"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown field {where!r}")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{where!r} {msg}" if err["type"] == "value_error" else f"{where!r}: {msg}")
    return "; ".join(parts)


def filters_from(raw: dict | None) -> Filters:
    """``{"after", "before", "sources", "article_ids"}`` checked by ``FiltersIn`` (the API's
    bodies and query parameters and the command line share it); a mistake is a ``BadRequest``."""
    from .errors import BadRequest

    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise BadRequest("'filters' must be an object")
    try:
        return FiltersIn.model_validate(raw).to_filters()
    except ValidationError as exc:
        raise BadRequest(describe(exc)) from None
