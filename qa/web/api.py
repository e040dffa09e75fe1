"""The JSON API (``/api/*``) and the operational endpoints (health, readiness, the spec).

Every request is checked (``inputs.py``) before the service sees it, so bad input is a 4xx JSON
error and never reaches a stream that has already said 200.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from ..domain import ARTICLE_ID_RE
from ..errors import BadRequest, NotFound
from ..index import ArticleRecord
from ..contract import (CONTEST_ID_PATTERN, AnswerOut, ArticleBriefOut, ArticleOut,
                        ArticlePageOut, ChatAnswerOut, ContestPageOut, HealthOut, ReadyOut,
                        SourcesOut)
from .inputs import ask_request, chat_request, int_arg, parse_filters

bp = Blueprint("api", __name__, url_prefix="/api")
ops = Blueprint("ops", __name__)


def _service():
    return current_app.extensions["qa_service"]


def _streaming() -> bool:
    return request.args.get("stream", "0") in ("1", "true")


# --- streams ---------------------------------------------------------------------------------
def sse(events: Iterator[dict], extra: dict | None = None) -> Response:
    """Server-Sent Events: one ``event: <type>`` per dict. The first event is produced before
    the response starts, so a store outage before any text still answers 503 JSON."""
    first = next(events)
    app = current_app._get_current_object()
    metrics = app.extensions.get("qa_metrics")

    def frame(ev: dict) -> str:
        if ev.get("type") == "answer":
            if metrics:
                metrics.answered(ev["answer"])
            if extra:
                ev = {**ev, "answer": {**ev["answer"], **extra}}
        return f"event: {ev.get('type', 'message')}\ndata: {json.dumps(ev, ensure_ascii=False)}\n\n"

    def body():
        yield frame(first)
        try:
            for ev in events:
                yield frame(ev)
        except Exception as exc:  # noqa: BLE001 - the status is sent; report it in the stream
            resp = app.handle_user_exception(exc)
            yield frame({"type": "error", "status": resp.status_code, **resp.get_json()})

    return Response(stream_with_context(body()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# --- routes ----------------------------------------------------------------------------------
@bp.post("/ask")
def ask():
    """One question; the answer as JSON, or as an event stream with ``?stream=1``."""
    question, history, filters = ask_request()
    svc = _service()
    if _streaming():
        return sse(svc.ask_stream(question, history, filters))
    return jsonify(_counted(AnswerOut.of(svc.ask(question, history, filters)).model_dump(mode="json")))


@bp.post("/ask/stream")
def ask_stream():
    """``/api/ask`` as Server-Sent Events: ``delta``..., maybe ``reset``, then ``answer``."""
    question, history, filters = ask_request()
    return sse(_service().ask_stream(question, history, filters))


@bp.post("/chat")
def chat():
    """One turn of a server-side conversation; the answer JSON plus ``session_id``."""
    sid, question, filters = chat_request()
    svc = _service()
    if _streaming():
        sid, events = svc.chat_stream(sid, question, filters)
        return sse(events, {"session_id": sid})
    sid, answer = svc.chat(sid, question, filters)
    out = ChatAnswerOut(**AnswerOut.of(answer).model_dump(), session_id=sid)
    return jsonify(_counted(out.model_dump(mode="json")))


@bp.post("/chat/stream")
def chat_stream():
    """``/api/chat`` as Server-Sent Events; the final ``answer`` carries ``session_id``."""
    sid, question, filters = chat_request()
    sid, events = _service().chat_stream(sid, question, filters)
    return sse(events, {"session_id": sid})


def _counted(answer_json: dict) -> dict:
    metrics = current_app.extensions.get("qa_metrics")
    if metrics:
        metrics.answered(answer_json)
    return answer_json


@bp.get("/articles/<path:article_id>")
def article(article_id: str):
    """One article: text and metadata."""
    if not ARTICLE_ID_RE.match(article_id):
        raise NotFound(f"no article with ID {article_id!r}")
    return jsonify(article_out(_service().article(article_id)).model_dump(mode="json"))


LIST_PARAMS = {"q", "source", "after", "before", "limit", "offset"}
#: ``/api/contests`` also takes ``linked=true`` (only the contests whose sides the evidence ties).
CONTEST_PARAMS = LIST_PARAMS | {"linked"}


def list_args(max_q: int, params: set[str] = LIST_PARAMS):
    """A list route's query: ``q`` (at most ``max_q`` characters), filters, limit, offset."""
    unknown = set(request.args) - params
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    limit = int_arg("limit", 20, 1, 100)
    offset = int_arg("offset", 0, 0, 100_000)
    q = request.args.get("q") or None
    if q is not None and len(q) > max_q:
        raise BadRequest(f"'q' is longer than {max_q} characters")
    raw = {"sources": request.args.getlist("source") or None,
           "after": request.args.get("after"), "before": request.args.get("before")}
    return q, parse_filters(raw), limit, offset


