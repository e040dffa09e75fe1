"""Flask app factory. Thin: every route calls ``QAService``; one handler makes every error."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from ..config import Settings
from ..domain import Filters
from ..errors import BadRequest, QAError
from ..service import QAService


def create_app(service: QAService | None = None, settings: Settings | None = None) -> Flask:
    """The WSGI app over ``service`` (built from ``settings`` when not given)."""
    settings = settings or (service.settings if service else Settings())
    service = service or QAService(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.web.max_body_bytes
    app.extensions["qa_service"] = service

    @app.errorhandler(QAError)
    def _qa_error(exc: QAError):
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": {"code": code, "message": exc.description or exc.name}}), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return jsonify({"error": {"code": "internal", "message": "internal error"}}), 500

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        return jsonify({"status": "ready", **service.ready()})

    @app.post("/api/ask")
    def ask():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object with a 'question'")
        answer = service.ask(body.get("question"), body.get("history") or (),
                             parse_filters(body.get("filters")))
        return jsonify(answer.to_json())

    return app


def parse_filters(raw) -> Filters:
    """``{"after", "before", "sources", "article_ids"}`` checked and turned into ``Filters``."""
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise BadRequest("'filters' must be an object")
    unknown = set(raw) - {"after", "before", "sources", "article_ids"}
    if unknown:
        raise BadRequest(f"unknown filter(s): {', '.join(sorted(unknown))}")
    from ..corpus import parse_date

    out = {}
    for key in ("after", "before"):
        v = raw.get(key)
        if v in (None, ""):
            continue
        if not isinstance(v, str) or parse_date(v) != v[:10] or len(v) != 10:
            raise BadRequest(f"'{key}' must be a date YYYY-MM-DD")
        out[key] = v
    for key in ("sources", "article_ids"):
        v = raw.get(key)
        if v in (None, []):
            continue
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) or len(v) > 200:
            raise BadRequest(f"'{key}' must be a list of up to 200 non-empty strings")
        out[key] = tuple(v)
    return Filters(**out)
