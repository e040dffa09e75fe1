"""The OpenAPI 3 description served at ``/openapi.json``; tests validate real responses against
it, and schemathesis fuzzes the API from it."""

from __future__ import annotations

from ..config import Settings
from ..domain import ARTICLE_ID_RE
from .inputs import MAX_LIST

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
        "example": "2021-09-01"}
NULLABLE_STR = {"type": "string", "nullable": True}
SESSION_ID = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{16,64}$"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    text = {400: "Bad input.", 401: "Missing or wrong bearer token.", 404: "Not found.",
            408: "The body took longer than QA_BODY_TIMEOUT_S to arrive.",
            413: "Body too large.", 415: "Body is not application/json.",
            429: "Rate limited.", 503: "The store is unreachable (retry later)."}
    return {str(s): {"description": text[s], **_json(_ref("Error"))} for s in statuses}


def schemas(settings: Settings) -> dict:
    """The component schemas."""
    max_q = settings.answer.max_question_chars
    strings = {"type": "array", "maxItems": MAX_LIST,
               "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}}
    claim = {
        "type": "object",
        "required": ["speaker", "stance", "quote", "article_id", "date"],
        "properties": {
            "speaker": {"type": "string"}, "side": NULLABLE_STR, "affiliation": NULLABLE_STR,
            "stance": {"type": "string", "enum": ["asserts", "denies", "disputes"]},
            "quote": {"type": "string"}, "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0}, "article_id": {"type": "string"},
            "date": NULLABLE_STR,
        },
    }
    filters = {
        "type": "object", "additionalProperties": False, "nullable": True,
        "properties": {"after": {**DATE, "nullable": True},
                       "before": {**DATE, "nullable": True},
                       "sources": {**strings, "nullable": True},
                       "article_ids": {**strings, "nullable": True}},
    }
    return {
        "Error": {
            "type": "object", "required": ["error"], "additionalProperties": False,
            "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }},
        },
        "Filters": filters,
        # A user turn is a question as asked, held to the question limit; an answer may be longer.
        "Turn": {"oneOf": [
            {"type": "object", "required": ["role", "content"], "additionalProperties": False,
             "properties": {"role": {"type": "string", "enum": ["user"]},
                            "content": {"type": "string", "maxLength": max_q}}},
            {"type": "object", "required": ["role", "content"], "additionalProperties": False,
             "properties": {"role": {"type": "string", "enum": ["assistant"]},
                            "content": {"type": "string", "maxLength": max_q * 4}}},
        ]},
        "AskRequest": {
            "type": "object", "required": ["question"], "additionalProperties": False,
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": max_q,
                             "pattern": r"\S"},
                "history": {"type": "array", "maxItems": 50, "items": _ref("Turn"),
                            "nullable": True},
                "filters": filters,
            },
        },
        "ChatRequest": {
            "type": "object", "required": ["question"], "additionalProperties": False,
            "properties": {
                "session_id": {**SESSION_ID, "nullable": True},
                "question": {"type": "string", "minLength": 1, "maxLength": max_q,
                             "pattern": r"\S"},
                "filters": filters,
            },
        },
        "Citation": {
            "type": "object",
            "required": ["article_id", "title", "date", "source", "quote", "start", "end"],
            "properties": {"article_id": {"type": "string"}, "title": {"type": "string"},
                           "date": NULLABLE_STR, "source": NULLABLE_STR,
                           "quote": {"type": "string", "minLength": 1},
                           "start": {"type": "integer", "minimum": 0},
                           "end": {"type": "integer", "minimum": 0}},
        },
        "Claim": claim,
        "Contest": {
            "type": "object", "required": ["topic", "sides"],
            "properties": {
                "topic": {"type": "string"}, "kind": {"type": "string"},
                "sides": {"type": "array", "minItems": 2, "items": {
                    "type": "object", "required": ["position", "claims"],
                    "properties": {"position": {"type": "string"},
                                   "claims": {"type": "array", "items": _ref("Claim")}},
                }},
            },
        },
        "Answer": {
            "type": "object",
            "required": ["answer", "abstained", "engine", "citations", "contested", "timings_ms"],
            "properties": {
                "answer": {"type": "string"}, "abstained": {"type": "boolean"},
                "engine": {"type": "string", "enum": ["extractive", "llm"]},
                "question": {"type": "string"},
                "citations": {"type": "array", "items": _ref("Citation")},
                "contested": {"type": "array", "items": _ref("Contest")},
                "notes": {"type": "array", "items": {"type": "string"}},
                "removed_citations": {"type": "integer", "minimum": 0},
                "unsupported_sentences": {"type": "integer", "minimum": 0},
                "timings_ms": {"type": "object", "additionalProperties": {"type": "number"}},
            },
        },
        "ChatAnswer": {"allOf": [_ref("Answer"), {
            "type": "object", "required": ["session_id"], "properties": {"session_id": SESSION_ID},
        }]},
        "Article": {
            "type": "object",
            "required": ["id", "title", "date", "source", "url", "text", "metadata", "n_chunks"],
            "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                           "date": NULLABLE_STR, "source": NULLABLE_STR, "url": NULLABLE_STR,
                           "text": {"type": "string"}, "metadata": {"type": "object"},
                           "n_chunks": {"type": "integer", "minimum": 0}},
        },
        "ArticlePage": {
            "type": "object", "required": ["total", "limit", "offset", "articles"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "articles": {"type": "array", "items": {
                    "type": "object", "required": ["id", "title", "date", "source", "snippet"],
                    "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                   "date": NULLABLE_STR, "source": NULLABLE_STR,
                                   "url": NULLABLE_STR, "snippet": {"type": "string"}},
                }},
            },
        },
        "Sources": {"type": "object", "required": ["sources"],
                    "properties": {"sources": {"type": "array", "items": {"type": "string"}}}},
        "Health": {"type": "object", "required": ["status"],
                   "properties": {"status": {"type": "string", "enum": ["ok"]}}},
        "Ready": {"type": "object", "required": ["status", "articles", "chunks"],
                  "properties": {"status": {"type": "string", "enum": ["ready"]},
                                 "articles": {"type": "integer", "minimum": 0},
                                 "chunks": {"type": "integer", "minimum": 0},
                                 "collection": {"type": "string"}}},
    }