@bp.get("/articles")
def articles():
    """Articles matching ``q`` (title or text), outlet and date range, newest first, paged."""
    q, filters, limit, offset = list_args(200)
    page, total = _service().list_articles(filters, limit, offset, q)
    out = ArticlePageOut(total=total, limit=limit, offset=offset,
                         articles=[article_brief(r) for r in page])
    return jsonify(out.model_dump(mode="json"))


@bp.get("/contests")
def contests():
    """Contested points across the corpus, filtered by dates and outlets, ``q`` by meaning."""
    q, filters, limit, offset = list_args(
        current_app.extensions["qa_settings"].answer.max_question_chars, CONTEST_PARAMS)
    linked = request.args.get("linked", "false")
    if linked not in ("true", "false"):
        raise BadRequest("'linked' must be true or false")
    page, total = _service().list_contests(q, filters, limit, offset, linked=linked == "true")
    out = ContestPageOut(total=total, limit=limit, offset=offset, contests=page)
    return jsonify(out.model_dump(mode="json"))


@bp.get("/contests/<path:contest_id>")
def contest(contest_id: str):
    """One contested point."""
    if not re.match(CONTEST_ID_PATTERN, contest_id):
        raise NotFound(f"no contest with ID {contest_id!r}")
    return jsonify(_service().contest(contest_id).model_dump(mode="json"))


@bp.get("/sources")
def sources():
    """Every outlet in the store, for the filter menu."""
    return jsonify(SourcesOut(sources=_service().sources()).model_dump(mode="json"))


def article_out(rec: ArticleRecord) -> ArticleOut:
    """An article with its text and metadata (metadata values decoded from the JSON they
    were stored as)."""
    a = rec.article
    meta = {}
    for k, v in a.metadata:
        try:
            meta[k] = json.loads(v)
        except (TypeError, ValueError):
            meta[k] = v
    return ArticleOut(id=a.id, title=a.title, date=a.date, source=a.source, url=a.url,
                      text=a.text, metadata=meta, n_chunks=rec.n_chunks)


def article_brief(rec: ArticleRecord) -> ArticleBriefOut:
    """An article in a list: a snippet instead of the text."""
    a = rec.article
    return ArticleBriefOut(id=a.id, title=a.title, date=a.date, source=a.source, url=a.url,
                           snippet=a.text[:240])


@ops.get("/healthz")
def healthz():
    """The process is up (no dependency is checked)."""
    return jsonify(HealthOut(status="ok").model_dump(mode="json"))


@ops.get("/readyz")
def readyz():
    """The store answers: 200 with counts, else 503 ``store_unavailable``."""
    return jsonify(ReadyOut(status="ready", **_service().ready()).model_dump(mode="json",
                                                                               exclude_none=True))


@ops.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    from .openapi import spec

    return jsonify(spec(current_app.extensions["qa_settings"]))
