"""The OpenAPI 3.1 description served at ``/openapi.json``: the component schemas come from the
contract's pydantic models (``qa/contract.py``), the paths are written here. Tests validate real
responses against it, and schemathesis fuzzes the API from it."""

from __future__ import annotations

import re

from pydantic.json_schema import models_json_schema

from ..config import Settings
from ..contract import CONTEST_ID_PATTERN, MAX_LIST, RESPONSES, VISIBLE, RequestModels
from ..domain import ARTICLE_ID_RE

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
        "example": "2021-09-01"}


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


def _name(model_name: str) -> str:
    """A component's name: the contract model's, less its ``Out``/``In`` suffix."""
    return re.sub(r"(?:Out|In)$", "", model_name)


def schemas(settings: Settings) -> dict:
    """The component schemas, generated from the contract's pydantic models."""
    requests = RequestModels(settings.answer.max_question_chars)
    models = [(requests.ask, "validation"), (requests.chat, "validation")]
    models += [(m, "serialization") for m in RESPONSES]
    _, doc = models_json_schema(models, ref_template="#/components/schemas/{model}")
    defs = doc.get("$defs", {})
    renamed = {_name(k): v for k, v in defs.items()}
    return _rename_refs(renamed)


def _rename_refs(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out[k] = "#/components/schemas/" + _name(v.rsplit("/", 1)[1])
            else:
                out[k] = _rename_refs(v)
        return out
    if isinstance(node, list):
        return [_rename_refs(v) for v in node]
    return node


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
                              "pattern": VISIBLE}}},
        {"name": "after", "in": "query", "schema": DATE},
        {"name": "before", "in": "query", "schema": DATE},
        {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
        {"name": "offset", "in": "query",
         "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}},
    ]
    return {
        "openapi": "3.1.0",
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
            "/api/contests": {"get": {
                "summary": "Contested points across the corpus: by how widely the weaker side "
                           "was carried, then latest first; with q, nearest in meaning first.",
                "security": secured,
                "parameters": [
                    {"name": "q", "in": "query", "description": "A topic, found by meaning.",
                     "schema": {"type": "string", "maxLength": settings.answer.max_question_chars}},
                    *[p for p in query if p["name"] != "q"],
                    {"name": "linked", "in": "query", "description": "true: only the contests "
                     "whose sides the evidence ties (a claim and its denial in one article; two "
                     "sources' figures for one event).",
                     "schema": {"type": "string", "enum": ["true", "false"], "default": "false"}},
                ],
                "responses": {"200": {"description": "A page.", **_json(_ref("ContestPage"))},
                              **_errors(400, 401, 429, 503)},
            }},
            "/api/contests/{contest_id}": {"get": {
                "summary": "One contested point.", "security": secured,
                "parameters": [{"name": "contest_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": CONTEST_ID_PATTERN}}],
                "responses": {"200": {"description": "The contest.", **_json(_ref("ListedContest"))},
                              **_errors(401, 404, 429, 503)},
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
