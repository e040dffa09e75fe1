"""Checking what clients send: JSON bodies, filters, history, session IDs, query integers.
Anything unusable is a 4xx ``QAError`` here, before a service call or a stream starts."""

from __future__ import annotations

import json
import re

from flask import current_app, request

from ..corpus import parse_date
from ..domain import Filters
from ..errors import BadRequest, QAError

MAX_HISTORY = 50
MAX_LIST = 200


class UnsupportedMediaType(QAError):
    code = "unsupported_media_type"
    status = 415


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
    """Client-kept history: up to 50 ``{"role": "user"|"assistant", "content": str}``; a user
    turn is a question as asked, so it is held to the question-length limit."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_HISTORY:
        raise BadRequest(f"'history' must be a list of up to {MAX_HISTORY} turns")
    question_limit = current_app.extensions["qa_settings"].answer.max_question_chars
    limits = {"user": question_limit, "assistant": question_limit * 4}
    out = []
    for turn in raw:
        if (not isinstance(turn, dict) or set(turn) != {"role", "content"}
                or turn["role"] not in ("user", "assistant") or not isinstance(turn["content"], str)
                or len(turn["content"]) > limits[turn["role"]]):
            raise BadRequest("each history turn must be {\"role\": \"user\"|\"assistant\", "
                             "\"content\": a string}, a user turn at most "
                             f"{limits['user']} characters, an assistant turn {limits['assistant']}")
        out.append({"role": turn["role"], "content": turn["content"]})
    return out


def parse_session_id(raw) -> str | None:
    """None for a new conversation, else a well-formed session ID."""
    if raw is None:
        return None
    return current_app.extensions["qa_service"].sessions().check_id(raw)


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
