"""Checking what clients send: JSON bodies (parsed here, their fields checked by the contract's
request models, ``qa/contract.py``), filters, query integers. Anything unusable is a 4xx
``QAError`` here, before a service call or a stream starts."""

from __future__ import annotations

import json
import re

from flask import current_app, request

from ..contract import filters_from as parse_filters  # noqa: F401  (the routes' name for it)
from ..domain import Filters
from ..errors import BadRequest, QAError


class UnsupportedMediaType(QAError):
    code = "unsupported_media_type"
    status = 415


def json_body() -> dict:
    """The request's JSON object (its fields are checked by the contract's request models);
    anything else (wrong media type, malformed JSON, not an object) is a 4xx."""
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
    return body


def ask_request():
    """``POST /api/ask``'s body: the question, its history as turns, its filters."""
    req = _parse("ask")
    history = [t.model_dump() for t in req.history or []]
    return req.question, history, req.filters.to_filters() if req.filters else Filters()


def chat_request():
    """``POST /api/chat``'s body: an existing session's ID (checked) or None, the question, its
    filters."""
    req = _parse("chat")
    sid = None
    if req.session_id is not None:
        sid = current_app.extensions["qa_service"].sessions().check_id(req.session_id)
    return sid, req.question, req.filters.to_filters() if req.filters else Filters()


def _parse(which: str):
    models = current_app.extensions["qa_requests"]
    return models.parse(getattr(models, which), json_body())


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


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """Query parameter ``name`` as an integer in ``[lo, hi]`` (``default`` when absent)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,9}", raw):  # int() would also take " 5", "1_0" and "٣"
        raise BadRequest(f"'{name}' must be an integer")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadRequest(f"'{name}' must be between {lo} and {hi}")
    return value
