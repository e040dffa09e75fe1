"""Flask app factory. Thin: every route calls ``QAService``; one handler makes every error."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..config import Settings
from ..contract import RequestModels
from ..errors import QAError
from ..service import QAService
from .request_body import RequestBodies


def create_app(service: QAService | None = None, settings: Settings | None = None) -> Flask:
    """The WSGI app over ``service`` (built from ``settings`` when not given)."""
    settings = settings or (service.settings if service else Settings())
    service = service or QAService(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.web.max_body_bytes
    # Bodies are read whole, within a size and a time limit, before any view runs.
    app.wsgi_app = RequestBodies(app.wsgi_app, settings.web.max_body_bytes,
                                 settings.web.body_timeout_s)
    app.json.sort_keys = False
    app.extensions["qa_service"] = service
    app.extensions["qa_settings"] = settings
    app.extensions["qa_requests"] = RequestModels(settings.answer.max_question_chars)

    # The one place where an exception becomes the JSON error shape (streams reuse it through
    # ``app.handle_user_exception``).
    @app.errorhandler(Exception)
    def _error(exc: Exception):
        if isinstance(exc, QAError):
            body, status = exc.to_dict(), exc.status
        elif isinstance(exc, HTTPException):
            code = (exc.name or "error").lower().replace(" ", "_")
            body = {"error": {"code": code, "message": exc.description or exc.name}}
            status = exc.code or 500
        else:
            app.logger.exception("unhandled error")
            body, status = {"error": {"code": "internal", "message": "internal error"}}, 500
        resp = jsonify(body)
        resp.status_code = status
        if isinstance(exc, HTTPException) and status == 405:
            resp.headers["Allow"] = ", ".join(exc.valid_methods or ())
        return resp

    from . import api, metrics, page, security

    security.install(app, settings.web, settings.store.data_dir)
    metrics.install(app)
    app.register_blueprint(api.ops)
    app.register_blueprint(api.bp)
    app.register_blueprint(page.bp)
    if settings.slack.signing_secret and settings.slack.bot_token:
        from .slack import register_slack  # slack_bolt is imported only when Slack is set up

        register_slack(app, service, settings)
    return app
