"""Request guards and response headers: a per-client rate limit on ``/api/*`` and
``/slack/*``, bearer token on ``/api/*``, a body size limit, security headers with a strict
CSP, and CORS only for configured origins.

The rate limit is a token bucket per client address, shared by the workers of a host
(``rate_limit.py``), and counts every request, before the token is checked: a client guessing
tokens is limited like any other.
"""

from __future__ import annotations

import hmac
import math
from pathlib import Path

from flask import Flask, g, request

from ..config import WebSettings
from ..errors import PayloadTooLarge, RateLimited, Unauthorized
from .rate_limit import RateLimiter
from .request_body import BODY_ERROR

# Everything the page needs comes from this origin; nothing inline, nothing framed.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"


def _bearer_ok(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(),
                                                              expected.encode())


def install(app: Flask, cfg: WebSettings, data_dir: Path) -> None:
    """Adds the guards and headers to ``app`` (rate limit buckets live under ``data_dir``)."""
    path = data_dir / "rate-limits.sqlite3"
    limiters = {
        prefix: RateLimiter(path, per_minute)
        for prefix, per_minute in (("/api/", cfg.rate_limit_per_minute),
                                   ("/slack/", cfg.slack_rate_limit_per_minute))
        if per_minute
    }
    origins = set(cfg.cors_origins)

    @app.before_request
    def _guard():
        is_api = request.path.startswith("/api/")
        body_error = request.environ.get(BODY_ERROR)
        if body_error is not None:
            raise body_error
        length = request.content_length
        if length is not None and length > cfg.max_body_bytes:
            raise PayloadTooLarge(f"the body is {length} bytes; the limit is {cfg.max_body_bytes}")
        if request.method == "OPTIONS":
            return None
        for prefix, limiter in limiters.items():
            if request.path.startswith(prefix):
                # Per route family, so a busy Slack workspace does not use up the page's API.
                wait = limiter.take(prefix + (request.remote_addr or "unknown"))
                if wait > 0:
                    g.retry_after = wait
                    raise RateLimited(f"too many requests; try again in {math.ceil(wait)} s",
                                      retryable=True)
        if is_api and cfg.api_token and not _bearer_ok(cfg.api_token):
            raise Unauthorized("send 'Authorization: Bearer <token>' (QA_API_TOKEN)")
        return None

    @app.after_request
    def _headers(resp):
        if request.method == "OPTIONS" and resp.status_code == 200 and not resp.get_data():
            resp.status_code = 204  # Flask's automatic OPTIONS: say "no content", not empty HTML
            resp.headers.pop("Content-Type", None)
        for k, v in HEADERS.items():
            resp.headers.setdefault(k, v)
        if request.path.startswith("/api/") or request.path in ("/readyz", "/healthz", "/metrics"):
            resp.headers.setdefault("Cache-Control", "no-store")
        if resp.status_code == 429 and "retry_after" in g:
            resp.headers["Retry-After"] = str(math.ceil(g.retry_after))
        if resp.status_code == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        origin = request.headers.get("Origin")
        if origins and origin and (origin in origins or "*" in origins) \
                and request.path.startswith("/api/"):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Vary"] = "Origin"
            if request.method == "OPTIONS":
                resp.headers["Access-Control-Allow-Methods"] = CORS_METHODS
                resp.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
                resp.headers["Access-Control-Max-Age"] = "600"
        return resp

