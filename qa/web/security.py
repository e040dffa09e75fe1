"""Request guards and response headers: bearer token on ``/api/*``, a per-client rate limit,
a body size limit, security headers with a strict CSP, and CORS only for configured origins.

The rate limit is a token bucket per client address held in each worker process: with W
gunicorn workers a client can reach at most W times the limit, which still stops a runaway
client without a shared counter on every request.
"""

from __future__ import annotations

import hmac
import math
import threading
import time

from flask import Flask, g, request

from ..config import WebSettings
from ..errors import PayloadTooLarge, RateLimited, Unauthorized
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


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute per key, bursts up to the same number."""

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if now - self._last_sweep > 60:
                # A bucket untouched for a minute has refilled: it carries no state worth keeping.
                self._last_sweep = now
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60.0}
        return wait


def _bearer_ok(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(),
                                                              expected.encode())


def install(app: Flask, cfg: WebSettings) -> None:
    """Adds the guards and headers to ``app``."""
    limiter = RateLimiter(cfg.rate_limit_per_minute) if cfg.rate_limit_per_minute else None
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
        if not is_api or request.method == "OPTIONS":
            return None
        if cfg.api_token and not _bearer_ok(cfg.api_token):
            raise Unauthorized("send 'Authorization: Bearer <token>' (QA_API_TOKEN)")
        if limiter is not None:
            wait = limiter.take(request.remote_addr or "unknown")
            if wait > 0:
                g.retry_after = wait
                raise RateLimited(f"too many requests; try again in {math.ceil(wait)} s",
                                  retryable=True)
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

