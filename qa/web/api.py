"""The JSON API (``/api/*``) and the operational endpoints (health, readiness, the spec).

Every request body is checked here before the service sees it, so bad input is a 4xx JSON error
and never reaches a stream that has already said 200.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from ..corpus import parse_date
from ..domain import ARTICLE_ID_RE, Filters
from ..errors import BadRequest, NotFound, QAError
from ..index import ArticleRecord

bp = Blueprint("api", __name__, url_prefix="/api")
ops = Blueprint("ops", __name__)

MAX_HISTORY = 50
MAX_LIST = 200


class UnsupportedMediaType(QAError):
    code = "unsupported_media_type"
    status = 415


def _service():
    return current_app.extensions["qa_service"]


# --- input -----------------------------------------------------------------------------------
def json_body(allowed: set[str]) -> dict:
    """The request's JSON object; anything else (wrong media type, malformed JSON, not an
    object, unknown fields) is a 4xx."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise BadRequest("the body is not UTF-8", code="malformed_json") from exc
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="malformed_json") from exc
    except RecursionError as exc:
        raise BadRequest("the body nests too deeply", code="malformed_json") from exc
    _check_text(body)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = set(body) - allowed
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_text(value) -> None:
    """Rejects strings that are not Unicode text (a ``\\ud800`` escape without its pair would
    fail later, when the question is tokenised or the answer encoded)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("the body contains an unpaired surrogate escape",
                                 code="malformed_json") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def check_date(value, key: str) -> str:
    """A real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or len(value) != 10 or parse_date(value) != value:
        raise BadRequest(f"'{key}' must be a date YYYY-MM-DD")
    return value


def parse_filters(raw) -> Filters:
    """``{"after", "before", "sources", "article_ids"}`` checked and turned into ``Filters``."""
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise BadRequest("'filters' must be an object")
    unknown = set(raw) - {"after", "before", "sources", "article_ids"}
    if unknown:
        raise BadRequest(f"unknown filter(s): {', '.join(sorted(map(str, unknown)))}")
    out = {}
    for key in ("after", "before"):
        if raw.get(key) is not None:
            out[key] = check_date(raw[key], key)
    for key in ("sources", "article_ids"):
        v = raw.get(key)
        if v is None:
            continue
        if (not isinstance(v, list) or len(v) > MAX_LIST
                or not all(isinstance(x, str) and x.strip() and len(x) <= 200 for x in v)):
            raise BadRequest(f"'{key}' must be a list of up to {MAX_LIST} non-empty strings")
        out[key] = tuple(v)
    return Filters(**out)


def parse_history(raw) -> list[dict]:
    """Client-kept history: up to 50 ``{"role": "user"|"assistant", "content": str}``."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_HISTORY:
        raise BadRequest(f"'history' must be a list of up to {MAX_HISTORY} turns")
    limit = current_app.extensions["qa_settings"].answer.max_question_chars * 4
    out = []
    for turn in raw:
        if (not isinstance(turn, dict) or set(turn) != {"role", "content"}
                or turn["role"] not in ("user", "assistant")
                or not isinstance(turn["content"], str) or len(turn["content"]) > limit):
            raise BadRequest("each history turn must be {\"role\": \"user\"|\"assistant\", "
                             f"\"content\": a string of at most {limit} characters}}")
        out.append({"role": turn["role"], "content": turn["content"]})
    return out


def parse_session_id(raw) -> str | None:
    """None for a new conversation, else a well-formed session ID."""
    if raw is None:
        return None
    return _service().sessions().check_id(raw)


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
    body = json_body({"question", "history", "filters"})
    history, filters = parse_history(body.get("history")), parse_filters(body.get("filters"))
    svc = _service()
    if _streaming():
        return sse(svc.ask_stream(body.get("question"), history, filters))
    return jsonify(_counted(svc.ask(body.get("question"), history, filters).to_json()))


@bp.post("/ask/stream")
def ask_stream():
    """``/api/ask`` as Server-Sent Events: ``delta``..., maybe ``reset``, then ``answer``."""
    body = json_body({"question", "history", "filters"})
    history, filters = parse_history(body.get("history")), parse_filters(body.get("filters"))
    return sse(_service().ask_stream(body.get("question"), history, filters))


@bp.post("/chat")
def chat():
    """One turn of a server-side conversation; the answer JSON plus ``session_id``."""
    body = json_body({"session_id", "question", "filters"})
    sid, filters = parse_session_id(body.get("session_id")), parse_filters(body.get("filters"))
    svc = _service()
    if _streaming():
        sid, events = svc.chat_stream(sid, body.get("question"), filters)
        return sse(events, {"session_id": sid})
    sid, answer = svc.chat(sid, body.get("question"), filters)
    return jsonify({**_counted(answer.to_json()), "session_id": sid})


@bp.post("/chat/stream")
def chat_stream():
    """``/api/chat`` as Server-Sent Events; the final ``answer`` carries ``session_id``."""
    body = json_body({"session_id", "question", "filters"})
    sid, filters = parse_session_id(body.get("session_id")), parse_filters(body.get("filters"))
    sid, events = _service().chat_stream(sid, body.get("question"), filters)
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
    return jsonify(article_json(_service().article(article_id), full=True))


ARTICLE_PARAMS = {"q", "source", "after", "before", "limit", "offset"}


@bp.get("/articles")
def articles():
    """Articles matching ``q`` (title or text), outlet and date range, newest first, paged."""
    unknown = set(request.args) - ARTICLE_PARAMS
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    limit = _int_arg("limit", 20, 1, 100)
    offset = _int_arg("offset", 0, 0, 100_000)
    q = request.args.get("q") or None
    if q is not None and len(q) > 200:
        raise BadRequest("'q' is longer than 200 characters")
    raw = {"sources": request.args.getlist("source") or None,
           "after": request.args.get("after"), "before": request.args.get("before")}
    filters = parse_filters(raw)
    page, total = _service().list_articles(filters, limit, offset, q)
    return jsonify({"total": total, "limit": limit, "offset": offset,
                    "articles": [article_json(r, full=False) for r in page]})


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,9}", raw):  # int() would also take " 5", "1_0" and "٣"
        raise BadRequest(f"'{name}' must be an integer")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadRequest(f"'{name}' must be between {lo} and {hi}")
    return value


@bp.get("/sources")
def sources():
    """Every outlet in the store, for the filter menu."""
    return jsonify({"sources": _service().sources()})


def article_json(rec: ArticleRecord, full: bool) -> dict:
    """An article as the API shows it (``full`` adds the text and metadata)."""
    a = rec.article
    out = {"id": a.id, "title": a.title, "date": a.date, "source": a.source, "url": a.url}
    if full:
        meta = {}
        for k, v in a.metadata:
            try:
                meta[k] = json.loads(v)
            except (TypeError, ValueError):
                meta[k] = v
        out.update(text=a.text, metadata=meta, n_chunks=rec.n_chunks)
    else:
        out["snippet"] = a.text[:240]
    return out


@ops.get("/healthz")
def healthz():
    """The process is up (no dependency is checked)."""
    return jsonify({"status": "ok"})


@ops.get("/readyz")
def readyz():
    """The store answers: 200 with counts, else 503 ``store_unavailable``."""
    return jsonify({"status": "ready", **_service().ready()})


@ops.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    from .openapi import spec

    return jsonify(spec(current_app.extensions["qa_settings"]))