def _sse(answer: str) -> dict:
    """Each Server-Sent Event (OpenAPI 3.0 describes a stream event by event)."""
    payload = {
        "type": "object", "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["delta", "reset", "answer", "error"]},
            "text": {"type": "string"}, "answer": _ref(answer),
            "status": {"type": "integer"},
            "error": {"type": "object", "required": ["code", "message"]},
        },
    }
    return {"text/event-stream": {"schema": {
        "type": "object", "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": ["delta", "reset", "answer", "error"]},
            "data": {"type": "string", "contentMediaType": "application/json",
                     "contentSchema": payload},
        },
    }}}


STREAM_DOC = ("Server-Sent Events: `delta` events `{\"type\":\"delta\",\"text\"}`, maybe a `reset` "
              "(discard the text so far), then one `answer` event `{\"type\":\"answer\",\"answer\"}`;"
              " an `error` event `{\"type\":\"error\",\"status\",\"error\"}` if it fails midway.")


def _post(summary: str, request: str, answer: str, stream: bool,
          errors=(400, 408, 413, 415, 429, 503)):
    ok = {"description": STREAM_DOC, "content": _sse(answer)} if stream else \
        {"description": "The answer.", **_json(_ref(answer))}
    op = {"summary": summary, "requestBody": {"required": True, **_json(_ref(request))},
          "responses": {"200": ok, **_errors(*errors)}, "security": [{}, {"bearer": []}]}
    return {"post": op}


def spec(settings: Settings) -> dict:
    """The whole OpenAPI document."""
    secured = [{}, {"bearer": []}]
    query = [
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
         "description": "Words that the title or text contains."},
        {"name": "source", "in": "query", "style": "form", "explode": True,
         "schema": {"type": "array", "maxItems": MAX_LIST,
                    "items": {"type": "string", "minLength": 1, "maxLength": 200,
                              "pattern": r"\S"}}},
        {"name": "after", "in": "query", "schema": DATE},
        {"name": "before", "in": "query", "schema": DATE},
        {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
        {"name": "offset", "in": "query",
         "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}},
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": "News QA", "version": "0.1.0",
                 "description": "Grounded answers over news articles, with citations and the "
                                "points on which the articles disagree."},
        "components": {
            "schemas": schemas(settings),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Required when QA_API_TOKEN is set."}},
        },
        "paths": {
            "/api/ask": _post("Answer a question (add ?stream=1 for the event stream of "
                              "/api/ask/stream).", "AskRequest", "Answer", False),
            "/api/ask/stream": _post("Answer a question, streamed.", "AskRequest", "Answer", True),
            "/api/chat": _post("One turn of a conversation kept on the server; omit session_id "
                               "to start one (add ?stream=1 to stream).", "ChatRequest",
                               "ChatAnswer", False, (400, 404, 408, 413, 415, 429, 503)),
            "/api/chat/stream": _post("One conversation turn, streamed.", "ChatRequest",
                                      "ChatAnswer", True, (400, 404, 408, 413, 415, 429, 503)),
            "/api/articles/{article_id}": {"get": {
                "summary": "One article's text and metadata.", "security": secured,
                "parameters": [{"name": "article_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": ARTICLE_ID_RE.pattern}}],
                "responses": {"200": {"description": "The article.", **_json(_ref("Article"))},
                              **_errors(401, 404, 429, 503)},
            }},
            "/api/articles": {"get": {
                "summary": "Search and list articles, newest first.", "security": secured,
                "parameters": query,
                "responses": {"200": {"description": "A page.", **_json(_ref("ArticlePage"))},
                              **_errors(400, 401, 429, 503)},
            }},
            "/api/sources": {"get": {
                "summary": "Outlets in the store.", "security": secured,
                "responses": {"200": {"description": "Outlet names.", **_json(_ref("Sources"))},
                              **_errors(401, 429, 503)},
            }},
            "/healthz": {"get": {"summary": "The process is up.", "responses": {
                "200": {"description": "Up.", **_json(_ref("Health"))}}}},
            "/readyz": {"get": {"summary": "The store answers.", "responses": {
                "200": {"description": "Ready.", **_json(_ref("Ready"))},
                **_errors(503)}}},
        },
    }
